// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Numerics;
using GoSync.Internal;

namespace GoSync.Tests.Core;

/// <summary>
/// The cost bounds of the chained tables (issue 8; design.md, "The tables" and "Cost bounds"), shown by counting work,
/// never by timing: chain steps a lookup walks (<see cref="SyncMap{TKey, TValue}.ReadChainSteps"/>), the shape of each
/// table (slots, buckets, longest chain, the chain steps that finding every key once costs), Equals calls counted by a
/// comparer, and bytes allocated. Each test attacks one way the old open-addressing tables degraded.
/// </summary>
public sealed class TableCostTests
{
    [Fact]
    public void RangeDeleteFirst_For5000Cycles_KeepsLookupsShortAndTheTablesSizedByTheLiveKeys()
    {
        // Go's AdversarialDelete, the shape of "evict any one entry when full": Range, delete the first key it yields,
        // store a new key. The old tables clustered the live keys into one probe run of about 1,000 buckets.
        const int Live = 1_024;
        var random = new Random(TestSeed(1024));
        var map = new SyncMap<int, int>();
        var keys = new HashSet<int>();
        while (keys.Count < Live)
        {
            int key = random.Next();
            if (keys.Add(key))
            {
                map.Store(key, key);
            }
        }

        int longestRebuildWalk = 0;
        for (int cycle = 1; cycle <= 5_000; cycle++)
        {
            int first = 0;
            map.Range((k, _) =>
            {
                first = k;
                return false;
            });
            map.Delete(first);
            keys.Remove(first);
            int fresh;
            do
            {
                fresh = random.Next();
            }
            while (!keys.Add(fresh));
            map.Store(fresh, fresh);
            longestRebuildWalk = Math.Max(longestRebuildWalk, map.CurrentRebuildWalk());

            if (cycle % 500 == 0)
            {
                AssertShortAndSized(map, Live, $"cycle {cycle}");
            }
        }

        map.AssertInvariants();

        // Each cycle's rebuild (the Store after the Range promoted) looked for its one deleted entry in the bucket of the
        // deleted key's hash (the map's hint) and did not walk the table: a few chain links, against about half of the
        // 1,153 slots for a walk that stops at a deleted entry at a random slot.
        Assert.True(longestRebuildWalk is >= 1 and <= 16, $"the longest rebuild walk was {longestRebuildWalk} slots");

        // Lookups of present and absent keys in the read table walk about one link each.
        long presentSteps = keys.Sum(k => (long)map.ReadChainSteps(k).Steps);
        long absentSteps = Enumerable.Range(0, 10_000).Sum(_ => (long)map.ReadChainSteps(-random.Next(1, int.MaxValue)).Steps);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.True(presentSteps <= 2L * state.Read.Count, $"finding the {state.Read.Count} keys of the read table walks {presentSteps} links");
        Assert.True(absentSteps <= 2L * 10_000, $"10,000 absent-key lookups walk {absentSteps} links");
    }

    public enum DeleteWay
    {
        Delete,
        LoadAndDelete,
        TryRemove,
        CompareAndDelete,
        TryRemovePair,
        ComputeDelete,
    }

    [Theory]
    [InlineData(DeleteWay.Delete)]
    [InlineData(DeleteWay.LoadAndDelete)]
    [InlineData(DeleteWay.TryRemove)]
    [InlineData(DeleteWay.CompareAndDelete)]
    [InlineData(DeleteWay.TryRemovePair)]
    [InlineData(DeleteWay.ComputeDelete)]
    public void DirtyRebuild_FollowsTheDeletedKeyHint_WhicheverOperationDeleted(DeleteWay way)
    {
        // The key in the last occupied slot, deleted since the promotion: without the hint the walk would read every
        // slot before it (more than 10,000); with it, the rebuild looks in that key's bucket only.
        SyncMap<int, int> map = Promoted(10_000);
        (object Entry, bool Expunged)[] entries = map.GetProbeState().ReadEntries;
        int lastKey = SyncMap<int, int>.KeyOfEntry(entries[^1].Entry);
        bool deleted = way switch
        {
            DeleteWay.Delete => Deleted(() => map.Delete(lastKey)),
            DeleteWay.LoadAndDelete => map.LoadAndDelete(lastKey, out _),
            DeleteWay.TryRemove => map.TryRemove(lastKey, out _),
            DeleteWay.CompareAndDelete => map.CompareAndDelete(lastKey, lastKey),
            DeleteWay.TryRemovePair => map.TryRemove(new KeyValuePair<int, int>(lastKey, lastKey)),
            _ => !map.Compute(lastKey, static (_, _, _) => new ComputeResult<int>(ComputeAction.Delete, 0), out _),
        };
        Assert.True(deleted);
        map.Store(-1, -1);

        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        int walked = SyncMap<int, int>.RebuildWalkOf(state.DirtyTable!);
        Assert.True(walked is >= 1 and <= 16, $"{way}: the rebuild after deleting the last slot's key walked {walked} slots");
        Assert.Equal(10_000, state.Dirty!.Value.Count);
        Assert.Equal(1, state.ReadEntries.Count(e => e.Expunged));
        Assert.False(map.ContainsKey(lastKey));
        map.AssertInvariants();

        static bool Deleted(Action delete)
        {
            delete();
            return true;
        }
    }

    [Fact]
    public void DirtyRebuild_WithAStaleHint_StillExpungesEveryDeletedEntry_AndAHintedChainOfCollidersIsWalkedOnce()
    {
        // Stale: the key deleted last is stored again (N -> V, lock-free) before the rebuild, so the hinted bucket holds
        // no deleted entry; the walk must still find the one deleted before it.
        SyncMap<int, int> map = Promoted(10_000);
        (object Entry, bool Expunged)[] entries = map.GetProbeState().ReadEntries;
        int early = SyncMap<int, int>.KeyOfEntry(entries[^2].Entry);
        int revived = SyncMap<int, int>.KeyOfEntry(entries[^1].Entry);
        map.Delete(early);
        map.Delete(revived);
        map.Store(revived, 7); // the hint now names a live key's bucket
        map.Store(-1, -1);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.True(SyncMap<int, int>.RebuildWalkOf(state.DirtyTable!) >= entries.Length - 1, "the walk must reach the deleted entry");
        Assert.Equal(10_000, state.Dirty!.Value.Count);
        Assert.Equal(1, state.ReadEntries.Count(e => e.Expunged));
        Assert.False(map.ContainsKey(early));
        Assert.True(map.Load(revived, out int value) && value == 7);
        map.AssertInvariants();

        // Colliders: 20 keys of one hash share a chain; 5 of them deleted. The hint names that chain, which holds every
        // deleted entry: all 5 are expunged from it, each once, without walking the 1,000 other keys' slots.
        var colliders = new SyncMap<PartlyHashed, int>(new CountingComparer()); // hashes the Id only
        for (int i = 0; i < 1_000; i++)
        {
            colliders.Store(new PartlyHashed(i, 0), i);
        }

        for (int v = 1; v <= 20; v++)
        {
            colliders.Store(new PartlyHashed(-5, v), v);
        }

        colliders.Range(static (_, _) => true); // promote
        for (int v = 1; v <= 5; v++)
        {
            colliders.Delete(new PartlyHashed(-5, v * 4));
        }

        colliders.Store(new PartlyHashed(-6, 0), 0);
        SyncMap<PartlyHashed, int>.ProbeState cstate = colliders.GetProbeState();
        int walked = SyncMap<PartlyHashed, int>.RebuildWalkOf(cstate.DirtyTable!);
        Assert.True(walked is >= 5 and <= 20, $"the rebuild walked {walked} slots for 5 deleted colliders in one chain of 20");
        Assert.Equal(5, cstate.ReadEntries.Count(e => e.Expunged));
        Assert.Equal(1_016, colliders.Count);
        for (int v = 1; v <= 20; v++)
        {
            Assert.Equal(v % 4 != 0, colliders.ContainsKey(new PartlyHashed(-5, v)));
        }

        colliders.AssertInvariants();
    }

    private static SyncMap<int, int> Promoted(int keys)
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < keys; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true);
        return map;
    }

    [Fact]
    public void CollidersBesideGoodKeys_CostOnlyEachOther()
    {
        // 20,000 keys sharing one hash code (the struct's hash ignores the field that varies; 4,000 unless
        // GOSYNC_STRESS_SCALE > 1, since inserting m colliders costs m(m-1)/2 Equals calls) beside 200,000 keys with
        // distinct hashes: the good keys are found with exactly one Equals call each (none when absent), and the links
        // their lookups walk average about one; only the colliders' own chain is long.
        int colliders = Conformance.TestEnvironment.StressScale > 1 ? 20_000 : 4_000;
        const int Good = 200_000;
        var comparer = new CountingComparer();
        var map = new SyncMap<PartlyHashed, int>(comparer);
        for (int i = 0; i < colliders; i++)
        {
            map.Store(new PartlyHashed(-1, i), i);
        }

        comparer.EqualsCalls = 0;
        for (int i = 0; i < Good; i++)
        {
            map.Store(new PartlyHashed(i, 0), i);
        }

        Assert.Equal(0, comparer.EqualsCalls); // inserting a key of a hash no other key has calls no Equals
        map.Range(static (_, _) => true); // promote
        map.AssertInvariants();

        comparer.EqualsCalls = 0;
        long steps = 0;
        for (int i = 0; i < Good; i++)
        {
            var key = new PartlyHashed(i, 0);
            Assert.True(map.Load(key, out int value) && value == i, $"Good key {i}");
            steps += map.ReadChainSteps(key).Steps;
        }

        Assert.Equal(2L * Good, comparer.EqualsCalls); // one in Load, one in ReadChainSteps, per key
        Assert.True(steps <= 2L * Good, $"finding the {Good} Good keys walks {steps} links");

        comparer.EqualsCalls = 0;
        long absentSteps = 0;
        for (int i = Good; i < 2 * Good; i++)
        {
            var key = new PartlyHashed(i, 0);
            Assert.False(map.Load(key, out _));
            absentSteps += map.ReadChainSteps(key).Steps;
        }

        Assert.Equal(0, comparer.EqualsCalls);
        Assert.True(absentSteps <= 2L * Good, $"{Good} absent Good-key lookups walk {absentSteps} links");
        SyncMap<PartlyHashed, int>.ProbeState state = map.GetProbeState();
        // The longest chain is the colliders', which also holds the good keys whose hash falls in that bucket (about one
        // in a table with more buckets than keys; those pay for the colliders with hash comparisons, never Equals calls).
        Assert.InRange(state.Read.LongestChain, colliders, colliders + 4);
    }

    [Fact]
    public void BulkDeleteAndReAdd_KeepsTheTablesSizedByTheLiveKeys()
    {
        const int N = 100_000;
        var map = new SyncMap<int, int>();
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < N; i++)
            {
                map.Store(i, round);
            }

            map.Range(static (_, _) => true);
            AssertShortAndSized(map, N, $"round {round}, filled");
            for (int i = 0; i < N; i++)
            {
                map.Delete(i);
            }

            Assert.Equal(0, map.Count);
        }

        map.Store(-1, -1); // the rebuild copies no deleted key
        map.Range(static (_, _) => true);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.Equal(1, state.Read.Count);
        Assert.True(state.Read.Slots <= 16, $"one live key in a table of {state.Read.Slots} slots");
        map.AssertInvariants();
    }

    [Fact]
    public void MapThatPeakedAtAMillionKeys_AndHoldsTen_CostsPerOperationWithinFiveTimesANeverGrownMap_AfterItsNextPromotion()
    {
        // Issue 8, finding 2: a round of TryAdd/TryGetValue/TryGetValue/TryRemove cost 2,115 us and 12.6 MB on such a map
        // (each dirty rebuild copied the bucket array at its largest). Counted here: bytes allocated and table sizes.
        const int Peak = 1_000_000;
        var shrunk = new SyncMap<int, int>();
        for (int i = 0; i < Peak; i++)
        {
            shrunk.Store(i, i);
        }

        shrunk.Range(static (_, _) => true);
        for (int i = 10; i < Peak; i++)
        {
            shrunk.Delete(i);
        }

        shrunk.Store(-1, -1); // the first new key rebuilds the dirty map from the 10 live keys
        shrunk.Delete(-1);
        shrunk.Range(static (_, _) => true); // the next promotion
        SyncMap<int, int>.ProbeState state = shrunk.GetProbeState();
        Assert.True(state.Read.Slots <= 32 && state.Read.Buckets <= 64, $"10 live keys in {state.Read.Slots} slots and {state.Read.Buckets} buckets");

        var fresh = new SyncMap<int, int>();
        for (int i = 0; i < 10; i++)
        {
            fresh.Store(i, i);
        }

        fresh.Range(static (_, _) => true);
        long shrunkBytes = BytesPerRounds(shrunk);
        long freshBytes = BytesPerRounds(fresh);
        Assert.True(shrunkBytes <= 5 * Math.Max(freshBytes, 1), $"1,000 rounds allocate {shrunkBytes} B on the shrunk map, {freshBytes} B on a never-grown one");
        shrunk.AssertInvariants();
        fresh.AssertInvariants();
    }

    [Fact]
    public void Clear_ReleasesTheArrays()
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 100_000; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true);
        map.Store(-1, -1); // a dirty map too
        map.Clear();
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        var never = new SyncMap<int, int>().GetProbeState();
        Assert.Null(state.Dirty);
        Assert.Equal(never.Read.Slots, state.Read.Slots);
        Assert.Equal(never.Read.Buckets, state.Read.Buckets);
        map.Store(1, 1);
        Assert.True(map.GetProbeState().Dirty!.Value.Slots <= 8, "the first key after Clear builds a small dirty map");
        map.AssertInvariants();
    }

    [Fact]
    public void DirtyRebuild_CopiesOnlyTheLiveEntries_IntoATableSizedFromTheirCount()
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 10_000; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true);
        for (int i = 0; i < 10_000; i += 2)
        {
            map.Delete(i);
        }

        map.Store(-1, -1);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.Equal(5_001, state.Dirty!.Value.Count);
        Assert.True(state.Dirty.Value.Buckets <= 5_000 + (5_000 / 8) + 16, $"5,001 live keys rebuilt into {state.Dirty.Value.Buckets} buckets");
        Assert.True(state.Dirty.Value.Slots <= 8_000, $"5,001 live keys rebuilt into {state.Dirty.Value.Slots} slots (buckets and overflow)");
        Assert.Equal(5_000, state.ReadEntries.Count(e => e.Expunged));
        map.AssertInvariants();
    }

    [Fact]
    public void DirtyRebuild_StopsItsWalk_AtTheLastDeletedEntry_AndWalksNothingWhenNothingWasDeleted()
    {
        // Nothing deleted since the promotion: the block copy alone, no entry's state read.
        SyncMap<int, int> untouched = Promoted(10_000);
        untouched.Store(-1, -1);
        SyncMap<int, int>.ProbeState state = untouched.GetProbeState();
        Assert.Equal(0, SyncMap<int, int>.RebuildWalkOf(state.DirtyTable!));
        Assert.Equal(10_001, state.Dirty!.Value.Count);
        untouched.AssertInvariants();

        // The key in the first occupied slot deleted (Range-then-delete-first when the Range starts there): the walk
        // stops at that slot instead of reading 10,000 entries' states.
        SyncMap<int, int> first = Promoted(10_000);
        int firstKey = SyncMap<int, int>.KeyOfEntry(first.GetProbeState().ReadEntries[0].Entry);
        first.Delete(firstKey);
        first.Store(-1, -1);
        state = first.GetProbeState();
        int walked = SyncMap<int, int>.RebuildWalkOf(state.DirtyTable!);
        Assert.True(walked is >= 1 and <= 16, $"a rebuild after one deletion in the first slots walked {walked} slots");
        Assert.Equal(10_000, state.Dirty!.Value.Count); // 9,999 live keys and the new one: the deleted entry is out
        Assert.Equal(1, state.ReadEntries.Count(e => e.Expunged));
        Assert.False(first.ContainsKey(firstKey));
        first.AssertInvariants();

        // The last and then the first occupied slots deleted: the hint (the hash of the key deleted last) gives the
        // first; the walk runs to the last one for the other, and expunges each once.
        SyncMap<int, int> ends = Promoted(10_000);
        (object Entry, bool Expunged)[] entries = ends.GetProbeState().ReadEntries;
        int lastKey = SyncMap<int, int>.KeyOfEntry(entries[^1].Entry);
        ends.Delete(lastKey);
        ends.Delete(SyncMap<int, int>.KeyOfEntry(entries[0].Entry));
        ends.Store(-1, -1);
        state = ends.GetProbeState();
        walked = SyncMap<int, int>.RebuildWalkOf(state.DirtyTable!);
        Assert.True(walked >= entries.Length && walked <= state.Read.Used + 16, $"walked {walked} of {state.Read.Used} slots holding {entries.Length} entries");
        Assert.Equal(9_999, state.Dirty!.Value.Count);
        Assert.Equal(2, state.ReadEntries.Count(e => e.Expunged));
        Assert.False(ends.ContainsKey(lastKey));
        ends.AssertInvariants();
    }

    [Fact]
    public void PromotedTable_KeepsNoAddedKeyHashes_AndSequentialKeysAllocateNoOverflowSlots()
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 50_000; i++)
        {
            map.Store(i, i);
        }

        SyncMap<int, int>.ProbeState pending = map.GetProbeState();
        Assert.Equal(50_000, SyncMap<int, int>.AddedHashesHeldBy(pending.DirtyTable!)); // noted for the miss filter
        map.Range(static (_, _) => true); // promotion: the read snapshot keeps its dirty table as its identity
        SyncMap<int, int>.ProbeState promoted = map.GetProbeState();
        Assert.Same(pending.DirtyTable, promoted.ReadTable);
        Assert.Equal(0, SyncMap<int, int>.AddedHashesHeldBy(promoted.ReadTable)); // but not the 4 bytes per key of hashes
        Assert.Equal(promoted.Read.Buckets, promoted.Read.Slots); // every key heads its bucket: no overflow slot allocated
    }

    [Fact]
    public void RandomKeys_AllocateOverflowSlotsAsChainsNeedThem()
    {
        var random = new Random(GoSync.Tests.Conformance.TestEnvironment.Seed(808));
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 50_000; i++)
        {
            map.Store(random.Next(), i);
        }

        map.Range(static (_, _) => true);
        SyncMap<int, int>.TableShape t = map.GetProbeState().Read;
        int overflowSlots = t.Slots - t.Buckets;
        int overflowUsed = t.Used - t.Buckets;
        Assert.True(overflowUsed > 0, "random keys share buckets");
        Assert.True(overflowSlots <= (overflowUsed * 3 / 2) + 3, $"{overflowSlots} overflow slots allocated for {overflowUsed} used");
        Assert.True(overflowUsed <= t.Count / 2, $"{overflowUsed} overflow links for {t.Count} keys in {t.Buckets} buckets");
    }

    [Fact]
    public void SequentialIntKeys_LandInSequentialBuckets_OneLinkEach()
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 50_000; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true);
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        Assert.Equal(1, state.Read.LongestChain); // fewer keys than buckets, and hash mod prime keeps them apart
        Assert.Equal(50_000, state.Read.NonEmptyBuckets);
    }

    [Fact]
    public void FloodingAttack_DistinctHashesInOneBucketOfAFixedSizeTable_SwitchesToTheRandomizedHash()
    {
        // Attack keys against this design: strings whose non-randomized hashes all differ but are congruent modulo the
        // bucket count of a table built for 2,000 keys (the collection constructor sizes it once), so that every one
        // of them lands in one chain. The insert that makes the chain longer than 100 switches the table.
        const int Count = 2_000;
        List<string> plain = Enumerable.Range(0, Count).Select(i => "plain" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        int buckets = new SyncMap<string, int>(plain.Select(k => KeyValuePair.Create(k, 0)).ToList()).GetProbeState().Read.Buckets;
        var attack = new List<string>();
        for (int i = 0; attack.Count < 500; i++)
        {
            attack.Add(KeyWithNonRandomizedHash(unchecked(0x5EED + ((uint)i * (uint)buckets)), 1 + i));
        }

        Assert.Equal(attack.Count, attack.Select(NonRandomizedOrdinalComparer.Instance.GetHashCode).Distinct().Count());
        var map = new SyncMap<string, int>(plain.Take(Count - attack.Count).Concat(attack).Select((k, i) => KeyValuePair.Create(k, i)).ToList());
        SyncMap<string, int>.ProbeState state = map.GetProbeState();
        Assert.True(state.Read.Buckets == buckets, $"premise: the attacked table has {state.Read.Buckets} buckets, not {buckets}");
        Assert.True(state.Read.Randomized, "500 keys in one chain, and the table still buckets by the non-randomized hash");
        Assert.True(state.Read.LongestChain <= 100, $"longest chain {state.Read.LongestChain}");
        foreach (string key in attack)
        {
            Assert.True(map.ContainsKey(key));
            Assert.True(map.ReadChainSteps(key).Steps <= 100);
        }

        map.AssertInvariants();
    }

    [Fact]
    public void FloodingAttack_ThroughGrowth_KeysThatCollideOnlyOnceTheTableHasGrown_SwitchAtTheGrowth()
    {
        // Keys whose non-randomized hashes are congruent modulo the bucket count the dirty table reaches at 600 keys, and
        // spread before it: no insert walks a long chain until the growth relinks them into one. Growth checks its chains.
        const int Count = 600;
        var probe = new SyncMap<string, int>();
        for (int i = 0; i < Count; i++)
        {
            probe.Store("p" + i.ToString(CultureInfo.InvariantCulture), i);
        }

        int buckets = probe.GetProbeState().Dirty!.Value.Buckets;
        var map = new SyncMap<string, int>();
        for (int i = 0; i < Count; i++)
        {
            map.Store(KeyWithNonRandomizedHash(unchecked(0xF00D + ((uint)i * (uint)buckets)), 1 + i), i);
            if (i % 50 == 0)
            {
                map.AssertInvariants(); // no chain of a non-randomized string table is ever longer than 100
            }
        }

        SyncMap<string, int>.ProbeState state = map.GetProbeState();
        Assert.True(state.Dirty!.Value.Buckets == buckets, $"premise: {state.Dirty.Value.Buckets} buckets, not {buckets}");
        Assert.True(state.Dirty.Value.Randomized, "600 keys in one bucket, and the table still buckets by the non-randomized hash");
        Assert.True(state.Dirty.Value.LongestChain <= 100, $"longest chain {state.Dirty.Value.LongestChain}");
        map.AssertInvariants();
    }

    [Fact]
    public void RangeAndEnumeration_StartAtARandomPosition()
    {
        // Go's Range starts at a random bucket, so "Range, delete the first key" does not always hit the same region.
        // 300 walks stopped at their first key over 100 keys: a fixed start would give one first key; a uniform random
        // one gives dozens (fewer than 20 distinct has a probability far below 1e-20).
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 100; i++)
        {
            map.Store(i, i);
        }

        var firstByRange = new HashSet<int>();
        var firstByEnumerator = new HashSet<int>();
        for (int walk = 0; walk < 300; walk++)
        {
            map.Range((k, _) =>
            {
                firstByRange.Add(k);
                return false;
            });
            foreach (KeyValuePair<int, int> pair in map)
            {
                firstByEnumerator.Add(pair.Key);
                break;
            }
        }

        Assert.True(firstByRange.Count >= 20, $"Range started at only {firstByRange.Count} distinct keys");
        Assert.True(firstByEnumerator.Count >= 20, $"the enumerator started at only {firstByEnumerator.Count} distinct keys");
    }

    [Fact]
    public void Promotion_InsideARead_AllocatesNothing()
    {
        // The dirty table builds its future read snapshot as it goes, so the promotion a Load triggers only publishes it.
        var map = new SyncMap<int, int>();
        for (int i = 0; i < 100; i++)
        {
            map.Store(i, i);
        }

        map.Load(1, out _); // a dirty-only hit: miss 1 of the 100 that promote (and a warm-up of the locked path)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 99; i++)
        {
            map.Load(5, out _); // misses 2..100: the last one promotes
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(new SyncMap<int, int>.InternalState(100, false, null, 0, 0), map.GetInternalState());
        Assert.Equal(0, allocated);
    }

    private static int TestSeed(int defaultSeed) => Conformance.TestEnvironment.Seed(defaultSeed);

    // Bytes allocated by 1,000 rounds of TryAdd (a new key), TryGetValue (twice) and TryRemove.
    private static long BytesPerRounds(SyncMap<int, int> map)
    {
        for (int warm = 0; warm < 10; warm++)
        {
            Round(map, 1_000_000 + warm);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            Round(map, 2_000_000 + i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;

        static void Round(SyncMap<int, int> map, int key)
        {
            map.TryAdd(key, key);
            map.TryGetValue(key, out _);
            map.TryGetValue(key, out _);
            map.TryRemove(key, out _);
        }
    }

    // Every key of the read table is found within 2 links on average, the longest chain is short, and the tables'
    // slots are within a constant factor of the live keys.
    private static void AssertShortAndSized(SyncMap<int, int> map, int live, string when)
    {
        SyncMap<int, int>.ProbeState state = map.GetProbeState();
        foreach ((string name, SyncMap<int, int>.TableShape? shape) in new[] { ("read", (SyncMap<int, int>.TableShape?)state.Read), ("dirty", state.Dirty) })
        {
            if (shape is not { } s)
            {
                continue;
            }

            Assert.True(s.LookupWork <= 2L * Math.Max(s.Count, 1), $"{when}: finding the {s.Count} keys of the {name} table walks {s.LookupWork} links");
            Assert.True(s.LongestChain <= 16, $"{when}: the {name} table has a chain of {s.LongestChain}");
            Assert.True(s.Slots <= (3 * live) + 16, $"{when}: the {name} table has {s.Slots} slots for {live} live keys");
        }
    }

    /// <summary>
    /// A length-4 string whose non-randomized hash code is <paramref name="hash"/>, the n-th of its kind (n >= 1): its
    /// second pair of chars is n, and the first pair is solved for (hash = (A ^ p0) + (A ^ p1) * 1566083941, with
    /// A = rotl(K, 5) + K and K = (5381 &lt;&lt; 16) + 5381). Checked against the library's comparer.
    /// </summary>
    private static string KeyWithNonRandomizedHash(uint hash, int n)
    {
        const uint K = (5381u << 16) + 5381u;
        uint a = BitOperations.RotateLeft(K, 5) + K;
        var p1 = (uint)n;
        uint p0 = unchecked(hash - ((a ^ p1) * 1566083941u)) ^ a;
        string key = new([(char)(p0 & 0xFFFF), (char)(p0 >> 16), (char)(p1 & 0xFFFF), (char)(p1 >> 16)]);
        Assert.Equal((int)hash, NonRandomizedOrdinalComparer.Instance.GetHashCode(key));
        return key;
    }

    /// <summary>A key whose hash code ignores <see cref="Variant"/>: keys differing only there collide.</summary>
    private readonly record struct PartlyHashed(int Id, int Variant);

    private sealed class CountingComparer : IEqualityComparer<PartlyHashed>
    {
        public long EqualsCalls { get; set; }

        public bool Equals(PartlyHashed x, PartlyHashed y)
        {
            EqualsCalls++;
            return x == y;
        }

        public int GetHashCode(PartlyHashed obj) => obj.Id;
    }
}
