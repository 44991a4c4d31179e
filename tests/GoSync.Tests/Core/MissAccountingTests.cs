// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Tests.Core;

/// <summary>
/// Go 1.23's miss accounting and promotion rules (go-syncmap.md §1.5-1.6), one operation at a time,
/// observed through the map's internal state, with one difference: once a lookup of an absent key has taken the lock
/// (counted, as in Go) and a new key has then built the miss filter, a lookup of an absent key whose filter bit is
/// clear is answered without the lock and counts no miss (design.md, "Misses without the lock").
/// </summary>
public sealed class MissAccountingTests
{
    // A promoted map holding keys 0..n-1 (no dirty map, not amended).
    private static SyncMap<int, int> Promoted(int n)
    {
        var m = new SyncMap<int, int>();
        for (int i = 0; i < n; i++)
        {
            m.Store(i, i);
        }

        m.Range(static (_, _) => true); // Range promotes an amended map
        var s = m.GetInternalState();
        Assert.Equal(new SyncMap<int, int>.InternalState(n, false, null, 0, 0), s);
        return m;
    }

    // Adds one new key to a promoted map: the dirty map is rebuilt and the read map is amended.
    private static SyncMap<int, int> Amended(int n, int newKey)
    {
        SyncMap<int, int> m = Promoted(n);
        m.Store(newKey, newKey);
        Assert.Equal(new SyncMap<int, int>.InternalState(n, true, n + 1, 0, 0), m.GetInternalState());
        return m;
    }

    [Fact]
    public void Load_MissWhileAmended_CountsOneMiss_HitOnReadMapCountsNone()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.True(m.Load(0, out _)); // read-map hit: lock-free, no miss
        Assert.Equal(0, m.GetInternalState().Misses);
        Assert.True(m.Load(100, out int v)); // dirty-only hit: locked, one miss
        Assert.Equal(100, v);
        Assert.Equal(1, m.GetInternalState().Misses);
        Assert.False(m.Load(999, out _)); // absent while amended, no miss filter yet: locked, one miss (as Go 1.23)
        Assert.Equal(2, m.GetInternalState().Misses);
        m.Store(101, 101); // the next new key builds the filter (the map now wants one)
        int clear = Enumerable.Range(1_000, 1_000).First(k => !m.MissFilterMayHold(k));
        Assert.False(m.Load(clear, out _)); // absent, filter bit clear: lock-free, no miss (Go 1.23 counts one)
        Assert.Equal(2, m.GetInternalState().Misses);
        m.AssertInvariants();
    }

    [Fact]
    public void Load_PromotesWhenMissesReachDirtyCount()
    {
        SyncMap<int, int> m = Amended(4, 100); // dirty holds 5 entries
        for (int i = 0; i < 4; i++)
        {
            m.Load(100, out _);
        }

        Assert.Equal(4, m.GetInternalState().Misses);
        m.Load(100, out _); // fifth miss reaches len(dirty): promotion
        Assert.Equal(new SyncMap<int, int>.InternalState(5, false, null, 0, 0), m.GetInternalState());
        m.AssertInvariants();
    }

    [Fact]
    public void Load_AbsentKeyOnUnamendedMap_TakesNoLockAndCountsNothing()
    {
        SyncMap<int, int> m = Promoted(3);
        Assert.False(m.Load(42, out _));
        Assert.Equal(new SyncMap<int, int>.InternalState(3, false, null, 0, 0), m.GetInternalState());
    }

    [Fact]
    public void Swap_And_Store_NeverCountMisses()
    {
        SyncMap<int, int> m = Amended(4, 100);
        m.Store(100, 1); // dirty-only key
        Assert.True(m.Swap(100, 2, out int previous));
        Assert.Equal(1, previous);
        m.Store(200, 200); // another new key
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 6, 0, 0), m.GetInternalState());
        m.AssertInvariants();
    }

    [Fact]
    public void LoadOrStore_CountsAMissOnlyForADirtyOnlyKey()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.Equal(0, m.LoadOrStore(0, 9, out bool loaded)); // read map: no miss
        Assert.True(loaded);
        Assert.Equal(0, m.GetInternalState().Misses);
        Assert.Equal(100, m.LoadOrStore(100, 9, out loaded)); // dirty only: one miss
        Assert.True(loaded);
        Assert.Equal(1, m.GetInternalState().Misses);
        Assert.Equal(7, m.LoadOrStore(300, 7, out loaded)); // new key: no miss
        Assert.False(loaded);
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 6, 1, 0), m.GetInternalState());
        m.AssertInvariants();
    }

    [Fact]
    public void LoadAndDelete_OfADirtyOnlyKey_RemovesItFromDirtyAndCountsAMiss()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.True(m.LoadAndDelete(100, out int v));
        Assert.Equal(100, v);
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 4, 1, 0), m.GetInternalState());
        Assert.False(m.LoadAndDelete(100, out _)); // absent while amended: still a locked miss
        Assert.Equal(2, m.GetInternalState().Misses);
        Assert.Equal(4, m.Count);
        m.AssertInvariants();
    }

    [Fact]
    public void LoadAndDelete_OfAReadKey_OnlyTombstonesIt()
    {
        SyncMap<int, int> m = Promoted(4);
        Assert.True(m.LoadAndDelete(1, out _));
        Assert.Equal(new SyncMap<int, int>.InternalState(4, false, null, 0, 0), m.GetInternalState()); // key stays, as N
        Assert.False(m.Load(1, out _));
        Assert.Equal(3, m.Count);
        m.AssertInvariants();
    }

    [Fact]
    public void CompareAndSwap_CountsAMissOnlyWhenTheKeyIsInDirty()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.False(m.CompareAndSwap(999, 0, 1)); // absent while amended: lock, no miss
        Assert.Equal(0, m.GetInternalState().Misses);
        Assert.True(m.CompareAndSwap(100, 100, 101)); // dirty only: one miss
        Assert.Equal(1, m.GetInternalState().Misses);
        Assert.True(m.CompareAndSwap(0, 0, 1)); // read map: lock-free
        Assert.Equal(1, m.GetInternalState().Misses);
        m.AssertInvariants();
    }

    [Fact]
    public void CompareAndDelete_CountsAMissWheneverItLocks_AndKeepsTheKeyInDirty()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.False(m.CompareAndDelete(999, 0)); // absent while amended, no miss filter yet: locked, one miss
        Assert.Equal(1, m.GetInternalState().Misses);
        m.Store(101, 101); // the next new key builds the filter (the map now wants one)
        int clear = Enumerable.Range(1_000, 1_000).First(k => !m.MissFilterMayHold(k));
        Assert.False(m.CompareAndDelete(clear, 0)); // absent, filter bit clear: lock-free, no miss (Go 1.23 counts one)
        Assert.Equal(1, m.GetInternalState().Misses);
        Assert.True(m.CompareAndDelete(100, 100)); // dirty only: miss, key stays in dirty as N
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 6, 2, 0), m.GetInternalState());
        Assert.False(m.Load(100, out _)); // third miss
        Assert.Equal(5, m.Count); // 0..3 and 101
        m.AssertInvariants();
    }

    [Fact]
    public void Range_PromotesAnAmendedMapAtOnce()
    {
        SyncMap<int, int> m = Amended(4, 100);
        m.Load(100, out _);
        Assert.Equal(1, m.GetInternalState().Misses);
        int seen = 0;
        m.Range((_, _) => ++seen < 100);
        Assert.Equal(5, seen);
        Assert.Equal(new SyncMap<int, int>.InternalState(5, false, null, 0, 0), m.GetInternalState());
    }

    [Fact]
    public void Enumeration_PromotesLikeRange()
    {
        SyncMap<int, int> m = Amended(4, 100);
        int seen = 0;
        foreach (KeyValuePair<int, int> pair in m)
        {
            Assert.Equal(pair.Key, pair.Value);
            seen++;
        }

        Assert.Equal(5, seen);
        Assert.Equal(new SyncMap<int, int>.InternalState(5, false, null, 0, 0), m.GetInternalState());
    }

    [Fact]
    public void DirtyRebuild_ExpungesDeletedEntries_AndUnexpungeBringsThemBack()
    {
        SyncMap<int, int> m = Promoted(4);
        m.Delete(1); // N in the read map
        m.Store(100, 100); // first new key after promotion: dirty rebuilt, key 1 expunged
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 4, 0, 1), m.GetInternalState());
        m.AssertInvariants();
        Assert.False(m.Load(1, out _)); // X reads as absent, lock-free (key is in the read map)
        Assert.Equal(0, m.GetInternalState().Misses);

        m.Store(1, 11); // X -> N -> V under the lock, re-added to dirty
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 5, 0, 0), m.GetInternalState());
        Assert.True(m.Load(1, out int v));
        Assert.Equal(11, v);
        Assert.Equal(5, m.Count);
        m.AssertInvariants();
    }

    [Fact]
    public void ExpungedKeys_DisappearAtTheNextPromotion()
    {
        SyncMap<int, int> m = Promoted(4);
        m.Delete(1);
        m.Delete(2);
        m.Store(100, 100);
        Assert.Equal(2, m.GetInternalState().ExpungedInRead);
        m.Range(static (_, _) => true);
        Assert.Equal(new SyncMap<int, int>.InternalState(3, false, null, 0, 0), m.GetInternalState());
        Assert.Equal(3, m.Count);
        m.AssertInvariants();
    }

    [Fact]
    public void LoadOrStore_OnAnExpungedKey_UnexpungesWithoutAMiss()
    {
        SyncMap<int, int> m = Promoted(4);
        m.Delete(3);
        m.Store(100, 100);
        Assert.Equal(1, m.GetInternalState().ExpungedInRead);
        Assert.Equal(33, m.LoadOrStore(3, 33, out bool loaded));
        Assert.False(loaded);
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 5, 0, 0), m.GetInternalState());
        m.AssertInvariants();
    }

    [Fact]
    public void Clear_ResetsEverything_KeepsASmallDirtyMapForReuse()
    {
        SyncMap<int, int> m = Amended(4, 100);
        m.Load(100, out _);
        Assert.Equal(1, m.GetInternalState().Misses);
        m.Clear();
        Assert.Equal(new SyncMap<int, int>.InternalState(0, false, 0, 0, 0), m.GetInternalState());
        Assert.Equal(0, m.Count);
        Assert.True(m.IsEmpty);
        m.AssertInvariants();

        m.Store(5, 5); // reuses the empty dirty map: nothing to copy (a large one is dropped: TableCostTests.Clear_ReleasesTheArrays)
        Assert.Equal(new SyncMap<int, int>.InternalState(0, true, 1, 0, 0), m.GetInternalState());
        Assert.Equal(1, m.Count);
        m.AssertInvariants();
    }

    [Fact]
    public void Clear_OnAPromotedMap_PublishesAnEmptyReadMap()
    {
        SyncMap<int, int> m = Promoted(8);
        m.Delete(0);
        m.Clear();
        Assert.Equal(new SyncMap<int, int>.InternalState(0, false, null, 0, 0), m.GetInternalState());
        Assert.Equal(0, m.Count);
        m.AssertInvariants();
        for (int i = 0; i < 8; i++)
        {
            Assert.False(m.Load(i, out _));
        }
    }

    [Fact]
    public void AddOrUpdate_OnADirtyOnlyKey_CountsItsLookupAsAMiss()
    {
        SyncMap<int, int> m = Amended(4, 100);
        Assert.Equal(101, m.AddOrUpdate(100, -1, static (_, old) => old + 1));
        Assert.Equal(1, m.GetInternalState().Misses);
        m.AssertInvariants();
    }
}
