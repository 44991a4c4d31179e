// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Tests.Conformance;

namespace GoSync.Tests.Core;

/// <summary>
/// The miss filter (design.md, "Misses without the lock"): while new keys are pending in the dirty map, a lookup of a
/// key in neither map takes the lock (one miss, as in Go) until the map keeps a filter: the first such lookup makes it
/// want one, without allocating, and the next new key builds it; after that a lookup of a key in neither map whose
/// filter bit is clear takes no lock, on every read path; every dirty-only key's bit is set (AssertInvariants checks
/// it); the filter keeps its density bounded as pending keys accumulate, so most absent keys stay lock-free; and a map
/// that only adds keys never builds one. Whether a path takes the lock is shown by running it while another thread
/// holds the lock.
/// </summary>
public sealed class MissFilterTests
{
    public static TheoryData<string> ReadPaths => new()
    {
        "Load", "TryGetValue", "ContainsKey", "LoadAndDelete", "Delete", "TryRemove", "CompareAndSwap", "TryUpdate",
        "CompareAndDelete", "TryRemovePair", "Indexer",
    };

    [Theory]
    [MemberData(nameof(ReadPaths))]
    public void AbsentKey_WithOtherKeysPendingInTheDirtyMap_IsAnsweredWithoutTheLock(string path)
    {
        SyncMap<int, int> map = MapWithPendingKeys(read: 1_000, pending: 100);
        int absent = AbsentKeysWithClearBits(map).First();
        MapLockHolder.AssertCompletesWithoutTheLock(map, $"{path} of an absent key", () => Assert.False(Run(path, map, absent)));
        map.AssertInvariants();
        Assert.Equal(1_100, map.Count);
        Assert.Equal(1, map.GetInternalState().Misses); // the lookup that made the map want a filter; this one is not counted (Go 1.23 counts it)
    }

    [Fact]
    public void DirtyOnlyKey_IsFoundWithoutTheLock_AndCountsAMiss()
    {
        // Its filter bit is set (the filter cannot rule it out), and Load finds its live entry in the dirty table without
        // the lock (design.md, "Dirty hits without the lock"), counting Go's miss all the same.
        SyncMap<int, int> map = MapWithPendingKeys(read: 1_000, pending: 100);
        Assert.True(map.MissFilterMayHold(1_050));
        int value = 0;
        MapLockHolder.AssertCompletesWithoutTheLock(map, "Load of a dirty-only key", () => Assert.True(map.Load(1_050, out value)));
        Assert.Equal(1_050, value);
        Assert.Equal(2, map.GetInternalState().Misses);
        map.AssertInvariants();
    }

    [Fact]
    public void DirtyOnlyKeysDeepInALongChain_AreFoundUnderTheLock_TheLockFreeWalkStopsAtItsBound()
    {
        // 150 dirty-only keys sharing one hash: one chain of 150 in the dirty table. A lock-free walk follows at most
        // MaxRacingSteps links past the head, so it runs Equals at most 1 + MaxRacingSteps times without the lock (plus
        // once for the read table's one key), and the keys beyond that are found by the locked path, as before.
        var comparer = new LockAwareCollidingComparer();
        var map = new SyncMap<int, int>(comparer);
        comparer.Map = map;
        map.Store(-1, -1);
        map.Range(static (_, _) => true); // promoted: the read table holds -1 only
        for (int k = 0; k < 150; k++)
        {
            map.Store(k, k);
        }

        int lockedLookups = 0;
        for (int k = 0; k < 100; k++) // 100 misses: fewer than the dirty map's 151 keys, so no promotion
        {
            comparer.Reset();
            Assert.True(map.Load(k, out int value), $"key {k} not found");
            Assert.Equal(k, value);
            Assert.True(
                comparer.CallsWithoutTheLock <= 2 + SyncMap<int, int>.MaxRacingStepsForTests,
                $"Load({k}) ran Equals {comparer.CallsWithoutTheLock} times without the lock");
            if (comparer.CallsUnderTheLock > 0)
            {
                lockedLookups++;
            }
        }

        Assert.InRange(lockedLookups, 1, 100 - 1); // some keys lie beyond the bound, some within it
        Assert.Equal(new SyncMap<int, int>.InternalState(1, true, 151, 100, 0), map.GetInternalState());
        map.AssertInvariants();
    }

    [Fact]
    public void DirtyOnlyHitsWithoutTheLock_PromoteWhenTheirMissesReachTheDirtyCount_AsGoDoes()
    {
        // 4 keys promoted, then 2 new ones: the dirty map holds 6, so the 6th miss promotes (Go's missLocked), whichever
        // path counted the misses; the promoting one takes the lock.
        var map = new SyncMap<int, int>();
        for (int k = 0; k < 4; k++)
        {
            map.Store(k, k);
        }

        map.Range(static (_, _) => true);
        map.Store(10, 10);
        map.Store(11, 11);
        for (int miss = 1; miss <= 5; miss++)
        {
            MapLockHolder.AssertCompletesWithoutTheLock(map, $"dirty-only hit {miss}", () => Assert.True(map.Load(10 + (miss & 1), out _)));
            Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 6, miss, 0), map.GetInternalState());
        }

        Assert.True(map.Load(11, out int value)); // the 6th miss: promotes
        Assert.Equal(11, value);
        Assert.Equal(new SyncMap<int, int>.InternalState(6, false, null, 0, 0), map.GetInternalState());
        map.AssertInvariants();
    }

    public static TheoryData<string> LoadPaths => new() { "Load", "TryGetValue", "ContainsKey", "Indexer" };

    [Theory]
    [MemberData(nameof(LoadPaths))]
    public void FilterFalsePositive_IsSettledByALockFreeWalk_WhenTheDirtyTableDidNotChange(string path)
    {
        // Every key hashes to 0, so every absent key's filter bits are set by the dirty-only keys (a false positive):
        // the Load paths walk the dirty table's one chain without the lock, find no entry of the key, see its change
        // sequence unchanged, and answer "absent" (design.md, "Filter false positives without the lock"), counting no
        // miss. A Load that took the lock for it (as before this path) would make CallsUnderTheLock non-zero.
        var comparer = new LockAwareCollidingComparer();
        SyncMap<int, int> map = CollidingMapWithFilter(comparer, dirtyOnly: 10);
        Assert.True(map.MissFilterMayHold(1_000));
        int misses = map.GetInternalState().Misses;
        comparer.Reset();
        MapLockHolder.AssertCompletesWithoutTheLock(map, $"{path} of an absent key whose filter bits are set", () => Assert.False(Run(path, map, 1_000)));
        Assert.Equal(0, comparer.CallsUnderTheLock);
        Assert.Equal(12, comparer.CallsWithoutTheLock); // the read table's key, then the dirty chain's 11 (-1 and 0 to 9), once each
        Assert.Equal(misses, map.GetInternalState().Misses);
        map.AssertInvariants();
    }

    [Fact]
    public void FilterFalsePositive_WhoseWalkRacesAChangeOfTheDirtyTable_TakesTheLock()
    {
        // The comparer adds a new key to the dirty table (the same chain) from inside the lock-free walk, when the walk
        // compares against dirty-only key 5: the change sequence moves, so the walk proves nothing and the Load decides
        // under the lock. A walk that trusted itself regardless would answer without the lock (CallsUnderTheLock 0).
        var comparer = new LockAwareCollidingComparer();
        SyncMap<int, int> map = CollidingMapWithFilter(comparer, dirtyOnly: 10);
        int added = 0;
        int underTheLockByTheStore = 0;
        comparer.Reset();
        comparer.OnCallWithoutTheLock = (x, y) =>
        {
            if ((x == 5 || y == 5) && added++ == 0)
            {
                map.Store(500, 500);
                underTheLockByTheStore = comparer.CallsUnderTheLock;
            }
        };
        Assert.False(map.Load(1_000, out _));
        comparer.OnCallWithoutTheLock = null;
        Assert.Equal(1, added);
        Assert.True(comparer.CallsUnderTheLock > underTheLockByTheStore, "the Load answered from a walk that raced a change of the dirty table");
        Assert.True(map.Load(500, out int value));
        Assert.Equal(500, value);
        map.AssertInvariants();
    }

    [Fact]
    public void FilterFalsePositive_WhoseWalkRacesAnUnlinkFromItsChain_TakesTheLock()
    {
        // The comparer deletes a dirty-only key that the walk has not reached yet (Delete unlinks it from the same chain:
        // RemoveEntry) from inside the lock-free walk, when the walk compares against key 5. The walk then follows the
        // rewritten link past the removed key and reaches the chain's end, so only the change sequence shows that the
        // chain changed under it: the Load must decide under the lock. A RemoveEntry without its change bracket would
        // leave the sequence as it was and let the walk answer "absent" without the lock (CallsUnderTheLock unchanged).
        var comparer = new LockAwareCollidingComparer();
        SyncMap<int, int> map = CollidingMapWithFilter(comparer, dirtyOnly: 10);
        var compared = new HashSet<int>();
        int removed = int.MinValue;
        int underTheLockByTheDelete = 0;
        comparer.Reset();
        comparer.OnCallWithoutTheLock = (x, y) =>
        {
            compared.Add(x);
            compared.Add(y);
            if ((x == 5 || y == 5) && removed == int.MinValue)
            {
                removed = Enumerable.Range(0, 10).First(k => !compared.Contains(k));
                Assert.True(map.LoadAndDelete(removed, out _));
                underTheLockByTheDelete = comparer.CallsUnderTheLock;
            }
        };
        Assert.False(map.Load(1_000, out _));
        comparer.OnCallWithoutTheLock = null;
        Assert.NotEqual(int.MinValue, removed);
        Assert.True(underTheLockByTheDelete > 0, "the delete did not run under the lock");
        Assert.True(comparer.CallsUnderTheLock > underTheLockByTheDelete, "the Load answered from a walk that raced an unlink from its chain");
        Assert.False(map.Load(removed, out _));
        Assert.Equal(10, map.Count); // -1 and the nine dirty-only keys left
        map.AssertInvariants();
    }

    [Fact]
    public void FilterFalsePositive_WithAChainLongerThanTheWalkBound_TakesTheLock()
    {
        // 150 dirty-only keys in one chain: the lock-free walk stops at MaxRacingSteps links, which proves nothing.
        var comparer = new LockAwareCollidingComparer();
        SyncMap<int, int> map = CollidingMapWithFilter(comparer, dirtyOnly: 150);
        comparer.Reset();
        Assert.False(map.Load(1_000, out _));
        Assert.True(comparer.CallsWithoutTheLock <= 2 + SyncMap<int, int>.MaxRacingStepsForTests, $"{comparer.CallsWithoutTheLock} Equals calls without the lock");
        Assert.True(comparer.CallsUnderTheLock > 0, "a walk cut short by its bound answered without the lock");
        map.AssertInvariants();
    }

    // A map whose keys all hash to 0: -1 in the read table, then `dirtyOnly` keys 0.. pending in one dirty chain, with a
    // miss filter built (a locked lookup of an absent key made the map want one; the last new key built it).
    private static SyncMap<int, int> CollidingMapWithFilter(LockAwareCollidingComparer comparer, int dirtyOnly)
    {
        var map = new SyncMap<int, int>(comparer);
        comparer.Map = map;
        map.Store(-1, -1);
        map.Range(static (_, _) => true); // promoted: the read table holds -1 only
        map.Store(0, 0);
        Assert.False(map.Load(-2, out _)); // no filter yet: locked, and the map wants one
        for (int k = 1; k < dirtyOnly; k++)
        {
            map.Store(k, k); // the first of these builds the filter
        }

        Assert.True(map.GetProbeState().FilterBits > 0);
        Assert.True(map.GetInternalState().Amended);
        return map;
    }

    [Theory]
    [MemberData(nameof(ReadPaths))]
    public void FirstAbsentKey_TakesTheLock_CountsOneMiss_AndTheNextNewKeyBuildsTheFilter(string path)
    {
        SyncMap<int, int> map = MapWithPendingKeys(read: 1_000, pending: 100, buildFilter: false);
        Assert.Equal(0, map.GetProbeState().FilterBits); // a map that only added keys has no filter
        Assert.True(map.MissFilterMayHold(-5)); // every miss goes to the lock until one is built
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(Run(path, map, -5));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, map.GetProbeState().FilterBits); // the read path builds nothing...
        Assert.True(path is "Indexer" || allocated == 0, $"{path} of an absent key allocated {allocated} bytes"); // (the indexer throws)
        Assert.Equal(path is "CompareAndSwap" or "TryUpdate" ? 0 : 1, map.GetInternalState().Misses); // as in Go: CompareAndSwap counts a miss only for a key in the dirty map
        map.Store(5_000, 5_000); // ...the next new key does, from every pending key's hash
        Assert.True(map.GetProbeState().FilterBits > 0, $"{path} of an absent key did not make the map want a filter");
        Assert.True(AbsentKeysWithClearBits(map).Any());
        map.AssertInvariants();
    }

    [Fact]
    public void KeysAddedWithoutAbsentLookups_BuildNoFilter_AndLookupsOfPendingKeysDoNotBuildOne()
    {
        SyncMap<int, int> map = MapWithPendingKeys(read: 100, pending: 10_000, buildFilter: false);
        for (int i = 100; i < 150; i++)
        {
            Assert.True(map.Load(i, out _)); // dirty-only hits: lock-free, counted, no filter
        }

        Assert.Equal(0, map.GetProbeState().FilterBits);
        Assert.Equal(50, map.GetInternalState().Misses);
        map.AssertInvariants();
    }

    [Fact]
    public void ManyPendingKeys_KeepTheFilterSparse_AndMostAbsentKeysLockFree()
    {
        // 200,000 new keys pending beside 10,000 promoted ones: the filter is rebuilt larger as keys arrive (at most one
        // key per 16 bits, two bits per key in one word), so only a few percent of absent keys find both bits set.
        SyncMap<int, int> map = MapWithPendingKeys(read: 10_000, pending: 200_000);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.True(state.FilterBits >= 16 * 200_000, $"{state.FilterBits} filter bits for 200,000 pending keys");
        Assert.True(state.FilterBitsSet <= 2 * 200_000, $"{state.FilterBitsSet} bits set for 200,000 keys (two each at most)");
        var random = new Random(TestEnvironment.Seed(77));
        int locked = 0;
        const int Probes = 20_000;
        for (int i = 0; i < Probes; i++)
        {
            locked += map.MissFilterMayHold(-random.Next(1, int.MaxValue)) ? 1 : 0;
        }

        Assert.True(locked <= Probes / 20, $"{locked} of {Probes} absent keys would take the lock");
        map.AssertInvariants();
    }

    [Fact]
    public void AfterPromotionAndClear_AbsentKeysAreLockFreeAgain_AndNewKeysGetTheirBitsInTheNewFilter()
    {
        SyncMap<int, int> map = MapWithPendingKeys(read: 100, pending: 10);
        map.Range(static (_, _) => true); // promotion: not amended, no filter
        Assert.False(map.MissFilterMayHold(105));
        Assert.Equal(0, map.GetProbeState().FilterBits);
        map.Store(500, 500);
        Assert.True(map.MissFilterMayHold(500));
        map.AssertInvariants();
        map.Clear();
        Assert.False(map.MissFilterMayHold(500));
        map.Store(600, 600);
        Assert.True(map.MissFilterMayHold(600));
        Assert.True(map.Load(600, out _));
        Assert.False(map.Load(500, out _));
        map.AssertInvariants();
    }

    // A map with keys 0..read-1 promoted to the read map and keys read..read+pending-1 pending in the dirty map; with
    // buildFilter, a lookup of an absent key (-1) after the first pending key has made the map want a miss filter
    // (one miss counted), which the next pending key built.
    private static SyncMap<int, int> MapWithPendingKeys(int read, int pending, bool buildFilter = true)
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < read; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true);
        for (int i = read; i < read + pending; i++)
        {
            map.Store(i, i);
            if (buildFilter && i == read)
            {
                Assert.False(map.Load(-1, out _)); // locked (no filter yet): the map wants one from now on
                Assert.Equal(0, map.GetProbeState().FilterBits);
            }
        }

        Assert.Equal(new SyncMap<int, int>.InternalState(read, true, read + pending, buildFilter ? 1 : 0, 0), map.GetInternalState());
        Assert.Equal(buildFilter && pending > 1, map.GetProbeState().FilterBits > 0);
        return map;
    }

    private static IEnumerable<int> AbsentKeysWithClearBits(SyncMap<int, int> map)
    {
        for (int key = -1; key > -10_000; key--)
        {
            if (!map.MissFilterMayHold(key))
            {
                yield return key;
            }
        }
    }

    // Runs a read path on an absent key; returns what it reports (true: found, swapped or deleted).
    private static bool Run(string path, SyncMap<int, int> map, int key) => path switch
    {
        "Load" => map.Load(key, out _),
        "TryGetValue" => map.TryGetValue(key, out _),
        "ContainsKey" => map.ContainsKey(key),
        "LoadAndDelete" => map.LoadAndDelete(key, out _),
        "Delete" => Delete(map, key),
        "TryRemove" => map.TryRemove(key, out _),
        "CompareAndSwap" => map.CompareAndSwap(key, 0, 1),
        "TryUpdate" => map.TryUpdate(key, 1, 0),
        "CompareAndDelete" => map.CompareAndDelete(key, 0),
        "TryRemovePair" => map.TryRemove(KeyValuePair.Create(key, 0)),
        "Indexer" => Indexer(map, key),
        _ => throw new ArgumentException(path),
    };

    private static bool Delete(SyncMap<int, int> map, int key)
    {
        map.Delete(key);
        return false;
    }

    private static bool Indexer(SyncMap<int, int> map, int key)
    {
        Assert.Throws<KeyNotFoundException>(() => map[key]);
        return false;
    }

    // Every key hashes to 0; counts Equals calls made with and without the map's lock held by the calling thread.
    private sealed class LockAwareCollidingComparer : IEqualityComparer<int>
    {
        public SyncMap<int, int>? Map { get; set; }

        public int CallsWithoutTheLock { get; private set; }

        public int CallsUnderTheLock { get; private set; }

        /// <summary>Runs on every Equals call made without the lock, with its arguments, after it is counted (re-entrant calls included).</summary>
        public Action<int, int>? OnCallWithoutTheLock { get; set; }

        public void Reset() => (CallsWithoutTheLock, CallsUnderTheLock) = (0, 0);

        public bool Equals(int x, int y)
        {
            if (Map!.IsLockHeldByCurrentThread)
            {
                CallsUnderTheLock++;
            }
            else
            {
                CallsWithoutTheLock++;
                OnCallWithoutTheLock?.Invoke(x, y);
            }

            return x == y;
        }

        public int GetHashCode(int obj) => 0;
    }
}
