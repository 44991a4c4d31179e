// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Harness;

/// <summary>
/// One benchmark of Go's map_bench_test.go: Go's <c>bench{setup, perG}</c> plus the checks the smoke mode runs.
/// </summary>
public interface IGoWorkload<TKey, TValue>
    where TKey : notnull
{
    /// <summary>
    /// Total operations of one measured run (Go's b.N, split across the workers). Sized so one run takes tens of
    /// milliseconds on one thread; workloads whose map grows with b.N (LoadOrStoreUnique, the Balanced ones) grow it
    /// by this many keys, as Go's do by b.N.
    /// </summary>
    static abstract int OperationsPerInvoke { get; }

    /// <summary>True where Go skips DeepCopyMap ("DeepCopyMap has quadratic running time").</summary>
    static abstract bool SkipsCopyOnWrite { get; }

    /// <summary>
    /// Operations of a <c>--smoke</c> run: <see cref="Smoke.Ops"/> unless the workload needs more to reach every
    /// branch its checks cover (a sliding window that must fill and slide).
    /// </summary>
    static virtual int SmokeOperations => Smoke.Ops;

    /// <summary>
    /// Operations each worker needs in one untimed warm-up run (<see cref="JitWarmup"/>) to reach every path the
    /// measured run takes at its steady rate; 0 (the default) where the warm-up's usual length, a thousandth of
    /// <see cref="OperationsPerInvoke"/>, already does. A workload with a rare branch (a Range and a new key once per
    /// 1024 operations, a window that starts sliding after 10,240) says so here, or the measured run may execute
    /// that branch's code at tier 0 for a map whose other code is tier 1.
    /// </summary>
    static virtual int WarmUpOperationsPerWorker => 0;

    /// <summary>Go's <c>setup</c>: fills and primes a fresh map. Untimed.</summary>
    static abstract void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<TKey, TValue>;

    /// <summary>
    /// Go's <c>perG</c>: one worker's loop, <c>for ; pb.Next(); i++ { ... }</c>. <typeparamref name="TCheck"/> adds the
    /// smoke mode's per-operation result checks; with <see cref="Measure"/> they compile away and only Go's own
    /// <c>b.Fatalf</c> checks remain.
    /// </summary>
    static abstract void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<TKey, TValue>
        where TCheck : struct, ICheckMode;

    /// <summary>Checks the map after a <see cref="Verify"/> run (final contents, totals of the workers' tallies).</summary>
    static abstract void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<TKey, TValue>;
}

/// <summary>Whether a workload checks every operation's result (smoke mode) or only Go's own checks (measuring).</summary>
public interface ICheckMode
{
    static abstract bool Enabled { get; }
}

/// <summary>Measuring: only Go's own b.Fatalf checks run.</summary>
public readonly struct Measure : ICheckMode
{
    public static bool Enabled => false;
}

/// <summary>Smoke mode: every result is checked.</summary>
public readonly struct Verify : ICheckMode
{
    public static bool Enabled => true;
}

/// <summary>Per-worker counters filled in <see cref="Verify"/> runs and summed after the run.</summary>
public struct Tally
{
    /// <summary>Operations this worker ran.</summary>
    public long Ops;

    /// <summary>Workload-defined count (e.g. successful deletes).</summary>
    public long Hits;

    /// <summary>Workload-defined count (e.g. fresh keys stored).</summary>
    public long Misses;

    public void Add(Tally other)
    {
        Ops += other.Ops;
        Hits += other.Hits;
        Misses += other.Misses;
    }
}

/// <summary>What a run did, for <see cref="IGoWorkload{TKey, TValue}.Verify"/>.</summary>
public readonly record struct RunInfo(int Ops, int Threads, Tally Total);

/// <summary>A failed workload check: Go's <c>b.Fatalf</c>.</summary>
public sealed class WorkloadCheckException : Exception
{
    public WorkloadCheckException()
    {
    }

    public WorkloadCheckException(string message)
        : base(message)
    {
    }

    public WorkloadCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Check helpers. Failures throw <see cref="WorkloadCheckException"/> through a non-inlined helper.</summary>
public static class Check
{
    [DoesNotReturn]
    public static void Fail(string message) => throw new WorkloadCheckException(message);

    public static void That([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            Fail(message);
        }
    }

    public static bool Same<TValue>(TValue actual, TValue expected) => EqualityComparer<TValue>.Default.Equals(actual, expected);

    /// <summary>The map's Count equals the number of entries Range visits, and Range visits no key twice.</summary>
    public static void CountMatchesRange<TKey, TValue, TMap>(TMap map)
        where TKey : notnull
        where TMap : struct, IMapOps<TKey, TValue>
    {
        var seen = new HashSet<TKey>();
        map.Range(seen, static (set, key, _) =>
        {
            That(set.Add(key), $"Range visited key {key} twice");
            return true;
        });
        That(seen.Count == map.Count, $"Count is {map.Count} but Range visited {seen.Count} keys");
    }

    /// <summary>Every entry's value is the one its key stands for (Value(IndexOf(key))).</summary>
    public static void ValuesMatchKeys<TKey, TValue, TKind, TMap>(TMap map)
        where TKey : notnull
        where TKind : struct, IKeyKind<TKey, TValue>
        where TMap : struct, IMapOps<TKey, TValue>
    {
        map.Range(0, static (_, key, value) =>
        {
            That(Same(value, TKind.Value(TKind.IndexOf(key))), $"key {key} holds {value}, expected {TKind.Value(TKind.IndexOf(key))}");
            return true;
        });
    }
}

/// <summary>
/// One workload bound to one map: the delegate the worker pool runs, created once per benchmark case so a measured
/// run allocates nothing of its own. <see cref="Map"/> is replaced by each iteration's setup.
/// </summary>
/// <remarks>
/// A Go run of b.N operations is <see cref="Run"/>: worker w's counter <c>i</c> starts at <c>w * b.N</c>. The long
/// mode splits one Go run into segments: <see cref="Start"/> with the whole run's total, then <see cref="Continue"/>
/// once per segment; each worker's counter resumes where its previous segment left it (its start plus the
/// operations it has taken), so the segments together are exactly one Go run of the total, on one map.
/// </remarks>
public sealed class Execution<TKey, TValue, TWorkload, TMap, TCheck>
    where TKey : notnull
    where TWorkload : struct, IGoWorkload<TKey, TValue>
    where TMap : struct, IMapOps<TKey, TValue>
    where TCheck : struct, ICheckMode
{
    private readonly ParallelRunner _runner;
    private readonly Tally[] _tallies;

    // Each worker's next counter value: written by that worker at the end of a segment, read by it at the start of
    // the next (the runner's barrier orders the two); reset by Start on the calling thread between runs.
    private readonly int[] _next;

    // Each worker's first counter value of the whole run (w * totalOps); written by Start between runs.
    private readonly int[] _runStart;
    private readonly Action<int> _body;

    public Execution(ParallelRunner runner)
    {
        _runner = runner;
        _tallies = new Tally[runner.Threads];
        _next = new int[runner.Threads];
        _runStart = new int[runner.Threads];
        _body = Worker;
    }

    public TMap Map { get; set; }

    /// <summary>Fresh map of this kind, Go's setup on it (untimed in BenchmarkDotNet's IterationSetup).</summary>
    public void Setup(TMap map)
    {
        TWorkload.Setup(map);
        Map = map;
    }

    /// <summary>One Go run of <paramref name="ops"/> operations across all workers.</summary>
    public RunInfo Run(int ops)
    {
        Start(ops);
        return Continue(ops);
    }

    /// <summary>Begins a Go run of <paramref name="totalOps"/> operations: worker w's counter starts at w * totalOps.</summary>
    public void Start(long totalOps)
    {
        // Worker w starts at w * totalOps (Go's id*b.N); keep that inside int, the key type of Go's workloads.
        if (totalOps * _runner.Threads > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(totalOps), $"{totalOps} ops x {_runner.Threads} threads overflows the int key space");
        }

        for (int id = 0; id < _next.Length; id++)
        {
            _next[id] = (int)(id * totalOps);
            _runStart[id] = _next[id];
        }
    }

    /// <summary>The next <paramref name="ops"/> operations of the run begun by <see cref="Start"/>.</summary>
    public RunInfo Continue(int ops)
    {
        Array.Clear(_tallies);
        _runner.Run(ops, _body);
        var total = default(Tally);
        foreach (Tally tally in _tallies)
        {
            total.Add(tally);
        }

        if (TCheck.Enabled)
        {
            Check.That(total.Ops == ops, $"workers ran {total.Ops} operations, expected {ops}");
        }

        return new RunInfo(ops, _runner.Threads, total);
    }

    private void Worker(int id)
    {
        ParallelBatch pb = _runner.NewBatch();
        var tally = default(Tally);
        int start = _next[id];
        GoRun.WorkerStart = _runStart[id];
        TWorkload.PerG<TMap, TCheck>(Map, ref pb, start, ref tally);
        _next[id] = (int)(start + pb.Taken);
        _tallies[id] = tally;
    }
}

/// <summary>What a worker knows about the Go run it is part of.</summary>
public static class GoRun
{
    /// <summary>
    /// The calling worker's first counter value of the whole run (Go's <c>id*b.N</c>), also in a later segment of a
    /// long run, where the <c>i</c> PerG receives is where the previous segment stopped. Set before each PerG call.
    /// </summary>
    [ThreadStatic]
    private static int t_workerStart;

    public static int WorkerStart
    {
        get => t_workerStart;
        set => t_workerStart = value;
    }
}

/// <summary>Shared pieces of Go's setups.</summary>
public static class GoSetup
{
    /// <summary>Go's common setup: LoadOrStore(i, i) for i &lt; hits, then prime with Load(i % hits) for i &lt; 2*hits.</summary>
    public static void HitsAndPrime<TKey, TValue, TKind, TMap>(TMap map, int hits)
        where TKey : notnull
        where TKind : struct, IKeyKind<TKey, TValue>
        where TMap : struct, IMapOps<TKey, TValue>
    {
        for (int i = 0; i < hits; i++)
        {
            map.LoadOrStore(TKind.Key(i), TKind.Value(i), out _);
        }

        // Prime the map to get it into a steady state.
        for (int i = 0; i < hits * 2; i++)
        {
            map.Load(TKind.Key(i % hits), out _);
        }
    }

    /// <summary>Store(i, i) for i &lt; size.</summary>
    public static void StoreRange<TKey, TValue, TKind, TMap>(TMap map, int size)
        where TKey : notnull
        where TKind : struct, IKeyKind<TKey, TValue>
        where TMap : struct, IMapOps<TKey, TValue>
    {
        for (int i = 0; i < size; i++)
        {
            map.Store(TKind.Key(i), TKind.Value(i));
        }
    }
}
