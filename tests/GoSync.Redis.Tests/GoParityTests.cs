// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Redis.Tests.Infrastructure;
using GoSync.Tests.Reference;

namespace GoSync.Redis.Tests;

/// <summary>
/// Go's sync/map_test.go cases that apply to a map on a server, one test per Go test, named after it; the
/// randomized ones compare every result with the in-process suite's reference maps (Go's RWMutexMap and DeepCopyMap,
/// linked from tests/GoSync.Tests/Reference).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class GoParityTests(RedisServerFixture server)
{
    private const int Sequences = 30;
    private const int MaxCalls = 60;

    /// <summary>TestMapMatchesRWMutex and TestMapMatchesDeepCopy: seeded random call sequences, every result and the final contents equal both references'.</summary>
    [Theory]
    [MemberData(nameof(MapConfigs.ShardsAndScripts), MemberType = typeof(MapConfigs))]
    public void MapMatchesRWMutexAndDeepCopy(int shards, bool scripts)
    {
        int seed = TestEnvironment.Seed(20170427 + shards + (scripts ? 0 : 10));
        var random = new Random(seed);
        for (int sequence = 0; sequence < Sequences * TestEnvironment.StressScale; sequence++)
        {
            var m = MapConfigs.Create<string, int>(server.Database, nameof(MapMatchesRWMutexAndDeepCopy), shards, scripts);
            IGoMap<string, int>[] references = [new LockedDictionaryMap<string, int>(), new CopyOnWriteMap<string, int>()];
            int length = random.Next(MaxCalls + 1);
            var log = new List<string>();
            for (int i = 0; i < length; i++)
            {
                string key = "k" + random.Next(8);
                int a = random.Next(4), b = random.Next(4);
                int op = random.Next(10);
                string got = Apply(m, op, key, a, b);
                log.Add($"{Name(op)}({key}, {a}, {b}) -> {got}");
                foreach (IGoMap<string, int> r in references)
                {
                    string want = Apply(r, op, key, a, b);
                    Assert.True(want == got, $"seed {seed} (GOSYNC_SEED), sequence {sequence}, call {i}: {r.GetType().Name} gave {want}\n{string.Join("\n", log)}");
                }
            }

            Assert.Equal(Contents(references[0]), Contents(m));
        }
    }

    /// <summary>TestConcurrentRange: while writers store multiples of each key, every Range sees each key with a multiple of it.</summary>
    [Fact]
    public void ConcurrentRange()
    {
        const int MapSize = 1 << 9;
        var m = MapConfigs.Create<long, long>(server.Database, nameof(ConcurrentRange), 1, scripts: true);
        for (long n = 1; n <= MapSize; n++)
        {
            m.Store(n, n);
        }

        int done = 0;
        var writers = Enumerable.Range(0, 2).Select(g => (Action)(() =>
        {
            using var connection = server.Connect();
            var w = new RedisSyncMap<long, long>(connection.GetDatabase(), m.Name);
            var r = new Random(g);
            for (long i = 0; i < 100_000 && Volatile.Read(ref done) == 0; i++)
            {
                long n = r.NextInt64(1, MapSize + 1);
                w.Store(n, n * i * g);
                w.Load(n, out _);
            }
        }));
        Action ranger = () =>
        {
            for (int i = 0; i < 8; i++)
            {
                var seen = new HashSet<long>();
                m.Range((k, v) =>
                {
                    Assert.True(v % k == 0, $"while Storing multiples of {k}, Range saw value {v}");
                    Assert.True(seen.Add(k), $"Range visited key {k} twice");
                    return true;
                });
                Assert.Equal(MapSize, seen.Count);
            }

            Volatile.Write(ref done, 1);
        };
        Limits.RunTogether([.. writers, ranger]);
    }

    /// <summary>TestMapRangeNestedCall: every operation, a nested Range included, may run inside Range's callback.</summary>
    [Fact]
    public void MapRangeNestedCall()
    {
        var m = MapConfigs.Create<int, string>(server.Database, nameof(MapRangeNestedCall), 1, scripts: true);
        for (int i = 0; i < 3; i++)
        {
            m.Store(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        m.Range((key, value) =>
        {
            m.Range((k, v) =>
            {
                Assert.True(m.Load(k, out string? loaded) && loaded == v);
                Assert.Equal(v, m.LoadOrStore(k, "dummy", out bool ok));
                Assert.True(ok);
                m.Store(k, "42");
                Assert.True(m.LoadAndDelete(k, out string? deleted) && deleted == "42");
                m.Store(k, v);
                return true;
            });

            m.Delete(key);
            return true;
        });

        Assert.Equal(0, m.Count);
    }

    /// <summary>TestCompareAndSwap_NonExistingKey: CompareAndSwap and CompareAndDelete on an absent key fail, even with the zero value.</summary>
    [Fact]
    public void CompareAndSwap_NonExistingKey()
    {
        var m = MapConfigs.Create<int, int>(server.Database, nameof(CompareAndSwap_NonExistingKey), 1, scripts: true);
        Assert.False(m.CompareAndSwap(1, 0, 42));
        Assert.False(m.Load(1, out _));
        Assert.False(m.CompareAndDelete(1, 0));
    }

    /// <summary>TestConcurrentClear: Clear racing with stores leaves the map consistent (Count equals what Range sees).</summary>
    [Fact]
    public void ConcurrentClear()
    {
        var m = MapConfigs.Create<int, int>(server.Database, nameof(ConcurrentClear), 1, scripts: true);
        Limits.RunTogether(
            () =>
            {
                for (int i = 0; i < 300; i++)
                {
                    m.Store(i, i);
                }
            },
            () =>
            {
                using var connection = server.Connect();
                var c = new RedisSyncMap<int, int>(connection.GetDatabase(), m.Name);
                for (int i = 0; i < 20; i++)
                {
                    c.Clear();
                }
            });
        int visited = 0;
        m.Range((k, v) =>
        {
            Assert.Equal(k, v);
            visited++;
            return true;
        });
        Assert.Equal(m.Count, visited);
        m.Clear();
        Assert.True(m.IsEmpty);
    }

    /// <summary>TestMapDelete / TestMapClear.</summary>
    [Fact]
    public void MapDeleteAndClear()
    {
        var m = MapConfigs.Create<int, int>(server.Database, nameof(MapDeleteAndClear), 3, scripts: true);
        for (int i = 0; i < 100; i++)
        {
            m.Store(i, i);
        }

        m.Delete(5);
        Assert.False(m.Load(5, out _));
        Assert.Equal(99, m.Count);
        m.Clear();
        Assert.Equal(0, m.Count);
        m.Range((_, _) => throw new InvalidOperationException("Range on a cleared map called its callback"));
    }

    private static string Name(int op) => op switch
    {
        0 => "Load",
        1 => "Store",
        2 => "LoadOrStore",
        3 => "LoadAndDelete",
        4 => "Delete",
        5 => "Swap",
        6 => "CompareAndSwap",
        7 => "CompareAndDelete",
        8 => "Clear",
        _ => "Range",
    };

    private static string Apply(IGoMap<string, int> m, int op, string key, int a, int b) => op switch
    {
        0 => m.Load(key, out int v) ? $"{v} true" : "false",
        1 => Do(() => m.Store(key, a)),
        2 => $"{m.LoadOrStore(key, a, out bool loaded)} {loaded}",
        3 => m.LoadAndDelete(key, out int v) ? $"{v} true" : "false",
        4 => Do(() => m.Delete(key)),
        5 => m.Swap(key, a, out int p) ? $"{p} true" : "false",
        6 => m.CompareAndSwap(key, b, a).ToString(),
        7 => m.CompareAndDelete(key, b).ToString(),
        8 => Do(m.Clear),
        _ => RangeText(m.Range),
    };

    private static string Apply(RedisSyncMap<string, int> m, int op, string key, int a, int b) => op switch
    {
        0 => m.Load(key, out int v) ? $"{v} true" : "false",
        1 => Do(() => m.Store(key, a)),
        2 => $"{m.LoadOrStore(key, a, out bool loaded)} {loaded}",
        3 => m.LoadAndDelete(key, out int v) ? $"{v} true" : "false",
        4 => Do(() => m.Delete(key)),
        5 => m.Swap(key, a, out int p) ? $"{p} true" : "false",
        6 => m.CompareAndSwap(key, b, a).ToString(),
        7 => m.CompareAndDelete(key, b).ToString(),
        8 => Do(m.Clear),
        _ => RangeText(m.Range),
    };

    private static string Do(Action a)
    {
        a();
        return "()";
    }

    private static string RangeText(Action<Func<string, int, bool>> range)
    {
        var pairs = new List<string>();
        range((k, v) =>
        {
            pairs.Add($"{k}={v}");
            return true;
        });
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(",", pairs);
    }

    private static string Contents(IGoMap<string, int> m) => RangeText(m.Range);

    private static string Contents(RedisSyncMap<string, int> m) => RangeText(m.Range);
}
