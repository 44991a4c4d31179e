// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>
/// Differential tests of Go's operations: seeded random call sequences run on
/// <see cref="SyncMap{TKey, TValue}"/> and on both reference maps (Go's RWMutexMap and DeepCopyMap);
/// every result, every Count, the final contents and the map's invariants are checked. Sized for a
/// fast default run; GOSYNC_STRESS_SCALE multiplies the number of sequences, GOSYNC_SEED replaces
/// the seed.
/// </summary>
public sealed class GoOperationProperties
{
    private const int Sequences = 2000;
    private const int MaxCalls = 100;

    /// <summary>
    /// Go's generator (TestMapMatchesRWMutex/TestMapMatchesDeepCopy) and Go's result mapping, with
    /// 20 times Go's sequence count and twice its length, against both references at once.
    /// </summary>
    [Fact]
    public void GoCalls_MatchBothReferenceMaps()
    {
        var checker = new GoCallChecker(ResultMapping.Go, invariantsEvery: 16, ReferenceMap.Locked, ReferenceMap.CopyOnWrite);
        SequenceRunner.Run(
            nameof(GoCalls_MatchBothReferenceMaps),
            defaultSeed: 20170427,
            Sequences * TestEnvironment.StressScale,
            MaxCalls,
            GoCalls.NextGoCall,
            checker.FindFailure,
            checker.Trace);
    }

    /// <summary>
    /// A dense key space (21 keys), values on every op (so CompareAndSwap/CompareAndDelete succeed
    /// with null and non-null values alike), full Ranges mid-sequence, rare Clears, and results
    /// reported directly (a swapped-in value stays and is read back later).
    /// </summary>
    [Fact]
    public void DenseCalls_MatchBothReferenceMaps()
    {
        var checker = new GoCallChecker(ResultMapping.Direct, invariantsEvery: 8, ReferenceMap.Locked, ReferenceMap.CopyOnWrite);
        SequenceRunner.Run(
            nameof(DenseCalls_MatchBothReferenceMaps),
            defaultSeed: 51972,
            Sequences * TestEnvironment.StressScale,
            MaxCalls,
            GoCalls.NextDenseCall,
            checker.FindFailure,
            checker.Trace);
    }
}
