// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GoSync.Benchmarks.Harness;

/// <summary>
/// Go's <c>b.RunParallel</c> on a persistent pool of worker threads.
/// </summary>
/// <remarks>
/// <para>
/// The pool is created once per benchmark case (BenchmarkDotNet's GlobalSetup), so thread creation is never timed.
/// <see cref="Run"/> is one Go "b.N run": it publishes the work, opens the gate (a <see cref="Barrier"/> phase that
/// releases every worker at once), and waits at the same barrier until every worker has finished. The caller's
/// thread only waits, like Go's benchmark goroutine, so BenchmarkDotNet's measured time is the wall time of the
/// whole parallel batch and ns/op = wall time / total operations, as Go reports it.
/// </para>
/// <para>
/// Operations are handed out as Go's <c>testing.PB</c> does: a shared counter from which each worker takes batches
/// of <c>grain</c> operations until the total is reached, so exactly <c>totalOps</c> operations run and a worker
/// that starts late or is descheduled simply does fewer of them. Each worker's own counter <c>i</c> starts at
/// <c>id * totalOps</c> (Go's <c>id*b.N</c>) and advances once per operation, so workers never share "unique" keys.
/// </para>
/// </remarks>
public sealed class ParallelRunner : IDisposable
{
    private readonly Thread[] _threads;

    // Participants: every worker plus the calling thread. Each Run uses two phases: start (the gate) and finish.
    // SignalAndWait is a full fence, so the fields written by Run before the gate are visible to the workers and
    // their results (tallies, _failure) are visible to Run after the finish phase.
    private readonly Barrier _barrier;

    private Action<int>? _work;
    private Exception? _failure;
    private bool _stopping;

    // Batch source (Go's PB.globalN / bN / grain). _taken only grows during a run, through Interlocked.Add.
    private long _taken;
    private long _total;
    private int _grain;

    public ParallelRunner(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _barrier = new Barrier(threads + 1);
        _threads = new Thread[threads];
        ThreadPriority priority = Thread.CurrentThread.Priority;
        for (int id = 0; id < threads; id++)
        {
            int workerId = id;
            _threads[id] = new Thread(() => WorkerLoop(workerId))
            {
                IsBackground = true,
                Name = $"GoSync bench worker {id}",
                Priority = priority,
            };
            _threads[id].Start();
        }
    }

    public int Threads { get; }

    /// <summary>
    /// Runs <paramref name="work"/> once on every worker (argument: the worker id) through one gate and returns
    /// when all have finished; rethrows the first exception a worker threw (a workload check).
    /// </summary>
    public void Run(long totalOps, Action<int> work)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalOps);
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _failure = null;
        _taken = 0;
        _total = totalOps;
        _grain = Grain(totalOps, Threads);

        _barrier.SignalAndWait(); // gate: every worker starts now
        _barrier.SignalAndWait(); // every worker has finished

        _work = null;
        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Go's <c>testing.PB</c> for one worker of the current run.</summary>
    public ParallelBatch NewBatch() => new(this);

    /// <summary>Takes the next batch of operations (Go's PB.Next refill); false when the run's total is reached.</summary>
    internal bool TryTake(out int count)
    {
        // Interlocked.Add hands every operation to exactly one worker; contention is one atomic per batch.
        long end = Interlocked.Add(ref _taken, _grain);
        if (end <= _total)
        {
            count = _grain;
            return true;
        }

        long rest = _total + _grain - end;
        if (rest > 0)
        {
            count = (int)rest;
            return true;
        }

        count = 0;
        return false;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _barrier.SignalAndWait(); // releases the workers, which see _stopping and exit
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
    }

    // Go sizes a batch to about 100us from the previous run's ns/op (capped at 10,000). Without a previous run we aim
    // for at least 64 batches per worker, within the same cap: small enough to balance, large enough that the
    // shared counter costs nothing measurable.
    private static int Grain(long totalOps, int threads) => (int)Math.Clamp(totalOps / (threads * 64L), 1, 10_000);

    private void WorkerLoop(int id)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _work!(id);
            }
#pragma warning disable CA1031 // Any exception from a worker is handed to Run's caller, which rethrows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }

            _barrier.SignalAndWait();
        }
    }
}

/// <summary>Go's <c>testing.PB</c>: <see cref="Next"/> is true once per operation of this worker.</summary>
public struct ParallelBatch
{
    private readonly ParallelRunner _source;
    private int _cache;
    private long _taken;

    internal ParallelBatch(ParallelRunner source)
    {
        _source = source;
        _cache = 0;
        _taken = 0;
    }

    /// <summary>
    /// Operations this worker has taken so far. Once <see cref="Next"/> has returned false, the number it returned
    /// true: every workload advances its counter <c>i</c> once per operation, so <c>i</c> ended at its start plus this.
    /// </summary>
    public readonly long Taken => _taken;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next()
    {
        if (_cache == 0 && !Refill())
        {
            return false;
        }

        _cache--;
        return true;
    }

    // Once per batch, off the per-operation path.
    private bool Refill()
    {
        if (!_source.TryTake(out _cache))
        {
            return false;
        }

        _taken += _cache;
        return true;
    }
}
