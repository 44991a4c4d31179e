// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

// The hash table behind both of Go's maps (read and dirty): separate chaining, as Dictionary and ConcurrentDictionary
// do, with the chain heads held in the bucket array itself. Heads[b] holds the first Entry of bucket b (the shared Entry
// objects hold the key and its hash), HeadNext[b] links to the rest of the chain in the overflow arrays (Overflow,
// OverflowNext). A lookup of a key that heads its bucket (most keys: every key when keys are sequential ints) goes
// _read -> Heads[b] -> Entry, as short as ConcurrentDictionary's _buckets[b] -> node. The bucket count is a prime at
// least the key count (load factor at most 1), and a bucket is found by a fast modulo of the raw hash, which keeps
// sequential int keys in sequential buckets. A lookup walks exactly its bucket's chain: keys with other hashes cost it
// only when they share the bucket, and keys sharing its hash cost it one Equals each (design.md, "The tables").
public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// A slot of a table array (<see cref="ReadOnly.Heads"/>, <see cref="ReadOnly.Overflow"/>): one entry reference.
    /// A struct, so that a store into the array is a plain reference write (with the GC's write barrier): a store into an
    /// <c>Entry?[]</c> runs the covariant array-store type check on every write, as Entry is not sealed.
    /// </summary>
    private struct EntryRef
    {
        internal Entry? Value;
    }

    /// <summary>Smallest entry capacity (and bucket count, a prime).</summary>
    private const int MinCapacity = 3;

    /// <summary>
    /// The longest chain a table hashing strings with the non-randomized comparer may hold: an insert that makes a
    /// chain longer, or a growth or rebuild that leaves one longer, switches that table to the randomized comparer
    /// (hash-flooding defence, as Dictionary does after 100 collisions). Chain length is exactly what a lookup in
    /// that bucket can cost, so the bound holds however the chain came about (HashFloodingTests, FloodingBoundTests).
    /// </summary>
    private const int MaxChainBeforeRandomizing = 100;

    /// <summary>The key's hash: the devirtualised default comparer for a value-type key without a custom comparer, else <paramref name="comparer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HashOf(IEqualityComparer<TKey>? comparer, TKey key) =>
        typeof(TKey).IsValueType && comparer is null
            ? EqualityComparer<TKey>.Default.GetHashCode(key)
            : comparer!.GetHashCode(key);

    /// <summary>The randomized hash of a string key (only for tables that switched, <see cref="ReadOnly.Randomized"/>).</summary>
    private static int RandomizedHash(TKey key)
    {
        Debug.Assert(typeof(TKey) == typeof(string));
        return EqualityComparer<string>.Default.GetHashCode((string)(object)key!);
    }

    /// <summary>
    /// Whether an entry holds <paramref name="key"/> (with primary hash <paramref name="hash"/>) under the default
    /// comparer of a value-type key. For keys of at most 32 bits whose default hash is injective the key comparison
    /// alone decides; for other structs the stored hash filters before Equals runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DefaultKeyMatches(Entry e, int hash, TKey key)
    {
        if (typeof(TKey) == typeof(int) || typeof(TKey) == typeof(uint) || typeof(TKey) == typeof(short) ||
            typeof(TKey) == typeof(ushort) || typeof(TKey) == typeof(byte) || typeof(TKey) == typeof(sbyte) ||
            typeof(TKey) == typeof(char))
        {
            return EqualityComparer<TKey>.Default.Equals(e.Key, key);
        }

        return e.Hash == hash && EqualityComparer<TKey>.Default.Equals(e.Key, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeyEquals(IEqualityComparer<TKey>? comparer, TKey stored, TKey key) =>
        typeof(TKey).IsValueType && comparer is null
            ? EqualityComparer<TKey>.Default.Equals(stored, key)
            : comparer!.Equals(stored, key);

    /// <summary>
    /// The primary comparer the tables use for <paramref name="userComparer"/> (null meaning the default):
    /// null for a value-type key with the default comparer (devirtualised); for string keys with the default or
    /// the ordinal comparer, the fast non-randomized ordinal comparer (a table buckets by the randomized hash once
    /// a chain grows too long); otherwise the user's comparer or the default one.
    /// </summary>
    private static IEqualityComparer<TKey>? TableComparerFor(IEqualityComparer<TKey>? userComparer)
    {
        if (typeof(TKey) == typeof(string) &&
            (userComparer is null || ReferenceEquals(userComparer, System.StringComparer.Ordinal)))
        {
            return (IEqualityComparer<TKey>)(object)NonRandomizedOrdinalComparer.Instance;
        }

        if (typeof(TKey).IsValueType && userComparer is null)
        {
            return null;
        }

        return userComparer ?? EqualityComparer<TKey>.Default;
    }

    /// <summary>
    /// The bucket of <paramref name="hash"/>: hash mod the (prime) bucket count, by Lemire's fast modulo on 64-bit
    /// processes (<paramref name="multiplier"/> is ceil(2^64 / count)), exact for every 32-bit hash (HashTableTests.BucketIndex_...).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketIndex(int hash, ulong multiplier, int count)
    {
        if (Environment.Is64BitProcess)
        {
            // Two 64-bit multiplies (no 128-bit product): exact for a 32-bit dividend and a divisor below 2^31.
            return (int)(((((multiplier * (uint)hash) >> 32) + 1) * (uint)count) >> 32);
        }

        return (int)((uint)hash % (uint)count);
    }

    /// <summary>The multiplier of <see cref="BucketIndex"/> for <paramref name="count"/> buckets.</summary>
    private static ulong FastModMultiplier(int count) => (ulong.MaxValue / (uint)count) + 1;

    /// <summary>The smallest prime at least <paramref name="n"/> (and at least <see cref="MinCapacity"/>). Trial division: O(sqrt n), run only when a table is allocated.</summary>
    private static int PrimeAtLeast(int n)
    {
        if (n <= MinCapacity)
        {
            return MinCapacity;
        }

        for (int c = n | 1; c > 0; c += 2)
        {
            bool prime = true;
            for (int d = 3; (long)d * d <= c; d += 2)
            {
                if (c % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            if (prime)
            {
                return c;
            }
        }

        throw new OutOfMemoryException();
    }

    /// <summary>
    /// Finds the entry of <paramref name="key"/> (primary hash <paramref name="hash"/>) in a table; null if absent.
    /// Cost: the length of the key's bucket chain, which is O(1) expected for well-hashed keys whatever the other keys
    /// and the history (TableCostTests.RangeDeleteFirst_..., CollidersBesideGoodKeys_...), and at most
    /// <see cref="MaxChainBeforeRandomizing"/> for non-randomized string keys (TableCostTests.FloodingAttack_...). May throw only from the comparer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Entry? FindInTable(ReadOnly t, TKey key, int hash) =>
        typeof(TKey).IsValueType && t.Comparer is null ? FindDefault(t, key, hash) : FindWithComparer(t, key, hash);

    /// <summary>
    /// <see cref="FindInTable"/> for a value-type key under the default comparer (<c>t.Comparer</c> is null): no call,
    /// so that a caller that inlines it keeps its hit path free of calls. No user code runs here, and a published table
    /// is immutable: the walk sees one consistent chain. Cost: the key's chain, as <see cref="FindInTable"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Entry? FindDefault(ReadOnly t, TKey key, int hash)
    {
        Debug.Assert(typeof(TKey).IsValueType && t.Comparer is null);
        EntryRef[] heads = t.Heads;
        int b = BucketIndex(hash, t.Multiplier, heads.Length);
        Entry? e = heads[b].Value;
        if (e is null || DefaultKeyMatches(e, hash, key))
        {
            return e;
        }

        int second = t.HeadNext[b];
        if (second == 0)
        {
            return null; // a chain of one (the overflow arrays are loaded only for longer ones)
        }

        EntryRef[] overflow = t.Overflow;
        int[] next = t.OverflowNext;
        for (int i = second - 1; (uint)i < (uint)overflow.Length; i = next[i] - 1)
        {
            e = overflow[i].Value!;
            if (DefaultKeyMatches(e, hash, key))
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>
    /// <see cref="FindInTable"/> through a comparer object (reference-type keys, or a custom comparer). The comparer is
    /// user code and may re-enter the map under its lock and relink a dirty table under this walk: the walk then stops
    /// at a freed slot or after as many steps as the table has slots, and the locked caller, which checks the map's
    /// version after every lookup, looks again.
    /// </summary>
    private static Entry? FindWithComparer(ReadOnly t, TKey key, int hash)
    {
        IEqualityComparer<TKey>? comparer = t.Comparer;
        int bucketHash = typeof(TKey) == typeof(string) && t.Randomized ? RandomizedHash(key) : hash;
        EntryRef[] heads = t.Heads;
        int[] headNext = t.HeadNext;
        EntryRef[] overflow = t.Overflow;
        int[] next = t.OverflowNext;
        int b = BucketIndex(bucketHash, t.Multiplier, heads.Length);
        Entry? e = heads[b].Value;
        if (e is null)
        {
            return null;
        }

        if (e.Hash == hash && KeyEquals(comparer, e.Key, key))
        {
            return e;
        }

        int i = headNext[b] - 1;
        for (int steps = 0; (uint)i < (uint)overflow.Length && steps < overflow.Length; steps++)
        {
            e = overflow[i].Value;
            if (e is null)
            {
                return null; // a re-entrant comparer freed this slot; the caller's version check catches it
            }

            if (e.Hash == hash && KeyEquals(comparer, e.Key, key))
            {
                return e;
            }

            i = next[i] - 1;
        }

        return null;
    }

    /// <summary>
    /// Go's dirty map: a table written only under the map's lock; <see cref="Publish"/> hands its table object (already
    /// the read snapshot to be, unamended) to the read map, after which the map drops this object. Promotion therefore
    /// allocates nothing. Lock-free readers may also walk it, for one purpose only: to find the live entry of a key
    /// the read map lacks (<see cref="FindRacing"/>, design.md, "Dirty hits without the lock"). For them every
    /// change is made so that a walk racing it sees, at each step, only entries that were in this table at some moment
    /// of the walk, and never indexes outside an array: links are published with release writes after the slot they
    /// lead to, a growth fills new arrays in a new table object before publishing it, and no slot is reused before it
    /// is unlinked.
    /// </summary>
    private sealed class DirtyTable
    {
        // The snapshot this table becomes at promotion; its arrays and counts are written here, under the map's lock,
        // until Publish, and never after (the Volatile.Write that publishes it orders every write before any reader's).
        // Replaced (a new object, release write) when the table grows or switches to randomized string hashing, so that a
        // lock-free walker reads one consistent set of arrays and bucketing (Volatile.Read in FindRacing).
        private ReadOnly _t;

        // Go's `misses` for this dirty map in the low 32 bits: lookups since it was built or last cleared that looked in
        // it (under the lock, or without it in FindRacing's callers); in the high 32 bits, how many times ClearLocked
        // emptied it. One word, so that a lock-free hit counts its miss only if no Clear ran since it noted the count
        // (TryCountMissRacing: a compare-and-swap on the whole word, which a Clear's write makes fail), and a Clear
        // resets the misses and voids older hits in one step. Changed only by Interlocked operations, and by ClearLocked
        // with a release write under the lock. A table is promoted once its misses reach Count (MissLocked, MissRacing);
        // counts added to a table already promoted or dropped are never read again.
        private long _missWord;

        /// <summary>Go's misses for this table (see <see cref="_missWord"/>). Lock-free read (acquire).</summary>
        internal int Misses => (int)Volatile.Read(ref _missWord);

        /// <summary>How many times <see cref="ClearLocked"/> emptied this table. Lock-free read (acquire).</summary>
        internal int Clears => (int)(Volatile.Read(ref _missWord) >>> 32);

        /// <summary>Counts a locked lookup's miss; returns the misses now. Under the lock (a Clear cannot run meanwhile).</summary>
        // Full fence. Misses stay below Count (<= int.MaxValue) plus the lock-free hits between counting and promoting, so
        // the low half never carries into the Clears half.
        internal int CountMissLocked() => (int)Interlocked.Increment(ref _missWord);

        /// <summary>
        /// Counts a lock-free hit's miss, unless a Clear emptied this table since the hit noted <paramref name="clears"/>
        /// before its walk (the hit then was a lookup of the cleared generation: Go's Clear starts the emptied map with no
        /// misses). Returns false when nothing was counted; else <paramref name="misses"/> is the count now. Lock-free:
        /// retries only when another lookup counted at the same moment.
        /// </summary>
        internal bool TryCountMissRacing(int clears, out int misses)
        {
            long word = Volatile.Read(ref _missWord); // acquire
            while ((int)(word >>> 32) == clears)
            {
                // Full fence. Fails when another lookup counted, or a Clear reset the word, since our read: re-check.
                long seen = Interlocked.CompareExchange(ref _missWord, word + 1, word);
                if (seen == word)
                {
                    misses = (int)(word + 1);
                    return true;
                }

                word = seen;
            }

            misses = 0;
            return false;
        }

        // Head (1-based) of the free overflow slots, linked through OverflowNext; 0 when none.
        private int _freeList;

        // A sequence lock over the chains, for lock-free walks that want to prove a key absent (FindRacing's `complete`,
        // design.md, "Filter false positives without the lock"): odd while a lock holder changes which entries the chains
        // hold or how they link (Insert, RemoveEntry, ClearLocked), even otherwise; it only grows. Written only under the
        // map's lock: BeginChangeLocked's odd value is visible before any write of the change (every chain write
        // that a walker reads is a release write, or Clear's full fence precedes it), and EndChangeLocked's even value only
        // after all of them (a release write). So a walker that reads the same even value before and after its walk
        // (acquire reads, the walk's own reads acquire in between) saw chains that no change touched while it walked.
        // Entry states (V, N, ...) are not chain changes. A table built by the rebuild constructor counts its own
        // inserts and removals before anyone can walk it (harmless).
        private int _changes;

        // The primary hashes of the keys added as new keys since this table was built (a superset of the dirty-only
        // keys present: only those leave a dirty table). The miss filter is rebuilt from them (RebuildFilterLocked).
        // Dropped by Publish: the published snapshot keeps this object as its Identity, and must not keep the list.
        // Slots [0, _addedCount) are used; allocated at the first new key.
        private int[]? _addedHashes;
        private int _addedCount;

        // For tests (TableCostTests): the read slots the rebuild constructor's walk visited. Written once, in the constructor.
        private int _rebuildWalk;

        /// <summary>An empty table with room for <paramref name="capacity"/> keys.</summary>
        internal DirtyTable(IEqualityComparer<TKey>? comparer, int capacity)
        {
            _t = new ReadOnly(comparer, capacity, randomized: false, identity: this);
        }

        /// <summary>
        /// Go's dirtyLocked copy: a table holding every entry of <paramref name="read"/> that is not deleted, each
        /// deleted (N) one being expunged (N -> X) instead, for <paramref name="live"/> live keys. No comparer runs
        /// (hashes come from the entries). Two ways, both one pass over the read table's slots (TableCostTests.DirtyRebuild_...):
        /// <list type="bullet">
        /// <item>the read table is neither oversized (at most twice the buckets the live keys need) nor too full (room
        /// for an eighth more keys, so the new key does not make it grow at once): block-copy its four arrays, then
        /// expunge and unlink (by reference, O(chain) each) deleted entries, until as many as the read table holds
        /// beyond the live count are expunged: first those in the bucket of <paramref name="deletedHash"/> (the hash
        /// of a key deleted lately, a hint), then those a walk of the slots finds. The cheapest copy there is: one
        /// memory copy, one chain when the hint names the only deleted key, and otherwise a walk that stops at the last
        /// deleted entry (none at all when nothing was deleted) instead of reading every entry's state
        /// (TableCostTests.DirtyRebuild_StopsItsWalk..., DirtyRebuild_FollowsTheDeletedKeyHint...). Cost:
        /// O(buckets + overflow slots) for the copy and the walk, plus O(the hinted chain).</item>
        /// <item>otherwise (many keys deleted since it was built, e.g. a map that shrank from a peak): place the surviving
        /// entries one by one into a table sized for the live keys plus an eighth, so tables follow the live count
        /// (TableCostTests.MapThatPeakedAtAMillionKeys_...).</item>
        /// </list>
        /// </summary>
        /// <remarks>
        /// Compiled fully optimized at its first call (AggressiveOptimization: no tier-0 code, no PGO instrumentation).
        /// It runs once per promotion-and-new-key cycle, too rarely for tiered compilation to promote it early, yet
        /// each call is an O(n) loop under the lock: at tier 0 the Range-then-delete-first pattern ran at about 20 ns
        /// per operation for its first quarter second against 6 to 7 once promoted, and 8 to 10 from the start with
        /// this (docs/benchmarks.md, eighth round). The loop's small callees are inlined into it (SlotAt, TryExpungeDeletedLocked
        /// and its LoadSlot); RemoveEntry and Insert are shared with the insert and delete paths, which tier them up.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal DirtyTable(ReadOnly read, int live, int deletedHash)
        {
            int slots = read.Used;
            int wanted = live + Math.Max(live >> 3, MinCapacity); // the live keys and an eighth more for new ones
            if (wanted <= read.Heads.Length && read.Heads.Length <= (2 * live) + MinCapacity)
            {
                _t = new ReadOnly(read, identity: this);

                // The read table's free overflow slots (left by dirty-only keys removed before it was promoted) are
                // free in the copy too: link them, or the overflow arrays would grow with every generation.
                for (int i = _t.OverflowUsed - 1; i >= 0; i--)
                {
                    if (_t.Overflow[i].Value is null)
                    {
                        _t.OverflowNext[i] = _freeList;
                        _freeList = i + 1;
                    }
                }

                // The deleted (N) entries to expunge: the read table's keys less the live ones (the read map is a
                // promoted dirty map, so it holds no X entry, and P0 entries are neither live nor expunged). The work
                // stops once it has expunged that many, so a map with few deletions is copied by the block copy and a
                // short search. `live` may be stale (writers change _count without the lock): if it is too low the walk simply runs
                // to the end; if too high, it stops before some N entry, which then stays in the dirty map as N. That
                // is allowed (an N entry is in the dirty map whenever one exists, invariant 2) and costs only its slot
                // until a later rebuild expunges it. In a quiescent map the count is exact and every N is expunged.
                //
                // First the chain of the bucket of `deletedHash` (the map's hint: a key deleted lock-free lately), then
                // the slot walk for any deleted entry it did not give. When one key was deleted since the promotion (the
                // Range-then-delete-first and evict-one-add-one patterns), the hint names its bucket and no walk runs:
                // O(that chain) instead of O(slots / 2). A wrong or stale hint costs that one chain and changes nothing
                // else, as every entry is judged by its state. Both steps expunge only N entries (N -> X by this call),
                // so an entry the first step expunged is neither counted nor unlinked again by the walk. In a randomized
                // string table buckets follow another hash, and the hint is not used.
                int toExpunge = read.Count - live;
                int walked = 0;
                if (toExpunge > 0 && !read.Randomized)
                {
                    int b = BucketIndex(deletedHash, read.Multiplier, read.Heads.Length);
                    Entry? e = read.Heads[b].Value;
                    if (e is not null)
                    {
                        walked++;
                        if (e.TryExpungeDeletedLocked())
                        {
                            RemoveEntry(e);
                            toExpunge--;
                        }

                        // The rest of the chain, in the read table (immutable; the copy is the one being unlinked).
                        for (int i = read.HeadNext[b] - 1; toExpunge > 0 && (uint)i < (uint)read.OverflowUsed; i = read.OverflowNext[i] - 1)
                        {
                            walked++;
                            e = read.Overflow[i].Value;
                            if (e is not null && e.TryExpungeDeletedLocked())
                            {
                                RemoveEntry(e);
                                toExpunge--;
                            }
                        }
                    }
                }

                for (int slot = 0; toExpunge > 0 && slot < slots; slot++)
                {
                    walked++;
                    Entry? e = read.SlotAt(slot);
                    if (e is not null && e.TryExpungeDeletedLocked())
                    {
                        RemoveEntry(e);
                        toExpunge--;
                    }
                }

                _rebuildWalk = walked;
                return; // the copy's chains are the read table's, minus links: within the bound if those were
            }

            _t = new ReadOnly(read.Comparer, wanted, read.Randomized, identity: this, overflowCapacity: read.OverflowUsed);
            for (int i = 0; i < slots; i++)
            {
                Entry? e = read.SlotAt(i);
                if (e is not null && !e.TryExpungeLocked())
                {
                    Insert(e, checkChain: false);
                }
            }

            _rebuildWalk = slots;

            CheckLongestChain();
        }

        /// <summary>For tests: how many read slots the rebuild constructor visited (0 for a table not built by it).</summary>
        internal int RebuildWalk => _rebuildWalk;

        /// <summary>The table (for walks over every key and for diagnostics).</summary>
        internal ReadOnly Table => _t;

        /// <summary>Number of keys. Exact under the lock; a lock-free reader gets a recent value (a promotion trigger only).</summary>
        internal int Count => Volatile.Read(ref _t).Count; // acquire: the current table object (see Replace)

        /// <summary>
        /// How many keys were added as new keys since the table was built (or cleared). While the read map has a miss
        /// filter, every one of them was marked in it (built from them, or marked on arrival), so this is also the
        /// filter's key count, which decides its rebuild (AddNewKeyLocked).
        /// </summary>
        internal int AddedCount => _addedCount;

        /// <summary>The primary hashes of the keys added as new keys since the table was built.</summary>
        internal ReadOnlySpan<int> AddedHashes => _addedHashes.AsSpan(0, _addedCount);

        /// <summary>The change sequence (see <see cref="_changes"/>): odd while a change is in progress. Lock-free read (acquire).</summary>
        internal int Changes => Volatile.Read(ref _changes);

        // Under the lock, before the first write of a chain change. Release write; the change's own chain writes are
        // release writes after it (so none becomes visible before the odd value), except ClearLocked's bulk clears,
        // which use ClearLocked's fence.
        private void BeginChangeLocked() => Volatile.Write(ref _changes, _changes + 1);

        // Under the lock, after the last write of a chain change. Release: every write of the change is visible first.
        private void EndChangeLocked() => Volatile.Write(ref _changes, _changes + 1);

        /// <summary>The entry of <paramref name="key"/> (primary hash <paramref name="hash"/>), or null. Under the lock. May throw only from the comparer.</summary>
        internal Entry? Find(TKey key, int hash) => FindInTable(_t, key, hash);

        /// <summary>
        /// Without the lock, while lock holders may change this table: an entry of <paramref name="key"/> (primary hash
        /// <paramref name="hash"/>) that this table held at some moment of the call (or that an insert in flight has
        /// written into a reused slot, after the key's filter bit: see design.md, "Dirty hits without the lock"), or null,
        /// which proves nothing (the walk may have been sent off its chain by a racing unlink or slot reuse, or the chain
        /// is longer than <see cref="MaxRacingSteps"/>: the caller then takes the lock). Every index is checked against the
        /// array it indexes, and the walk takes at most <see cref="MaxRacingSteps"/> overflow steps, so a racing change can
        /// cut it short but never make it throw, loop or walk far. The comparer may run on entries of other chains, and on
        /// one key more than once (at most 1 + <see cref="MaxRacingSteps"/> calls). Cost: the key's chain, at most that bound.
        /// <paramref name="complete"/> is true when the walk returned null at the end of the chain it was on (an empty
        /// bucket or a last link), not cut short (a freed slot, an index out of bounds, the step bound): with the same even
        /// <see cref="Changes"/> read before and after the call, that chain was the key's whole chain, unchanged
        /// throughout, so the table did not hold the key (design.md, "Filter false positives without the lock").
        /// </summary>
        internal Entry? FindRacing(TKey key, int hash, out bool complete)
        {
            complete = false;
            // Acquire; pairs with the release that published these arrays (Replace, or the table's publication as _dirty).
            ReadOnly t = Volatile.Read(ref _t);
            int bucketHash = typeof(TKey) == typeof(string) && t.Randomized ? RandomizedHash(key) : hash;
            EntryRef[] heads = t.Heads;
            int b = BucketIndex(bucketHash, t.Multiplier, heads.Length);
            Entry? e = Volatile.Read(ref heads[b].Value); // acquire; pairs with Place/RemoveEntry's release writes
            if (e is null)
            {
                complete = true; // an empty bucket
                return null;
            }

            if (RacingKeyMatches(t.Comparer, e, hash, key))
            {
                return e;
            }

            int i = Volatile.Read(ref t.HeadNext[b]) - 1; // acquire: the slot it leads to was written before it (Place)
            EntryRef[] overflow = Volatile.Read(ref t.Overflow); // acquire; an overflow growth publishes copied arrays
            int[] next = Volatile.Read(ref t.OverflowNext); // acquire, likewise (bounds-checked apart from overflow)
            for (int steps = 0; (uint)i < (uint)overflow.Length && (uint)i < (uint)next.Length && steps < MaxRacingSteps; steps++)
            {
                e = Volatile.Read(ref overflow[i].Value); // acquire; pairs with Place's release fill of the slot
                if (e is null)
                {
                    return null; // a freed slot: the chain changed under this walk
                }

                if (RacingKeyMatches(t.Comparer, e, hash, key))
                {
                    return e;
                }

                i = Volatile.Read(ref next[i]) - 1; // acquire: the slot it leads to was filled before it (Place)
            }

            complete = i == -1; // the last link (0), not a bound that stopped the walk
            return null;
        }

        /// <summary>
        /// The most overflow links a lock-free walk follows (<see cref="FindRacing"/>) before it gives up and its caller
        /// takes the lock: well-hashed keys' chains are a few links long; a longer chain (keys sharing a hash) is walked
        /// under the lock as before, and a walk that racing unlinks and slot reuses keep sending from chain to chain
        /// stops here instead of after as many steps as the table has slots.
        /// </summary>
        internal const int MaxRacingSteps = 64;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool RacingKeyMatches(IEqualityComparer<TKey>? comparer, Entry e, int hash, TKey key) =>
            typeof(TKey).IsValueType && comparer is null
                ? DefaultKeyMatches(e, hash, key)
                : e.Hash == hash && KeyEquals(comparer, e.Key, key);

        /// <summary>
        /// Adds an entry whose key is absent. Calls no user code (the hash is the entry's, or the randomized string hash).
        /// O(1) amortized: the empty head of its bucket, else a free or new overflow slot linked second in the chain;
        /// the table grows (re-placing every entry by its stored hash, never a comparer) when the keys reach the bucket
        /// count; for non-randomized strings it also counts the chain it extends (O(chain) &lt;= 100).
        /// </summary>
        internal void Insert(Entry e, bool checkChain = true)
        {
            BeginChangeLocked();
            try
            {
                if (_t.Count == _t.Heads.Length)
                {
                    Grow();
                }

                int b = Place(e);
                _t.Count++;
                if (checkChain && IsFloodable && ChainLength(b) > MaxChainBeforeRandomizing)
                {
                    Randomize();
                }
            }
            finally
            {
                // Even again whatever happened: a growth that fails to allocate must not leave the sequence odd, which
                // would swap what odd and even mean for every later walk.
                EndChangeLocked();
            }
        }

        /// <summary>Notes the hash of a key added as a new key (for the miss filter).</summary>
        internal void NoteAdded(int hash)
        {
            int[]? added = _addedHashes;
            if (added is null || _addedCount == added.Length)
            {
                // Doubling (amortized O(1)); a new table's first key gets room for four.
                Array.Resize(ref _addedHashes, Math.Max(4, (int)Math.Min(Array.MaxLength, 2L * _addedCount)));
                added = _addedHashes;
            }

            added[_addedCount++] = hash;
        }

        /// <summary>Removes exactly <paramref name="e"/> (found by reference in its chain: no comparer). O(chain).</summary>
        internal void RemoveEntry(Entry e)
        {
            BeginChangeLocked();
            RemoveLinked(e);
            EndChangeLocked();
        }

        // RemoveEntry's unlink, inside its change bracket.
        private void RemoveLinked(Entry e)
        {
            ReadOnly t = _t;
            int b = BucketIndex(BucketHash(e), t.Multiplier, t.Heads.Length);
            if (ReferenceEquals(t.Heads[b].Value, e))
            {
                int second = t.HeadNext[b];
                if (second == 0)
                {
                    Volatile.Write(ref t.Heads[b].Value, null); // release; a walker then misses and takes the lock
                }
                else
                {
                    // The second link moves up into the bucket, then its overflow slot is freed. Release writes, in this
                    // order: a racing walker sees the second entry in the head, then (again) in its slot, or a null there.
                    Volatile.Write(ref t.Heads[b].Value, t.Overflow[second - 1].Value);
                    Volatile.Write(ref t.HeadNext[b], t.OverflowNext[second - 1]);
                    Free(second - 1);
                }

                t.Count--;
                return;
            }

            ref int link = ref t.HeadNext[b];
            while (link != 0)
            {
                int i = link - 1;
                if (ReferenceEquals(t.Overflow[i].Value, e))
                {
                    Volatile.Write(ref link, t.OverflowNext[i]); // release: unlinked before the slot is freed
                    Free(i);
                    t.Count--;
                    return;
                }

                link = ref t.OverflowNext[i];
            }

            Debug.Fail("the entry must be in the table");
        }

        /// <summary>Removes every key, keeping the arrays (Clear, for a small table). O(buckets + overflow slots).</summary>
        internal void ClearLocked()
        {
            // Full fence: the odd value is visible before the bulk clears below, which are plain writes.
            Interlocked.Increment(ref _changes);
            ReadOnly t = _t;
            Array.Clear(t.Heads);
            Array.Clear(t.HeadNext);
            Array.Clear(t.Overflow, 0, t.OverflowUsed);
            Array.Clear(t.OverflowNext, 0, t.OverflowUsed);
            t.Count = 0;
            t.OverflowUsed = 0;
            t.Randomized = false;
            _freeList = 0;
            _addedCount = 0;
            // Go's Clear keeps the emptied dirty map with no misses. Release; one write: the misses reset and the Clears
            // half bumped at once, so a lock-free hit that noted the old Clears counts nothing (TryCountMissRacing).
            Volatile.Write(ref _missWord, (long)(Clears + 1) << 32);
            EndChangeLocked();
        }

        /// <summary>
        /// The read snapshot that takes over this table (O(1), no allocation); the caller must drop this object at once.
        /// Drops the added-key hashes, which the snapshot (through its <see cref="ReadOnly.Identity"/>) would otherwise
        /// keep alive: 4 bytes or more per key added in this generation.
        /// </summary>
        internal ReadOnly Publish()
        {
            _addedHashes = null;
            _addedCount = 0;
            return _t;
        }

        // Whether chains of this table must be bounded: string keys under the non-randomized comparer.
        private bool IsFloodable => typeof(TKey) == typeof(string) && !_t.Randomized && _t.Comparer is NonRandomizedOrdinalComparer;

        private int BucketHash(Entry e) => typeof(TKey) == typeof(string) && _t.Randomized ? RandomizedHash(e.Key) : e.Hash;

        // Links e into its bucket (as head, or second); returns the bucket. Does not count it.
        private int Place(Entry e)
        {
            ReadOnly t = _t;
            int b = BucketIndex(BucketHash(e), t.Multiplier, t.Heads.Length);
            if (t.Heads[b].Value is null)
            {
                Volatile.Write(ref t.Heads[b].Value, e); // release: the entry's fields before the link (FindRacing)
                return b;
            }

            int i;
            if (_freeList != 0)
            {
                i = _freeList - 1;
                _freeList = t.OverflowNext[i];
            }
            else
            {
                if (t.OverflowUsed == t.Overflow.Length)
                {
                    // Overflow slots keep their index, so growing them is one block copy (amortized O(1)). Release: a
                    // racing walker that reads a new array sees the copied slots (it bounds-checks each array on its own).
                    int capacity = (int)Math.Min(Array.MaxLength, (long)t.Overflow.Length + Math.Max(t.Overflow.Length >> 1, MinCapacity));
                    Volatile.Write(ref t.Overflow, Grown(t.Overflow, capacity));
                    Volatile.Write(ref t.OverflowNext, Grown(t.OverflowNext, capacity));
                }

                i = t.OverflowUsed++;
            }

            // Release: a walker that reaches a reused slot through a stale link may find the entry before the link below
            // publishes it; it then also sees everything written before, the key's filter bit included (AddNewKeyLocked).
            Volatile.Write(ref t.Overflow[i].Value, e);
            Volatile.Write(ref t.OverflowNext[i], t.HeadNext[b]); // release: after the change's odd sequence value
            Volatile.Write(ref t.HeadNext[b], i + 1); // release: the slot and its link before the link to it (FindRacing)
            return b;
        }

        private static T[] Grown<T>(T[] array, int capacity)
        {
            var grown = new T[capacity];
            array.AsSpan().CopyTo(grown);
            return grown;
        }

        private void Free(int i)
        {
            // Release writes: after the change's odd sequence value (BeginChangeLocked). The key and entry are no longer
            // referenced (Go's issue 40999).
            Volatile.Write(ref _t.Overflow[i].Value, null);
            Volatile.Write(ref _t.OverflowNext[i], _freeList);
            _freeList = i + 1;
        }

        private int ChainLength(int b)
        {
            if (_t.Heads[b].Value is null)
            {
                return 0;
            }

            int length = 1;
            for (int i = _t.HeadNext[b]; i != 0; i = _t.OverflowNext[i - 1])
            {
                length++;
            }

            return length;
        }

        // After a re-placement (growth or rebuild) of a floodable table: O(n) over the links, switching if a chain is too long.
        private void CheckLongestChain()
        {
            if (!IsFloodable)
            {
                return;
            }

            for (int b = 0; b < _t.Heads.Length; b++)
            {
                if (ChainLength(b) > MaxChainBeforeRandomizing)
                {
                    Randomize();
                    return;
                }
            }
        }

        // Grows to half again as many buckets (amortized O(1) per insert) and re-places every entry by its stored hash.
        private void Grow()
        {
            int capacity = (int)Math.Min(Array.MaxLength, (long)_t.Heads.Length + Math.Max(_t.Heads.Length >> 1, MinCapacity));
            Replace(capacity, _t.Randomized);
            CheckLongestChain();
        }

        // A crafted flood: bucket every key by the randomized string hash from now on (string hashing cannot throw).
        private void Randomize() => Replace(_t.Heads.Length, randomized: true);

        // Re-places every entry into a new table object with new arrays for `capacity` keys (O(n), no comparer but the
        // randomized string hash when switched), then publishes it (release) in place of the old one, which is never
        // written again: a lock-free walker holds either. One tight loop over the old heads, then the old overflow
        // slots, with the arrays in locals.
        private void Replace(int capacity, bool randomized)
        {
            ReadOnly old = _t;
            EntryRef[] oldHeads = old.Heads;
            EntryRef[] oldOverflow = old.Overflow;
            int oldOverflowUsed = old.OverflowUsed;

            // About the overflow slots the chains need (grown below if not).
            var t = new ReadOnly(old.Comparer, capacity, randomized, identity: this, overflowCapacity: oldOverflowUsed);
            _freeList = 0;
            EntryRef[] heads = t.Heads;
            int[] headNext = t.HeadNext;
            ulong multiplier = t.Multiplier;
            randomized = typeof(TKey) == typeof(string) && randomized;
            int used = 0;
            for (int i = 0, n = oldHeads.Length + oldOverflowUsed; i < n; i++)
            {
                Entry? e = i < oldHeads.Length ? oldHeads[i].Value : oldOverflow[i - oldHeads.Length].Value;
                if (e is null)
                {
                    continue;
                }

                int b = BucketIndex(randomized ? RandomizedHash(e.Key) : e.Hash, multiplier, heads.Length);
                if (heads[b].Value is null)
                {
                    heads[b].Value = e;
                    continue;
                }

                if (used == t.Overflow.Length)
                {
                    int grown = (int)Math.Min(Array.MaxLength, (long)used + Math.Max(used >> 1, MinCapacity));
                    Array.Resize(ref t.Overflow, grown);
                    Array.Resize(ref t.OverflowNext, grown);
                }

                t.Overflow[used].Value = e;
                t.OverflowNext[used] = headNext[b];
                headNext[b] = ++used;
            }

            t.OverflowUsed = used;
            t.Count = old.Count;
            Volatile.Write(ref _t, t); // release: the filled arrays before the table that holds them (FindRacing)
        }
    }
}
