// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Threading;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Workloads;

// Workloads that are not in Go's map_bench_test.go: get-or-create with a value factory on keys that are all present
// (issue 9's LoadOrCompute and GetOrAdd(key, factory)), written in Go's style like WriteSideWorkloads.cs.

/// <summary>
/// The value factory both factory workloads pass: one cached static delegate (no allocation per call), which counts
/// its runs so the checks can prove it never runs on a present key.
/// </summary>
internal static class CountingFactory
{
    // Runs of Factory since the last Reset. Incremented with Interlocked (workers may race); read with Volatile.Read
    // in Verify, after the run's workers have joined (the join orders their increments before the read).
    private static long s_runs;

    /// <summary>Makes the value of an absent key (Go's setup stores key -> key) and counts the run.</summary>
    public static readonly Func<int, int> Factory = static key =>
    {
        Interlocked.Increment(ref s_runs);
        return key;
    };

    public static long Runs => Volatile.Read(ref s_runs);

    /// <summary>Zeroes the count; called from Setup, before the workers start.</summary>
    public static void Reset() => Volatile.Write(ref s_runs, 0);
}

/// <summary>
/// LoadOrCompute of present keys: Go's setup of 1024 keys (as LoadOrStoreHotKeys), then LoadOrCompute(i % 1024,
/// factory) on SyncMap; the other maps have no LoadOrCompute and call GetOrAdd(key, factory). Every call must return
/// the stored value and the factory must never run.
/// </summary>
public readonly struct LoadOrComputeHitsWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1024;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => FactoryChecks.Setup(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        Func<int, int> factory = CountingFactory.Factory;
        for (; pb.Next(); i++)
        {
            int j = i & (Hits - 1);
            int actual = map.LoadOrCompute(j, factory);
            if (TCheck.Enabled)
            {
                FactoryChecks.Returned(actual, j, "LoadOrCompute", ref tally);
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => FactoryChecks.Verify(map, Hits, "LoadOrCompute");
}

/// <summary>
/// GetOrAdd(key, factory) of present keys on every map, SyncMap included: Go's setup of 1024 keys, then
/// GetOrAdd(i % 1024, factory). Every call must return the stored value and the factory must never run.
/// </summary>
public readonly struct GetOrAddFactoryHitsWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1024;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => FactoryChecks.Setup(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        Func<int, int> factory = CountingFactory.Factory;
        for (; pb.Next(); i++)
        {
            int j = i & (Hits - 1);
            int actual = map.GetOrAdd(j, factory);
            if (TCheck.Enabled)
            {
                FactoryChecks.Returned(actual, j, "GetOrAdd", ref tally);
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
        => FactoryChecks.Verify(map, Hits, "GetOrAdd");
}

/// <summary>The final checks of the factory workloads.</summary>
internal static class FactoryChecks
{
    /// <summary>Go's setup of <paramref name="hits"/> keys, then a zeroed factory count.</summary>
    public static void Setup<TMap>(TMap map, int hits)
        where TMap : struct, IMapOps<int, int>
    {
        GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, hits);
        CountingFactory.Reset();
    }

    /// <summary>One checked call: the stored value of key <paramref name="key"/> is the key itself.</summary>
    public static void Returned(int actual, int key, string call, ref Tally tally)
    {
        tally.Ops++;
        if (actual != key)
        {
            Check.Fail($"{call}({key}) returned {actual}, expected {key}");
        }
    }

    public static void Verify<TMap>(TMap map, int hits, string call)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(CountingFactory.Runs == 0, $"the factory ran {CountingFactory.Runs} times, but every key passed to {call} was present");
        Check.That(map.Count == hits, $"map holds {map.Count} keys, expected {hits}");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}
