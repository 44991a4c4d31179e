// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

/// <summary>
/// A thread-safe map: Go's <c>sync.Map</c> for .NET, typed with generics, with Go's operations under
/// Go's names and the whole public surface of <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>.
/// </summary>
/// <typeparam name="TKey">The key type. Keys are never boxed.</typeparam>
/// <typeparam name="TValue">The value type. <see langword="null"/> is a valid value of a reference type, distinct from absence.</typeparam>
/// <remarks>
/// <para><b>What it is for.</b> Like Go's map, it is specialised for two workloads: (1) keys written once
/// and read many times, as in caches that only grow, registries and per-type metadata; (2) threads that read,
/// write and overwrite disjoint sets of keys. There, reads of existing keys take no lock, write nothing to shared
/// memory and allocate nothing, and overwriting an existing key is one compare-and-swap. For workloads with a
/// steady stream of new keys, or many deletes followed by inserts, prefer
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>; for small maps touched by few
/// threads, a <see cref="Dictionary{TKey, TValue}"/> under a lock is simpler and often as fast.</para>
/// <para><b>Design and cost model.</b> A read-only map, published atomically and read without any lock, sits beside
/// a dirty map guarded by one lock. Entries are shared by both maps. New keys go to the dirty map (under the lock).
/// A lookup that misses the read map while the dirty map holds extra keys takes the lock and counts a miss, unless a
/// filter of those keys shows the key is not among them (then it answers without the lock); once the misses reach the
/// dirty map's size, the dirty map becomes the read map (O(1)). The first new key after that copies the read map's
/// live entries into a new dirty map (O(n) under the lock). Loads, updates of existing keys and deletes of
/// keys in the read map are lock-free. <see cref="Count"/> and <see cref="IsEmpty"/> are O(1) and lock-free.</para>
/// <para><b>Memory model.</b> As Go's: a write happens-before any read that observes it. Reads: Load, TryGetValue,
/// ContainsKey, LoadAndDelete, LoadOrStore, Swap, CompareAndSwap, CompareAndDelete. Writes: Store, Swap, Delete,
/// LoadAndDelete (when present), LoadOrStore (when it stores), CompareAndSwap and CompareAndDelete (when they succeed).</para>
/// <para><b>Range and enumeration</b> are not snapshots. Each key is visited at most once; a key present and unchanged
/// for the whole call is visited; each value shown was the key's value at some moment during the call; keys stored
/// or deleted concurrently may or may not be seen. No lock is held while user code runs, so the callback (or the
/// loop body) may call any method of the map, a nested Range included, and never blocks other threads. The walk may
/// cost O(n) even when stopped early. Starting a Range on a map whose dirty map holds new keys promotes it first.</para>
/// <para><b>Values are never torn.</b> A value of at most 4 bytes without references (int, float, bool, char, small
/// enums...) lives inside its entry's 64-bit state word, replaced by one compare-and-swap; any other value sits
/// behind a reference that is replaced atomically, so a multi-word struct is read whole or not at all.</para>
/// <para><b>Clear</b> is linearizable with every single-key operation: a write racing with it lands either before
/// it (and is cleared) or after it.</para>
/// </remarks>
[DebuggerDisplay("Count = {Count}")]
[DebuggerTypeProxy(typeof(SyncMapDebugView<,>))]
public sealed partial class SyncMap<TKey, TValue> : ISyncMap<TKey, TValue>
    where TKey : notnull
{
    // Lock order: _lock is the map's only lock. It guards every write of _dirty and _read.
    // No user delegate runs under it (key and value comparers do, as in Go and ConcurrentDictionary).
    private readonly SyncLock _lock = new();

    // The current read snapshot. Read lock-free with Volatile.Read (acquire, pairs with the Volatile.Write
    // that published it); written only under _lock. Never null.
    private ReadOnly _read;

    // Go's dirty map. Written only under _lock (Volatile.Write: release, so a table is complete before it is seen);
    // read under _lock, and also lock-free (Volatile.Read) by a lookup that missed the read map and looks for a live
    // entry of its key there (LoadDirtyHit: design.md, "Dirty hits without the lock"). Null, or a table that holds
    // every read entry that is not X (same Entry objects under the same keys) plus the keys that are new since the
    // last promotion; never holds an X entry. If null then _read.Amended is false. Promotion hands its arrays to a new
    // _read and drops it, so they are never written again. Go's misses count is the table's own (DirtyTable.Misses):
    // 0 or less than its Count whenever no lookup is between counting a miss and promoting (MissLocked, MissRacing).
    private DirtyTable? _dirty;

    // Incremented under _lock by every change of the maps' structure: a promotion, a dirty rebuild, a key added to or
    // removed from the dirty map, an amended snapshot, a Clear. Only under _lock. Locked paths compare it before and
    // after running user code (the key or value comparer), which may re-enter the map (see FindEntrySlow).
    private int _version;

    // Whether this map keeps a miss filter while keys are pending: false until a locked lookup first finds its key in
    // neither map (WantMissFilterLocked), then true for good. Only under _lock. While false, an amended snapshot has no
    // filter and new keys cost no filter work; once true, AddNewKeyLocked builds one (from the noted hashes) and
    // keeps it, on the write path, so that no read allocates (design.md, "Misses without the lock").
    private bool _missFilterWanted;

    // Number of entries in state V reachable from _read or _dirty. Changed only by Interlocked, by the thread
    // whose CAS made an entry live (+1: new entry, N -> V) or not live (-1: V -> N, or V -> X by Clear). Exact
    // whenever no write is in flight; may be off by the writes in flight (even transiently negative) otherwise.
    private int _count;

    // A hint for the next dirty rebuild: the primary hash of the key most recently deleted by a lock-free writer (V -> N),
    // whose entry the rebuild must expunge. Written plainly after each such delete, read plainly by the rebuild under
    // _lock; no ordering is needed and a race may leave any deleter's hash (or a stale one): the rebuild treats it only
    // as the first bucket to look in, checks every entry it finds there by its state, and walks the table for the
    // deleted entries the hint did not give (DirtyTable's rebuild constructor). An int beside _count, which every
    // delete writes too: no GC write barrier, no extra cache line, and no deleted key kept reachable.
    private int _deletedHash;

    // The key comparer the user gave; null means EqualityComparer<TKey>.Default. The tables use
    // TableComparerFor(_comparer) (devirtualised default for value-type keys; for strings a fast non-randomized
    // ordinal comparer that a table swaps for the randomized one when probe sequences grow suspiciously long).
    private readonly IEqualityComparer<TKey>? _comparer;

    // Value equality for CompareAndSwap/CompareAndDelete/TryUpdate/TryRemove(pair); null means Default.
    private readonly IEqualityComparer<TValue>? _valueComparer;

    // An empty read snapshot with this map's comparer, published by Clear so that Clear allocates nothing.
    private readonly ReadOnly _emptyRead;

    /// <summary>Initializes a new, empty map that uses the default key comparer.</summary>
    public SyncMap()
        : this(comparer: null, valueComparer: null)
    {
    }

    /// <summary>Initializes a new, empty map that uses the given key comparer.</summary>
    /// <param name="comparer">The key comparer, or <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    public SyncMap(IEqualityComparer<TKey>? comparer)
        : this(comparer, valueComparer: null)
    {
    }

    /// <summary>Initializes a new, empty map with the given key and value comparers.</summary>
    /// <param name="comparer">The key comparer, or <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    /// <param name="valueComparer">
    /// The value comparer used by <see cref="CompareAndSwap"/>, <see cref="CompareAndDelete"/>, <see cref="TryUpdate"/>,
    /// <see cref="TryRemove(KeyValuePair{TKey, TValue})"/> and <c>Contains</c>; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.
    /// </param>
    public SyncMap(IEqualityComparer<TKey>? comparer, IEqualityComparer<TValue>? valueComparer)
    {
        _comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer;
        _valueComparer = valueComparer is null || ReferenceEquals(valueComparer, EqualityComparer<TValue>.Default) ? null : valueComparer;
        _emptyRead = ReadOnly.Empty(TableComparerFor(_comparer));
        _read = _emptyRead;
    }

    /// <summary>Initializes a new, empty map. Same parameters as ConcurrentDictionary's constructor.</summary>
    /// <param name="concurrencyLevel">Accepted for compatibility and unused: SyncMap has one lock, taken only by writes of new keys and lookups that miss the read map. Must be positive or -1.</param>
    /// <param name="capacity">Accepted for compatibility; must not be negative. The maps grow as needed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="concurrencyLevel"/> is 0 or less than -1, or <paramref name="capacity"/> is negative.</exception>
    public SyncMap(int concurrencyLevel, int capacity)
        : this(concurrencyLevel, capacity, comparer: null)
    {
    }

    /// <summary>Initializes a new, empty map with the given key comparer. Same parameters as ConcurrentDictionary's constructor.</summary>
    /// <param name="concurrencyLevel">Accepted for compatibility and unused (see <see cref="SyncMap{TKey, TValue}(int, int)"/>). Must be positive or -1.</param>
    /// <param name="capacity">Accepted for compatibility; must not be negative.</param>
    /// <param name="comparer">The key comparer, or <see langword="null"/> for the default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="concurrencyLevel"/> is 0 or less than -1, or <paramref name="capacity"/> is negative.</exception>
    public SyncMap(int concurrencyLevel, int capacity, IEqualityComparer<TKey>? comparer)
        : this(comparer, valueComparer: null)
    {
        ValidateConcurrencyLevel(concurrencyLevel);
        if (capacity < 0)
        {
            ThrowHelper.ThrowCapacity();
        }
    }

    /// <summary>Initializes a map holding the given pairs, with the default key comparer.</summary>
    /// <param name="collection">The initial contents.</param>
    /// <exception cref="ArgumentNullException"><paramref name="collection"/> or one of its keys is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="collection"/> contains a key twice.</exception>
    public SyncMap(IEnumerable<KeyValuePair<TKey, TValue>> collection)
        : this(collection, comparer: null)
    {
    }

    /// <summary>Initializes a map holding the given pairs, with the given key comparer.</summary>
    /// <param name="collection">The initial contents.</param>
    /// <param name="comparer">The key comparer, or <see langword="null"/> for the default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="collection"/> or one of its keys is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="collection"/> contains a key twice.</exception>
    public SyncMap(IEnumerable<KeyValuePair<TKey, TValue>> collection, IEqualityComparer<TKey>? comparer)
        : this(comparer, valueComparer: null)
    {
        InitializeFromCollection(collection);
    }

    /// <summary>Initializes a map holding the given pairs. Same parameters as ConcurrentDictionary's constructor.</summary>
    /// <param name="concurrencyLevel">Accepted for compatibility and unused. Must be positive or -1.</param>
    /// <param name="collection">The initial contents.</param>
    /// <param name="comparer">The key comparer, or <see langword="null"/> for the default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="concurrencyLevel"/> is 0 or less than -1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="collection"/> or one of its keys is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="collection"/> contains a key twice.</exception>
    public SyncMap(int concurrencyLevel, IEnumerable<KeyValuePair<TKey, TValue>> collection, IEqualityComparer<TKey>? comparer)
        : this(comparer, valueComparer: null)
    {
        ValidateConcurrencyLevel(concurrencyLevel);
        InitializeFromCollection(collection);
    }

    private static void ValidateConcurrencyLevel(int concurrencyLevel)
    {
        if (concurrencyLevel < 1 && concurrencyLevel != -1)
        {
            ThrowHelper.ThrowConcurrencyLevel();
        }
    }

    // Builds the initial read map directly (no dirty map, not amended). Runs in a constructor: no other
    // thread can see the map yet, and the constructor's result is published by the caller as any object is.
    private void InitializeFromCollection(IEnumerable<KeyValuePair<TKey, TValue>> collection)
    {
        if (collection is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(collection));
        }

        var map = new DirtyTable(
            _emptyRead.Comparer,
            collection is ICollection<KeyValuePair<TKey, TValue>> sized ? sized.Count : 0);
        foreach (KeyValuePair<TKey, TValue> pair in collection)
        {
            if (IsNullKey(pair.Key))
            {
                ThrowHelper.ThrowKeyNull();
            }

            int hash = HashOf(map.Table.Comparer, pair.Key);
            if (map.Find(pair.Key, hash) is not null)
            {
                ThrowHelper.ThrowDuplicateKeyInSource();
            }

            map.Insert(Entry.Create(pair.Key, hash, Slot.Live(pair.Value)));
        }

        _read = map.Publish();
        _count = map.Count;
    }

    /// <summary>Gets the key comparer the map uses.</summary>
    public IEqualityComparer<TKey> Comparer => _comparer ?? EqualityComparer<TKey>.Default;

    /// <summary>
    /// Gets the number of keys in the map. O(1) and lock-free (ConcurrentDictionary takes all its locks here).
    /// Exact whenever no write is in flight; while writes run it is the count at some recent moment, give or take those writes.
    /// </summary>
    public int Count
    {
        get
        {
            int count = Volatile.Read(ref _count); // acquire; pairs with the Interlocked updates by writers
            return count < 0 ? 0 : count; // a delete may be counted before the racing insert it undid
        }
    }

    /// <summary>Gets whether the map holds no keys. O(1), lock-free, exact whenever no write is in flight.</summary>
    public bool IsEmpty => Count == 0;

    // ---------------------------------------------------------------------------------------------
    // Go's operations.
    // ---------------------------------------------------------------------------------------------

    /// <summary>Go's <c>Load</c>: gets the value stored for <paramref name="key"/>.</summary>
    /// <param name="key">The key to look up.</param>
    /// <param name="value">The value, or <see langword="default"/> when the key is absent.</param>
    /// <returns><see langword="true"/> if the key is present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Lock-free and allocation-free when the key is in the read map, and when it is absent unless its bit is set in
    /// the miss filter of the keys pending in the dirty map (design.md, "Misses without the lock").
    /// </remarks>
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        ReadOnly read = Volatile.Read(ref _read); // acquire; pairs with the release that published it
        if (typeof(TKey).IsValueType)
        {
            if (read.Comparer is not null)
            {
                // A custom comparer. Its interface calls live in a method of their own, so that the default-comparer
                // path below contains no call and the JIT saves no registers for it.
                return LoadWithComparer(read, key, out value);
            }

            // FindInTable's default-comparer chain walk, written out so that a hit returns from inside it. A key that
            // heads its bucket costs _read -> Heads[b] -> entry; others walk the key's chain (O(1) expected; TableCostTests).
            int hash = EqualityComparer<TKey>.Default.GetHashCode(key);
            EntryRef[] heads = read.Heads;
            int b = BucketIndex(hash, read.Multiplier, heads.Length);
            Entry? e = heads[b].Value;
            if (e is not null)
            {
                if (DefaultKeyMatches(e, hash, key))
                {
                    return e.TryLoad(out value);
                }

                int second = read.HeadNext[b];
                if (second != 0)
                {
                    // A chain of two or more (the overflow arrays are loaded only then).
                    EntryRef[] overflow = read.Overflow;
                    int[] next = read.OverflowNext;
                    for (int i = second - 1; (uint)i < (uint)overflow.Length; i = next[i] - 1)
                    {
                        e = overflow[i].Value!;
                        if (DefaultKeyMatches(e, hash, key))
                        {
                            return e.TryLoad(out value);
                        }
                    }
                }
            }

            return LoadMiss(read, hash, key, out value);
        }

        Entry? found = read.Find(key, out int h);
        if (found is not null)
        {
            return found.TryLoad(out value);
        }

        return LoadMiss(read, h, key, out value);
    }

    /// <summary>
    /// The hit path of <see cref="Load"/> for the factory overloads (GetOrAdd, LoadOrCompute), inlined into them so
    /// that a present key costs no call: a live entry of the read map, for a value-type key under the default comparer.
    /// False means "not answered here" (another key type or comparer, a miss, or a deleted entry): the caller goes on
    /// with <see cref="Load"/>, which decides. Lock-free, allocation-free; the key is not null-checked (the caller did).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryLoadHit(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (typeof(TKey).IsValueType)
        {
            ReadOnly read = Volatile.Read(ref _read); // acquire; pairs with the release that published it
            if (read.Comparer is null)
            {
                Entry? e = FindDefault(read, key, EqualityComparer<TKey>.Default.GetHashCode(key));
                if (e is not null)
                {
                    Slot current = e.LoadSlot(); // acquire; pairs with the CAS that published the state
                    if (current.IsLive)
                    {
                        value = current.Value;
                        return true;
                    }
                }
            }
        }

        value = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool LoadWithComparer(ReadOnly read, TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        Entry? e = read.Find(key, out int hash);
        if (e is not null)
        {
            return e.TryLoad(out value);
        }

        return LoadMiss(read, hash, key, out value);
    }

    // Load after missing the read table: absent without the lock unless the key's filter bit is set.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool LoadMiss(ReadOnly read, int hash, TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (!read.MayBeDirtyOnly(hash))
        {
            // Absent from both maps when `read` was loaded (ReadOnly.Filter). Not counted as a miss (unlike Go 1.23).
            value = default;
            return false;
        }

        return LoadSlow(key, hash, filtered: read.Filter is not null, out value);
    }

    // Load of a key the read map lacks and the miss filter may hold: a live entry found in the dirty table without the
    // lock if there is one; else, when the snapshot has a filter (whose bits then were a false positive), absent if a
    // lock-free walk proved the dirty table lacked the key; else Go's locked lookup. Without a filter the locked lookup
    // runs, as it is what makes the map want one (WantMissFilterLocked).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool LoadSlow(TKey key, int hash, bool filtered, [MaybeNullWhen(false)] out TValue value)
    {
        if (LoadDirtyHit(key, hash, out value, out bool absent))
        {
            return true;
        }

        if (absent && filtered)
        {
            // In neither map at a moment of this call (design.md, "Filter false positives without the lock"). Not counted
            // as a miss, as a lookup the filter rules out is not.
            return false;
        }

        Entry? e = FindEntrySlow(key);
        if (e is null)
        {
            value = default;
            return false;
        }

        return e.TryLoad(out value);
    }

    /// <summary>
    /// Load's (and LoadOrStore's) answer for a key in the dirty map only, without the lock, for a caller that loaded an
    /// amended snapshot whose filter could not rule the key out (design.md, "Dirty hits without the lock"): walks
    /// the dirty table as lock holders change it (<see cref="DirtyTable.FindRacing"/>) and, if it finds an entry of the
    /// key in a live state, returns its value and counts Go's miss (<see cref="MissRacing"/>). Linearizable: the entry was
    /// the key's entry in the dirty map at some moment of the call, and a live state read afterwards was the key's value
    /// at a moment of the call too: a live entry leaves the maps only by a dirty-only delete (TakeFromDirty), and the
    /// writes it can still get after that come from operations that found it before (the delete's own V -> N, a
    /// CompareAndDelete, AddOrUpdate's replace), which all linearise just before the delete, inside this call; and the
    /// caller's amended snapshot means it started before any Clear that has not yet expunged the entry (Clear publishes
    /// an unamended snapshot first), so it linearises before that Clear (proof in design.md). False (nothing counted)
    /// when the walk finds nothing or a non-live entry. Then <paramref name="absent"/> is true if the walk proved the key
    /// absent from both maps at a moment of the call: it reached the end of the key's chain and the dirty table's change
    /// sequence was even and the same before and after (the table held no entry of the key while it was the dirty map,
    /// or when it stopped being it, and the dirty map holds every key present; design.md, "Filter false positives
    /// without the lock"); otherwise the caller takes the lock, which decides. Allocates nothing.
    /// </summary>
    private bool LoadDirtyHit(TKey key, int hash, [MaybeNullWhen(false)] out TValue value, out bool absent)
    {
        absent = false;
        DirtyTable? dirty = Volatile.Read(ref _dirty); // acquire; pairs with the release that published the table
        if (dirty is not null)
        {
            int clears = dirty.Clears; // acquire; a Clear after this read voids the miss count (MissRacing)
            int changes = dirty.Changes; // acquire: the walk's reads stay after it; pairs with EndChangeLocked's release
            Entry? e = dirty.FindRacing(key, hash, out bool complete);
            if (e is not null)
            {
                if (e.TryLoad(out value)) // acquire
                {
                    MissRacing(dirty, clears);
                    return true;
                }
            }
            else if (complete && (changes & 1) == 0)
            {
                // Acquire, after the walk's acquire reads: a change whose write the walk saw had made the sequence odd
                // first (BeginChangeLocked), so an unchanged even value means no change overlapped the walk.
                absent = dirty.Changes == changes;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Go's Load lookup: the entry for <paramref name="key"/> in the read map, else (when the miss filter allows it)
    /// in the dirty map under the lock, counting a miss. Null if absent from both.
    /// </summary>
    private Entry? FindEntry(TKey key)
    {
        ReadOnly read = Volatile.Read(ref _read); // acquire
        Entry? e = read.Find(key, out int hash);
        return e ?? (read.MayBeDirtyOnly(hash) ? FindEntrySlow(key) : null);
    }

    // The re-entrancy rule of every locked path (design.md, "Re-entrancy"): the key comparer (and, in CompareAndSwap,
    // the value comparer) is user code that may call back into this map under the same (re-entrant) lock and promote,
    // rebuild, grow or clear the maps. Every change of the maps' structure increments _version under the lock; a
    // locked path notes _version before its lookups and, if it changed by the time they return, looks again instead of
    // acting on what it read. What follows the check calls no user code, until a value comparer, after which the
    // path re-checks before MissLocked. ReentrancyTests drive each path with a comparer that calls Range, Load,
    // Store and Clear.
    private Entry? FindEntrySlow(TKey key)
    {
        lock (_lock)
        {
            while (true)
            {
                // Re-check: the dirty map may have been promoted while we waited for the lock.
                int version = _version;
                ReadOnly read = _read;
                Entry? e = read.Find(key, out int hash);
#if GOSYNC_SEEDED_BUG_MISSING_RECHECK
                e = null; // Seeded bug for the Coyote suite's self-check (tests/GoSync.CoyoteTests/seeded-bug-check.sh): no re-check.
#endif
                if (e is not null || !read.Amended)
                {
                    return e; // an entry of the (immutable) read table: its state decides, as on the lock-free path
                }

                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: `read` and `_dirty` may not belong together
                }

                e = _dirty!.Find(key, hash);
                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: look again
                }

                if (e is null)
                {
                    WantMissFilterLocked(); // absent from both maps: from the next new key on, such misses skip the lock
                }

                // Counted whether or not the key was in the dirty map: it paid for a locked lookup.
                MissLocked();
                return e;
            }
        }
    }

    /// <summary>Go's <c>Store</c>: sets the value for <paramref name="key"/>, adding the key if needed.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <remarks>Overwriting a key of the read map is one lock-free compare-and-swap and allocates only the box of a value-type value wider than 4 bytes (nothing otherwise).</remarks>
    public void Store(TKey key, TValue value) => Swap(key, value, out _);

    /// <summary>Go's <c>Swap</c>: stores <paramref name="value"/> and returns the previous value, if any.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <param name="previous">The value the key had, or <see langword="default"/> when it was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        Slot newSlot = Slot.Live(value);
        ReadOnly read = Volatile.Read(ref _read); // acquire
        Entry? e = read.Find(key, out _);
        if (e is not null && e.TrySwap(newSlot, out Slot old))
        {
            return Swapped(old, out previous);
        }

        return SwapSlow(key, newSlot, out previous);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool SwapSlow(TKey key, Slot newSlot, [MaybeNullWhen(false)] out TValue previous)
    {
        Slot old = default;
        Reservation? wait;
        do
        {
            wait = null;
            lock (_lock)
            {
                while (true)
                {
                    int version = _version;
                    Entry? e = FindLocked(key, out int hash, out _);
                    if (_version != version)
                    {
                        continue; // the comparer re-entered and changed the maps: look again
                    }

                    if (e is null)
                    {
                        AddNewKeyLocked(key, hash, newSlot);
                        old = Slot.Deleted;
                        break;
                    }

                    if (e.LoadSlot().IsPending)
                    {
                        wait = ReservationOfLocked(e); // a computation holds the key: store after it publishes
                        break;
                    }

                    ReAddIfExpungedLocked(e);
                    old = e.SwapLocked(newSlot);
                    break;
                }
            }

            if (wait is not null)
            {
                WaitFor(wait);
            }
        }
        while (wait is not null);

        return Swapped(old, out previous);
    }

    /// <summary>
    /// The locked lookup of the write paths: the entry of <paramref name="key"/> in the read map, else in the dirty map
    /// (<paramref name="inDirtyOnly"/>), else null. Runs the key comparer: the caller must check <see cref="_version"/> after it.
    /// </summary>
    private Entry? FindLocked(TKey key, out int hash, out bool inDirtyOnly)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        int version = _version;
        Entry? e = _read.Find(key, out hash);
        inDirtyOnly = false;
        if (e is null && _version == version && _dirty is not null)
        {
            e = _dirty.Find(key, hash);
            inDirtyOnly = e is not null;
        }

        return e;
    }

    /// <summary>
    /// For an entry found by <see cref="FindLocked"/>: if it is X (read map only), re-adds it to the dirty map first
    /// (the key is absent there, so no comparer runs), then X -> N, so that a lock-free writer can store into it only
    /// once it is in both maps. Runs no user code.
    /// </summary>
    private void ReAddIfExpungedLocked(Entry e)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (e.IsExpungedLocked)
        {
            _dirty!.Insert(e);
            _version++;
            e.UnexpungeLocked();
        }
    }

    // Turns the old state of a successful swap (N, or V) into Swap's results and counts an N -> V transition.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Swapped(Slot old, [MaybeNullWhen(false)] out TValue previous)
    {
        if (old.IsDeleted)
        {
            Interlocked.Increment(ref _count); // this swap made the key live
            previous = default;
            return false;
        }

        previous = old.Value;
        return true;
    }

    /// <summary>Go's <c>LoadOrStore</c>: returns the existing value for <paramref name="key"/> if present; otherwise stores <paramref name="value"/> and returns it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store if the key is absent.</param>
    /// <param name="loaded"><see langword="true"/> if the value was loaded, <see langword="false"/> if stored.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        ReadOnly read = Volatile.Read(ref _read); // acquire
        Entry? e;
        if (typeof(TKey).IsValueType)
        {
            if (read.Comparer is not null)
            {
                // A custom comparer: its interface calls live in a method of their own (as in Load), so that the
                // default-comparer hit path below contains no call and the JIT saves no registers for it.
                return LoadOrStoreWithComparer(read, key, value, out loaded);
            }

            e = FindDefault(read, key, EqualityComparer<TKey>.Default.GetHashCode(key));
        }
        else
        {
            e = read.Find(key, out _);
        }

        if (e is not null)
        {
            // The hit, written out as Load's is (TryLoadOrStore would answer the same: a live state is loaded).
            Slot current = e.LoadSlot(); // acquire; pairs with the CAS that published the state
            if (current.IsLive)
            {
                loaded = true;
                return current.Value;
            }
        }

        return LoadOrStoreNotLive(read, e, key, value, out loaded);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private TValue LoadOrStoreWithComparer(ReadOnly read, TKey key, TValue value, out bool loaded)
    {
        Entry? e = read.Find(key, out _);
        if (e is not null)
        {
            Slot current = e.LoadSlot(); // acquire
            if (current.IsLive)
            {
                loaded = true;
                return current.Value;
            }
        }

        return LoadOrStoreNotLive(read, e, key, value, out loaded);
    }

    // LoadOrStore when the read map has no live value for the key: an N entry of the read map takes the value by a
    // lock-free CAS (Go's tryLoadOrStore); X, P0, or no entry goes to the locked path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private TValue LoadOrStoreNotLive(ReadOnly read, Entry? e, TKey key, TValue value, out bool loaded)
    {
        if (e is not null && e.TryLoadOrStore(value, out TValue actual, out loaded))
        {
            if (!loaded)
            {
                Interlocked.Increment(ref _count); // N -> V by this call
            }

            return actual;
        }

        // Not in the read map, live in the dirty map: loaded without the lock, Go's miss counted, under Load's condition:
        // the snapshot `read` this call loaded is amended and its filter cannot rule the key out. (Amended matters: a
        // Clear publishes an unamended snapshot before it expunges the dirty map's entries, so a call that loaded it
        // must not answer from those; see design.md, "Dirty hits without the lock".) The hash is computed again (the
        // read lookup's was not kept: this is the slow path).
        if (e is null && read.Amended)
        {
            int hash = HashOf(read.Comparer, key);
            if (read.MayBeDirtyOnly(hash) && LoadDirtyHit(key, hash, out TValue? found, out _))
            {
                loaded = true;
                return found;
            }
        }

        return LoadOrStoreSlow(key, value, out loaded);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private TValue LoadOrStoreSlow(TKey key, TValue value, out bool loaded)
    {
        TValue actual = default!;
        loaded = false;
        Reservation? wait;
        do
        {
            wait = null;
            lock (_lock)
            {
                while (true)
                {
                    int version = _version;
                    Entry? e = FindLocked(key, out int hash, out bool inDirtyOnly);
                    if (_version != version)
                    {
                        continue; // the comparer re-entered and changed the maps: look again
                    }

                    if (e is null)
                    {
                        AddNewKeyLocked(key, hash, Slot.Live(value));
                        actual = value;
                        loaded = false;
                        break;
                    }

                    ReAddIfExpungedLocked(e);
                    Slot current = e.LoadSlot();
                    if (current.IsPending && !current.IsLive)
                    {
                        wait = ReservationOfLocked(e); // P0: a computation will publish the key's value; load or store after it
                        break;
                    }

                    bool notExpunged = e.TryLoadOrStore(value, out actual, out loaded);
                    Debug.Assert(notExpunged, "X and P0 are left only under the lock, which we hold");
                    if (inDirtyOnly)
                    {
                        MissLocked();
                    }

                    break;
                }
            }

            if (wait is not null)
            {
                WaitFor(wait);
            }
        }
        while (wait is not null);

        if (!loaded)
        {
            Interlocked.Increment(ref _count); // new entry or N -> V by this call
        }

        return actual;
    }

    /// <summary>Go's <c>LoadAndDelete</c>: removes <paramref name="key"/> and returns its value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The removed value, or <see langword="default"/> when the key was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        while (true)
        {
            ReadOnly read = Volatile.Read(ref _read); // acquire
            Entry? e = read.Find(key, out int hash);
            if (e is null && read.MayBeDirtyOnly(hash))
            {
                e = TakeFromDirty(key);
            }

            bool pending = false;
            if (e is not null && e.Delete(out value, out pending))
            {
                Interlocked.Decrement(ref _count); // V -> N by this call
                _deletedHash = e.Hash; // a rebuild hint (plain write: see the field)
                return true;
            }

            if (!pending)
            {
                value = default;
                return false;
            }

            WaitForPendingKey(key); // Pv: a Compute holds the present key; delete after it publishes
        }
    }

    // LoadAndDelete's locked path: removes a dirty-only key from the dirty map at once (so the key and
    // its entry become collectable, Go's issue 40999) and counts a miss either way.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Entry? TakeFromDirty(TKey key)
    {
        lock (_lock)
        {
            while (true)
            {
                int version = _version;
                ReadOnly read = _read;
                Entry? e = read.Find(key, out int hash);
                if (e is not null || !read.Amended)
                {
                    return e; // an entry of the (immutable) read table: its state decides, as on the lock-free path
                }

                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: `read` and `_dirty` may not belong together
                }

                e = _dirty!.Find(key, hash);
                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: look again
                }

                if (e is not null && !e.LoadSlot().IsPending)
                {
                    // (A pending entry stays: its computation publishes into it. Its state decides, as above.)
                    _dirty.RemoveEntry(e);
                    _version++;
                }
                else if (e is null)
                {
                    WantMissFilterLocked(); // absent from both maps: from the next new key on, such misses skip the lock
                }

                MissLocked();
                return e;
            }
        }
    }

    /// <summary>Go's <c>Delete</c>: removes <paramref name="key"/>; does nothing if it is absent.</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public void Delete(TKey key) => LoadAndDelete(key, out _);

    /// <summary>
    /// Go's <c>CompareAndSwap</c>: replaces the value of <paramref name="key"/> with <paramref name="newValue"/>
    /// if the key is present and its value equals <paramref name="oldValue"/> (by the value comparer).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must hold.</param>
    /// <param name="newValue">The replacement.</param>
    /// <returns><see langword="true"/> if the value was swapped. An absent key gives <see langword="false"/>, whatever <paramref name="oldValue"/> is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        while (true)
        {
            ReadOnly read = Volatile.Read(ref _read); // acquire
            Entry? e = read.Find(key, out int hash);
            bool swapped, pending;
            if (e is not null)
            {
                swapped = e.TryCompareAndSwap(oldValue, newValue, _valueComparer, out pending);
            }
            else if (!read.MayBeDirtyOnly(hash))
            {
                return false;
            }
            else
            {
                swapped = CompareAndSwapSlow(key, oldValue, newValue, out pending);
            }

            if (!pending)
            {
                return swapped;
            }

            WaitForPendingKey(key); // Pv: a Compute holds the present key; compare after it publishes
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool CompareAndSwapSlow(TKey key, TValue oldValue, TValue newValue, out bool pending)
    {
        pending = false;
        lock (_lock)
        {
            while (true)
            {
                int version = _version;
                ReadOnly read = _read;
                Entry? e = read.Find(key, out int hash);
                if (e is not null)
                {
                    return e.TryCompareAndSwap(oldValue, newValue, _valueComparer, out pending);
                }

                if (_version != version)
                {
                    continue; // the key comparer re-entered and changed the maps (it may have promoted the key): look again
                }

                if (_dirty is null)
                {
                    return false;
                }

                e = _dirty.Find(key, hash);
                if (_version != version)
                {
                    continue; // the key comparer re-entered and changed the maps: look again
                }

                if (e is null)
                {
                    WantMissFilterLocked(); // absent from both maps (no miss, as in Go): from the next new key on, such misses skip the lock
                    return false;
                }

                // The swap is decided on the entry alone (a Clear run by the value comparer expunges it and fails the
                // CAS). Go counts the miss after the attempt; a throwing value comparer skips it, changing nothing else,
                // and so does a value comparer that changed the maps (the miss no longer belongs to this dirty map).
                bool swapped = e.TryCompareAndSwap(oldValue, newValue, _valueComparer, out pending);
                if (_version == version)
                {
                    MissLocked();
                }

                return swapped;
            }
        }
    }

    /// <summary>
    /// Go's <c>CompareAndDelete</c>: removes <paramref name="key"/> if it is present and its value equals
    /// <paramref name="oldValue"/> (by the value comparer).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must hold.</param>
    /// <returns><see langword="true"/> if the key was deleted. An absent key gives <see langword="false"/>, whatever <paramref name="oldValue"/> is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        while (true)
        {
            ReadOnly read = Volatile.Read(ref _read); // acquire
            Entry? e = read.Find(key, out int hash);
            if (e is null && read.MayBeDirtyOnly(hash))
            {
                // Unlike LoadAndDelete, the key stays in the dirty map: the comparison has to come first.
                e = FindEntrySlow(key);
            }

            bool pending = false;
            if (e is not null && e.TryCompareAndDelete(oldValue, _valueComparer, out pending))
            {
                Interlocked.Decrement(ref _count); // V -> N by this call
                _deletedHash = e.Hash; // a rebuild hint (plain write: see the field)
                return true;
            }

            if (!pending)
            {
                return false;
            }

            WaitForPendingKey(key); // Pv: a Compute holds the present key; compare after it publishes
        }
    }

    /// <summary>The largest dirty table (in buckets) that Clear empties and keeps instead of dropping.</summary>
    private const int MaxBucketsKeptByClear = 64;

    /// <summary>Go's <c>Clear</c>: removes every key.</summary>
    /// <remarks>
    /// Publishes an empty read map and empties the dirty map, dropping it unless it is small (so a cleared map holds
    /// about what a new one does); every
    /// discarded entry is expunged, so a writer still holding one is turned back and retries on the new maps. A write
    /// racing with Clear therefore lands either before it (and is cleared) or after it; none is lost once Clear returns.
    /// O(n) under the lock. Allocates nothing, and takes no lock when the map is already empty.
    /// </remarks>
    public void Clear()
    {
        ReadOnly read = Volatile.Read(ref _read); // acquire
        if (read.Count == 0 && !read.Amended)
        {
            return;
        }

        Reservation? wait;
        while ((wait = ClearLocked()) is not null)
        {
            WaitFor(wait); // a computation in flight: Clear takes effect after it publishes (see design.md, "Computations")
        }
    }

    // Clear's locked step; returns a computation in flight instead of clearing while there is one.
    private Reservation? ClearLocked()
    {
        lock (_lock)
        {
            ReadOnly read = _read;
            if (read.Count == 0 && !read.Amended)
            {
                return null;
            }

            if (AnyReservationLocked() is { } wait)
            {
                return wait;
            }

            // Release: from here on lock-free operations see an empty map.
            Volatile.Write(ref _read, _emptyRead);

            int removed = ExpungeAllForClearLocked(read);
            if (_dirty is not null)
            {
                // Entries shared with the read map are X already; this expunges the dirty-only ones.
                removed += ExpungeAllForClearLocked(_dirty.Table);
            }

            // Go keeps the emptied dirty map, so the next new key copies nothing; we keep it only while it is small
            // (as small as a new map's first tables), and drop a larger one, whose arrays were sized for the keys just
            // cleared, so that a cleared map retains about what a new one does (TableCostTests.Clear_ReleasesTheArrays).
            if (_dirty is not null && _dirty.Table.Heads.Length <= MaxBucketsKeptByClear)
            {
                _dirty.ClearLocked();
            }
            else
            {
                Volatile.Write(ref _dirty, null); // its entries are X: a walker holding it finds nothing live
            }

            _version++;
            Interlocked.Add(ref _count, -removed); // the V -> X transitions made by this Clear
            RecordClear();
            return null;
        }
    }

    // Clear's walk over one table: every entry -> X; returns how many were V.
    private static int ExpungeAllForClearLocked(ReadOnly table)
    {
        int removed = 0;
        for (int i = 0; i < table.Used; i++)
        {
            if (table.SlotAt(i) is { } e && e.ExpungeForClearLocked())
            {
                removed++;
            }
        }

        return removed;
    }

    // ---------------------------------------------------------------------------------------------
    // Value representation.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// The slot object for a value in the reference representation (see <see cref="Slot"/>; values inline in the
    /// state word never come here): a <see cref="ValueBox{T}"/> for a value type (so it is replaced atomically
    /// and never torn), the value itself for a reference type, <see cref="Sentinels.NullValue"/> for null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static object Wrap(TValue value)
    {
        if (typeof(TValue).IsValueType)
        {
            return new ValueBox<TValue>(value);
        }

        return (object?)value ?? Sentinels.NullValue;
    }

    /// <summary>The value a live slot (neither null nor expunged) holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TValue Unwrap(object slot)
    {
        if (typeof(TValue).IsValueType)
        {
            return Unsafe.As<ValueBox<TValue>>(slot).Value;
        }

        return ReferenceEquals(slot, Sentinels.NullValue) ? default! : Unsafe.As<object, TValue>(ref slot);
    }

    /// <summary>
    /// The null-key test of every public method. Written so that a value-type key is never boxed, even in an
    /// unoptimised (Debug) build where <c>key is null</c> on a generic key boxes it; optimised code folds it away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNullKey(TKey key) => !typeof(TKey).IsValueType && key is null;

    /// <summary>
    /// The argument checks of every member that takes a key and a delegate: <see cref="ArgumentNullException"/> for a
    /// null key (parameter "key") or a null delegate (parameter <paramref name="paramName"/>), before anything changes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckKeyAndDelegate(TKey key, Delegate? d, string paramName)
    {
        if (IsNullKey(key))
        {
            ThrowHelper.ThrowKeyNull();
        }

        if (d is null)
        {
            ThrowHelper.ThrowArgumentNull(paramName);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ValueEquals(IEqualityComparer<TValue>? comparer, TValue x, TValue y) =>
        comparer is null ? EqualityComparer<TValue>.Default.Equals(x, y) : comparer.Equals(x, y);
}
