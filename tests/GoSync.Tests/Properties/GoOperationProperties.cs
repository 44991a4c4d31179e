// Licensed under the MIT license. See LICENSE in the repository root.

using System;
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

    /// <summary>
    /// The dense run on maps built with case-insensitive key and value comparers (SyncMap's
    /// <c>(comparer, valueComparer)</c> constructor; the references get the same comparers): keys
    /// differing only in case must land on one entry through every path (read map, dirty map,
    /// rebuild, promotion), and CompareAndSwap/CompareAndDelete must use the value comparer.
    /// </summary>
    [Fact]
    public void MixedCaseCalls_WithCaseInsensitiveComparers_MatchBothReferenceMaps()
    {
        StringComparer ignoreCase = StringComparer.OrdinalIgnoreCase;
        var checker = new GoCallChecker(
            ResultMapping.Direct,
            invariantsEvery: 8,
            new ReferenceMap("LockedDictionaryMap (ignore case)", () => new LockedDictionaryMap<string, string?>(ignoreCase, ignoreCase)),
            new ReferenceMap("CopyOnWriteMap (ignore case)", () => new CopyOnWriteMap<string, string?>(ignoreCase, ignoreCase)))
        {
            CreateSyncMap = () => new SyncMap<string, string?>(ignoreCase, ignoreCase),
            CanonicalKey = static k => k.ToUpperInvariant(),
        };
        SequenceRunner.Run(
            nameof(MixedCaseCalls_WithCaseInsensitiveComparers_MatchBothReferenceMaps),
            defaultSeed: 61696,
            Sequences * TestEnvironment.StressScale,
            MaxCalls,
            GoCalls.NextMixedCaseCall,
            checker.FindFailure,
            checker.Trace);
    }
}
