// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Stress tests, each named for the property it proves. Every test starts its threads through one
/// gate (<see cref="Gate"/>), runs a helper thread that keeps the map's machinery moving (new keys
/// force dirty rebuilds, lookups of missing keys force promotions, Range promotes), and ends with
/// <c>AssertInvariants()</c> on the quiescent map. Sizes scale with GOSYNC_STRESS_SCALE; scripts are
/// seeded (GOSYNC_SEED overrides) and the seed is in every failure message.
/// </summary>
[Collection(ConcurrencyCollection.Name)]
[Trait("Category", "Stress")]
public sealed class PropertyStressTests
{
    private const int Workers = 4;
    private readonly ITestOutputHelper _output;

    public PropertyStressTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Uniqueness_OnlyOneLoadOrStoreOrTryAddWinsPerKey()
    {
        int rounds = StressEnvironment.Scaled(150);
        const int Keys = 256;
        int baseSeed = StressEnvironment.Seed(101);
        for (int round = 0; round < rounds; round++)
        {
            int seed = baseSeed + round;
            var random = new Random(seed);
            var map = new SyncMap<int, int>();

            // Some keys start deleted: tombstoned (N) in the read map, or expunged (X) after a rebuild.
            for (int k = 0; k < Keys; k++)
            {
                if (random.Next(2) == 0)
                {
                    map.Store(k, -1);
                }
            }

            map.Range((_, _) => true);
            for (int k = 0; k < Keys; k++)
            {
                map.Delete(k);
            }

            if (random.Next(2) == 0)
            {
                map.Store(1_000_000, 0);
            }

            var won = new bool[Workers, Keys];
            var seen = new int[Workers, Keys];
            int[][] orders = Enumerable.Range(0, Workers).Select(_ => Shuffled(random, Keys)).ToArray();
            int[,] methods = new int[Workers, Keys];
            for (int t = 0; t < Workers; t++)
            {
                for (int k = 0; k < Keys; k++)
                {
                    methods[t, k] = random.Next(5);
                }
            }

            int running = Workers;
            Gate.Run(Workers + 1, t =>
            {
                if (t == Workers)
                {
                    DriveMachinery(map, () => Volatile.Read(ref running) > 0, seed);
                    return;
                }

                int mine = t + 1; // only thread t ever writes t + 1
                foreach (int k in orders[t])
                {
                    int actual;
                    switch (methods[t, k])
                    {
                        case 0:
                            actual = map.LoadOrStore(k, mine, out bool loaded);
                            won[t, k] = !loaded;
                            break;
                        case 1:
                            won[t, k] = map.TryAdd(k, mine);
                            Assert.True(map.TryGetValue(k, out actual), "a key that TryAdd found or added is present (nothing deletes it)");
                            break;
                        case 2:
                            actual = map.GetOrAdd(k, mine);
                            won[t, k] = actual == mine;
                            break;
                        case 3:
                            actual = map.GetOrAdd(k, _ => mine);
                            won[t, k] = actual == mine;
                            break;
                        default:
                            actual = map.GetOrAdd(k, static (_, arg) => arg, mine);
                            won[t, k] = actual == mine;
                            break;
                    }

                    seen[t, k] = actual;
                }

                Interlocked.Decrement(ref running);
            }, $"seed={seed}");

            map.AssertInvariants();
            for (int k = 0; k < Keys; k++)
            {
                int winners = 0, winner = 0;
                for (int t = 0; t < Workers; t++)
                {
                    if (won[t, k])
                    {
                        winners++;
                        winner = t + 1;
                    }
                }

                Assert.True(winners == 1, $"key {k}: {winners} winners (seed={seed}).");
                for (int t = 0; t < Workers; t++)
                {
                    Assert.True(seen[t, k] == winner, $"key {k}: thread {t} saw {seen[t, k]}, the winner stored {winner} (seed={seed}).");
                }

                Assert.True(map.TryGetValue(k, out int final) && final == winner, $"key {k}: final value {final}, winner {winner} (seed={seed}).");
            }
        }

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={baseSeed}: {rounds} rounds of {Workers} threads racing for {Keys} keys."));
    }

    [Fact]
    public void Continuity_CompareAndSwapAndAddOrUpdateIncrementsAreNotLost()
    {
        int increments = StressEnvironment.Scaled(200_000);
        const int Counters = 8;
        int seed = StressEnvironment.Seed(202);
        var map = new SyncMap<int, int>();

        // Counters start absent, present in the read map, present only in the dirty map, or expunged.
        map.Store(0, 0);
        map.Store(1, 0);
        map.Store(2, 0);
        map.Range((_, _) => true);
        map.Delete(2);
        map.Store(3, 0); // rebuild: 2 is expunged; 3 lives only in the dirty map
        map.Store(4, 0);
        var added = new int[Workers, Counters];
        long retries = 0;
        int running = Workers;
        Gate.Run(Workers + 1, t =>
        {
            if (t == Workers)
            {
                DriveMachinery(map, () => Volatile.Read(ref running) > 0, seed);
                return;
            }

            var random = new Random(seed + t);
            long localRetries = 0;
            for (int i = 0; i < increments; i++)
            {
                int k = random.Next(Counters);
                switch (random.Next(5))
                {
                    case 0:
                        while (!(map.Load(k, out int v) ? map.CompareAndSwap(k, v, v + 1) : map.TryAdd(k, 1)))
                        {
                            localRetries++;
                        }

                        break;
                    case 1:
                        while (!(map.TryGetValue(k, out int v) ? map.TryUpdate(k, v + 1, v) : map.TryAdd(k, 1)))
                        {
                            localRetries++;
                        }

                        break;
                    case 2:
                        map.AddOrUpdate(k, 1, static (_, v) => v + 1);
                        break;
                    case 3:
                        map.AddOrUpdate(k, static _ => 1, static (_, v) => v + 1);
                        break;
                    default:
                        map.AddOrUpdate(k, static (_, one) => one, static (_, v, one) => v + one, 1);
                        break;
                }

                added[t, k]++;
            }

            Interlocked.Add(ref retries, localRetries);
            Interlocked.Decrement(ref running);
        }, $"seed={seed}");

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={seed}: {Workers * increments} increments, {retries} compare-and-swap retries (lost races)."));

        map.AssertInvariants();
        for (int k = 0; k < Counters; k++)
        {
            long total = 0;
            for (int t = 0; t < Workers; t++)
            {
                total += added[t, k];
            }

            Assert.True(map.TryGetValue(k, out int value), $"counter {k} missing (seed={seed}).");
            Assert.True(value == total, $"counter {k}: {value}, expected {total}: {total - value} increments lost (seed={seed}).");
        }
    }

    [Fact]
    public void NoTornValues_32ByteStructUnderConcurrentStoreSwapAndLoad()
    {
        int iterations = StressEnvironment.Scaled(40_000);
        const int Keys = 4;
        int seed = StressEnvironment.Seed(303);
        var map = new SyncMap<int, Quad>();
        for (int k = 0; k < Keys; k++)
        {
            map.Store(k, Quad.Make(k));
        }

        long reads = 0, torn = 0;
        int running = Workers;
        Gate.Run(Workers + 1, t =>
        {
            if (t == Workers)
            {
                DriveQuadMachinery(map, () => Volatile.Read(ref running) > 0);
                return;
            }

            var random = new Random(seed + t);
            long localReads = 0, localTorn = 0;
            void Check(in Quad q)
            {
                localReads++;
                if (!q.IsConsistent)
                {
                    localTorn++;
                }
            }

            for (int i = 0; i < iterations; i++)
            {
                int k = random.Next(Keys);
                long x = ((long)t << 40) | (uint)i;
                bool writer = t < 2;
                switch (writer ? random.Next(5) : 5 + random.Next(5))
                {
                    case 0:
                        map.Store(k, Quad.Make(x));
                        break;
                    case 1:
                        if (map.Swap(k, Quad.Make(x), out Quad previous))
                        {
                            Check(previous);
                        }

                        break;
                    case 2:
                        map[k] = Quad.Make(x);
                        break;
                    case 3:
                        if (map.Load(k, out Quad old))
                        {
                            Check(old);
                            map.CompareAndSwap(k, old, Quad.Make(x));
                        }

                        break;
                    case 4:
                        Check(map.AddOrUpdate(k, Quad.Make(x), (_, current) =>
                        {
                            Check(current);
                            return Quad.Make(current.A + 1);
                        }));
                        break;
                    case 5:
                        if (map.Load(k, out Quad a))
                        {
                            Check(a);
                        }

                        break;
                    case 6:
                        if (map.TryGetValue(k, out Quad b))
                        {
                            Check(b);
                        }

                        break;
                    case 7:
                        Check(map[k]);
                        break;
                    case 8:
                        map.Range((_, v) =>
                        {
                            Check(v);
                            return true;
                        });
                        break;
                    default:
                        foreach (KeyValuePair<int, Quad> pair in map)
                        {
                            Check(pair.Value);
                        }

                        break;
                }
            }

            Interlocked.Add(ref reads, localReads);
            Interlocked.Add(ref torn, localTorn);
            Interlocked.Decrement(ref running);
        }, $"seed={seed}");

        map.AssertInvariants();
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={seed}: {reads} values read, {torn} torn."));
        Assert.True(torn == 0, $"{torn} of {reads} values read were torn (seed={seed}).");
        Assert.True(reads > iterations, $"Only {reads} values were read (seed={seed}).");
        foreach (KeyValuePair<int, Quad> pair in map.ToArray())
        {
            Assert.True(pair.Value.IsConsistent, $"final value of key {pair.Key} is torn (seed={seed}).");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RangeVisitsEachKeyAtMostOnce_UnderChurn(bool withClear)
    {
        int passes = StressEnvironment.Scaled(800);
        const int StableKeys = 128, ChurnKeys = 512, ChurnBase = 10_000;
        int seed = StressEnvironment.Seed(404);
        var map = new SyncMap<int, int>();
        for (int k = 0; k < StableKeys; k++)
        {
            map.Store(k, k * 10);
        }

        long visits = 0, completePasses = 0, clearsStarted = 0, restoresDone = 0;
        int rangers = 2;
        Gate.Run(4, t =>
        {
            if (t >= 2)
            {
                // Churners: insert, delete and overwrite churn keys (each always maps to key * 7),
                // and look up missing keys so that the dirty map keeps being promoted.
                var random = new Random(seed + t);
                while (Volatile.Read(ref rangers) > 0)
                {
                    int k = ChurnBase + random.Next(ChurnKeys);
                    if (withClear && random.Next(3000) == 0)
                    {
                        // Clear, then put the stable keys back. A pass that overlaps this window
                        // may miss stable keys; one that does not must see them all.
                        Interlocked.Increment(ref clearsStarted);
                        map.Clear();
                        for (int s = 0; s < StableKeys; s++)
                        {
                            map.Store(s, s * 10);
                        }

                        Interlocked.Increment(ref restoresDone);
                    }

                    switch (random.Next(6))
                    {
                        case 0:
                            map.Store(k, k * 7);
                            break;
                        case 1:
                            map.Delete(k);
                            break;
                        case 2:
                            map.LoadOrStore(k, k * 7, out _);
                            break;
                        case 3:
                            map.LoadAndDelete(k, out _);
                            break;
                        case 4:
                            map.Swap(k, k * 7, out _);
                            break;
                        default:
                            map.Load(-1 - random.Next(1000), out _);
                            break;
                    }
                }

                return;
            }

            var random2 = new Random(seed + t);
            var seen = new HashSet<int>();
            for (int pass = 0; pass < passes; pass++)
            {
                seen.Clear();
                if (withClear && pass % 2 == 0)
                {
                    // Every other pass waits for any Clear-and-restore to finish, so that some
                    // passes run with all stable keys present; the others race with Clear.
                    while (Interlocked.Read(ref clearsStarted) != Interlocked.Read(ref restoresDone))
                    {
                        Thread.Yield();
                    }
                }

                long clearsBefore = Interlocked.Read(ref clearsStarted);
                bool noClearInProgress = clearsBefore == Interlocked.Read(ref restoresDone);
                bool useEnumerator = (pass + t) % 2 == 0;
                int stopAfter = random2.Next(4) == 0 ? random2.Next(StableKeys + ChurnKeys) : int.MaxValue;
                void Visit(int key, int value)
                {
                    Assert.True(seen.Add(key), $"key {key} visited twice in one pass ({(useEnumerator ? "enumerator" : "Range")}, seed={seed}).");
                    int expectedValue = key < StableKeys ? key * 10 : key * 7;
                    Assert.True(value == expectedValue, $"key {key} shown with value {value} (seed={seed}).");
                }

                if (useEnumerator)
                {
                    foreach (KeyValuePair<int, int> pair in map)
                    {
                        Visit(pair.Key, pair.Value);
                        if (seen.Count >= stopAfter)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    map.Range((key, value) =>
                    {
                        Visit(key, value);
                        return seen.Count < stopAfter;
                    });
                }

                Interlocked.Add(ref visits, seen.Count);
                bool noClearOverlapped = noClearInProgress && Interlocked.Read(ref clearsStarted) == clearsBefore;
                if (stopAfter == int.MaxValue && noClearOverlapped)
                {
                    Interlocked.Increment(ref completePasses);

                    // A key present and unchanged for the whole pass is visited.
                    for (int k = 0; k < StableKeys; k++)
                    {
                        Assert.True(seen.Contains(k), $"stable key {k} not visited (seed={seed}).");
                    }
                }
            }

            Interlocked.Decrement(ref rangers);
        }, $"seed={seed}");

        map.AssertInvariants();
        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"seed={seed}: {2 * passes} passes, {visits} visits, {completePasses} passes checked to visit every stable key, {clearsStarted} Clears."));
        Assert.True(completePasses > 0, $"no pass ran to the end without a Clear overlapping it (seed={seed}).");
    }

    [Fact]
    public void CountIsExactWhenQuiescent_AfterMixedConcurrentWorkIncludingClear()
    {
        int phases = StressEnvironment.Scaled(100);
        const int OpsPerPhase = 3_000, Keys = 300;
        int baseSeed = StressEnvironment.Seed(505);
        var map = new SyncMap<int, int>();
        for (int phase = 0; phase < phases; phase++)
        {
            int seed = baseSeed + phase;
            Gate.Run(Workers, t =>
            {
                var random = new Random((seed * 31) + t);
                for (int i = 0; i < OpsPerPhase; i++)
                {
                    int k = random.Next(Keys);
                    int v = random.Next(4);
                    switch (random.Next(16))
                    {
                        case 0: map.Store(k, v); break;
                        case 1: map.Delete(k); break;
                        case 2: map.LoadOrStore(k, v, out _); break;
                        case 3: map.LoadAndDelete(k, out _); break;
                        case 4: map.Swap(k, v, out _); break;
                        case 5: map.CompareAndSwap(k, v, v + 1); break;
                        case 6: map.CompareAndDelete(k, v); break;
                        case 7: map.TryAdd(k, v); break;
                        case 8: map.TryRemove(k, out _); break;
                        case 9: map.TryRemove(new KeyValuePair<int, int>(k, v)); break;
                        case 10: map.TryUpdate(k, v, v + 1); break;
                        case 11: map.GetOrAdd(k, v); break;
                        case 12: map.AddOrUpdate(k, v, static (_, old) => old + 1); break;
                        case 13: map[k] = v; break;
                        case 14: map.Load(-1 - k, out _); break; // a miss: promotes now and then
                        default:
                            if (random.Next(100) == 0)
                            {
                                map.Clear();
                            }
                            else
                            {
                                _ = map.Count;
                            }

                            break;
                    }
                }
            }, $"seed={seed}");

            // Quiescent: Count must equal every way of counting the contents.
            map.AssertInvariants();
            int ranged = 0;
            map.Range((_, _) =>
            {
                ranged++;
                return true;
            });
            int enumerated = 0;
            foreach (KeyValuePair<int, int> pair in map)
            {
                enumerated++;
            }

            int count = map.Count;
            Assert.True(count == ranged, $"Count {count}, Range visits {ranged} (seed={seed}).");
            Assert.True(count == enumerated, $"Count {count}, enumerator yields {enumerated} (seed={seed}).");
            Assert.True(count == map.ToArray().Length, $"Count {count}, ToArray {map.ToArray().Length} (seed={seed}).");
            Assert.True(count == map.Keys.Count, $"Count {count}, Keys.Count {map.Keys.Count} (seed={seed}).");
            Assert.True(map.IsEmpty == (count == 0), $"IsEmpty {map.IsEmpty} with Count {count} (seed={seed}).");
            int found = 0;
            for (int k = 0; k < Keys; k++)
            {
                found += map.ContainsKey(k) ? 1 : 0;
            }

            Assert.True(count == found, $"Count {count}, {found} keys found one by one (seed={seed}).");
        }
    }

    [Fact]
    public void ClearRacesAreSafe_WritesLandBeforeOrAfterAndNoneIsLostAfterClearReturns()
    {
        int iterations = StressEnvironment.Scaled(150_000);
        const int Writers = 3, KeysPerWriter = 64;
        int seed = StressEnvironment.Seed(606);
        var map = new SyncMap<int, int>();
        long clearsStarted = 0, clearsCompleted = 0;
        int running = Writers;
        long explainedByClear = 0;
        var last = new int?[Writers, KeysPerWriter];

        Gate.Run(Writers + 1, t =>
        {
            if (t == Writers)
            {
                // The clearer: Clear, with Range and Count in between, until the writers finish.
                var random = new Random(seed);
                while (Volatile.Read(ref running) > 0)
                {
                    Interlocked.Increment(ref clearsStarted);
                    map.Clear();
                    Interlocked.Increment(ref clearsCompleted);
                    if (random.Next(4) == 0)
                    {
                        map.Range((_, _) => true);
                    }

                    _ = map.Count;
                    Thread.SpinWait(random.Next(200));
                }

                return;
            }

            // Writer t alone writes keys [t * KeysPerWriter, (t + 1) * KeysPerWriter), so any value it
            // finds there is one it wrote, and the only other thing that can happen to them is Clear.
            var random2 = new Random(seed + 1 + t);
            while (Interlocked.Read(ref clearsCompleted) == 0)
            {
                Thread.Yield(); // start once the clearer is running, so that the two really race
            }

            for (int i = 0; i < iterations; i++)
            {
                int slot = random2.Next(KeysPerWriter);
                int k = (t * KeysPerWriter) + slot;
                int v = (t << 24) | i;
                int? mine = last[t, slot];
                switch (random2.Next(6))
                {
                    case 0:
                    {
                        // A Store followed by a Load sees the Store, unless a Clear overlapped them.
                        long completedBefore = Interlocked.Read(ref clearsCompleted);
                        map.Store(k, v);
                        bool present = map.Load(k, out int seen);
                        long startedAfter = Interlocked.Read(ref clearsStarted);
                        if (present)
                        {
                            Assert.True(seen == v, $"key {k}: stored {v}, loaded {seen} (seed={seed}).");
                        }
                        else
                        {
                            Assert.True(startedAfter > completedBefore, $"key {k}: stored {v} and no Clear overlapped, yet it is absent (seed={seed}).");
                            Interlocked.Increment(ref explainedByClear);
                        }

                        last[t, slot] = present ? v : null;
                        break;
                    }

                    case 1:
                    {
                        int actual = map.LoadOrStore(k, v, out bool loaded);
                        Assert.True(loaded ? actual == mine : actual == v, $"key {k}: LoadOrStore({v}) gave {actual}, loaded={loaded}, last written {mine} (seed={seed}).");
                        last[t, slot] = actual;
                        break;
                    }

                    case 2:
                    {
                        bool loaded = map.Swap(k, v, out int previous);
                        Assert.True(!loaded || previous == mine, $"key {k}: Swap returned {previous}, last written {mine} (seed={seed}).");
                        last[t, slot] = v;
                        break;
                    }

                    case 3:
                    {
                        int result = map.AddOrUpdate(k, v, static (_, old) => old + 1);
                        Assert.True(result == v || result == mine + 1, $"key {k}: AddOrUpdate gave {result}, last written {mine} (seed={seed}).");
                        last[t, slot] = result;
                        break;
                    }

                    case 4:
                    {
                        if (map.TryAdd(k, v))
                        {
                            last[t, slot] = v;
                        }
                        else
                        {
                            Assert.True(mine is not null, $"key {k}: TryAdd found a value this writer never left there (seed={seed}).");
                        }

                        break;
                    }

                    default:
                    {
                        bool removed = map.TryRemove(k, out int removedValue);
                        Assert.True(!removed || removedValue == mine, $"key {k}: TryRemove returned {removedValue}, last written {mine} (seed={seed}).");
                        last[t, slot] = null;
                        break;
                    }
                }

                // The value is ours or gone, never someone else's or an older one of ours.
                if (map.TryGetValue(k, out int now))
                {
                    Assert.True(now == last[t, slot], $"key {k}: holds {now}, last written {last[t, slot]} (seed={seed}).");
                }
            }

            Interlocked.Decrement(ref running);
        }, $"seed={seed}");

        map.AssertInvariants();
        int count = map.Count;
        Assert.Equal(map.ToArray().Length, count);

        // After the last Clear returned, every key holds the last value its writer left there, if any.
        foreach (KeyValuePair<int, int> pair in map.ToArray())
        {
            int t = pair.Key / KeysPerWriter;
            Assert.True(pair.Value == last[t, pair.Key % KeysPerWriter], $"key {pair.Key}: {pair.Value} after the race, last written {last[t, pair.Key % KeysPerWriter]} (seed={seed}).");
        }

        // And the map is fully usable: a write after Clear returned is never lost.
        map.Clear();
        Gate.Run(Writers, t =>
        {
            for (int slot = 0; slot < KeysPerWriter; slot++)
            {
                map.Store((t * KeysPerWriter) + slot, slot);
            }
        }, $"seed={seed}");
        map.AssertInvariants();
        Assert.Equal(Writers * KeysPerWriter, map.Count);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={seed}: {clearsCompleted} Clears raced {Writers * iterations} writes; {explainedByClear} stores were cleared before their read-back."));
        Assert.True(clearsCompleted > 0, "the clearer never ran");
    }

    // Keeps the read/dirty machinery moving while `keepGoing` holds: new keys (dirty rebuild after
    // each promotion), lookups of missing keys (misses, then promotion), deletes and Range.
    private static void DriveMachinery(SyncMap<int, int> map, Func<bool> keepGoing, int seed)
    {
        var random = new Random(seed ^ 0x5bd1e995);
        int next = 0;
        while (keepGoing())
        {
            int key = 2_000_000 + (next++ % 4096);
            switch (random.Next(4))
            {
                case 0: map.Store(key, 0); break;
                case 1: map.Load(-1 - random.Next(1000), out _); break;
                case 2: map.Delete(key - 1); break;
                default: map.Range((_, _) => true); break;
            }
        }
    }

    private static void DriveQuadMachinery(SyncMap<int, Quad> map, Func<bool> keepGoing)
    {
        int next = 0;
        while (keepGoing())
        {
            int key = 1_000 + (next++ % 256);
            map.Store(key, Quad.Make(key));
            map.Load(-1 - (next % 100), out _);
        }
    }

    private static int[] Shuffled(Random random, int n)
    {
        int[] order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        return order;
    }

    /// <summary>A 32-byte value whose four fields are functions of the first: a torn read breaks the relation.</summary>
    private readonly struct Quad : IEquatable<Quad>
    {
        private const long Mask = 0x5555_5555_5555_5555;

        private Quad(long a, long b, long c, long d)
        {
            A = a;
            B = b;
            C = c;
            D = d;
        }

        public long A { get; }

        public long B { get; }

        public long C { get; }

        public long D { get; }

        public bool IsConsistent => B == ~A && C == unchecked((A * 31) + 7) && D == (A ^ Mask);

        public static Quad Make(long a) => new(a, ~a, unchecked((a * 31) + 7), a ^ Mask);

        public bool Equals(Quad other) => A == other.A && B == other.B && C == other.C && D == other.D;

        public override bool Equals(object? obj) => obj is Quad other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(A, B, C, D);
    }
}
