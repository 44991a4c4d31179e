// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Serialization;
using GoSync.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace GoSync.Redis.Tests;

/// <summary>Each of Go's operations, synchronous and asynchronous, on every configuration (shards x scripts/transactions).</summary>
[Collection(RedisCollection.Name)]
public sealed class OperationTests(RedisServerFixture server)
{
    [Theory]
    [MemberData(nameof(MapConfigs.ShardsAndScripts), MemberType = typeof(MapConfigs))]
    public void GoOperations_HaveGosMeaning(int shards, bool scripts)
    {
        var m = MapConfigs.Create<string, int>(server.Database, nameof(GoOperations_HaveGosMeaning), shards, scripts);

        Assert.True(m.IsEmpty);
        Assert.False(m.Load("a", out _));
        m.Store("a", 1);
        Assert.True(m.Load("a", out int a));
        Assert.Equal(1, a);

        Assert.Equal(1, m.LoadOrStore("a", 5, out bool loaded));
        Assert.True(loaded);
        Assert.Equal(2, m.LoadOrStore("b", 2, out loaded));
        Assert.False(loaded);

        Assert.True(m.Swap("a", 3, out int previous));
        Assert.Equal(1, previous);
        Assert.False(m.Swap("c", 7, out previous));
        Assert.Equal(0, previous);

        Assert.True(m.CompareAndSwap("a", 3, 4));
        Assert.False(m.CompareAndSwap("a", 3, 5));
        Assert.False(m.CompareAndSwap("missing", 0, 5));
        Assert.False(m.Load("missing", out _));

        Assert.False(m.CompareAndDelete("b", 9));
        Assert.True(m.CompareAndDelete("b", 2));
        Assert.False(m.CompareAndDelete("missing", 0));

        Assert.True(m.LoadAndDelete("a", out int deleted));
        Assert.Equal(4, deleted);
        Assert.False(m.LoadAndDelete("a", out _));

        m.Delete("c");
        m.Delete("c");
        Assert.True(m.IsEmpty);
        Assert.Equal(0, m.Count);
    }

    [Theory]
    [MemberData(nameof(MapConfigs.ShardsAndScripts), MemberType = typeof(MapConfigs))]
    public async Task AsyncOperations_HaveGosMeaning(int shards, bool scripts)
    {
        var m = MapConfigs.Create<string, int>(server.Database, nameof(AsyncOperations_HaveGosMeaning), shards, scripts);

        Assert.True(await m.IsEmptyAsync());
        Assert.False((await m.LoadAsync("a")).Ok);
        await m.StoreAsync("a", 1);
        Assert.Equal((1, true), await m.LoadAsync("a"));
        Assert.Equal((1, true), await m.LoadOrStoreAsync("a", 5));
        Assert.Equal((2, false), await m.LoadOrStoreAsync("b", 2));
        Assert.Equal((1, true), await m.SwapAsync("a", 3));
        Assert.Equal((0, false), await m.SwapAsync("c", 7));
        Assert.True(await m.CompareAndSwapAsync("a", 3, 4));
        Assert.False(await m.CompareAndSwapAsync("a", 3, 5));
        Assert.False(await m.CompareAndDeleteAsync("b", 9));
        Assert.True(await m.CompareAndDeleteAsync("b", 2));
        Assert.Equal((4, true), await m.LoadAndDeleteAsync("a"));
        Assert.Equal((0, false), await m.LoadAndDeleteAsync("a"));
        Assert.Equal(1, await m.CountAsync());

        var seen = new List<KeyValuePair<string, int>>();
        await foreach (KeyValuePair<string, int> pair in m.RangeAsync())
        {
            seen.Add(pair);
        }

        Assert.Equal([new KeyValuePair<string, int>("c", 7)], seen);
        await m.DeleteAsync("c");
        Assert.True(await m.IsEmptyAsync());

        await m.StoreAsync("x", 1);
        await m.ClearAsync();
        Assert.Equal(0, await m.CountAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CountAndClear_CoverEveryShard(int shards)
    {
        var m = MapConfigs.Create<int, int>(server.Database, nameof(CountAndClear_CoverEveryShard), shards, scripts: true);
        for (int i = 0; i < 200; i++)
        {
            m.Store(i, i);
        }

        Assert.Equal(200, m.Count);
        Assert.Equal(200, m.LongCount());
        Assert.Equal(shards, m.ShardKeys.Count);

        // Every shard holds part of the map (200 keys over 4 shards: none is empty), and the parts add up.
        long sum = 0;
        foreach (RedisKey shard in m.ShardKeys)
        {
            long n = server.Database.HashLength(shard);
            Assert.True(n > 0, $"shard {shard} is empty");
            sum += n;
        }

        Assert.Equal(200, sum);

        m.Clear();
        Assert.Equal(0, m.Count);
        Assert.True(m.IsEmpty);
        foreach (RedisKey shard in m.ShardKeys)
        {
            Assert.False(server.Database.KeyExists(shard));
        }
    }

    [Fact]
    public void ShardKeys_AreHashTagged_AndPlacementIsStable()
    {
        RedisKey name = RedisServerFixture.NewName(nameof(ShardKeys_AreHashTagged_AndPlacementIsStable));
        var options = new RedisSyncMapOptions<string, int> { ShardCount = 3 };
        var a = new RedisSyncMap<string, int>(server.Database, name, options);
        foreach (RedisKey key in a.ShardKeys)
        {
            string text = key.ToString();
            Assert.StartsWith("{", text, StringComparison.Ordinal);
            Assert.EndsWith("}", text, StringComparison.Ordinal);
        }

        // A second instance (another process, in effect) finds every key the first stored.
        a.Store("k1", 1);
        a.Store("k2", 2);
        a.Store("k3", 3);
        var b = new RedisSyncMap<string, int>(server.Database, name, options);
        Assert.True(b.Load("k1", out int v1) && v1 == 1);
        Assert.True(b.Load("k2", out int v2) && v2 == 2);
        Assert.True(b.Load("k3", out int v3) && v3 == 3);

        // FNV-1a's published test vector: the placement function must never change.
        Assert.Equal(0xe40c292cu, RedisSyncMap<string, int>.Fnv1a("a"u8));
    }

    [Fact]
    public void UnshardedMap_IsOneHashNamedAsTheMap_WithRawFields()
    {
        RedisKey name = RedisServerFixture.NewName(nameof(UnshardedMap_IsOneHashNamedAsTheMap_WithRawFields));
        var m = new RedisSyncMap<string, long>(server.Database, name);
        m.Store("answer", 42);
        Assert.Equal("42", (string?)server.Database.HashGet(name, "answer"));

        // What a hand-written program stores, the map reads.
        server.Database.HashSet(name, "other", 7);
        Assert.True(m.Load("other", out long other));
        Assert.Equal(7, other);
    }

    [Fact]
    public void RawSerializers_RoundTripEveryType()
    {
        var db = server.Database;
        RoundTrip(db, "text", "héllo");
        RoundTrip(db, new byte[] { 0, 1, 255 }, new byte[] { 9 });
        RoundTrip(db, true, false);
        RoundTrip(db, (byte)200, (byte)1);
        RoundTrip(db, (short)-3, short.MaxValue);
        RoundTrip(db, -5, int.MinValue);
        RoundTrip(db, long.MaxValue, long.MinValue);
        RoundTrip(db, (ushort)65535, (ushort)0);
        RoundTrip(db, uint.MaxValue, 1u);
        RoundTrip(db, ulong.MaxValue, 0ul);
        RoundTrip(db, 0.1f, float.NaN);
        RoundTrip(db, 0.1, double.NegativeInfinity);
        RoundTrip(db, Guid.NewGuid(), Guid.Empty);
    }

    [Fact]
    public void JsonValues_RoundTrip_AndCompareAndSwapComparesSerializedBytes()
    {
        var m = new RedisSyncMap<int, Point>(server.Database, RedisServerFixture.NewName(nameof(JsonValues_RoundTrip_AndCompareAndSwapComparesSerializedBytes)));
        m.Store(1, new Point(1, 2));
        Assert.True(m.Load(1, out Point? p));
        Assert.Equal(new Point(1, 2), p);

        // Equal contents give equal JSON, so a different instance matches.
        Assert.True(m.CompareAndSwap(1, new Point(1, 2), new Point(3, 4)));
        Assert.False(m.CompareAndSwap(1, new Point(1, 2), new Point(5, 6)));
        Assert.True(m.CompareAndDelete(1, new Point(3, 4)));
        Assert.True(m.IsEmpty);
    }

    [Fact]
    public void SourceGeneratedContext_IsAccepted()
    {
        var options = new RedisSyncMapOptions<string, Point>
        {
            ValueSerializer = RedisSerializer.Json(TestJsonContext.Default.Point),
        };
        var m = new RedisSyncMap<string, Point>(server.Database, RedisServerFixture.NewName(nameof(SourceGeneratedContext_IsAccepted)), options);
        m.Store("p", new Point(7, 8));
        Assert.True(m.Load("p", out Point? p));
        Assert.Equal(new Point(7, 8), p);

        var viaOptions = new RedisSyncMapOptions<string, Point>
        {
            ValueSerializer = RedisSerializer.Json<Point>(TestJsonContext.Default.Options),
        };
        var same = new RedisSyncMap<string, Point>(server.Database, m.Name, viaOptions);
        Assert.True(same.CompareAndSwap("p", new Point(7, 8), new Point(9, 9)));
    }

    [Fact]
    public void CompareAndSwap_ComparesBytes_NotEquals()
    {
        // A serializer whose bytes differ for values that Equals calls equal: CompareAndSwap follows the bytes.
        var options = new RedisSyncMapOptions<string, string> { ValueSerializer = new CaseKeepingSerializer() };
        var m = new RedisSyncMap<string, string>(server.Database, RedisServerFixture.NewName(nameof(CompareAndSwap_ComparesBytes_NotEquals)), options);
        m.Store("k", "Value");
        Assert.False(m.CompareAndSwap("k", "VALUE", "other"));
        Assert.True(m.CompareAndSwap("k", "Value", "other"));
    }

    [Fact]
    public void NullValues_AreStoredThroughJson()
    {
        var options = new RedisSyncMapOptions<string, string?> { ValueSerializer = RedisSerializer.Json(TestJsonContext.Default.String) };
        var m = new RedisSyncMap<string, string?>(server.Database, RedisServerFixture.NewName(nameof(NullValues_AreStoredThroughJson)), options);
        m.Store("k", null);
        Assert.True(m.Load("k", out string? v));
        Assert.Null(v);
        Assert.True(m.CompareAndSwap("k", null, "x"));
    }

    [Fact]
    public void BothMaps_RunTheSameCodeThroughISyncMap()
    {
        ISyncMap<string, int>[] maps =
        [
            new SyncMap<string, int>(),
            new RedisSyncMap<string, int>(server.Database, RedisServerFixture.NewName(nameof(BothMaps_RunTheSameCodeThroughISyncMap))),
        ];
        foreach (ISyncMap<string, int> m in maps)
        {
            m.Store("a", 1);
            Assert.Equal(1, m.LoadOrStore("a", 2, out bool loaded));
            Assert.True(loaded);
            Assert.True(m.Swap("a", 3, out int previous) && previous == 1);
            Assert.True(m.CompareAndSwap("a", 3, 4));
            m.Store("b", 2);
            int visited = 0;
            m.Range((_, _) => ++visited > 0);
            Assert.Equal(2, visited);
            Assert.Equal(2, m.Count);
            Assert.True(m.LoadAndDelete("a", out int a) && a == 4);
            Assert.True(m.CompareAndDelete("b", 2));
            m.Store("c", 3);
            m.Delete("c");
            m.Store("d", 4);
            m.Clear();
            Assert.Equal(0, m.Count);
            Assert.False(m.Load("d", out _));
        }
    }

    private void RoundTrip<T>(IDatabase db, T first, T second)
        where T : notnull
    {
        var m = new RedisSyncMap<T, T>(db, RedisServerFixture.NewName("RoundTrip-" + typeof(T).Name));
        m.Store(first, second);
        Assert.True(m.Load(first, out T? loaded));
        Assert.Equal(second, loaded);
        int visited = 0;
        m.Range((k, v) =>
        {
            Assert.Equal(first, k);
            Assert.Equal(second, v);
            visited++;
            return true;
        });
        Assert.Equal(1, visited);
        Assert.True(m.CompareAndSwap(first, second, first));
        Assert.True(m.CompareAndDelete(first, first));
        Assert.True(m.IsEmpty);
    }

    private sealed class CaseKeepingSerializer : IRedisSerializer<string>
    {
        public RedisValue Serialize(string value) => value;

        public string Deserialize(RedisValue value) => value.ToString();
    }
}

public sealed record Point(int X, int Y);

[JsonSerializable(typeof(Point))]
[JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
