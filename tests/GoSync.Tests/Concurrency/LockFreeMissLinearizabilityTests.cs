// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Lookups of absent keys answered without the lock through the miss filter (design.md, "Misses without the lock") stay
/// linearizable: histories whose checked keys mostly start absent, where every read path (Load, TryGetValue,
/// ContainsKey, LoadAndDelete, Delete, CompareAndSwap, CompareAndDelete...) races with stores of the same key (which
/// add it to the dirty map, setting its filter bit first), with other new keys (dirty rebuilds, filter rebuilds), with
/// Range (promotions, which retire the filter) and with Clear (which drops the dirty map and the filter).
/// </summary>
[Collection(ConcurrencyCollection.Name)]
[Trait("Category", "Stress")]
public sealed class LockFreeMissLinearizabilityTests
{
    /// <summary>The whole test must finish within this (a deadlock or a livelock fails it instead of hanging the suite).</summary>
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(3);

    private readonly ITestOutputHelper _output;

    public LockFreeMissLinearizabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(2, 100)]
    [InlineData(4, 50)]
    public async Task AbsentKeyReads_RacingWithStoresOfTheSameKey_PromotionsAndClear_AreLinearizable(int threads, int operationsPerThread)
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
        int baseSeed = StressEnvironment.Seed(8100 + threads);
        var workload = new Workload
        {
            Threads = threads,
            CheckedKeys = 2,
            OperationsPerThread = operationsPerThread,
            Operations =
            [
                (OpKind.Load, 6), (OpKind.TryGetValue, 3), (OpKind.ContainsKey, 3), (OpKind.LoadAndDelete, 3),
                (OpKind.Delete, 3), (OpKind.CompareAndSwap, 3), (OpKind.CompareAndDelete, 2), (OpKind.TryRemove, 1),
                (OpKind.TryUpdate, 1), (OpKind.Store, 3), (OpKind.TryAdd, 2), (OpKind.LoadOrStore, 2),
            ],
            DriverPercent = 35,
            VariedInitialStates = true,
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
