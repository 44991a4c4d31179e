// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>What <see cref="Program"/> needs from a benchmark class without knowing its type arguments.</summary>
public interface IGoBenchmark
{
    /// <summary>Total operations of one measured run (BenchmarkDotNet's OperationsPerInvoke for this class).</summary>
    int OperationsPerInvoke { get; }

    /// <summary>True where Go skips DeepCopyMap, so the CopyOnWrite benchmark is left out.</summary>
    bool SkipsCopyOnWrite { get; }

    /// <summary>Operations of this workload's <c>--smoke</c> run.</summary>
    int SmokeOperations { get; }

    /// <summary>
    /// Runs the workload once against a fresh <paramref name="map"/> with every result checked: one Go run of
    /// <paramref name="ops"/> operations in two segments (as the long mode runs it), then the workload's final checks.
    /// </summary>
    TimeSpan Smoke(MapKind map, int threads, int ops);

    /// <summary>
    /// The long mode: after the JIT warm-up, one fresh map and Go's setup, then one Go run of
    /// <paramref name="segments"/> x <see cref="OperationsPerInvoke"/> operations on that map, timed per segment of
    /// <see cref="OperationsPerInvoke"/> operations.
    /// </summary>
    LongRunResult Long(MapKind map, int threads, int segments);
}

/// <summary>One long-mode run: per segment, ns/op (wall time / operations) and bytes allocated per operation.</summary>
public sealed record LongRunResult(double[] NanosecondsPerOp, double[] BytesPerOp);

/// <summary>
/// One Go benchmark (<typeparamref name="TWorkload"/>) against the six maps. Every map has its own benchmark method
/// and its own compiled loop (the workload is generic over the map's struct wrapper); ConcurrentDictionary is the
/// baseline. Each iteration is one Go "b.N run": a fresh map, Go's setup (untimed, in IterationSetup), then
/// <see cref="IGoBenchmark.OperationsPerInvoke"/> operations split across <see cref="Threads"/> workers released by one
/// gate; BenchmarkDotNet divides the wall time by that count, so Mean is Go's ns/op.
/// </summary>
[MemoryDiagnoser]
public abstract class GoMapBenchmark<TKey, TValue, TWorkload> : IGoBenchmark
    where TKey : notnull
    where TWorkload : struct, IGoWorkload<TKey, TValue>
{
    private ParallelRunner? _runner;
    private Execution<TKey, TValue, TWorkload, SyncMapOps<TKey, TValue>, Measure>? _syncMap;
    private Execution<TKey, TValue, TWorkload, ConcurrentDictionaryOps<TKey, TValue>, Measure>? _concurrentDictionary;
    private Execution<TKey, TValue, TWorkload, NonBlockingOps<TKey, TValue>, Measure>? _nonBlocking;
    private Execution<TKey, TValue, TWorkload, LockedDictionaryOps<TKey, TValue>, Measure>? _lockedDictionary;
    private Execution<TKey, TValue, TWorkload, RwLockDictionaryOps<TKey, TValue>, Measure>? _rwLockDictionary;
    private Execution<TKey, TValue, TWorkload, CopyOnWriteOps<TKey, TValue>, Measure>? _copyOnWrite;
    private RwLockDictionary<TKey, TValue>? _lastRwLockDictionary;

    /// <summary>Worker threads (Go's GOMAXPROCS for RunParallel): 1 and Environment.ProcessorCount by default.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    public static IEnumerable<int> ThreadCounts => BenchSettings.ThreadCounts;

    public int OperationsPerInvoke => TWorkload.OperationsPerInvoke;

    public bool SkipsCopyOnWrite => TWorkload.SkipsCopyOnWrite;

    public int SmokeOperations => TWorkload.SmokeOperations;

    // One GlobalSetup per map: the worker pool for this thread count, then the JIT warm-up of this map's loop.
    [GlobalSetup(Target = nameof(SyncMap))]
    public void GlobalSetupSyncMap() => WarmUp(_syncMap = new(CreateRunner()), static () => new(new SyncMap<TKey, TValue>()));

    [GlobalSetup(Target = nameof(ConcurrentDictionary))]
    public void GlobalSetupConcurrentDictionary() =>
        WarmUp(_concurrentDictionary = new(CreateRunner()), static () => new(new ConcurrentDictionary<TKey, TValue>()));

    [GlobalSetup(Target = nameof(NonBlocking))]
    public void GlobalSetupNonBlocking() =>
        WarmUp(_nonBlocking = new(CreateRunner()), static () => new(new global::NonBlocking.ConcurrentDictionary<TKey, TValue>()));

    [GlobalSetup(Target = nameof(LockedDictionary))]
    public void GlobalSetupLockedDictionary() => WarmUp(_lockedDictionary = new(CreateRunner()), static () => new(new LockedDictionary<TKey, TValue>()));

    [GlobalSetup(Target = nameof(RwLockDictionary))]
    public void GlobalSetupRwLockDictionary()
    {
        var maps = new List<RwLockDictionary<TKey, TValue>>();
        WarmUp(_rwLockDictionary = new(CreateRunner()), () =>
        {
            var map = new RwLockDictionary<TKey, TValue>();
            maps.Add(map);
            return new(map);
        });
        maps.ForEach(map => map.Dispose());
    }

    [GlobalSetup(Target = nameof(CopyOnWrite))]
    public void GlobalSetupCopyOnWrite() => WarmUp(_copyOnWrite = new(CreateRunner()), static () => new(new CopyOnWriteMap<TKey, TValue>()));

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _lastRwLockDictionary?.Dispose();
        _lastRwLockDictionary = null;
        _runner?.Dispose();
        _runner = null;
    }

    [IterationSetup(Target = nameof(SyncMap))]
    public void SetupSyncMap() => _syncMap!.Setup(new SyncMapOps<TKey, TValue>(new SyncMap<TKey, TValue>()));

    [IterationSetup(Target = nameof(ConcurrentDictionary))]
    public void SetupConcurrentDictionary() => _concurrentDictionary!.Setup(new ConcurrentDictionaryOps<TKey, TValue>(new ConcurrentDictionary<TKey, TValue>()));

    [IterationSetup(Target = nameof(NonBlocking))]
    public void SetupNonBlocking() => _nonBlocking!.Setup(new NonBlockingOps<TKey, TValue>(new global::NonBlocking.ConcurrentDictionary<TKey, TValue>()));

    [IterationSetup(Target = nameof(LockedDictionary))]
    public void SetupLockedDictionary() => _lockedDictionary!.Setup(new LockedDictionaryOps<TKey, TValue>(new LockedDictionary<TKey, TValue>()));

    [IterationSetup(Target = nameof(RwLockDictionary))]
    public void SetupRwLockDictionary()
    {
        _lastRwLockDictionary?.Dispose();
        _lastRwLockDictionary = new RwLockDictionary<TKey, TValue>();
        _rwLockDictionary!.Setup(new RwLockDictionaryOps<TKey, TValue>(_lastRwLockDictionary));
    }

    [IterationSetup(Target = nameof(CopyOnWrite))]
    public void SetupCopyOnWrite() => _copyOnWrite!.Setup(new CopyOnWriteOps<TKey, TValue>(new CopyOnWriteMap<TKey, TValue>()));

    private ParallelRunner CreateRunner()
    {
        _runner?.Dispose();
        _runner = new ParallelRunner(Threads);
        return _runner;
    }

    // Untimed: short Go runs of this workload on fresh maps until this map's loop runs tier-1 code (see JitWarmup).
    private void WarmUp<TMap>(Execution<TKey, TValue, TWorkload, TMap, Measure> execution, Func<TMap> create)
        where TMap : struct, IMapOps<TKey, TValue>
        => WarmUp(execution, create, Threads);

    private static void WarmUp<TMap>(Execution<TKey, TValue, TWorkload, TMap, Measure> execution, Func<TMap> create, int threads)
        where TMap : struct, IMapOps<TKey, TValue>
    {
        int ops = Math.Max(Math.Max(16 * threads, TWorkload.OperationsPerInvoke >> 10), threads * TWorkload.WarmUpOperationsPerWorker);
        JitWarmup.Run(JitWarmup.Entry(typeof(Execution<TKey, TValue, TWorkload, TMap, Measure>), "Worker"), () =>
        {
            execution.Setup(create());
            execution.Run(ops);
        });
    }

    // OperationsPerInvoke is set per class by Program (BenchmarkDotNet's attribute needs a constant; each workload has
    // its own count), so the [Benchmark] attributes leave it at 1 and Program rewrites the descriptors.
    [Benchmark]
    public void SyncMap() => _syncMap!.Run(TWorkload.OperationsPerInvoke);

    [Benchmark(Baseline = true)]
    public void ConcurrentDictionary() => _concurrentDictionary!.Run(TWorkload.OperationsPerInvoke);

    [Benchmark]
    public void NonBlocking() => _nonBlocking!.Run(TWorkload.OperationsPerInvoke);

    [Benchmark]
    public void LockedDictionary() => _lockedDictionary!.Run(TWorkload.OperationsPerInvoke);

    [Benchmark]
    public void RwLockDictionary() => _rwLockDictionary!.Run(TWorkload.OperationsPerInvoke);

    [Benchmark]
    public void CopyOnWrite() => _copyOnWrite!.Run(TWorkload.OperationsPerInvoke);

    public TimeSpan Smoke(MapKind map, int threads, int ops)
    {
        using var runner = new ParallelRunner(threads);
        switch (map)
        {
            case MapKind.SyncMap:
                return SmokeOne(runner, new SyncMapOps<TKey, TValue>(new SyncMap<TKey, TValue>()), ops);
            case MapKind.ConcurrentDictionary:
                return SmokeOne(runner, new ConcurrentDictionaryOps<TKey, TValue>(new ConcurrentDictionary<TKey, TValue>()), ops);
            case MapKind.NonBlocking:
                return SmokeOne(runner, new NonBlockingOps<TKey, TValue>(new global::NonBlocking.ConcurrentDictionary<TKey, TValue>()), ops);
            case MapKind.LockedDictionary:
                return SmokeOne(runner, new LockedDictionaryOps<TKey, TValue>(new LockedDictionary<TKey, TValue>()), ops);
            case MapKind.RwLockDictionary:
                using (var rw = new RwLockDictionary<TKey, TValue>())
                {
                    return SmokeOne(runner, new RwLockDictionaryOps<TKey, TValue>(rw), ops);
                }

            case MapKind.CopyOnWrite:
                return SmokeOne(runner, new CopyOnWriteOps<TKey, TValue>(new CopyOnWriteMap<TKey, TValue>()), ops);
            default:
                throw new ArgumentOutOfRangeException(nameof(map), map, "unknown map");
        }
    }

    private static TimeSpan SmokeOne<TMap>(ParallelRunner runner, TMap map, int ops)
        where TMap : struct, IMapOps<TKey, TValue>
    {
        var execution = new Execution<TKey, TValue, TWorkload, TMap, Verify>(runner);
        long start = Stopwatch.GetTimestamp();
        execution.Setup(map);

        // One Go run in two segments, each worker resuming its counter: the long mode's path, checked.
        execution.Start(ops);
        RunInfo first = execution.Continue(ops / 2);
        RunInfo second = execution.Continue(ops - (ops / 2));
        Tally total = first.Total;
        total.Add(second.Total);
        TWorkload.Verify(map, new RunInfo(ops, runner.Threads, total));
        return Stopwatch.GetElapsedTime(start);
    }

    public LongRunResult Long(MapKind map, int threads, int segments)
    {
        using var runner = new ParallelRunner(threads);
        switch (map)
        {
            case MapKind.SyncMap:
                return LongOne(runner, static () => new SyncMapOps<TKey, TValue>(new SyncMap<TKey, TValue>()), segments);
            case MapKind.ConcurrentDictionary:
                return LongOne(runner, static () => new ConcurrentDictionaryOps<TKey, TValue>(new ConcurrentDictionary<TKey, TValue>()), segments);
            case MapKind.NonBlocking:
                return LongOne(runner, static () => new NonBlockingOps<TKey, TValue>(new global::NonBlocking.ConcurrentDictionary<TKey, TValue>()), segments);
            case MapKind.LockedDictionary:
                return LongOne(runner, static () => new LockedDictionaryOps<TKey, TValue>(new LockedDictionary<TKey, TValue>()), segments);
            case MapKind.RwLockDictionary:
                var created = new List<RwLockDictionary<TKey, TValue>>();
                try
                {
                    return LongOne(runner, () =>
                    {
                        var rw = new RwLockDictionary<TKey, TValue>();
                        created.Add(rw);
                        return new RwLockDictionaryOps<TKey, TValue>(rw);
                    }, segments);
                }
                finally
                {
                    created.ForEach(rw => rw.Dispose());
                }

            case MapKind.CopyOnWrite:
                return LongOne(runner, static () => new CopyOnWriteOps<TKey, TValue>(new CopyOnWriteMap<TKey, TValue>()), segments);
            default:
                throw new ArgumentOutOfRangeException(nameof(map), map, "unknown map");
        }
    }

    private static LongRunResult LongOne<TMap>(ParallelRunner runner, Func<TMap> create, int segments)
        where TMap : struct, IMapOps<TKey, TValue>
    {
        var execution = new Execution<TKey, TValue, TWorkload, TMap, Measure>(runner);
        WarmUp(execution, create, runner.Threads);

        int ops = TWorkload.OperationsPerInvoke;
        execution.Setup(create());
        execution.Start((long)ops * segments);
        GC.Collect();
        var nanoseconds = new double[segments];
        var bytes = new double[segments];
        for (int segment = 0; segment < segments; segment++)
        {
            // Precise allocation totals (every thread's), read outside the timed span.
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            execution.Continue(ops);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            bytes[segment] = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)ops;
            nanoseconds[segment] = elapsed.TotalNanoseconds / ops;
        }

        return new LongRunResult(nanoseconds, bytes);
    }
}
