// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Go's <c>readOnly</c>: the snapshot readers use without the lock, and at the same time the read map's hash
    /// table (so a lookup goes from <c>_read</c> straight to the arrays). A dirty table builds its future snapshot in
    /// one of these (the array fields below are written only then, under the lock); once published by a
    /// Volatile.Write it is never written again (the entries it points to stay mutable), except the bits of
    /// <see cref="Filter"/>. An amended snapshot is a new header sharing the same (immutable) arrays.
    /// </summary>
    private sealed class ReadOnly
    {
        /// <summary>The first entry of each bucket's chain (null: empty bucket). Length: a prime at least the capacity; the table grows when its keys reach it.</summary>
        internal EntryRef[] Heads;

        /// <summary>Per bucket: 1 + the overflow slot of the chain's second entry, 0 when the chain has one entry or none.</summary>
        internal int[] HeadNext;

        /// <summary>The chains' other entries, in slots [0, <see cref="OverflowUsed"/>); a null slot is free.</summary>
        internal EntryRef[] Overflow;

        /// <summary>Per overflow slot: 1 + the next slot of its chain, 0 at a chain's end (for a free slot: the next free one).</summary>
        internal int[] OverflowNext;

        /// <summary>The fast-modulo multiplier of <see cref="Heads"/>' length (see <see cref="BucketIndex"/>).</summary>
        internal ulong Multiplier;

        /// <summary>Number of keys.</summary>
        internal int Count;

        /// <summary>Overflow slots [0, OverflowUsed) have been used.</summary>
        internal int OverflowUsed;

        /// <summary>The primary comparer: the one entries' hashes were computed with (null: the devirtualised default of a value-type key).</summary>
        internal readonly IEqualityComparer<TKey>? Comparer;

        /// <summary>
        /// True for a string table that met a chain longer than <see cref="MaxChainBeforeRandomizing"/>: it buckets by
        /// the randomized string hash (entries keep their primary hash, still compared before Equals). Never set again false.
        /// </summary>
        internal bool Randomized;

        /// <summary>
        /// True if the dirty map may hold keys that this snapshot lacks. Set when the first new key
        /// arrives after a promotion; false again at the next promotion or Clear. Readers that miss here
        /// consult <see cref="Filter"/> once it is built, and the dirty map (under the lock) only when its bit is set.
        /// </summary>
        internal readonly bool Amended;

        /// <summary>
        /// The miss filter of an amended snapshot: a blocked Bloom filter (two bits in one word per primary hash). Null
        /// in an unamended snapshot, and in an amended one of a map whose lookups have not yet found a key absent from
        /// both maps under the lock (<see cref="_missFilterWanted"/>): every miss of such a snapshot goes to the lock, as
        /// in Go. Once a lookup has, the next new key builds the filter (under the lock, from the hashes of every key added
        /// to the dirty map since it was built, a superset of the dirty-only keys present) and publishes it in a new
        /// amended snapshot (a release write), and every later amended snapshot gets one from its first new key. So a map
        /// that only adds keys, or whose readers only look up keys that exist, never pays for a filter, and no read
        /// allocates one. Once built, its bits are set (with a release write, under the
        /// lock, followed by the full fence of the _count increment before the store returns) for each key added to the
        /// dirty map while this snapshot is current, BEFORE the key becomes reachable there; never cleared. Hence a reader
        /// that loaded this snapshot at t0 (acquire), missed its table and reads a 0 bit knows the key was in neither map
        /// at t0: a dirty-only key present at t0 was added while this snapshot or an earlier one of the same table was
        /// current, and its bit was set before t0 in this filter (or in the list this filter was built from under the
        /// lock). Proof and consequences in design.md, "Misses without the lock". Tests: LockFreeMissLinearizabilityTests,
        /// MissFilterTests.
        /// </summary>
        internal readonly long[]? Filter;

        /// <summary>32 minus log2 of <see cref="Filter"/>'s word count (at least 2 words, so the shift stays under 32).</summary>
        internal readonly int FilterShift;

        /// <summary>
        /// The table's identity for diagnostics (<see cref="GetProbeState"/>): the dirty table this snapshot was
        /// published from, or this object for a table that never was dirty. Shared by an amended copy. Not used by any operation.
        /// </summary>
        internal readonly object Identity;

        /// <summary>
        /// A new, empty table with room for <paramref name="capacity"/> keys (a dirty table's future snapshot) and
        /// <paramref name="overflowCapacity"/> overflow slots to start with.
        /// </summary>
        internal ReadOnly(IEqualityComparer<TKey>? comparer, int capacity, bool randomized, object? identity, int overflowCapacity = 0)
        {
            Heads = null!;
            HeadNext = null!;
            Overflow = null!;
            OverflowNext = null!;
            SetArrays(capacity, overflowCapacity);
            Comparer = comparer;
            Randomized = randomized;
            Identity = identity ?? this;
        }

        // The amended copy: same arrays (immutable once published), with a miss filter or none yet.
        private ReadOnly(ReadOnly table, long[]? filter, int filterShift)
        {
            Heads = table.Heads;
            HeadNext = table.HeadNext;
            Overflow = table.Overflow;
            OverflowNext = table.OverflowNext;
            Multiplier = table.Multiplier;
            Count = table.Count;
            OverflowUsed = table.OverflowUsed;
            Comparer = table.Comparer;
            Randomized = table.Randomized;
            Amended = true;
            Filter = filter;
            FilterShift = filterShift;
            Identity = table.Identity;
        }

        /// <summary>An unpublished copy of <paramref name="table"/>'s arrays (block copies), unamended, for a dirty table to edit.</summary>
        internal ReadOnly(ReadOnly table, object identity)
        {
            // New arrays and block copies (not Clone, which allocates through the runtime's slow path: it dominated
            // the rebuild of a tiny table). No overflow slots: share the empty arrays (never written: a table grows
            // them by reallocating).
            Heads = Copy(table.Heads);
            HeadNext = Copy(table.HeadNext);
            Overflow = table.Overflow.Length == 0 ? table.Overflow : Copy(table.Overflow);
            OverflowNext = table.OverflowNext.Length == 0 ? table.OverflowNext : Copy(table.OverflowNext);
            Multiplier = table.Multiplier;
            Count = table.Count;
            OverflowUsed = table.OverflowUsed;
            Comparer = table.Comparer;
            Randomized = table.Randomized;
            Identity = identity;
        }

        private static T[] Copy<T>(T[] source)
        {
            // Not zeroed first where the runtime allows it (arrays without references, over about 2 KB: HeadNext and
            // OverflowNext), as every element is written at once; EntryRef arrays are zeroed by the allocator anyway.
            T[] copy = GC.AllocateUninitializedArray<T>(source.Length);
            source.AsSpan().CopyTo(copy);
            return copy;
        }

        /// <summary>The number of slots a walk visits: every bucket head, then the used overflow slots (see <see cref="SlotAt"/>).</summary>
        internal int Used => Heads.Length + OverflowUsed;

        /// <summary>The entry in walk slot <paramref name="i"/> (0 &lt;= i &lt; <see cref="Used"/>), or null.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal Entry? SlotAt(int i) => i < Heads.Length ? Heads[i].Value : Overflow[i - Heads.Length].Value;

        /// <summary>An empty, unamended snapshot using <paramref name="comparer"/>.</summary>
        internal static ReadOnly Empty(IEqualityComparer<TKey>? comparer) => new(comparer, MinCapacity, randomized: false, identity: null);

        /// <summary>
        /// Allocates empty arrays for <paramref name="capacity"/> keys (only before publication): a prime number of
        /// buckets, and <paramref name="overflowCapacity"/> overflow slots (none: the shared empty arrays). Overflow slots
        /// are allocated as chains need them (growing by half, one block copy each: amortized O(1) per key), so a table
        /// whose keys all head their buckets (sequential int keys) has none; well-hashed random keys at a load factor
        /// of 1 use about 3/8 of the bucket count.
        /// </summary>
        internal void SetArrays(int capacity, int overflowCapacity)
        {
            int count = PrimeAtLeast(capacity);
            Heads = new EntryRef[count];
            HeadNext = new int[count];
            Multiplier = FastModMultiplier(count);
            Overflow = overflowCapacity == 0 ? Array.Empty<EntryRef>() : new EntryRef[overflowCapacity];
            OverflowNext = overflowCapacity == 0 ? Array.Empty<int>() : new int[overflowCapacity];
            OverflowUsed = 0;
        }

        /// <summary>The same table, amended, with the miss filter <paramref name="filter"/> (O(1): the arrays are shared).</summary>
        internal ReadOnly AsAmended(long[]? filter) => new(this, filter, filter is null ? 0 : 32 - BitOperations.Log2((uint)filter.Length));

        /// <summary>The entry of <paramref name="key"/>, or null; <paramref name="hash"/> is its primary hash. Lock-free; may throw only from the comparer.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal Entry? Find(TKey key, out int hash)
        {
            hash = HashOf(Comparer, key);
            return FindInTable(this, key, hash);
        }

        /// <summary>
        /// Whether a key of primary hash <paramref name="hash"/>, absent from this snapshot's table, may be in the dirty
        /// map: false proves it was in neither map when this snapshot was loaded (see <see cref="Filter"/>). Lock-free, O(1).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool MayBeDirtyOnly(int hash)
        {
            if (!Amended)
            {
                return false;
            }

            long[]? filter = Filter;
            if (filter is null)
            {
                return true; // not built yet: the locked path decides (and builds it if the key is absent)
            }

            // Acquire; pairs with the release write that set the bits (before the key became reachable).
            return (Volatile.Read(ref filter[FilterWord(hash, FilterShift)]) & FilterBits(hash)) == FilterBits(hash);
        }

        /// <summary>Sets the bits of <paramref name="hash"/> (under the lock, before the key is added to the dirty map).</summary>
        internal void MarkDirtyOnly(int hash)
        {
            Debug.Assert(Amended);

            // Only lock holders write bits, so a plain read-modify-write loses none. Release: the bits are ordered before
            // the dirty insert and the lock's release that follow; the caller's Interlocked.Increment of _count (a full
            // fence, before the storing operation returns) makes them visible to every reader that starts afterwards.
            ref long word = ref Filter![FilterWord(hash, FilterShift)];
            Volatile.Write(ref word, word | FilterBits(hash));
        }
    }

    // The miss filter is a blocked Bloom filter: a key owns two bits of one 64-bit word (one load per query). The word
    // comes from the top bits of a Fibonacci hash, the two bits from another multiplicative hash.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FilterWord(int hash, int shift) => (int)(((uint)hash * 0x9E3779B9u) >> shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FilterBits(int hash)
    {
        uint g = (uint)hash * 0x85EBCA6Bu;
        return (1L << (int)(g >> 26)) | (1L << (int)((g >> 20) & 63));
    }

    /// <summary>A cleared miss filter with at least 32 bits per key for <paramref name="keys"/> keys (a power of two, at least 2 words).</summary>
    private static long[] NewFilter(int keys) => new long[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(keys, 1 << 26)) / 2)];

    /// <summary>
    /// Go's <c>missLocked</c>: counts one locked lookup; once the misses reach the dirty map's size,
    /// promotes the dirty map to be the read map (O(1): its arrays are reused, not copied).
    /// </summary>
    private void MissLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_dirty is not null);

        // Full fence. Interlocked, as lock-free lookups that find a live dirty entry count here too (MissRacing).
        int misses = _dirty.CountMissLocked();
        RecordLockedMiss(); // metrics (SyncMap.Metrics.cs)
        if (misses < _dirty.Count)
        {
            return;
        }

        PromoteLocked();
    }

    /// <summary>
    /// Go's <c>missLocked</c> for a lookup that found a live entry in the dirty table <paramref name="dirty"/> without the
    /// lock (see <see cref="LoadDirtyHit"/>), which read the table's <see cref="DirtyTable.Clears"/> as
    /// <paramref name="clears"/> before its walk: counts the miss on that table and, once its misses reach its size, takes
    /// the lock and promotes it if it is still the dirty map, not cleared since, and still due. A hit made before a Clear
    /// counts nothing (Go's Clear starts the emptied dirty map with no misses, so that it is not promoted at once: the
    /// count and the Clears generation share one word, see <see cref="DirtyTable.TryCountMissRacing"/>). A count added to
    /// a table that was promoted or dropped lands on an object that is never read again. So whenever no lookup is between
    /// counting and this method's re-check, the dirty map's misses are below its count (AssertInvariants). O(1), plus the
    /// lock only when a promotion is due.
    /// </summary>
    private void MissRacing(DirtyTable dirty, int clears)
    {
        // Full fence (compare-and-swap); pairs with the other counters of this table's misses and with ClearLocked's reset.
        if (!dirty.TryCountMissRacing(clears, out int misses) || misses < dirty.Count)
        {
            return;
        }

        lock (_lock)
        {
            // Re-check under the lock: only the current dirty map is promoted, only if no Clear emptied it since the hit,
            // and only if its count is still due.
            if (ReferenceEquals(_dirty, dirty) && dirty.Clears == clears && dirty.Misses >= dirty.Count)
            {
                PromoteLocked();
            }
        }
    }

    /// <summary>Publishes the dirty map as the new read map (amended = false) and forgets it as dirty. Allocates nothing.</summary>
    private ReadOnly PromoteLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_dirty is not null);
        ReadOnly read = _dirty.Publish();

        // Release: the arrays (written under the lock) are visible to any reader that sees this snapshot.
        // Pairs with the Volatile.Read of _read on every lock-free path.
        Volatile.Write(ref _read, read);
        Volatile.Write(ref _dirty, null); // lock-free walkers that still hold the table walk the (now immutable) read table
        _version++;
        RecordPromotion(); // metrics (SyncMap.Metrics.cs)
        return read;
    }

    /// <summary>
    /// Go's <c>dirtyLocked</c>: if there is no dirty map, builds one holding every read entry that is
    /// not deleted, turning each deleted (N) entry into X so that it is dropped at the next promotion.
    /// O(n) under the lock; runs on the first new key after a promotion. Keeps only the live entries, in a table
    /// sized from the live count (see the DirtyTable constructor); no key comparer runs here.
    /// </summary>
    private void DirtyLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_dirty is not null)
        {
            return;
        }

        ReadOnly read = _read;
        // A sizing hint only: lock-free writers change _count concurrently, so the read may be stale or in flight
        // (clamped); the table grows if the hint was low. No ordering needed beyond reading a whole int.
        int live = Math.Clamp(Volatile.Read(ref _count), 0, read.Count);
        DirtyTable dirty;
        try
        {
            dirty = new DirtyTable(read, live, _deletedHash); // a hint (plain read: see the field)
        }
        catch
        {
            // Nothing above calls user code, so only an allocation failure gets here; undo the expunges
            // (X -> N) so the read map is as it was. With no dirty map, no read entry was X before this call
            // (the read map is a promoted dirty map, which never holds X), so reverting every X is exact.
            for (int i = 0; i < read.Used; i++)
            {
                read.SlotAt(i)?.UnexpungeLocked();
            }

            throw;
        }

        // Release: the table is complete before a lock-free walker can see it (Volatile.Read in LoadDirtyHit).
        Volatile.Write(ref _dirty, dirty);
        _version++;
        RecordDirtyRebuild(dirty.Count, read.Count - dirty.Count, typeof(TKey) == typeof(string) && dirty.Table.Randomized && !read.Randomized); // metrics (SyncMap.Metrics.cs)
    }

    /// <summary>
    /// Makes a new key reachable: ensures a dirty map (O(n) after a promotion), marks the read map amended, sets the
    /// key's bit in the miss filter if one is built, notes its hash, then adds the entry to the dirty map. Calls no user code (the caller looked the
    /// key up, and checked <see cref="_version"/> after it). The caller counts the new live entry. Returns the new entry.
    /// </summary>
    private Entry AddNewKeyLocked(TKey key, int hash, Slot slot)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        DirtyLocked();
        DirtyTable dirty = _dirty!;
        Entry entry = Entry.Create(key, hash, slot);
        ReadOnly read = _read;
        if (!read.Amended)
        {
            // Release: readers that see amended = true consult its filter (without one, every miss takes the lock),
            // then the dirty map under the lock. No key is dirty-only yet (the dirty map was just built or cleared), so
            // a new filter starts empty.
            Debug.Assert(dirty.AddedCount == 0, "keys are noted only while the read map is amended, and a promotion or Clear resets them");
            read = read.AsAmended(_missFilterWanted ? NewFilter(4) : null);
            Volatile.Write(ref _read, read);
        }
        else if (read.Filter is null)
        {
            if (_missFilterWanted)
            {
                // A lookup of an absent key took the lock since this snapshot was published: build the filter now,
                // on the write path, from the keys added since the dirty map was built (a superset of the dirty-only
                // keys present). Release: published with its bits.
                read = RebuildFilterLocked(read, dirty);
            }
        }
        else if (dirty.AddedCount >= read.Filter.Length * 4)
        {
            // The filter holds more than one key per 16 bits (false positives near 2%; every key it marked is a noted
            // one, so the noted count is its key count): replace it by one rebuilt from the keys added since the
            // dirty map was built (a superset of the dirty-only keys present, since only those can leave it). Release:
            // a reader of the new snapshot sees every bit the old filter had for a key still present.
            read = RebuildFilterLocked(read, dirty);
        }

        if (read.Filter is not null)
        {
            read.MarkDirtyOnly(hash); // release, before the key becomes reachable below (the caller's _count increment then fences it)
        }

        dirty.NoteAdded(hash); // for the filter, when one is built or rebuilt (RebuildFilterLocked)
        bool wasRandomized = typeof(TKey) == typeof(string) && dirty.Table.Randomized; // metrics (SyncMap.Metrics.cs)
        dirty.Insert(entry);
        if (typeof(TKey) == typeof(string) && !wasRandomized && dirty.Table.Randomized)
        {
            RecordFloodingSwitch(); // this insert made a chain too long (SyncMap.Metrics.cs)
        }

        _version++;
        return entry;
    }

    /// <summary>
    /// Called by a locked lookup that found its key in neither map: from now on the map keeps a miss filter while keys
    /// are pending, built and maintained by <see cref="AddNewKeyLocked"/> (the next new key builds it), so that later
    /// lookups of absent keys skip the lock. O(1) and allocation-free: the read path never allocates. The caller counts
    /// its miss as usual.
    /// </summary>
    private void WantMissFilterLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        _missFilterWanted = true;
    }

    // See AddNewKeyLocked: a new amended snapshot whose filter holds the bits of every key added to the dirty map as a
    // new key (a superset of the dirty-only keys present).
    private ReadOnly RebuildFilterLocked(ReadOnly read, DirtyTable dirty)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        ReadOnlySpan<int> added = dirty.AddedHashes;
        ReadOnly next = read.AsAmended(NewFilter(added.Length + 1));
        foreach (int hash in added)
        {
            next.MarkDirtyOnly(hash);
        }

        Volatile.Write(ref _read, next); // release: the bits above are visible with the snapshot
        _version++; // a new snapshot: a locked path that noted the old one looks again (design.md, "Re-entrancy")
        return next;
    }
}
