// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.CompilerServices;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Workloads;

// Go's map_bench_test.go, first group: Load*, LoadOrStore*, LoadAndDelete*. Each type mirrors one Go benchmark:
// same constants, same setup (fresh map, setup, prime), same per-iteration body. Comments quote what Go's body does.

/// <summary>Shared loop of LoadMostlyHits/LoadMostlyMisses: <c>m.Load(i % (hits + misses))</c>.</summary>
internal static class LoadHitsMisses
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PerG<TKey, TValue, TKind, TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally, int hits, int misses)
        where TKey : notnull
        where TKind : struct, IKeyKind<TKey, TValue>
        where TMap : struct, IMapOps<TKey, TValue>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int k = i % (hits + misses);
            bool ok = map.Load(TKind.Key(k), out TValue? value);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (ok != k < hits)
                {
                    Check.Fail($"Load({k}) reported found={ok}, expected {k < hits}");
                }

                if (ok && !Check.Same(value, TKind.Value(k)))
                {
                    Check.Fail($"Load({k}) returned {value}, expected {TKind.Value(k)}");
                }
            }
        }
    }

    public static void Verify<TKey, TValue, TKind, TMap>(TMap map, int hits)
        where TKey : notnull
        where TKind : struct, IKeyKind<TKey, TValue>
        where TMap : struct, IMapOps<TKey, TValue>
    {
        Check.That(map.Count == hits, $"map holds {map.Count} keys after a read-only workload, expected {hits}");
        Check.CountMatchesRange<TKey, TValue, TMap>(map);
        Check.ValuesMatchKeys<TKey, TValue, TKind, TMap>(map);
    }
}

/// <summary>Go's BenchmarkLoadMostlyHits: 1023 keys, Load(i % 1024), key 1023 is the only miss.</summary>
public readonly struct LoadMostlyHitsWorkload<TKey, TValue, TKind> : IGoWorkload<TKey, TValue>
    where TKey : notnull
    where TKind : struct, IKeyKind<TKey, TValue>
{
    private const int Hits = 1023;
    private const int Misses = 1;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<TKey, TValue>
        => GoSetup.HitsAndPrime<TKey, TValue, TKind, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<TKey, TValue>
        where TCheck : struct, ICheckMode
        => LoadHitsMisses.PerG<TKey, TValue, TKind, TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<TKey, TValue>
        => LoadHitsMisses.Verify<TKey, TValue, TKind, TMap>(map, Hits);
}

/// <summary>Go's BenchmarkLoadMostlyMisses: 1 key, Load(i % 1024), only key 0 hits.</summary>
public readonly struct LoadMostlyMissesWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1;
    private const int Misses = 1023;

    public static int OperationsPerInvoke => 1 << 22;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => LoadHitsMisses.PerG<int, int, IntKeys, TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => LoadHitsMisses.Verify<int, int, IntKeys, TMap>(map, Hits);
}

/// <summary>
/// Go's BenchmarkLoadOrStoreBalanced: 128 keys; j = i % 256; j &lt; 128: LoadOrStore(j, i) must report loaded;
/// otherwise LoadOrStore(i, i) must store (a fresh key: the map grows by about b.N/2 keys). Go skips DeepCopyMap.
/// </summary>
public readonly struct LoadOrStoreBalancedWorkload<TKey, TValue, TKind> : IGoWorkload<TKey, TValue>
    where TKey : notnull
    where TKind : struct, IKeyKind<TKey, TValue>
{
    private const int Hits = 128;
    private const int Misses = 128;

    public static int OperationsPerInvoke => 1 << 18;

    public static bool SkipsCopyOnWrite => true;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<TKey, TValue>
        => GoSetup.HitsAndPrime<TKey, TValue, TKind, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<TKey, TValue>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int j = i % (Hits + Misses);
            if (j < Hits)
            {
                TValue actual = map.LoadOrStore(TKind.Key(j), TKind.Value(i), out bool loaded);
                if (!loaded)
                {
                    Check.Fail($"unexpected miss for {j}"); // Go's b.Fatalf
                }

                if (TCheck.Enabled && !Check.Same(actual, TKind.Value(j)))
                {
                    Check.Fail($"LoadOrStore({j}) returned {actual}, expected {TKind.Value(j)}");
                }
            }
            else
            {
                TValue actual = map.LoadOrStore(TKind.Key(i), TKind.Value(i), out bool loaded);
                if (loaded)
                {
                    Check.Fail($"failed to store {i}: existing value {actual}"); // Go's b.Fatalf
                }

                if (TCheck.Enabled)
                {
                    tally.Misses++;
                    if (!Check.Same(actual, TKind.Value(i)))
                    {
                        Check.Fail($"LoadOrStore({i}) stored but returned {actual}");
                    }
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<TKey, TValue>
    {
        Check.That(map.Count == Hits + run.Total.Misses, $"map holds {map.Count} keys, expected {Hits} + {run.Total.Misses} stored");
        Check.CountMatchesRange<TKey, TValue, TMap>(map);
        Check.ValuesMatchKeys<TKey, TValue, TKind, TMap>(map);
    }
}

/// <summary>Go's BenchmarkLoadOrStoreUnique: LoadOrStore(i, i), always a fresh key. Go skips DeepCopyMap.</summary>
public readonly struct LoadOrStoreUniqueWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 18;

    public static bool SkipsCopyOnWrite => true;

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
            int actual = map.LoadOrStore(i, i, out bool loaded);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (loaded || actual != i)
                {
                    Check.Fail($"LoadOrStore({i}) on a fresh key returned ({actual}, loaded={loaded})");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == run.Ops, $"map holds {map.Count} keys after {run.Ops} unique stores");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}

/// <summary>Go's BenchmarkLoadOrStoreCollision: every worker calls LoadOrStore(0, 0) on the one existing key.</summary>
public readonly struct LoadOrStoreCollisionWorkload : IGoWorkload<int, int>
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
            int actual = map.LoadOrStore(0, 0, out bool loaded);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (!loaded || actual != 0)
                {
                    Check.Fail($"LoadOrStore(0, 0) on the existing key returned ({actual}, loaded={loaded})");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == 1, $"map holds {map.Count} keys, expected 1");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>
/// Go's BenchmarkLoadAndDeleteBalanced: 128 keys; j = i % 256; j &lt; 128: LoadAndDelete(j) (present only the first
/// time any worker reaches it); otherwise LoadAndDelete(i), always absent. Go skips DeepCopyMap.
/// </summary>
public readonly struct LoadAndDeleteBalancedWorkload : IGoWorkload<int, int>
{
    private const int Hits = 128;
    private const int Misses = 128;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => true;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int j = i % (Hits + Misses);
            if (j < Hits)
            {
                bool loaded = map.LoadAndDelete(j, out int value);
                if (TCheck.Enabled && loaded)
                {
                    tally.Hits++;
                    if (value != j)
                    {
                        Check.Fail($"LoadAndDelete({j}) returned {value}");
                    }
                }
            }
            else
            {
                bool loaded = map.LoadAndDelete(i, out _);
                if (TCheck.Enabled && loaded)
                {
                    Check.Fail($"LoadAndDelete({i}) found a key that was never stored");
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
        // Each key < 128 is deleted exactly once, by whichever worker reaches it first. One worker runs at least
        // ops/threads consecutive i values, so with ops/threads >= 256 every key is reached.
        if (run.Ops / run.Threads >= Hits + Misses)
        {
            Check.That(run.Total.Hits == Hits, $"{run.Total.Hits} LoadAndDelete calls reported loaded, expected exactly {Hits}");
            Check.That(map.Count == 0, $"map holds {map.Count} keys after every key was deleted");
        }

        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkLoadAndDeleteUnique: LoadAndDelete(i) on an empty map (always absent). Go skips DeepCopyMap.</summary>
public readonly struct LoadAndDeleteUniqueWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => true;

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
            bool loaded = map.LoadAndDelete(i, out _);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (loaded)
                {
                    Check.Fail($"LoadAndDelete({i}) found a key in an empty map");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == 0, $"map holds {map.Count} keys, expected none");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkLoadAndDeleteCollision: key 0; if LoadAndDelete(0) reported loaded, Store(0, 0).</summary>
public readonly struct LoadAndDeleteCollisionWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 20;

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
            if (map.LoadAndDelete(0, out int value))
            {
                map.Store(0, 0);
                if (TCheck.Enabled)
                {
                    tally.Hits++;
                    if (value != 0)
                    {
                        Check.Fail($"LoadAndDelete(0) returned {value}");
                    }
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
        // Every worker that deletes key 0 stores it again before its next operation, so key 0 is present at the end.
        Check.That(map.Load(0, out int value) && value == 0, "key 0 is missing after every delete was followed by a store");
        Check.That(map.Count == 1, $"map holds {map.Count} keys, expected 1");
        if (run.Threads == 1)
        {
            Check.That(run.Total.Hits == run.Ops, $"single worker: {run.Total.Hits} of {run.Ops} LoadAndDelete(0) calls found the key");
        }

        Check.CountMatchesRange<int, int, TMap>(map);
    }
}
