// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// The map the recorder drives: <see cref="SyncMap{TKey, TValue}"/> itself, or a subclass that
/// deliberately breaks one operation to show the checker catches it.
/// </summary>
internal class MapUnderTest
{
    public MapUnderTest(SyncMap<int, int> map) => Map = map;

    public SyncMap<int, int> Map { get; }

    public virtual bool CompareAndSwap(int key, int oldValue, int newValue) => Map.CompareAndSwap(key, oldValue, newValue);

    public virtual bool Load(int key, out int value) => Map.Load(key, out value);
}

/// <summary>Operations in a thread's script that drive the map's internal machinery and are not checked per key.</summary>
internal enum DriverKind : byte
{
    /// <summary>Not a driver: a checked operation on a checked key.</summary>
    None,

    /// <summary>Store of a brand-new key: rebuilds the dirty map (expunging deleted entries) when the map is not amended.</summary>
    StoreNewKey,

    /// <summary>Load of a key never stored: counts a miss while amended, so it promotes the dirty map.</summary>
    LoadMissingKey,

    /// <summary>Delete of an unchecked key (present or not).</summary>
    DeleteOtherKey,

    /// <summary>A full Range: promotes an amended map.</summary>
    Range,

    /// <summary>A read of Count.</summary>
    Count,

    /// <summary>Clear: recorded in every checked key's history.</summary>
    Clear,
}

/// <summary>One step of a thread's script, planned before the threads start.</summary>
internal struct PlannedOp
{
    public DriverKind Driver;
    public OpKind Kind;
    public int Key;
    public int Arg1;
    public int Arg2;

    /// <summary>For compare operations: use the value this thread last saw for the key as the expected value (when it saw one).</summary>
    public bool ExpectLastSeen;

    /// <summary>Busy-wait iterations before the operation, to vary the interleavings.</summary>
    public int Pause;
}

/// <summary>What one round produced for one checked key.</summary>
internal readonly record struct KeyHistory(int Key, long InitialState, Operation[] Operations);

/// <summary>The mix of operations a round's scripts are drawn from.</summary>
internal sealed class Workload
{
    /// <summary>Every checked single-key operation with its weight.</summary>
    public static readonly (OpKind Kind, int Weight)[] AllSingleKeyOperations =
    [
        (OpKind.Load, 6), (OpKind.Store, 4), (OpKind.LoadOrStore, 4), (OpKind.LoadAndDelete, 3),
        (OpKind.Delete, 3), (OpKind.Swap, 3), (OpKind.CompareAndSwap, 5), (OpKind.CompareAndDelete, 3),
        (OpKind.TryAdd, 3), (OpKind.TryUpdate, 3), (OpKind.TryRemove, 2), (OpKind.TryRemovePair, 2),
        (OpKind.GetOrAddFactory, 2), (OpKind.GetOrAddValue, 2), (OpKind.GetOrAddArg, 1),
        (OpKind.AddOrUpdateFactories, 2), (OpKind.AddOrUpdateValue, 2), (OpKind.AddOrUpdateArg, 1),
        (OpKind.TryGetValue, 3), (OpKind.IndexerGet, 2), (OpKind.IndexerSet, 2), (OpKind.ContainsKey, 2),
        (OpKind.GetOrAddValueAdded, 2), (OpKind.GetOrAddFactoryAdded, 1), (OpKind.GetOrAddArgAdded, 1),
        (OpKind.LoadOrCompute, 3), (OpKind.LoadOrComputeArg, 1), (OpKind.ComputeStore, 3), (OpKind.ComputeDelete, 2),
        (OpKind.ComputeKeepArg, 1),
    ];

    public required int Threads { get; init; }

    public required int CheckedKeys { get; init; }

    public required int OperationsPerThread { get; init; }

    public required (OpKind Kind, int Weight)[] Operations { get; init; }

    /// <summary>Percentage of script steps that are <see cref="DriverKind"/> operations.</summary>
    public int DriverPercent { get; init; }

    /// <summary>
    /// Upper bound of the random busy-wait (in <see cref="Thread.SpinWait(int)"/> iterations) before
    /// each operation. It stretches a script over a few microseconds so that threads which start a
    /// little apart (thread wake-ups differ by microseconds) still run their operations side by side.
    /// </summary>
    public int MaxPause { get; init; } = 10;

    /// <summary>Whether rounds start from varied internal states (read, dirty-only, deleted, expunged keys).</summary>
    public bool VariedInitialStates { get; init; }

    /// <summary>With <see cref="VariedInitialStates"/>: each checked key starts dirty-only three times in four (Loads of them are then answered without the lock).</summary>
    public bool MostlyDirtyOnly { get; init; }

    /// <summary>The maps' key comparer (null: the default). One that maps keys to few hashes makes chains long and the miss filter's bits collide.</summary>
    public IEqualityComparer<int>? KeyComparer { get; init; }
}

/// <summary>
/// Runs rounds of concurrent operations on a fresh map and records, for each checked key, the
/// history the linearizability checker needs: each operation's arguments, results, and
/// invocation/response timestamps (<see cref="Stopwatch.GetTimestamp"/>, monotonic and
/// high-resolution). Worker threads are created once and run one script per round; all of them
/// pass one gate (a <see cref="Barrier"/>, then a spin until every worker has arrived) so that
/// their operations really overlap.
/// </summary>
internal sealed class HistoryRecorder : IDisposable
{
    private const int CheckedKeyBase = 0;
    private const int OtherKeyBase = 1_000;
    private const int MissingKeyBase = 900_000;

    private readonly Workload _workload;
    private readonly Func<SyncMap<int, int>, MapUnderTest> _wrap;
    private readonly Thread[] _workers;
    private readonly Barrier _barrier;
    private readonly PlannedOp[][] _scripts;
    private readonly (int Key, Operation Op)[][] _records;
    private readonly int[] _recordCounts;
    private readonly Exception?[] _failures;
    private MapUnderTest? _target;
    private int _arrived;
    private volatile bool _stopping;
    private bool _timedOut; // set and read by the coordinating (test) thread only

    public HistoryRecorder(Workload workload, Func<SyncMap<int, int>, MapUnderTest>? wrap = null)
    {
        _workload = workload;
        _wrap = wrap ?? (map => new MapUnderTest(map));
        int threads = workload.Threads;
        _barrier = new Barrier(threads + 1);
        _scripts = new PlannedOp[threads][];
        _records = new (int, Operation)[threads][];
        _recordCounts = new int[threads];
        _failures = new Exception?[threads];
        _workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            _scripts[t] = new PlannedOp[workload.OperationsPerThread];
            _records[t] = new (int, Operation)[workload.OperationsPerThread];
            int id = t;
            _workers[t] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"lin-worker-{t}" };
            _workers[t].Start();
        }
    }

    /// <summary>Rounds in which each internal transition happened while the threads ran.</summary>
    public TransitionCoverage Coverage { get; } = new();

    /// <summary>
    /// Runs one round: builds a map in a state drawn from <paramref name="seed"/>, plans each
    /// thread's script from the same seed, runs the scripts concurrently, checks the map's
    /// invariants, reads each checked key once more (the final read joins its history) and
    /// returns the histories.
    /// </summary>
    public KeyHistory[] RunRound(int seed)
    {
        var random = new Random(seed);
        var map = new SyncMap<int, int>(_workload.KeyComparer);
        long[] initial = PrepareInitialState(map, random);
        PlanScripts(random);

        _target = _wrap(map);
        MapProbe.Snapshot before = MapProbe.Capture(map);
        Volatile.Write(ref _arrived, 0);
        _barrier.SignalAndWait(); // start: workers run their scripts
        try
        {
            ThreadTimeLimit.SignalAndWait(_barrier, $"seed={seed}"); // end: every worker finished
        }
        catch (TimeoutException)
        {
            _timedOut = true; // a worker is stuck in the map: Dispose leaves the (background) workers
            throw;
        }

        _target = null;
        for (int t = 0; t < _failures.Length; t++)
        {
            if (_failures[t] is Exception failure)
            {
                _failures[t] = null;
                throw new InvalidOperationException($"Worker {t} threw (seed={seed}).", failure);
            }
        }

        try
        {
            map.AssertInvariants();
        }
        catch (InvalidOperationException broken)
        {
            throw new InvalidOperationException($"The map's invariants broke in a round (seed={seed}): {broken.Message}", broken);
        }

        Coverage.Add(MapProbe.Compare(before, MapProbe.Capture(map)));
        AssertCountMatchesRange(map, seed);

        var histories = new KeyHistory[_workload.CheckedKeys];
        for (int k = 0; k < histories.Length; k++)
        {
            int key = CheckedKeyBase + k;
            var ops = new List<Operation>();
            for (int t = 0; t < _records.Length; t++)
            {
                for (int i = 0; i < _recordCounts[t]; i++)
                {
                    (int recordKey, Operation op) = _records[t][i];
                    if (recordKey == key || op.Kind == OpKind.Clear)
                    {
                        ops.Add(op);
                    }
                }
            }

            // The final read happens after every worker finished, so it must see the final state.
            var final = new Operation { Kind = OpKind.Load, Thread = -1, Invoke = Stopwatch.GetTimestamp() };
            final.Ok = map.Load(key, out final.Value);
            final.Response = Stopwatch.GetTimestamp();
            ops.Add(final);
            histories[k] = new KeyHistory(key, initial[k], ops.ToArray());
        }

        return histories;
    }

    public void Dispose()
    {
        if (_timedOut)
        {
            return; // waiting again would only replace the round's failure (with its seed) by another timeout
        }

        _stopping = true;
        ThreadTimeLimit.SignalAndWait(_barrier, "stopping the workers");
        foreach (Thread worker in _workers)
        {
            ThreadTimeLimit.Join(worker, "stopping the workers");
        }

        _barrier.Dispose();
    }

    private static void AssertCountMatchesRange(SyncMap<int, int> map, int seed)
    {
        int visited = 0;
        map.Range((_, _) =>
        {
            visited++;
            return true;
        });
        if (visited != map.Count)
        {
            throw new InvalidOperationException($"Quiescent Count {map.Count} differs from the {visited} keys Range visits (seed={seed}).");
        }
    }

    // Puts each checked key in one of the states the implementation distinguishes, using only
    // the public API: absent; present in the read map; present only in the dirty map; deleted
    // while in the read map (an N tombstone, or expunged (X) when a dirty rebuild follows).
    private long[] PrepareInitialState(SyncMap<int, int> map, Random random)
    {
        var initial = new long[_workload.CheckedKeys];
        Array.Fill(initial, SequentialMapModel.Absent);
        if (!_workload.VariedInitialStates)
        {
            return initial;
        }

        const int InRead = 1, DirtyOnly = 2, Deleted = 3; // 0: absent
        var kinds = new int[initial.Length];
        for (int k = 0; k < kinds.Length; k++)
        {
            kinds[k] = _workload.MostlyDirtyOnly && random.Next(4) != 0 ? DirtyOnly : random.Next(4);
        }

        int others = random.Next(7);
        for (int i = 0; i < others; i++)
        {
            map.Store(OtherKeyBase + i, -i);
        }

        for (int k = 0; k < kinds.Length; k++)
        {
            if (kinds[k] is InRead or Deleted)
            {
                map.Store(CheckedKeyBase + k, 10_000 + k);
            }
        }

        map.Range((_, _) => true); // promotes the dirty map: every key so far is in the read map
        for (int k = 0; k < kinds.Length; k++)
        {
            if (kinds[k] == Deleted)
            {
                map.Delete(CheckedKeyBase + k);
            }
        }

        if (Array.IndexOf(kinds, DirtyOnly) >= 0 || random.Next(2) == 0)
        {
            map.Store(OtherKeyBase + 100, 1); // a new key: the dirty rebuild expunges the deleted entries
        }

        for (int k = 0; k < kinds.Length; k++)
        {
            if (kinds[k] == DirtyOnly)
            {
                map.Store(CheckedKeyBase + k, 10_000 + k);
            }
        }

        int misses = random.Next(4);
        for (int i = 0; i < misses; i++)
        {
            map.Load(MissingKeyBase + i, out _);
        }

        map.AssertInvariants();
        for (int k = 0; k < kinds.Length; k++)
        {
            initial[k] = kinds[k] is InRead or DirtyOnly ? 10_000 + k : SequentialMapModel.Absent;
        }

        return initial;
    }

    // Plans every thread's script, step by step across threads, so that no key's history exceeds
    // the checker's limit: a step that would overflow a key (a Clear counts for every key) becomes
    // a lookup of a missing key instead.
    private void PlanScripts(Random random)
    {
        int totalWeight = 0;
        foreach ((_, int weight) in _workload.Operations)
        {
            totalWeight += weight;
        }

        const int PerKeyLimit = LinearizabilityChecker.MaxOperations - 1; // one slot for the final read
        Span<int> perKey = stackalloc int[_workload.CheckedKeys];
        int length = _workload.OperationsPerThread;
        for (int j = 0; j < length; j++)
        {
            for (int t = 0; t < _scripts.Length; t++)
            {
                ref PlannedOp step = ref _scripts[t][j];
                step = default;
                step.Pause = random.Next(_workload.MaxPause + 1);
                // The first steps touch only checked keys, so that the initial states (an expunged
                // key in particular) meet concurrent operations before the machinery moves on.
                if (j >= 4 && random.Next(100) < _workload.DriverPercent)
                {
                    int pick = random.Next(100);
                    step.Driver = pick switch
                    {
                        < 30 => DriverKind.StoreNewKey,
                        < 52 => DriverKind.LoadMissingKey,
                        < 78 => DriverKind.DeleteOtherKey,
                        < 88 => DriverKind.Range,
                        < 98 => DriverKind.Count,
                        _ => DriverKind.Clear,
                    };
                    if (step.Driver == DriverKind.Clear)
                    {
                        bool room = true;
                        foreach (int used in perKey)
                        {
                            room &= used < PerKeyLimit;
                        }

                        if (room)
                        {
                            step.Kind = OpKind.Clear;
                            for (int k = 0; k < perKey.Length; k++)
                            {
                                perKey[k]++;
                            }
                        }
                        else
                        {
                            step.Driver = DriverKind.LoadMissingKey;
                        }
                    }

                    step.Key = step.Driver switch
                    {
                        DriverKind.StoreNewKey => OtherKeyBase + 200 + (t * 1000) + j,
                        DriverKind.LoadMissingKey => MissingKeyBase + random.Next(1000),
                        DriverKind.DeleteOtherKey => OtherKeyBase + random.Next(8),
                        _ => 0,
                    };
                    continue;
                }

                int slot = random.Next(perKey.Length);
                for (int tries = 0; tries < perKey.Length && perKey[slot] >= PerKeyLimit; tries++)
                {
                    slot = (slot + 1) % perKey.Length;
                }

                if (perKey[slot] >= PerKeyLimit)
                {
                    step.Driver = DriverKind.LoadMissingKey;
                    step.Key = MissingKeyBase + random.Next(1000);
                    continue;
                }

                perKey[slot]++;
                int roll = random.Next(totalWeight);
                foreach ((OpKind kind, int weight) in _workload.Operations)
                {
                    if (roll < weight)
                    {
                        step.Kind = kind;
                        break;
                    }

                    roll -= weight;
                }

                step.Key = CheckedKeyBase + slot;

                // Values written are unique within the round, so each read pins down which write it saw.
                step.Arg1 = 1 + (t * 1000) + j;
                step.Arg2 = step.Kind switch
                {
                    OpKind.AddOrUpdateFactories or OpKind.AddOrUpdateValue or OpKind.AddOrUpdateArg or OpKind.ComputeStore => 100_000 * (1 + random.Next(9)),
                    _ => random.Next(3) == 0 ? 10_000 + step.Key : 1 + (random.Next(_scripts.Length) * 1000) + random.Next(length),
                };
                step.ExpectLastSeen = random.Next(10) < 7;
            }
        }
    }

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
                RunScript(id);
            }
#pragma warning disable CA1031 // The failure is handed to the coordinating test thread, which rethrows it.
            catch (Exception failure)
#pragma warning restore CA1031
            {
                _failures[id] = failure;
            }

            _barrier.SignalAndWait();
        }
    }

    private void RunScript(int id)
    {
        MapUnderTest target = _target!;
        SyncMap<int, int> map = target.Map;
        PlannedOp[] script = _scripts[id];
        (int, Operation)[] records = _records[id];
        int recorded = 0;
        Span<int> lastSeen = stackalloc int[_workload.CheckedKeys];
        Span<bool> haveSeen = stackalloc bool[_workload.CheckedKeys];

        // The gate: everyone has passed the barrier before anyone starts. A pure busy-wait: a thread
        // that yielded here on a loaded machine would lose its core for a whole time slice and run
        // its script after the others finished, so nothing would overlap.
        // With more threads than free cores, the busy-wait gives way to yielding after a while.
        Interlocked.Increment(ref _arrived);
        for (int spins = 0; Volatile.Read(ref _arrived) < _workers.Length; spins++)
        {
            if (spins < 20_000)
            {
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }

        foreach (PlannedOp step in script)
        {
            for (int p = 0; p < step.Pause; p++)
            {
                Thread.SpinWait(1);
            }

            if (step.Driver is not DriverKind.None and not DriverKind.Clear)
            {
                RunDriver(map, step);
                continue;
            }

            var op = new Operation { Kind = step.Kind, Thread = id, Arg1 = step.Arg1, Arg2 = step.Arg2 };
            int slot = step.Key - CheckedKeyBase;
            if (step.Driver == DriverKind.None && step.ExpectLastSeen && haveSeen[slot])
            {
                op.Arg2 = op.Kind switch
                {
                    OpKind.CompareAndSwap or OpKind.TryUpdate or OpKind.CompareAndDelete or OpKind.TryRemovePair => lastSeen[slot],
                    _ => op.Arg2,
                };
            }

            Execute(target, map, step.Key, ref op);
            records[recorded++] = (step.Driver == DriverKind.Clear ? -1 : step.Key, op);
            if (step.Driver == DriverKind.None && Observed(op, out int seen))
            {
                lastSeen[slot] = seen;
                haveSeen[slot] = true;
            }
        }

        _recordCounts[id] = recorded;
    }

    private static void RunDriver(SyncMap<int, int> map, PlannedOp step)
    {
        switch (step.Driver)
        {
            case DriverKind.StoreNewKey:
                map.Store(step.Key, step.Key);
                break;
            case DriverKind.LoadMissingKey:
                map.Load(step.Key, out _);
                break;
            case DriverKind.DeleteOtherKey:
                map.Delete(step.Key);
                break;
            case DriverKind.Range:
                map.Range((_, _) => true);
                break;
            case DriverKind.Count:
                _ = map.Count;
                break;
            default:
                throw new InvalidOperationException($"Not a driver step: {step.Driver}");
        }
    }

    // The value a thread learns the key holds after its own operation, if any.
    private static bool Observed(in Operation op, out int value)
    {
        value = op.Value;
        switch (op.Kind)
        {
            case OpKind.Load or OpKind.TryGetValue or OpKind.IndexerGet or OpKind.ComputeKeepArg:
                return op.Ok;
            case OpKind.LoadOrStore or OpKind.GetOrAddFactory or OpKind.GetOrAddValue or OpKind.GetOrAddArg
                or OpKind.GetOrAddValueAdded or OpKind.GetOrAddFactoryAdded or OpKind.GetOrAddArgAdded
                or OpKind.LoadOrCompute or OpKind.LoadOrComputeArg
                or OpKind.AddOrUpdateFactories or OpKind.AddOrUpdateValue or OpKind.AddOrUpdateArg or OpKind.ComputeStore:
                return true;
            case OpKind.Store or OpKind.IndexerSet or OpKind.Swap:
                value = op.Arg1;
                return true;
            case OpKind.CompareAndSwap or OpKind.TryUpdate or OpKind.TryAdd:
                value = op.Arg1;
                return op.Ok;
            default:
                return false;
        }
    }

    private static void Execute(MapUnderTest target, SyncMap<int, int> map, int key, ref Operation op)
    {
        op.Invoke = Stopwatch.GetTimestamp();
        switch (op.Kind)
        {
            case OpKind.Load:
                op.Ok = target.Load(key, out op.Value);
                break;
            case OpKind.CompareAndSwap:
                op.Ok = target.CompareAndSwap(key, op.Arg2, op.Arg1);
                break;
            default:
                MapOperations.Apply(map, key, ref op);
                break;
        }

        op.Response = Stopwatch.GetTimestamp();
    }
}

/// <summary>Runs many rounds and checks every key's history; builds the failure report.</summary>
internal static class LinearizabilityRun
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds (round r uses seed <c>baseSeed + r</c>) and checks
    /// every history. Returns null when all are linearizable, otherwise a report naming the seed,
    /// the key and the history. <paramref name="histories"/> counts the key histories checked.
    /// </summary>
    public static string? RunAndCheck(HistoryRecorder recorder, Workload workload, int baseSeed, int rounds, out int histories, out long operations) =>
        RunAndCheck(recorder, workload, baseSeed, rounds, out histories, out operations, out _);

    /// <summary>
    /// As above; <paramref name="overlapping"/> counts the operations whose interval intersects an
    /// operation of another thread on the same key (the ones whose order the checker had to decide).
    /// </summary>
    public static string? RunAndCheck(HistoryRecorder recorder, Workload workload, int baseSeed, int rounds, out int histories, out long operations, out long overlapping)
    {
        histories = 0;
        operations = 0;
        overlapping = 0;
        for (int r = 0; r < rounds; r++)
        {
            int seed = unchecked(baseSeed + r);
            foreach (KeyHistory history in recorder.RunRound(seed))
            {
                histories++;
                operations += history.Operations.Length;
                overlapping += CountOverlapping(history.Operations);
                CheckResult result = LinearizabilityChecker.Check(history.Operations, history.InitialState);
                if (result.Verdict != Verdict.Linearizable)
                {
                    var report = new StringBuilder();
                    report.Append(CultureInfo.InvariantCulture, $"{result.Verdict} history for key {history.Key} in round {r}: seed={seed} (base seed {baseSeed}; replay with GOSYNC_SEED={seed}), ");
                    report.Append(CultureInfo.InvariantCulture, $"{workload.Threads} threads, {result.Steps} search steps, longest linearizable prefix {result.LongestPrefix} of {history.Operations.Length}.\n");
                    report.Append(LinearizabilityChecker.Describe(history.Operations, history.InitialState));
                    return report.ToString();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Runs batches of 50 rounds from <paramref name="baseSeed"/> until <paramref name="baseRounds"/> rounds ran and 2,000
    /// checked operations overlapped another thread's (up to 8 times the rounds: a loaded machine may run the threads one
    /// after another), then asserts that every history was linearizable, that enough operations overlapped, and that
    /// promotions and dirty rebuilds happened during the rounds. Returns a one-line summary for the test output.
    /// </summary>
    public static string RunUntilOverlapping(Workload workload, int baseSeed, int baseRounds)
    {
        const int Batch = 50;
        const long WantedOverlapping = 2_000;
        using var recorder = new HistoryRecorder(workload);
        int rounds = 0, histories = 0;
        long operations = 0, overlapping = 0;
        string? violation = null;
        while (violation is null && rounds < 8 * baseRounds && (rounds < baseRounds || overlapping < WantedOverlapping))
        {
            violation = RunAndCheck(recorder, workload, baseSeed + rounds, Batch, out int h, out long o, out long v);
            rounds += Batch;
            histories += h;
            operations += o;
            overlapping += v;
        }

        Assert.True(violation is null, violation);
        Assert.True(overlapping >= WantedOverlapping / 50, $"too few operations overlapped another thread's: {overlapping} of {operations} (seed={baseSeed})");
        TransitionCoverage coverage = recorder.Coverage;
        Assert.True(coverage.Promotions > 0 && coverage.DirtyRebuilds > 0, $"the machinery never ran during a round: {coverage} (seed={baseSeed})");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"seed={baseSeed}: {rounds} rounds, {histories} key histories, {operations} operations checked, {overlapping} overlapping; {coverage}.");
    }

    /// <summary>Runs <paramref name="run"/> on a thread of its own and fails if it does not finish within <paramref name="limit"/> (a deadlock or livelock fails the test instead of hanging the suite).</summary>
    public static async Task<string> WithinTimeLimit(Func<string> run, TimeSpan limit)
    {
        Task<string> task = Task.Factory.StartNew(run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task first = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
        Assert.True(first == task, $"the test did not finish within {limit}");
        return await task.ConfigureAwait(false);
    }

    private static int CountOverlapping(Operation[] ops)
    {
        int count = 0;
        for (int i = 0; i < ops.Length; i++)
        {
            for (int j = 0; j < ops.Length; j++)
            {
                if (ops[i].Thread != ops[j].Thread && ops[i].Invoke <= ops[j].Response && ops[j].Invoke <= ops[i].Response)
                {
                    count++;
                    break;
                }
            }
        }

        return count;
    }
}
