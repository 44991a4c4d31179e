// Licensed under the MIT license. See LICENSE in the repository root.

using Xunit.Abstractions;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// The lookups that skip the lock while new keys are pending stay linearizable.
/// <list type="bullet">
/// <item>Absent keys answered through the miss filter (design.md, "Misses without the lock"): histories whose checked
/// keys mostly start absent, where every read path (Load, TryGetValue, ContainsKey, LoadAndDelete, Delete,
/// CompareAndSwap, CompareAndDelete...) races with stores of the same key (which add it to the dirty map, setting its
/// filter bit first), with other new keys (dirty rebuilds, filter rebuilds), with Range (promotions, which retire the
/// filter) and with Clear (which drops the dirty map and the filter).</item>
/// <item>Dirty-only keys answered by the lock-free walk of the dirty table (design.md, "Dirty hits without the lock"):
/// histories whose checked keys mostly start dirty-only, where Load, TryGetValue, ContainsKey, LoadOrStore, TryAdd and
/// GetOrAdd race with the writes that change a dirty-only key under the lock (Store, Swap, CompareAndSwap, TryUpdate,
/// AddOrUpdate), remove it from the dirty table (LoadAndDelete, Delete, TryRemove) or delete it in place
/// (CompareAndDelete), with new keys (dirty-table growth, which replaces the arrays a walker may hold; dirty rebuilds),
/// with deletes of other keys (unlinks that move a chain's second entry into its head and free slots that later keys
/// reuse), with Range (promotions) and with Clear.</item>
/// <item>Absent keys whose filter bits are set by other keys (false positives), settled by a lock-free walk of the dirty
/// table checked by its change sequence (design.md, "Filter false positives without the lock"): the same races, under a
/// comparer that gives keys only four hashes, so that most lookups of an absent key walk a chain that the racing
/// writers change.</item>
/// </list>
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
        _output.WriteLine(await Run(workload, StressEnvironment.Seed(8100 + threads)));
    }

    [Theory]
    [InlineData(2, 100)]
    [InlineData(4, 50)]
    public async Task DirtyOnlyKeyReads_RacingWithWritesRemovalsGrowthPromotionsAndClear_AreLinearizable(int threads, int operationsPerThread)
    {
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
        _output.WriteLine(await Run(workload, StressEnvironment.Seed(8300 + threads)));
    }

    [Theory]
    [InlineData(2, 100)]
    [InlineData(4, 50)]
    public async Task AbsentKeyReads_SettledByALockFreeWalkOfTheDirtyTable_RacingWithItsChanges_AreLinearizable(int threads, int operationsPerThread)
    {
        var workload = new Workload
        {
            Threads = threads,
            CheckedKeys = 2,
            OperationsPerThread = operationsPerThread,
            Operations =
            [
                (OpKind.Load, 8), (OpKind.TryGetValue, 4), (OpKind.ContainsKey, 4), (OpKind.IndexerGet, 2),
                (OpKind.Store, 3), (OpKind.TryAdd, 2), (OpKind.LoadOrStore, 2), (OpKind.LoadAndDelete, 3),
                (OpKind.Delete, 2), (OpKind.TryRemove, 1), (OpKind.CompareAndDelete, 1), (OpKind.Swap, 1),
            ],
            DriverPercent = 35,
            VariedInitialStates = true,
            KeyComparer = new FourHashesComparer(),
        };
        _output.WriteLine(await Run(workload, StressEnvironment.Seed(8500 + threads)));
    }

    // 600 rounds (scaled), more while too few operations overlapped; the checks are RunUntilOverlapping's.
    private static Task<string> Run(Workload workload, int baseSeed) =>
        LinearizabilityRun.WithinTimeLimit(() => LinearizabilityRun.RunUntilOverlapping(workload, baseSeed, StressEnvironment.Scaled(600)), TimeLimit);

    // Four hashes for all keys: every chain of the dirty table holds a quarter of its keys, and an absent key's filter
    // bits are those of every pending key with its hash.
    private sealed class FourHashesComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => obj & 3;
    }
}
