// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Every single-key operation of <see cref="SyncMap{TKey, TValue}"/> is linearizable, Clear
/// included, while other threads drive promotion, dirty rebuilds, expunging and unexpunging
/// (see <see cref="HistoryRecorder"/> and <see cref="LinearizabilityChecker"/>); and the checker
/// itself rejects histories that are not linearizable, hand-built or produced by a broken map.
/// </summary>
[Collection(ConcurrencyCollection.Name)]
[Trait("Category", "Stress")]
public sealed class LinearizabilityTests
{
    private readonly ITestOutputHelper _output;

    public LinearizabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(2, 120)]
    [InlineData(3, 80)]
    [InlineData(4, 60)]
    public void SingleKeyOperations_AreLinearizable_UnderPromotionRebuildExpungeAndClear(int threads, int operationsPerThread)
    {
        // Rounds of `threads` threads, each running `operationsPerThread` operations: 70% on three
        // checked keys (every single-key operation, each key's history at most 64 operations),
        // 30% driving the machinery (new keys, misses, deletes, Range, Count, Clear). At least 3,000
        // key histories per thread count by default, more when few operations overlapped (a
        // loaded machine may run the threads one after another). GOSYNC_STRESS_SCALE multiplies.
        int baseRounds = StressEnvironment.Scaled(1000);
        const int Batch = 50;
        const long WantedOverlapping = 5_000;
        int baseSeed = StressEnvironment.Seed(4000 + threads);
        var workload = new Workload
        {
            Threads = threads,
            CheckedKeys = 3,
            OperationsPerThread = operationsPerThread,
            Operations = Workload.AllSingleKeyOperations,
            DriverPercent = 30,
            VariedInitialStates = true,
        };
        using var recorder = new HistoryRecorder(workload);

        int rounds = 0, histories = 0;
        long operations = 0, overlapping = 0;
        string? violation = null;
        while (violation is null && rounds < 8 * baseRounds && (rounds < baseRounds || overlapping < WantedOverlapping))
        {
            violation = LinearizabilityRun.RunAndCheck(recorder, workload, baseSeed + rounds, Batch, out int h, out long o, out long v);
            rounds += Batch;
            histories += h;
            operations += o;
            overlapping += v;
        }

        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"seed={baseSeed}: {rounds} rounds, {histories} key histories, {operations} operations checked, {overlapping} of them overlapping another thread's; {recorder.Coverage}."));
        Assert.True(violation is null, violation);

        // The test proves something only if operations overlapped and the machinery ran inside the rounds.
        Assert.True(overlapping >= WantedOverlapping / 50, $"Too few overlapping operations: {overlapping} of {operations} (seed={baseSeed}).");
        TransitionCoverage coverage = recorder.Coverage;
        Assert.True(
            coverage.Promotions > 0 && coverage.DirtyRebuilds > 0 && coverage.Expunges > 0 && coverage.Unexpunges > 0,
            $"Some internal transition never happened during a round: {coverage} (seed={baseSeed}).");
    }

    [Fact]
    public void Checker_CatchesBrokenCompareAndSwap_WithinBoundedRounds()
    {
        // A map whose CompareAndSwap is a Load followed by a Store: two threads that read the
        // same old value both "swap". The checker must notice within a bounded number of rounds.
        const int MaxRounds = 5000;
        int baseSeed = StressEnvironment.Seed(77);
        var workload = new Workload
        {
            Threads = 3,
            CheckedKeys = 1,
            OperationsPerThread = 12,
            Operations = [(OpKind.CompareAndSwap, 6), (OpKind.Load, 2), (OpKind.Store, 1)],
            DriverPercent = 0,
            VariedInitialStates = true,
        };
        using var recorder = new HistoryRecorder(workload, map => new BrokenCompareAndSwapMap(map));

        string? report = null;
        int round = 0;
        for (; round < MaxRounds && report is null; round += 50)
        {
            report = LinearizabilityRun.RunAndCheck(recorder, workload, baseSeed + round, 50, out _, out _);
        }

        Assert.True(report is not null, $"The checker found no violation in {MaxRounds} rounds of a map with a non-atomic CompareAndSwap (seed={baseSeed}).");
        Assert.Contains("seed=", report, StringComparison.Ordinal);
        _output.WriteLine($"Found within {round} rounds:\n{report}");
    }

    [Fact]
    public void Checker_CatchesStaleReads_WithinBoundedRounds()
    {
        // A map whose Load now and then answers from a per-thread cache of earlier answers.
        const int MaxRounds = 2000;
        int baseSeed = StressEnvironment.Seed(78);
        var workload = new Workload
        {
            Threads = 2,
            CheckedKeys = 1,
            OperationsPerThread = 16,
            Operations = [(OpKind.Load, 5), (OpKind.Store, 3), (OpKind.Swap, 1)],
            DriverPercent = 0,
            VariedInitialStates = true,
        };
        using var recorder = new HistoryRecorder(workload, map => new StaleLoadMap(map));

        string? report = null;
        int round = 0;
        for (; round < MaxRounds && report is null; round += 20)
        {
            report = LinearizabilityRun.RunAndCheck(recorder, workload, baseSeed + round, 20, out _, out _);
        }

        Assert.True(report is not null, $"The checker found no violation in {MaxRounds} rounds of a map that serves stale reads (seed={baseSeed}).");
        _output.WriteLine($"Found within {round} rounds:\n{report}");
    }

    [Fact]
    public void Checker_RejectsHandBuiltViolations()
    {
        const long Absent = SequentialMapModel.Absent;

        // A completed Store is not seen by a later Load.
        AssertVerdict(Verdict.Violation, Absent, Op(OpKind.Store, 0, 1, 1), Op(OpKind.Load, 2, 3, ok: false));

        // A stale read: the Load starts after the second Store completed but sees the first.
        AssertVerdict(
            Verdict.Violation,
            Absent,
            Op(OpKind.Store, 0, 1, 1),
            Op(OpKind.Store, 2, 3, 2),
            Op(OpKind.Load, 4, 5, ok: true, value: 1));

        // Two overlapping CompareAndSwaps from the same old value both succeed (the lost update).
        AssertVerdict(
            Verdict.Violation,
            5,
            Op(OpKind.CompareAndSwap, 0, 10, 1, arg2: 5, ok: true),
            Op(OpKind.CompareAndSwap, 0, 10, 2, arg2: 5, ok: true));

        // Two overlapping LoadOrStores both store.
        AssertVerdict(
            Verdict.Violation,
            Absent,
            Op(OpKind.LoadOrStore, 0, 10, 1, ok: false, value: 1),
            Op(OpKind.LoadOrStore, 0, 10, 2, ok: false, value: 2));

        // Two overlapping AddOrUpdates both add: an increment is lost.
        AssertVerdict(
            Verdict.Violation,
            Absent,
            Op(OpKind.AddOrUpdateValue, 0, 10, 1, arg2: 100, value: 1),
            Op(OpKind.AddOrUpdateValue, 0, 10, 2, arg2: 100, value: 2));

        // A write survives a Clear that started after it completed.
        AssertVerdict(
            Verdict.Violation,
            Absent,
            Op(OpKind.Store, 0, 1, 7),
            Op(OpKind.Clear, 2, 3),
            Op(OpKind.TryGetValue, 4, 5, ok: true, value: 7));

        // CompareAndSwap must not treat an absent key as holding default(int).
        AssertVerdict(Verdict.Violation, Absent, Op(OpKind.CompareAndSwap, 0, 1, 3, arg2: 0, ok: true));

        // A value nobody wrote.
        AssertVerdict(Verdict.Violation, 4, Op(OpKind.Swap, 0, 1, 9, ok: true, value: 5));
    }

    [Fact]
    public void Checker_AcceptsHandBuiltLinearizableHistories()
    {
        const long Absent = SequentialMapModel.Absent;

        // A Load overlapping a Store may see either state; here it sees the new one although it was invoked first.
        AssertVerdict(Verdict.Linearizable, Absent, Op(OpKind.Load, 0, 10, ok: true, value: 1), Op(OpKind.Store, 5, 6, 1));

        // Overlapping CompareAndSwaps: only one succeeds; the loser may be ordered either way.
        AssertVerdict(
            Verdict.Linearizable,
            5,
            Op(OpKind.CompareAndSwap, 0, 10, 1, arg2: 5, ok: false),
            Op(OpKind.CompareAndSwap, 0, 10, 2, arg2: 5, ok: true),
            Op(OpKind.Load, 11, 12, ok: true, value: 2));

        // A write overlapping a Clear lands before it (and is cleared) or after it (and survives).
        AssertVerdict(
            Verdict.Linearizable,
            Absent,
            Op(OpKind.Store, 0, 10, 7),
            Op(OpKind.Clear, 1, 9),
            Op(OpKind.Load, 11, 12, ok: true, value: 7));
        AssertVerdict(
            Verdict.Linearizable,
            Absent,
            Op(OpKind.Store, 0, 10, 7),
            Op(OpKind.Clear, 1, 9),
            Op(OpKind.Load, 11, 12, ok: false));

        // Operations that touch at the same timestamp count as overlapping (the lenient side).
        AssertVerdict(Verdict.Linearizable, Absent, Op(OpKind.Store, 0, 5, 1), Op(OpKind.Load, 5, 6, ok: false));

        // A chain that only one order explains: AddOrUpdate adds 1, GetOrAdd sees 1, AddOrUpdate
        // updates to 11, TryUpdate 11 -> 31, TryRemove(pair 31) removes, then the key is absent.
        AssertVerdict(
            Verdict.Linearizable,
            Absent,
            Op(OpKind.TryRemovePair, 0, 100, arg2: 31, ok: true),
            Op(OpKind.TryUpdate, 0, 100, 31, arg2: 11, ok: true),
            Op(OpKind.AddOrUpdateValue, 0, 100, 5, arg2: 10, value: 11),
            Op(OpKind.GetOrAddValue, 0, 100, 9, value: 1),
            Op(OpKind.AddOrUpdateFactories, 0, 100, 1, arg2: 10, value: 1),
            Op(OpKind.IndexerGet, 101, 102, ok: false));
    }

    [Fact]
    public void Checker_MemoisationBoundsTheSearch_OnFourThreadHistories()
    {
        // Four threads, each running 15 back-to-back operations that overlap the other threads'
        // (every thread's k-th operation spans [10k, 10k+9] shifted by the thread id), all Loads
        // and Stores of one key. Without memoisation the search is exponential; with it the
        // number of explored (set, state) pairs stays small. This asserts counted work, not time.
        const int Threads = 4, PerThread = 15;
        var history = new Operation[Threads * PerThread];
        int value = 0;
        for (int k = 0; k < PerThread; k++)
        {
            for (int t = 0; t < Threads; t++)
            {
                long start = (10L * k) + t;
                history[(k * Threads) + t] = t % 2 == 0
                    ? Op(OpKind.Store, start, start + 9, ++value)
                    : Op(OpKind.Load, start, start + 9, ok: value > 0, value: value);
            }
        }

        CheckResult result = LinearizabilityChecker.Check(history, SequentialMapModel.Absent, stepBudget: 200_000);

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Verdict} after {result.Steps} steps."));
        Assert.Equal(Verdict.Linearizable, result.Verdict);
    }

    [Fact]
    public void Checker_MemoisationBoundsTheSearch_OnTwelveFullyConcurrentStores()
    {
        // Twelve Stores that all overlap, then a Load of a value none of them wrote. Proving the
        // violation means ruling out every order of the Stores: 12! (479 million) orders without
        // memoisation, but only (set of Stores done, last value) pairs with it: 12 x 2^11.
        const int Stores = 12;
        var history = new Operation[Stores + 1];
        for (int i = 0; i < Stores; i++)
        {
            history[i] = Op(OpKind.Store, 0, 100, i + 1);
        }

        history[Stores] = Op(OpKind.Load, 101, 102, ok: true, value: 999);

        CheckResult result = LinearizabilityChecker.Check(history, SequentialMapModel.Absent, stepBudget: 2_000_000);

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Verdict} after {result.Steps} steps."));
        Assert.Equal(Verdict.Violation, result.Verdict);
    }

    private static Operation Op(OpKind kind, long invoke, long response, int arg1 = 0, int arg2 = 0, bool ok = false, int value = 0) =>
        new() { Kind = kind, Invoke = invoke, Response = response, Arg1 = arg1, Arg2 = arg2, Ok = ok, Value = value };

    private static void AssertVerdict(Verdict expected, long initialState, params Operation[] history)
    {
        CheckResult result = LinearizabilityChecker.Check(history, initialState);
        Assert.True(
            result.Verdict == expected,
            $"Expected {expected}, got {result.Verdict} for:\n{LinearizabilityChecker.Describe(history, initialState)}");
    }

    /// <summary>A deliberately broken map: every third Load of a key the thread loaded before returns that older answer.</summary>
    private sealed class StaleLoadMap : MapUnderTest
    {
        [ThreadStatic]
        private static Dictionary<int, int>? t_answers;

        [ThreadStatic]
        private static SyncMap<int, int>? t_answersFrom;

        [ThreadStatic]
        private static int t_loads;

        public StaleLoadMap(SyncMap<int, int> map)
            : base(map)
        {
        }

        public override bool Load(int key, out int value)
        {
            if (!ReferenceEquals(t_answersFrom, Map))
            {
                t_answers = new Dictionary<int, int>();
                t_answersFrom = Map;
            }

            if (++t_loads % 3 == 0 && t_answers!.TryGetValue(key, out value))
            {
                return true; // the stale answer
            }

            if (Map.Load(key, out value))
            {
                t_answers!.TryAdd(key, value);
                return true;
            }

            return false;
        }
    }

    /// <summary>A deliberately broken map: CompareAndSwap is a Load then a Store, not one atomic step.</summary>
    private sealed class BrokenCompareAndSwapMap : MapUnderTest
    {
        public BrokenCompareAndSwapMap(SyncMap<int, int> map)
            : base(map)
        {
        }

        public override bool CompareAndSwap(int key, int oldValue, int newValue)
        {
            if (!Map.Load(key, out int current) || current != oldValue)
            {
                return false;
            }

            Thread.Yield(); // widens the window between the check and the write, which is the bug on purpose
            Map.Store(key, newValue);
            return true;
        }
    }
}
