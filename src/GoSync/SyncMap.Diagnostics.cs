// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Checks the invariants that tie the read map, the dirty map, the entry states, the miss counter and
    /// the live count together, and throws <see cref="System.InvalidOperationException"/> naming the first one
    /// broken. Takes the lock; meaningful only while no other thread uses the map (the live count is exact
    /// only then). For tests.
    /// </summary>
    internal InternalState GetInternalState()
    {
        lock (_lock)
        {
            ReadOnly read = _read;
            int expunged = 0;
            foreach (Entry? e in EntriesOf(read))
            {
                if (e is not null && e.IsExpungedLocked)
                {
                    expunged++;
                }
            }

            return new InternalState(read.Count, read.Amended, _dirty?.Count, _dirty?.Misses ?? 0, expunged);
        }
    }

    /// <summary>A view of the machinery for tests: read map size, amended flag, dirty map size (null when none), misses, expunged read entries.</summary>
    internal readonly record struct InternalState(int ReadCount, bool Amended, int? DirtyCount, int Misses, int ExpungedInRead);

    /// <summary>
    /// A deeper view for tests that must see promotions, rebuilds and the hash tables themselves without reflecting on
    /// private fields: the identity of each table (the dirty table object, which each rebuild replaces and which stays
    /// the identity of the read map it is promoted to; amending keeps it), every read entry with whether it is expunged,
    /// the hash each table buckets each key by (the randomized one once a string table switched), the shape of each
    /// table (slots, buckets, longest chain, the number of key comparisons that finding every key once costs), and the
    /// miss filter. Takes the lock.
    /// </summary>
    internal ProbeState GetProbeState()
    {
        lock (_lock)
        {
            ReadOnly read = _read;
            var entries = new List<(object Entry, bool Expunged)>(read.Count);
            foreach (Entry? e in EntriesOf(read))
            {
                if (e is not null)
                {
                    entries.Add((e, e.IsExpungedLocked));
                }
            }

            int filterBits = 0;
            int filterSet = 0;
            if (read.Filter is { } filter)
            {
                filterBits = filter.Length * 64;
                foreach (long word in filter)
                {
                    filterSet += System.Numerics.BitOperations.PopCount((ulong)word);
                }
            }

            return new ProbeState(
                read.Identity,
                _dirty,
                _emptyRead.Identity,
                entries.ToArray(),
                BucketHashes(read),
                _dirty is null ? null : BucketHashes(_dirty.Table),
                ShapeOf(read),
                _dirty is null ? null : ShapeOf(_dirty.Table),
                filterBits,
                filterSet);
        }
    }

    /// <summary>
    /// For tests: how many added-key hashes the table with identity <paramref name="tableIdentity"/> (a
    /// <see cref="ProbeState.ReadTable"/> or <see cref="ProbeState.DirtyTable"/>) holds for building its miss filter;
    /// 0 once it was published (<see cref="DirtyTable.Publish"/> drops them).
    /// </summary>
    internal static int AddedHashesHeldBy(object tableIdentity) => tableIdentity is DirtyTable d ? d.AddedHashes.Length : 0;

    /// <summary>For tests: the key of an entry taken from <see cref="ProbeState.ReadEntries"/>.</summary>
    internal static TKey KeyOfEntry(object entry) => ((Entry)entry).Key;

    /// <summary>For tests: the read slots (and hinted-chain entries) visited by the rebuild that built the current dirty table, or 0 if there is none. Takes the lock; O(1).</summary>
    internal int CurrentRebuildWalk()
    {
        lock (_lock)
        {
            return _dirty?.RebuildWalk ?? 0;
        }
    }

    /// <summary>For tests: the read slots visited by the rebuild that built a table (see <see cref="ProbeState.DirtyTable"/>).</summary>
    internal static int RebuildWalkOf(object tableIdentity) => tableIdentity is DirtyTable d ? d.RebuildWalk : 0;

    // The hash each key of a table is bucketed by, in slot order.
    private static int[] BucketHashes(ReadOnly t)
    {
        var hashes = new List<int>(t.Count);
        foreach (Entry? e in EntriesOf(t))
        {
            if (e is not null)
            {
                hashes.Add(typeof(TKey) == typeof(string) && t.Randomized ? RandomizedHash(e.Key) : e.Hash);
            }
        }

        return hashes.ToArray();
    }

    // See TableShape. O(slots + buckets).
    private static TableShape ShapeOf(ReadOnly t)
    {
        int longest = 0;
        long work = 0;
        int nonEmpty = 0;
        for (int b = 0; b < t.Heads.Length; b++)
        {
            int length = ChainOf(t, b).Count;
            nonEmpty += length == 0 ? 0 : 1;
            longest = Math.Max(longest, length);
            work += (long)length * (length + 1) / 2;
        }

        return new TableShape(t.Heads.Length + t.Overflow.Length, t.Used, t.Count, t.Heads.Length, longest, work, nonEmpty, t.Randomized);
    }

    /// <summary>For tests: whether the calling thread holds the map's lock (a re-entrant comparer uses it to act only on locked paths).</summary>
    internal bool IsLockHeldByCurrentThread => _lock.IsHeldByCurrentThread;

    /// <summary>The most overflow links a lock-free walk of the dirty table follows (for tests).</summary>
    internal const int MaxRacingStepsForTests = DirtyTable.MaxRacingSteps;

    /// <summary>
    /// For tests: the chain links a lookup of <paramref name="key"/> in the current read table walks (each one a stored-hash
    /// comparison), up to and including the key's own link, or the whole chain when the key is absent; and whether it was found.
    /// Lock-free, as a Load's walk. The table's cost model made observable without timing anything.
    /// </summary>
    internal (int Steps, bool Found) ReadChainSteps(TKey key)
    {
        ReadOnly t = Volatile.Read(ref _read); // acquire
        int hash = HashOf(t.Comparer, key);
        int bucketHash = typeof(TKey) == typeof(string) && t.Randomized ? RandomizedHash(key) : hash;
        int steps = 0;
        foreach (Entry e in ChainOf(t, BucketIndex(bucketHash, t.Multiplier, t.Heads.Length)))
        {
            steps++;
            if (e.Hash == hash && KeyEquals(t.Comparer, e.Key, key))
            {
                return (steps, true);
            }
        }

        return (steps, false);
    }

    /// <summary>
    /// For tests: whether a lock-free lookup of <paramref name="key"/> that misses the current read table would go on
    /// to the locked path (the read map is amended and the key's miss-filter bit is set). Lock-free.
    /// </summary>
    internal bool MissFilterMayHold(TKey key)
    {
        ReadOnly read = Volatile.Read(ref _read); // acquire
        return read.MayBeDirtyOnly(HashOf(read.Comparer, key));
    }

    /// <summary>For tests: whether an entry taken from <see cref="ProbeState.ReadEntries"/> is expunged now (read lock-free).</summary>
    internal static bool IsExpungedNow(object entry) => ((Entry)entry).LoadSlot().IsExpunged;

    /// <summary>See <see cref="GetProbeState"/>. Table identities are compared by reference only.</summary>
    internal sealed record ProbeState(
        object ReadTable,
        object? DirtyTable,
        object EmptyReadTable,
        (object Entry, bool Expunged)[] ReadEntries,
        int[] ReadHashes,
        int[]? DirtyHashes,
        TableShape Read,
        TableShape? Dirty,
        int FilterBits,
        int FilterBitsSet);

    /// <summary>
    /// The shape of one table: entry slots allocated, slots used, keys, buckets, the longest chain, the chain steps that
    /// finding every key once costs (the sum over chains of L(L+1)/2: each step is one stored-hash comparison, plus an
    /// Equals call when the hashes match), the number of non-empty buckets, and whether it buckets by the randomized string hash.
    /// </summary>
    internal readonly record struct TableShape(int Slots, int Used, int Count, int Buckets, int LongestChain, long LookupWork, int NonEmptyBuckets, bool Randomized);

    // Every slot of a table a walk visits (heads, then used overflow slots), nulls included.
    private static IEnumerable<Entry?> EntriesOf(ReadOnly t)
    {
        for (int i = 0; i < t.Used; i++)
        {
            yield return t.SlotAt(i);
        }
    }

    // The entries of bucket b's chain, in order. Stops (and the invariant check reports it) after more links than slots.
    private static List<Entry> ChainOf(ReadOnly t, int b)
    {
        var chain = new List<Entry>();
        if (t.Heads[b].Value is not { } head)
        {
            return chain;
        }

        chain.Add(head);
        for (int i = t.HeadNext[b]; i != 0 && chain.Count <= t.Used; i = t.OverflowNext[i - 1])
        {
            chain.Add(t.Overflow[i - 1].Value!);
        }

        return chain;
    }

    /// <summary>
    /// Checks the invariants that tie the read map, the dirty map, the entry states, the miss counter and
    /// the live count together, and throws <see cref="System.InvalidOperationException"/> naming the first one
    /// broken. Takes the lock; meaningful only while no other thread uses the map (the live count is exact
    /// only then). For tests.
    /// </summary>
    internal void AssertInvariants()
    {
        lock (_lock)
        {
            ReadOnly read = _read;
            if (read is null || read.Heads is null)
            {
                ThrowHelper.ThrowInvariant("the read snapshot is null.");
            }

            if (_emptyRead.Count != 0 || _emptyRead.Amended || _emptyRead.OverflowUsed != 0 || System.Array.Exists(_emptyRead.Heads, static e => e.Value is not null))
            {
                ThrowHelper.ThrowInvariant("the shared empty snapshot was written.");
            }

            CheckTableLocked("read", read);
            if (!read.Amended && read.Filter is not null)
            {
                ThrowHelper.ThrowInvariant("an unamended read snapshot has a miss filter.");
            }

            if (_dirty is not null)
            {
                if (ReferenceEquals(_dirty.Table.Heads, read.Heads) || ReferenceEquals(_dirty.Table, read))
                {
                    ThrowHelper.ThrowInvariant("the dirty map shares the read map's arrays.");
                }

                CheckTableLocked("dirty", _dirty.Table);
            }

            var live = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
            var pending = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
            foreach (Entry? e in EntriesOf(read))
            {
                if (e is null)
                {
                    continue;
                }

                Slot slot = e.LoadSlot();
                bool expunged = slot.IsExpunged;
                if (slot.IsPending)
                {
                    pending.Add(e);
                }

                if (slot.IsLive)
                {
                    live.Add(e);
                }

                if (_dirty is null)
                {
                    // Invariant 3: X exists only while a dirty map exists.
                    if (expunged)
                    {
                        ThrowHelper.ThrowInvariant($"read entry for key '{e.Key}' is expunged but there is no dirty map.");
                    }

                    continue;
                }

                Entry? dirtyEntry = _dirty.Find(e.Key, e.Hash);
                if (expunged && dirtyEntry is not null)
                {
                    ThrowHelper.ThrowInvariant($"expunged entry for key '{e.Key}' is in the dirty map.");
                }

                // Invariant 2: every non-expunged read entry is in the dirty map, as the same object.
                if (!expunged && !ReferenceEquals(dirtyEntry, e))
                {
                    ThrowHelper.ThrowInvariant($"read entry for key '{e.Key}' is not the dirty map's entry for it.");
                }
            }

            if (_dirty is null)
            {
                // Invariant 1: no dirty map means nothing pending.
                if (read.Amended)
                {
                    ThrowHelper.ThrowInvariant("the read map is amended but there is no dirty map.");
                }
            }
            else
            {
                ReadOnly dirty = _dirty.Table;
                var added = new HashSet<int>(_dirty.AddedHashes.ToArray());
                foreach (Entry? e in EntriesOf(dirty))
                {
                    if (e is null)
                    {
                        continue;
                    }

                    Slot slot = e.LoadSlot();
                    if (slot.IsExpunged)
                    {
                        ThrowHelper.ThrowInvariant($"dirty entry for key '{e.Key}' is expunged.");
                    }

                    if (slot.IsPending)
                    {
                        pending.Add(e);
                    }

                    if (slot.IsLive)
                    {
                        live.Add(e);
                    }

                    bool dirtyOnly = FindInTable(read, e.Key, e.Hash) is null;
                    if (dirtyOnly && !read.Amended)
                    {
                        ThrowHelper.ThrowInvariant($"dirty map holds new key '{e.Key}' but the read map is not amended.");
                    }

                    // The miss filter's invariants: every dirty-only key's bit is set in the current snapshot's filter
                    // (if it has one), and its hash is among those a filter is built from (design.md, rules F2 and F4).
                    if (dirtyOnly && !read.MayBeDirtyOnly(e.Hash))
                    {
                        ThrowHelper.ThrowInvariant($"dirty-only key '{e.Key}' has no bit in the miss filter.");
                    }

                    if (dirtyOnly && !added.Contains(e.Hash))
                    {
                        ThrowHelper.ThrowInvariant($"dirty-only key '{e.Key}' is missing from the hashes the miss filter is built from.");
                    }
                }

                int misses = _dirty.Misses;
                if (misses < 0 || (misses != 0 && misses >= _dirty.Count))
                {
                    ThrowHelper.ThrowInvariant($"misses is {misses} with {_dirty.Count} dirty entries (promotion was due).");
                }

                if ((_dirty.Changes & 1) != 0)
                {
                    ThrowHelper.ThrowInvariant($"the dirty table's change sequence is odd ({_dirty.Changes}) with no change in progress.");
                }
            }

            CheckReservationsLocked(pending); // the P states: pending exactly while a computation is in flight

            if (_count != live.Count)
            {
                ThrowHelper.ThrowInvariant($"the live count is {_count} but {live.Count} entries are live.");
            }
        }
    }

    /// <summary>
    /// The hash table's own invariants: array lengths (a prime bucket count at least the slot count, its fast-modulo
    /// multiplier), the count right, every stored hash what the table's comparer gives, every used slot in exactly one
    /// chain, the chain of its own bucket, and found there by a lookup (so no key is in the table twice), free slots
    /// empty, and no chain of a non-randomized string table longer than <see cref="MaxChainBeforeRandomizing"/>.
    /// </summary>
    private static void CheckTableLocked(string name, ReadOnly t)
    {
        int buckets = t.Heads.Length;
        if (buckets < MinCapacity || t.HeadNext.Length != buckets || PrimeAtLeast(buckets) != buckets ||
            t.Multiplier != FastModMultiplier(buckets) || t.OverflowNext.Length != t.Overflow.Length ||
            t.OverflowUsed < 0 || t.OverflowUsed > t.Overflow.Length || t.Count > buckets)
        {
            ThrowHelper.ThrowInvariant($"the {name} map has {buckets} buckets, {t.Overflow.Length} overflow slots ({t.OverflowUsed} used) and {t.Count} keys.");
        }

        var seen = new bool[t.Overflow.Length];
        int linked = 0;
        bool floodable = typeof(TKey) == typeof(string) && !t.Randomized && t.Comparer is NonRandomizedOrdinalComparer;
        for (int b = 0; b < buckets; b++)
        {
            if (t.Heads[b].Value is null)
            {
                if (t.HeadNext[b] != 0)
                {
                    ThrowHelper.ThrowInvariant($"empty bucket {b} of the {name} map links an overflow slot.");
                }

                continue;
            }

            int length = 0;
            foreach (Entry e in ChainOf(t, b))
            {
                length++;
                linked++;
                if (e.Hash != HashOf(t.Comparer, e.Key))
                {
                    ThrowHelper.ThrowInvariant($"the {name} map stores a stale hash for key '{e.Key}'.");
                }

                int bucketHash = typeof(TKey) == typeof(string) && t.Randomized ? RandomizedHash(e.Key) : e.Hash;
                if (BucketIndex(bucketHash, t.Multiplier, buckets) != b)
                {
                    ThrowHelper.ThrowInvariant($"key '{e.Key}' of the {name} map is in the chain of another bucket.");
                }

                if (!ReferenceEquals(FindInTable(t, e.Key, e.Hash), e))
                {
                    ThrowHelper.ThrowInvariant($"key '{e.Key}' is in the {name} map twice.");
                }
            }

            for (int i = t.HeadNext[b]; i != 0 && length <= t.Used; i = t.OverflowNext[i - 1])
            {
                if (i - 1 >= t.OverflowUsed || seen[i - 1])
                {
                    ThrowHelper.ThrowInvariant($"bucket {b} of the {name} map links overflow slot {i - 1}, which is unused or linked twice.");
                }

                seen[i - 1] = true;
            }

            if (length > t.Used)
            {
                ThrowHelper.ThrowInvariant($"bucket {b} of the {name} map has a cycle.");
            }

            if (floodable && length > MaxChainBeforeRandomizing)
            {
                ThrowHelper.ThrowInvariant($"bucket {b} of the {name} map (non-randomized strings) has a chain of {length}.");
            }
        }

        for (int i = 0; i < t.Overflow.Length; i++)
        {
            if (!seen[i] && t.Overflow[i].Value is not null)
            {
                ThrowHelper.ThrowInvariant($"overflow slot {i} of the {name} map holds an entry that no chain reaches.");
            }
        }

        if (linked != t.Count)
        {
            ThrowHelper.ThrowInvariant($"the {name} map counts {t.Count} keys but holds {linked}.");
        }
    }
}
