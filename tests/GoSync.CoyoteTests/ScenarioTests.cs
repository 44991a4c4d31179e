// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics.CodeAnalysis;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace GoSync.CoyoteTests;

/// <summary>
/// Each scenario of <see cref="Scenarios"/> explored by Coyote: <see cref="CoyoteRunner.DefaultIterations"/>
/// schedules from seed <see cref="CoyoteRunner.DefaultSeed"/> with Coyote's default portfolio of strategies
/// (<c>GOSYNC_COYOTE_ITERATIONS</c> and <c>GOSYNC_COYOTE_SEED</c> change both).
/// </summary>
[SuppressMessage("Design", "CA1034", Justification = "xunit test class.")]
public sealed class ScenarioTests
{
    [Fact]
    public void ComputationsRace() => CoyoteRunner.Run(nameof(ComputationsRace), Scenarios.ComputationsRace);

    [Fact]
    public void LoadOrComputeRunsOnce() => CoyoteRunner.Run(nameof(LoadOrComputeRunsOnce), Scenarios.LoadOrComputeRunsOnce);

    [Fact]
    public void StoreRacesPromotion() => CoyoteRunner.Run(nameof(StoreRacesPromotion), Scenarios.StoreRacesPromotion);

    [Fact]
    public void LoadRacesPromotion() => CoyoteRunner.Run(nameof(LoadRacesPromotion), Scenarios.LoadRacesPromotion);

    [Fact]
    public void LoadRacesChangesOfItsDirtyChain() => CoyoteRunner.Run(nameof(LoadRacesChangesOfItsDirtyChain), Scenarios.LoadRacesChangesOfItsDirtyChain);

    [Fact]
    public void LoadRacesDirtyRebuild() => CoyoteRunner.Run(nameof(LoadRacesDirtyRebuild), Scenarios.LoadRacesDirtyRebuild);

    [Fact]
    public void DeleteAndRestoreAcrossExpunge() => CoyoteRunner.Run(nameof(DeleteAndRestoreAcrossExpunge), Scenarios.DeleteAndRestoreAcrossExpunge);

    [Fact]
    public void ClearRacesGoWriters() => CoyoteRunner.Run(nameof(ClearRacesGoWriters), Scenarios.ClearRacesGoWriters);

    [Fact]
    public void ClearRacesDictionaryWriters() => CoyoteRunner.Run(nameof(ClearRacesDictionaryWriters), Scenarios.ClearRacesDictionaryWriters);

    [Fact]
    public void RangeRacesStoresAndDeletes() => CoyoteRunner.Run(nameof(RangeRacesStoresAndDeletes), Scenarios.RangeRacesStoresAndDeletes);

    [Fact]
    public void EnumerationRacesStoresAndDeletes() => CoyoteRunner.Run(nameof(EnumerationRacesStoresAndDeletes), Scenarios.EnumerationRacesStoresAndDeletes);

    [Fact]
    public void AddOrUpdateAndGetOrAddRace() => CoyoteRunner.Run(nameof(AddOrUpdateAndGetOrAddRace), Scenarios.AddOrUpdateAndGetOrAddRace);

    [Fact]
    public void CountRacesWriters() => CoyoteRunner.Run(nameof(CountRacesWriters), Scenarios.CountRacesWriters);

    [Fact]
    public void RandomOperations() => CoyoteRunner.Run(nameof(RandomOperations), Scenarios.RandomOperations);
}
