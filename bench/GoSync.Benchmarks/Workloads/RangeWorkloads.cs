// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Workloads;

// Go's map_bench_test.go, second group: Range, the two adversarial benchmarks built against read/dirty's promotion
// rules, and DeleteCollision.

/// <summary>Go's BenchmarkRange: 1024 keys; each operation is a full Range whose callback returns true.</summary>
public readonly struct RangeWorkload<TKey, TValue, TKind> : IGoWorkload<TKey, TValue>
    where TKey : notnull
    where TKind : struct, IKeyKind<TKey, TValue>
{
    private const int MapSize = 1 << 10;

    public static int OperationsPerInvoke => 1 << 10;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<TKey, TValue>
        => GoSetup.StoreRange<TKey, TValue, TKind, TMap>(map, MapSize);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<TKey, TValue>
        where TCheck : struct, ICheckMode
    {
        if (!TCheck.Enabled)
        {
            for (; pb.Next(); i++)
            {
                // Go: m.Range(func(_, _ any) bool { return true }). A static lambda: one cached delegate, no closure.
                map.Range<object?>(null, static (_, _, _) => true);
            }

            return;
        }

        var visited = new RangeCount();
        for (; pb.Next(); i++)
        {
            visited.Count = 0;
            map.Range(visited, static (state, key, value) =>
            {
                state.Count++;
                if (!Check.Same(value, TKind.Value(TKind.IndexOf(key))))
                {
                    Check.Fail($"Range reported {key} -> {value}");
                }

                return true;
            });
            tally.Ops++;
            if (visited.Count != MapSize)
            {
                Check.Fail($"Range visited {visited.Count} entries of {MapSize}");
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<TKey, TValue>
    {
        Check.That(map.Count == MapSize, $"map holds {map.Count} keys, expected {MapSize}");
        Check.CountMatchesRange<TKey, TValue, TMap>(map);
    }

    private sealed class RangeCount
    {
        public int Count;
    }
}

/// <summary>
/// Go's BenchmarkAdversarialAlloc: Load(i) of a missing key; after 1, 2, 3, ... loads, LoadOrStore(i, stores) of a new
/// key. Built to store right after each read/dirty promotion, so the loads keep taking the lock.
/// </summary>
public readonly struct AdversarialAllocWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
    {
    }

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        int stores = 0;
        int loadsSinceStore = 0;
        for (; pb.Next(); i++)
        {
            bool found = map.Load(i, out _);
            if (TCheck.Enabled && found)
            {
                Check.Fail($"Load({i}) found a key before it was stored");
            }

            if (++loadsSinceStore > stores)
            {
                map.LoadOrStore(i, stores, out bool loaded);
                if (TCheck.Enabled && loaded)
                {
                    Check.Fail($"LoadOrStore({i}) reported loaded for a fresh key");
                }

                loadsSinceStore = 0;
                stores++;
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }

        tally.Misses += stores;
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == run.Total.Misses, $"map holds {map.Count} keys after {run.Total.Misses} stores");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>
/// Go's BenchmarkAdversarialDelete: 1024 keys; Load(i); every 1024th i, a Range whose callback deletes the first key
/// it sees and stops, then Store(i, i). For read/dirty this forces a promotion and a full copy per changed key.
/// </summary>
public readonly struct AdversarialDeleteWorkload : IGoWorkload<int, int>
{
    private const int MapSize = 1 << 10;

    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => false;

    // The round at i = 0 stores a key the setup stored; from i = 1024 on each round stores a new key, which is the
    // path the measured run repeats (for SyncMap, a dirty map rebuilt from the read map). Four rounds per worker.
    public static int WarmUpOperationsPerWorker => 4 * MapSize;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.StoreRange<int, int, IntKeys, TMap>(map, MapSize);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            bool found = map.Load(i, out int value);
            if (TCheck.Enabled && found && value != i)
            {
                Check.Fail($"Load({i}) returned {value}");
            }

            if (i % MapSize == 0)
            {
                // Go: m.Range(func(k, _ any) bool { m.Delete(k); return false }). The map travels as the state, so
                // the callback is static and allocates nothing.
                map.Range(map, static (m, k, _) =>
                {
                    m.Delete(k);
                    return false;
                });
                map.Store(i, i);
                if (TCheck.Enabled)
                {
                    tally.Hits++;
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        // Each round deletes one key and stores one (possibly the same), so the map never drains.
        Check.That(map.Count >= MapSize - run.Total.Hits && map.Count <= MapSize + run.Total.Hits && map.Count > 0, $"map holds {map.Count} keys after {run.Total.Hits} delete/store rounds");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}

/// <summary>Go's BenchmarkDeleteCollision: key 0 stored once, then every worker calls Delete(0).</summary>
public readonly struct DeleteCollisionWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => map.LoadOrStore(0, 0, out _);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            map.Delete(0);
            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(!map.Load(0, out _), "key 0 is still present after Delete(0)");
        Check.That(map.Count == 0, $"map holds {map.Count} keys, expected none");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkClear: k = v = i % 256; Clear(); Store(k, v).</summary>
public readonly struct ClearWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 19;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
    {
    }

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int k = i % 256;
            map.Clear();
            map.Store(k, k);
            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        // Each worker's last Store follows its last Clear, so 1..threads keys survive; alone, exactly the last one.
        Check.That(map.Count >= 1 && map.Count <= run.Threads, $"map holds {map.Count} keys after Clear/Store by {run.Threads} workers");
        if (run.Threads == 1)
        {
            int last = (run.Ops - 1) % 256;
            Check.That(map.Load(last, out int value) && value == last, $"key {last}, stored after the last Clear, is missing");
        }

        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}
