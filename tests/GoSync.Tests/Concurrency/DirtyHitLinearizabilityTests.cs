// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Loads of dirty-only keys answered without the lock (design.md, "Dirty hits without the lock": the lock-free walk of the
/// dirty table that lock holders change) stay linearizable: histories whose checked keys mostly start dirty-only, where
/// Load, TryGetValue, ContainsKey, LoadOrStore, TryAdd and GetOrAdd race with the writes that change a dirty-only key under the lock (Store,
/// Swap, CompareAndSwap, TryUpdate, AddOrUpdate), remove it from the dirty table (LoadAndDelete, Delete, TryRemove) or
/// delete it in place (CompareAndDelete), with new keys (dirty-table growth, which replaces the arrays a walker may
/// hold; dirty rebuilds), with deletes of other keys (unlinks that move a chain's second entry into its head and free
/// slots that later keys reuse), with Range (promotions) and with Clear.
/// </summary>
[Collection(ConcurrencyCollection.Name)]
[Trait("Category", "Stress")]
public sealed class DirtyHitLinearizabilityTests
{
    /// <summary>The whole test must finish within this (a deadlock or a livelock fails it instead of hanging the suite).</summary>
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(3);

    private readonly ITestOutputHelper _output;

    public DirtyHitLinearizabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(2, 100)]
    [InlineData(4, 50)]
    public async Task DirtyOnlyKeyReads_RacingWithWritesRemovalsGrowthPromotionsAndClear_AreLinearizable(int threads, int operationsPerThread)
    {
        Task<string> run = Task.Factory.StartNew(() => Run(threads, operationsPerThread), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task first = await Task.WhenAny(run, Task.Delay(TimeLimit));
        Assert.True(first == run, $"the test did not finish within {TimeLimit}");
        _output.WriteLine(await run);
    }

    private static string Run(int threads, int operationsPerThread)
    {
        int baseRounds = StressEnvironment.Scaled(600);
        const int Batch = 50;
        int baseSeed = StressEnvironment.Seed(8300 + threads);
        var workload = new Workload
        {
            Threads = threads,
            CheckedKeys = 2,
            OperationsPerThread = operationsPerThread,
            Operations =
            [
                (OpKind.Load, 8), (OpKind.TryGetValue, 4), (OpKind.ContainsKey, 3), (OpKind.GetOrAddValue, 2), (OpKind.LoadOrStore, 3),
                (OpKind.Store, 3), (OpKind.Swap, 2), (OpKind.CompareAndSwap, 2), (OpKind.TryUpdate, 1),
                (OpKind.AddOrUpdateValue, 1), (OpKind.LoadAndDelete, 3), (OpKind.Delete, 2), (OpKind.TryRemove, 1),
                (OpKind.CompareAndDelete, 2), (OpKind.TryAdd, 1),
            ],
            DriverPercent = 30,
            VariedInitialStates = true,
            MostlyDirtyOnly = true,
        };
        using var recorder = new HistoryRecorder(workload);
        int rounds = 0, histories = 0;
        long operations = 0, overlapping = 0;
        string? violation = null;
        // More rounds (up to 8x) when few operations overlapped: a loaded machine may run the threads one after another.
        const long WantedOverlapping = 2_000;
        while (violation is null && rounds < 8 * baseRounds && (rounds < baseRounds || overlapping < WantedOverlapping))
        {
            violation = LinearizabilityRun.RunAndCheck(recorder, workload, baseSeed + rounds, Batch, out int h, out long o, out long v);
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
}
