// Licensed under the MIT license. See LICENSE in the repository root.

using System.Runtime.CompilerServices;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Workloads;

// Go's map_bench_test.go, third group (Go 1.20+): Swap*, CompareAndSwap*, CompareAndDelete*.

/// <summary>Go's BenchmarkSwapCollision: key 0 stored once, then every worker calls Swap(0, 0).</summary>
public readonly struct SwapCollisionWorkload : IGoWorkload<int, int>
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
            bool loaded = map.Swap(0, 0, out int previous);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (!loaded || previous != 0)
                {
                    Check.Fail($"Swap(0, 0) returned ({previous}, loaded={loaded}) on the existing key");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Load(0, out int value) && value == 0, "key 0 lost its value");
        Check.That(map.Count == 1, $"map holds {map.Count} keys, expected 1");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Shared loop of SwapMostlyHits/SwapMostlyMisses.</summary>
internal static class SwapHitsMisses
{
    // Go: if i%(hits+misses) < hits { v := i%(hits+misses); m.Swap(v, v) } else { m.Swap(i, i); m.Delete(i) }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally, int hits, int misses)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            if (i % (hits + misses) < hits)
            {
                int v = i % (hits + misses);
                bool loaded = map.Swap(v, v, out int previous);
                if (TCheck.Enabled && (!loaded || previous != v))
                {
                    Check.Fail($"Swap({v}, {v}) returned ({previous}, loaded={loaded}) on an existing key");
                }
            }
            else
            {
                bool loaded = map.Swap(i, i, out _);
                map.Delete(i);
                if (TCheck.Enabled && loaded)
                {
                    Check.Fail($"Swap({i}, {i}) reported loaded for a key that was never stored");
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, int hits)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == hits, $"map holds {map.Count} keys, expected {hits} (every fresh key was deleted again)");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}

/// <summary>Go's BenchmarkSwapMostlyHits: 1023 keys; Swap(v, v) on them, every 1024th op inserts and deletes a fresh key.</summary>
public readonly struct SwapMostlyHitsWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1023;
    private const int Misses = 1;

    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => SwapHitsMisses.PerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => SwapHitsMisses.Verify(map, Hits);
}

/// <summary>Go's BenchmarkSwapMostlyMisses: 1 key; Swap(0, 0) every 1024th op, otherwise insert and delete a fresh key.</summary>
public readonly struct SwapMostlyMissesWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1;
    private const int Misses = 1023;

    public static int OperationsPerInvoke => 1 << 19;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => SwapHitsMisses.PerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => SwapHitsMisses.Verify(map, Hits);
}

/// <summary>Go's BenchmarkCompareAndSwapCollision: key 0; if CompareAndSwap(0, 0, 42) succeeds, CompareAndSwap(0, 42, 0). No i++.</summary>
public readonly struct CompareAndSwapCollisionWorkload : IGoWorkload<int, int>
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
        while (pb.Next())
        {
            if (map.CompareAndSwap(0, 0, 42))
            {
                bool back = map.CompareAndSwap(0, 42, 0);

                // Only the worker that swapped 0 -> 42 can swap 42 -> 0, so its second CAS cannot fail.
                if (TCheck.Enabled)
                {
                    tally.Hits++;
                    if (!back)
                    {
                        Check.Fail("CompareAndSwap(0, 42, 0) failed right after this worker swapped 0 -> 42");
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
        Check.That(map.Load(0, out int value) && value == 0, $"key 0 holds {value}, expected 0");
        if (run.Threads == 1)
        {
            Check.That(run.Total.Hits == run.Ops, $"single worker: {run.Total.Hits} of {run.Ops} CompareAndSwap(0, 0, 42) calls succeeded");
        }

        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkCompareAndSwapNoExistingKey: empty map; if CompareAndSwap(i, 0, 0) succeeds, Delete(i) (it never does).</summary>
public readonly struct CompareAndSwapNoExistingKeyWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 22;

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
            if (map.CompareAndSwap(i, 0, 0))
            {
                map.Delete(i);
                if (TCheck.Enabled)
                {
                    Check.Fail($"CompareAndSwap({i}, 0, 0) succeeded on an absent key");
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
        Check.That(map.Count == 0, $"map holds {map.Count} keys, expected none");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkCompareAndSwapValueNotEqual: Store(0, 0), then CompareAndSwap(0, 1, 2), which never matches.</summary>
public readonly struct CompareAndSwapValueNotEqualWorkload : IGoWorkload<int, int>
{
    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => map.Store(0, 0);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            bool swapped = map.CompareAndSwap(0, 1, 2);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (swapped)
                {
                    Check.Fail("CompareAndSwap(0, 1, 2) succeeded although key 0 holds 0");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Load(0, out int value) && value == 0, $"key 0 holds {value}, expected 0");
        Check.That(map.Count == 1, $"map holds {map.Count} keys, expected 1");
        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Shared loops of CompareAndSwapMostly*/CompareAndDeleteMostly*: v = i, or i % 1024 when that is a hit key.</summary>
internal static class CompareHitsMisses
{
    // Go: v := i; if i%(hits+misses) < hits { v = i % (hits+misses) }; m.CompareAndSwap(v, v, v)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SwapPerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally, int hits, int misses)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int v = i;
            if (i % (hits + misses) < hits)
            {
                v = i % (hits + misses);
            }

            bool swapped = map.CompareAndSwap(v, v, v);
            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (swapped != (i % (hits + misses) < hits))
                {
                    Check.Fail($"CompareAndSwap({v}, {v}, {v}) returned {swapped}");
                }
            }
        }
    }

    // Go: v as above; if m.CompareAndDelete(v, v) { m.Store(v, v) }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DeletePerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally, int hits, int misses)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int v = i;
            if (i % (hits + misses) < hits)
            {
                v = i % (hits + misses);
            }

            if (map.CompareAndDelete(v, v))
            {
                map.Store(v, v);
                if (TCheck.Enabled)
                {
                    tally.Hits++;
                    if (i % (hits + misses) >= hits)
                    {
                        Check.Fail($"CompareAndDelete({v}, {v}) succeeded on a key that was never stored");
                    }
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run, int hits, int misses, bool deletes)
        where TMap : struct, IMapOps<int, int>
    {
        // Every successful CompareAndDelete is followed by the same worker's Store, so all hit keys are back.
        Check.That(map.Count == hits, $"map holds {map.Count} keys, expected {hits}");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
        if (deletes && run.Threads == 1)
        {
            // Alone, every hit-key CompareAndDelete succeeds: count the hit-key operations of i = 0 .. ops-1.
            long expected = ((long)run.Ops / (hits + misses) * hits) + System.Math.Min(run.Ops % (hits + misses), hits);
            Check.That(run.Total.Hits == expected, $"single worker: {run.Total.Hits} CompareAndDelete calls succeeded, expected {expected}");
        }
    }
}

/// <summary>Go's BenchmarkCompareAndSwapMostlyHits: 1023 keys; CompareAndSwap(v, v, v). Go skips DeepCopyMap.</summary>
public readonly struct CompareAndSwapMostlyHitsWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1023;
    private const int Misses = 1;

    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => true;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => CompareHitsMisses.SwapPerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => CompareHitsMisses.Verify(map, run, Hits, Misses, deletes: false);
}

/// <summary>Go's BenchmarkCompareAndSwapMostlyMisses: 1 key; CompareAndSwap(v, v, v), mostly on absent keys.</summary>
public readonly struct CompareAndSwapMostlyMissesWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1;
    private const int Misses = 1023;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => CompareHitsMisses.SwapPerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => CompareHitsMisses.Verify(map, run, Hits, Misses, deletes: false);
}

/// <summary>Go's BenchmarkCompareAndDeleteCollision: key 0; if CompareAndDelete(0, 0) succeeds, Store(0, 0).</summary>
public readonly struct CompareAndDeleteCollisionWorkload : IGoWorkload<int, int>
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
            if (map.CompareAndDelete(0, 0))
            {
                map.Store(0, 0);
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
        Check.That(map.Load(0, out int value) && value == 0, "key 0 is missing after every delete was followed by a store");
        Check.That(map.Count == 1, $"map holds {map.Count} keys, expected 1");
        if (run.Threads == 1)
        {
            Check.That(run.Total.Hits == run.Ops, $"single worker: {run.Total.Hits} of {run.Ops} CompareAndDelete(0, 0) calls succeeded");
        }

        Check.CountMatchesRange<int, int, TMap>(map);
    }
}

/// <summary>Go's BenchmarkCompareAndDeleteMostlyHits: 1023 keys; CompareAndDelete(v, v) then Store(v, v). Go skips DeepCopyMap.</summary>
public readonly struct CompareAndDeleteMostlyHitsWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1023;
    private const int Misses = 1;

    public static int OperationsPerInvoke => 1 << 19;

    public static bool SkipsCopyOnWrite => true;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => CompareHitsMisses.DeletePerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => CompareHitsMisses.Verify(map, run, Hits, Misses, deletes: true);
}

/// <summary>Go's BenchmarkCompareAndDeleteMostlyMisses: 1 key; CompareAndDelete(v, v), mostly on absent keys.</summary>
public readonly struct CompareAndDeleteMostlyMissesWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1;
    private const int Misses = 1023;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
        => CompareHitsMisses.DeletePerG<TMap, TCheck>(map, ref pb, i, ref tally, Hits, Misses);

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => CompareHitsMisses.Verify(map, run, Hits, Misses, deletes: true);
}
