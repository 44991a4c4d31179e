// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading;
using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// The alternate lookup's operations (through <see cref="ReadOnlySpan{T}"/> of char on a
/// <see cref="SyncMap{TKey, TValue}"/> of string keys) are linearizable, mixed with the plain operations on the same keys
/// while other steps store new keys (dirty rebuilds), load missing keys and Range (promotions), and Clear. Each alternate
/// operation is checked as the <see cref="OpKind"/> with the same meaning, against <see cref="SequentialMapModel"/>.
/// </summary>
[Collection(ConcurrencyCollection.Name)]
[Trait("Category", "Stress")]
public sealed class AlternateLookupLinearizabilityTests
{
    private readonly ITestOutputHelper _output;

    public AlternateLookupLinearizabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    public void AlternateLookupOperations_MixedWithPlainOnes_AreLinearizable_UnderPromotionRebuildAndClear(bool ignoreCase, int threads)
    {
        // At least 300 rounds (900 key histories of up to 60 operations), up to 3x as many while few operations overlapped
        // another thread's (a loaded machine may run the threads one after another). GOSYNC_STRESS_SCALE multiplies.
        int baseRounds = StressEnvironment.Scaled(300);
        const long WantedOverlapping = 1_500;
        int baseSeed = StressEnvironment.Seed(9100 + (ignoreCase ? 10 : 0) + threads);
        using var recorder = new AlternateHistoryRecorder(threads, ignoreCase, AltWorkload.All, driverPercent: 30, map => new AltMapUnderTest(map));
        int rounds = 0;
        long overlapping = 0;
        string? violation = null;
        while (violation is null && rounds < 3 * baseRounds && (rounds < baseRounds || overlapping < WantedOverlapping))
        {
            violation = recorder.RunAndCheck(baseSeed + rounds, out long o);
            rounds++;
            overlapping += o;
        }

        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"seed={baseSeed}: {rounds} rounds, {recorder.Histories} key histories, {recorder.Operations} operations checked ({recorder.AlternateOperations} through the alternate lookup), {overlapping} overlapping another thread's; {recorder.Drivers} driver steps; inside the rounds {recorder.Promotions} promotions, {recorder.DirtyRebuilds} dirty rebuilds, {recorder.Expunges} expunges."));
        Assert.True(violation is null, violation);
        Assert.True(overlapping >= WantedOverlapping / 50, $"too few operations overlapped another thread's: {overlapping} of {recorder.Operations} (seed={baseSeed})");
        Assert.True(
            recorder.Promotions > 0 && recorder.DirtyRebuilds > 0 && recorder.Expunges > 0,
            $"the machinery never ran during a round: {recorder.Promotions} promotions, {recorder.DirtyRebuilds} dirty rebuilds, {recorder.Expunges} expunges (seed={baseSeed})");
        Assert.True(recorder.AlternateOperations > recorder.Operations / 3, $"too few alternate operations: {recorder.AlternateOperations} of {recorder.Operations} (seed={baseSeed})");
    }

    [Fact]
    public void Checker_CatchesNonAtomicAlternateLoadOrStore_WithinBoundedRounds()
    {
        // A map whose alternate LoadOrStore is TryGetValue then Store: two threads that both see the key absent both
        // "store" and return loaded=false. The checker must notice within a bounded number of rounds.
        const int MaxRounds = 5000;
        int baseSeed = StressEnvironment.Seed(9177);
        using var recorder = new AlternateHistoryRecorder(3, ignoreCase: true, AltWorkload.LoadOrStoreHeavy, driverPercent: 0, map => new BrokenAlternateLoadOrStoreMap(map));
        string? report = null;
        int round = 0;
        for (; round < MaxRounds && report is null; round++)
        {
            report = recorder.RunAndCheck(baseSeed + round, out _);
        }

        Assert.True(report is not null, $"The checker found no violation in {MaxRounds} rounds of a map with a non-atomic alternate LoadOrStore (seed={baseSeed}).");
        Assert.Contains("seed=", report, StringComparison.Ordinal);
        _output.WriteLine($"Found within {round} rounds:\n{report}");
    }
}

/// <summary>How an operation reaches the map: through the plain API or the alternate lookup.</summary>
internal enum AltVia : byte
{
    Plain,
    Alternate,

    /// <summary>The alternate overload that also returns the stored key (TryGetValue, TryRemove).</summary>
    AlternateWithActualKey,
}

/// <summary>The operation mixes of <see cref="AlternateHistoryRecorder"/>.</summary>
internal static class AltWorkload
{
    /// <summary>Every alternate write and read, and plain operations on the same keys.</summary>
    public static readonly (OpKind Kind, AltVia Via, int Weight)[] All =
    [
        (OpKind.TryAdd, AltVia.Alternate, 3), (OpKind.LoadOrStore, AltVia.Alternate, 4), (OpKind.GetOrAddValue, AltVia.Alternate, 2),
        (OpKind.Store, AltVia.Alternate, 3), (OpKind.LoadAndDelete, AltVia.Alternate, 3), (OpKind.TryRemove, AltVia.Alternate, 2),
        (OpKind.TryRemove, AltVia.AlternateWithActualKey, 2), (OpKind.LoadOrCompute, AltVia.Alternate, 3), (OpKind.IndexerSet, AltVia.Alternate, 2),
        (OpKind.TryGetValue, AltVia.Alternate, 3), (OpKind.TryGetValue, AltVia.AlternateWithActualKey, 2), (OpKind.ContainsKey, AltVia.Alternate, 2),
        (OpKind.Load, AltVia.Plain, 3), (OpKind.Store, AltVia.Plain, 2), (OpKind.LoadOrStore, AltVia.Plain, 2), (OpKind.Delete, AltVia.Plain, 2),
        (OpKind.TryAdd, AltVia.Plain, 1), (OpKind.LoadAndDelete, AltVia.Plain, 1),
    ];

    /// <summary>The mix that exposes a non-atomic alternate LoadOrStore.</summary>
    public static readonly (OpKind Kind, AltVia Via, int Weight)[] LoadOrStoreHeavy =
    [
        (OpKind.LoadOrStore, AltVia.Alternate, 6), (OpKind.LoadAndDelete, AltVia.Alternate, 2), (OpKind.TryGetValue, AltVia.Alternate, 1),
    ];
}

/// <summary>The map a round drives: the real alternate lookup, or a subclass that breaks one operation.</summary>
internal class AltMapUnderTest
{
    public AltMapUnderTest(SyncMap<string, int> map)
    {
        Map = map;
        Lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public SyncMap<string, int> Map { get; }

    public SyncMap<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

    public virtual int LoadOrStore(ReadOnlySpan<char> key, int value, out bool loaded) => Lookup.LoadOrStore(key, value, out loaded);
}

/// <summary>A deliberately broken map: the alternate LoadOrStore is TryGetValue followed by Store (not atomic).</summary>
internal sealed class BrokenAlternateLoadOrStoreMap : AltMapUnderTest
{
    public BrokenAlternateLoadOrStoreMap(SyncMap<string, int> map)
        : base(map)
    {
    }

    public override int LoadOrStore(ReadOnlySpan<char> key, int value, out bool loaded)
    {
        if (Lookup.TryGetValue(key, out int existing))
        {
            loaded = true;
            return existing;
        }

        Thread.SpinWait(20); // widens the window between the check and the act, so the race shows on a loaded machine too
        Lookup.Store(key, value);
        loaded = false;
        return value;
    }
}

/// <summary>
/// Runs rounds of 2-3 threads on a fresh <see cref="SyncMap{TKey, TValue}"/> of string keys and checks every checked
/// key's history with <see cref="LinearizabilityChecker"/>. Workers are created once; each round they pass a
/// <see cref="Barrier"/> and then spin until all have arrived, so that their operations overlap.
/// </summary>
internal sealed class AlternateHistoryRecorder : IDisposable
{
    private const int CheckedKeys = 3;
    private const int OperationsPerThread = 20; // 3 threads x 20 <= LinearizabilityChecker.MaxOperations per key

    private readonly int _threads;
    private readonly bool _ignoreCase;
    private readonly (OpKind Kind, AltVia Via, int Weight)[] _mix;
    private readonly int _driverPercent;
    private readonly Func<SyncMap<string, int>, AltMapUnderTest> _wrap;
    private readonly Thread[] _workers;
    private readonly Barrier _barrier;
    private readonly Step[][] _scripts;
    private readonly List<(int Key, Operation Op)>[] _records;
    private readonly Exception?[] _failures;
    private readonly string _mapName = "alternate-linearizability-" + Guid.NewGuid().ToString("N");
    private readonly MeterListener _listener = new();
    private readonly long[] _transitions = new long[3]; // promotions, dirty rebuilds, expunges of this recorder's maps (Interlocked: the map's threads report them)
    private AltMapUnderTest? _target;
    private int _arrived; // workers past the barrier this round (Interlocked)
    private volatile bool _stopping;
    private int _seed;
    private long _alternateOperations; // counted by the workers (Interlocked)
    private long _drivers; // counted by the workers (Interlocked)

    public AlternateHistoryRecorder(int threads, bool ignoreCase, (OpKind Kind, AltVia Via, int Weight)[] mix, int driverPercent, Func<SyncMap<string, int>, AltMapUnderTest> wrap)
    {
        _threads = threads;
        _ignoreCase = ignoreCase;
        _mix = mix;
        _driverPercent = driverPercent;
        _wrap = wrap;
        _barrier = new Barrier(threads + 1);
        _scripts = new Step[threads][];
        _records = new List<(int, Operation)>[threads];
        _failures = new Exception?[threads];
        _workers = new Thread[threads];

        // The map's metrics (SyncMap.Metrics.cs) tell which internal transitions happened inside the rounds.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "GoSync")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            int index = instrument.Name switch
            {
                "gosync.map.promotions" => 0,
                "gosync.map.dirty_rebuilds" => 1,
                "gosync.map.expunges" => 2,
                _ => -1,
            };
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (index >= 0 && tag.Key == "gosync.map.name" && (string?)tag.Value == _mapName)
                {
                    Interlocked.Add(ref _transitions[index], value);
                }
            }
        });
        _listener.Start();
        for (int t = 0; t < threads; t++)
        {
            _scripts[t] = new Step[OperationsPerThread];
            _records[t] = new List<(int, Operation)>(OperationsPerThread + 1);
            int id = t;
            _workers[t] = new Thread(() => Work(id)) { IsBackground = true, Name = $"alternate-linearizability-{t}" };
            _workers[t].Start();
        }
    }

    private enum Driver : byte
    {
        None,
        StoreNewKey,
        LoadMissingKey,
        Range,
        Clear,
    }

    public int Histories { get; private set; }

    public long Operations { get; private set; }

    public long AlternateOperations => Volatile.Read(ref _alternateOperations);

    public long Drivers => Volatile.Read(ref _drivers);

    /// <summary>Promotions that happened while the workers ran (not during a round's setup).</summary>
    public long Promotions { get; private set; }

    /// <summary>Dirty rebuilds that happened while the workers ran.</summary>
    public long DirtyRebuilds { get; private set; }

    /// <summary>Entries expunged while the workers ran.</summary>
    public long Expunges { get; private set; }

    /// <summary>Runs one round from <paramref name="seed"/>; returns a description of the first violation, or null.</summary>
    public string? RunAndCheck(int seed, out long overlapping)
    {
        _seed = seed;
        var random = new Random(seed);
        var map = new SyncMap<string, int>(_ignoreCase ? StringComparer.OrdinalIgnoreCase : null) { Name = _mapName };
        var initial = new long[CheckedKeys];
        var start = new int[CheckedKeys];
        for (int k = 0; k < CheckedKeys; k++)
        {
            start[k] = random.Next(4); // 0 absent, 1 dirty only, 2 deleted (tombstone, expunged by a later rebuild), 3 in the read map
            initial[k] = start[k] is 1 or 3 ? -1 - k : SequentialMapModel.Absent;
            if (start[k] is 2 or 3)
            {
                map.Store(KeyName(k), -1 - k);
            }
        }

        map.Range(static (_, _) => true); // promotes: the keys stored so far are in the read map
        for (int k = 0; k < CheckedKeys; k++)
        {
            if (start[k] == 1)
            {
                map.Store(KeyName(k), -1 - k);
            }
            else if (start[k] == 2)
            {
                map.Delete(KeyName(k));
            }
        }

        for (int t = 0; t < _threads; t++)
        {
            Plan(random, t, _scripts[t]);
            _records[t].Clear();
        }

        _target = _wrap(map);
        _arrived = 0;
        string context = string.Create(CultureInfo.InvariantCulture, $"seed={seed}");
        long promotions = Interlocked.Read(ref _transitions[0]), rebuilds = Interlocked.Read(ref _transitions[1]), expunges = Interlocked.Read(ref _transitions[2]);
        ThreadTimeLimit.SignalAndWait(_barrier, context); // start
        ThreadTimeLimit.SignalAndWait(_barrier, context); // end
        Promotions += Interlocked.Read(ref _transitions[0]) - promotions;
        DirtyRebuilds += Interlocked.Read(ref _transitions[1]) - rebuilds;
        Expunges += Interlocked.Read(ref _transitions[2]) - expunges;
        for (int t = 0; t < _threads; t++)
        {
            if (_failures[t] is { } failure)
            {
                throw new InvalidOperationException($"worker {t} failed (seed={seed})", failure);
            }
        }

        map.AssertInvariants();
        overlapping = 0;
        for (int k = 0; k < CheckedKeys; k++)
        {
            var history = new List<Operation>();
            for (int t = 0; t < _threads; t++)
            {
                foreach ((int key, Operation op) in _records[t])
                {
                    if (key == k || op.Kind == OpKind.Clear)
                    {
                        history.Add(op);
                    }
                }
            }

            if (history.Count == 0)
            {
                continue;
            }

            Operation[] ops = history.ToArray();
            Histories++;
            Operations += ops.Length;
            overlapping += CountOverlapping(ops);
            CheckResult result = LinearizabilityChecker.Check(ops, initial[k]);
            if (result.Verdict != Verdict.Linearizable)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"seed={seed} (replay: GOSYNC_SEED), ignoreCase={_ignoreCase}, key {KeyName(k)}: {result.Verdict} after {result.Steps} steps\n{LinearizabilityChecker.Describe(ops, initial[k])}");
            }
        }

        return null;
    }

    public void Dispose()
    {
        _stopping = true;
        ThreadTimeLimit.SignalAndWait(_barrier, "stopping the workers");
        foreach (Thread worker in _workers)
        {
            ThreadTimeLimit.Join(worker, "stopping the workers");
        }

        _barrier.Dispose();
        _listener.Dispose();
    }

    /// <summary>The checked key as stored ("Key0"); the plain operations use it.</summary>
    private static string KeyName(int k) => string.Create(CultureInfo.InvariantCulture, $"Key{k}");

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

    private void Plan(Random random, int thread, Step[] script)
    {
        int totalWeight = 0;
        foreach ((_, _, int w) in _mix)
        {
            totalWeight += w;
        }

        for (int i = 0; i < script.Length; i++)
        {
            ref Step s = ref script[i];
            s = default;
            s.Pause = random.Next(10);
            if (random.Next(100) < _driverPercent)
            {
                s.Driver = (Driver)(1 + random.Next(4));
                s.Arg1 = random.Next(1_000_000);
                continue;
            }

            int pick = random.Next(totalWeight);
            foreach ((OpKind kind, AltVia via, int w) in _mix)
            {
                if (pick < w)
                {
                    s.Kind = kind;
                    s.Via = via;
                    break;
                }

                pick -= w;
            }

            s.Key = random.Next(CheckedKeys);
            s.Arg1 = ((thread + 1) * 1000) + i; // unique per operation, so a value tells which write it came from

            // Under the ignore-case comparer, the alternate key differs in case from the stored one.
            string name = KeyName(s.Key);
            s.Name = _ignoreCase && random.Next(2) == 0 ? name.ToUpperInvariant() : (_ignoreCase ? name.ToLowerInvariant() : name);
        }
    }

    private void Work(int thread)
    {
        while (true)
        {
            if (!_barrier.SignalAndWait(ThreadTimeLimit.Limit) || _stopping)
            {
                return;
            }

            try
            {
                Interlocked.Increment(ref _arrived); // full fence: every worker starts its script after all have arrived
                while (Volatile.Read(ref _arrived) < _threads)
                {
                    Thread.SpinWait(1);
                }

                Run(thread, _target!, _scripts[thread], _records[thread]);
            }
            catch (Exception e)
            {
                _failures[thread] = e;
            }

            if (!_barrier.SignalAndWait(ThreadTimeLimit.Limit))
            {
                return;
            }
        }
    }

    private void Run(int thread, AltMapUnderTest target, Step[] script, List<(int Key, Operation Op)> records)
    {
        SyncMap<string, int> map = target.Map;
        SyncMap<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup = target.Lookup;
        foreach (Step s in script)
        {
            Thread.SpinWait(s.Pause);
            switch (s.Driver)
            {
                case Driver.StoreNewKey:
                    map.Store(string.Create(CultureInfo.InvariantCulture, $"other{s.Arg1}"), s.Arg1);
                    Interlocked.Increment(ref _drivers);
                    continue;
                case Driver.LoadMissingKey:
                    lookup.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"missing{s.Arg1}").AsSpan(), out _);
                    Interlocked.Increment(ref _drivers);
                    continue;
                case Driver.Range:
                    map.Range(static (_, _) => true); // promotes the dirty map
                    Interlocked.Increment(ref _drivers);
                    continue;
                case Driver.Clear:
                    var clear = new Operation { Kind = OpKind.Clear, Thread = thread, Invoke = Stopwatch.GetTimestamp() };
                    map.Clear();
                    clear.Response = Stopwatch.GetTimestamp();
                    records.Add((-1, clear));
                    Interlocked.Increment(ref _drivers);
                    continue;
            }

            var op = new Operation { Kind = s.Kind, Thread = thread, Arg1 = s.Arg1 };
            ReadOnlySpan<char> key = s.Name.AsSpan();
            int a1 = s.Arg1;
            op.Invoke = Stopwatch.GetTimestamp();
            if (s.Via == AltVia.Plain)
            {
                string plain = s.Name;
                switch (s.Kind)
                {
                    case OpKind.Load: op.Ok = map.Load(plain, out op.Value); break;
                    case OpKind.Store: map.Store(plain, a1); break;
                    case OpKind.LoadOrStore: op.Value = map.LoadOrStore(plain, a1, out op.Ok); break;
                    case OpKind.Delete: map.Delete(plain); break;
                    case OpKind.TryAdd: op.Ok = map.TryAdd(plain, a1); break;
                    case OpKind.LoadAndDelete: op.Ok = map.LoadAndDelete(plain, out op.Value); break;
                    default: throw new InvalidOperationException($"no plain mapping for {s.Kind}");
                }
            }
            else
            {
                bool withKey = s.Via == AltVia.AlternateWithActualKey;
                string? actualKey = null;
                switch (s.Kind)
                {
                    case OpKind.TryAdd: op.Ok = lookup.TryAdd(key, a1); break;
                    case OpKind.LoadOrStore: op.Value = target.LoadOrStore(key, a1, out op.Ok); break;
                    case OpKind.GetOrAddValue: op.Value = lookup.GetOrAdd(key, a1); break;
                    case OpKind.Store: lookup.Store(key, a1); break;
                    case OpKind.IndexerSet: lookup[key] = a1; break;
                    case OpKind.LoadAndDelete: op.Ok = lookup.LoadAndDelete(key, out op.Value); break;
                    case OpKind.TryRemove when withKey: op.Ok = lookup.TryRemove(key, out actualKey, out op.Value); break;
                    case OpKind.TryRemove: op.Ok = lookup.TryRemove(key, out op.Value); break;
                    case OpKind.LoadOrCompute: op.Value = lookup.LoadOrCompute(key, _ => a1); break;
                    case OpKind.TryGetValue when withKey: op.Ok = lookup.TryGetValue(key, out actualKey, out op.Value); break;
                    case OpKind.TryGetValue: op.Ok = lookup.TryGetValue(key, out op.Value); break;
                    case OpKind.ContainsKey: op.Ok = lookup.ContainsKey(key); break;
                    default: throw new InvalidOperationException($"no alternate mapping for {s.Kind}");
                }

                Interlocked.Increment(ref _alternateOperations);
                if (withKey && op.Ok && !map.Comparer.Equals(actualKey!, s.Name))
                {
                    throw new InvalidOperationException($"{s.Kind} returned the actual key '{actualKey}' for '{s.Name}' (seed={_seed})");
                }
            }

            op.Response = Stopwatch.GetTimestamp();
            records.Add((s.Key, op));
        }
    }

    /// <summary>One planned step of a thread's script.</summary>
    private struct Step
    {
        public Driver Driver;
        public OpKind Kind;
        public AltVia Via;
        public int Key;
        public int Arg1;
        public int Pause;
        public string Name;
    }
}
