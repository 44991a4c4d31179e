// Licensed under the MIT license. See LICENSE in the repository root.

#if NET9_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

// Alternate-key lookup (.NET 9+): operations keyed by a TAlternateKey (ReadOnlySpan<char> for string keys) that the
// table comparer can hash and compare with stored keys. See design.md, "Alternate-key lookup".
public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Gets a view of this map keyed by <typeparamref name="TAlternateKey"/> (for string keys, <see cref="ReadOnlySpan{T}"/>
    /// of char with the default, ordinal or ordinal-ignore-case comparer).
    /// </summary>
    /// <typeparam name="TAlternateKey">The alternate key type.</typeparam>
    /// <returns>The view.</returns>
    /// <exception cref="InvalidOperationException">The map's comparer does not implement <see cref="IAlternateEqualityComparer{TAlternate, T}"/> for <typeparamref name="TAlternateKey"/>.</exception>
    public AlternateLookup<TAlternateKey> GetAlternateLookup<TAlternateKey>()
        where TAlternateKey : notnull, allows ref struct
    {
        if (!TryGetAlternateLookup(out AlternateLookup<TAlternateKey> lookup))
        {
            ThrowHelper.ThrowIncompatibleComparer();
        }

        return lookup;
    }

    /// <summary>Gets a view of this map keyed by <typeparamref name="TAlternateKey"/>, if the map's comparer supports it.</summary>
    /// <typeparam name="TAlternateKey">The alternate key type.</typeparam>
    /// <param name="lookup">The view, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> if the map's comparer implements <see cref="IAlternateEqualityComparer{TAlternate, T}"/> for <typeparamref name="TAlternateKey"/>.</returns>
    public bool TryGetAlternateLookup<TAlternateKey>(out AlternateLookup<TAlternateKey> lookup)
        where TAlternateKey : notnull, allows ref struct
    {
        // The table comparer: for string keys with the default or ordinal comparer, the non-randomized ordinal comparer,
        // whose alternate hash of a span equals its hash of the same string (so lookups find the stored primary hash).
        if ((_emptyRead.Comparer ?? EqualityComparer<TKey>.Default) is IAlternateEqualityComparer<TAlternateKey, TKey> comparer)
        {
            lookup = new AlternateLookup<TAlternateKey>(this, comparer);
            return true;
        }

        lookup = default;
        return false;
    }

    /// <summary>
    /// A view of a <see cref="SyncMap{TKey, TValue}"/> keyed by <typeparamref name="TAlternateKey"/>: ConcurrentDictionary's
    /// AlternateLookup members, plus GetOrAdd, LoadOrStore, Store, LoadAndDelete and LoadOrCompute. A hit allocates
    /// nothing; an operation that adds a key creates it (<see cref="IAlternateEqualityComparer{TAlternate, T}.Create"/>) once.
    /// </summary>
    /// <typeparam name="TAlternateKey">The alternate key type.</typeparam>
    public readonly struct AlternateLookup<TAlternateKey>
        where TAlternateKey : notnull, allows ref struct
    {
        private readonly IAlternateEqualityComparer<TAlternateKey, TKey> _comparer;

        internal AlternateLookup(SyncMap<TKey, TValue> map, IAlternateEqualityComparer<TAlternateKey, TKey> comparer)
        {
            Dictionary = map;
            _comparer = comparer;
        }

        /// <summary>The map this view reads and writes.</summary>
        public SyncMap<TKey, TValue> Dictionary { get; }

        /// <summary>Gets or sets the value of <paramref name="key"/>; setting is <see cref="Store"/>.</summary>
        /// <param name="key">The alternate key.</param>
        /// <returns>The value.</returns>
        /// <exception cref="KeyNotFoundException">Getting, and the key is absent.</exception>
        public TValue this[TAlternateKey key]
        {
            get
            {
                if (!TryGetValue(key, out TValue? value))
                {
                    ThrowHelper.ThrowAlternateKeyNotFound();
                }

                return value;
            }

            set => Store(key, value);
        }

        /// <summary>Whether the map holds <paramref name="key"/>.</summary>
        /// <param name="key">The alternate key.</param>
        /// <returns><see langword="true"/> if present.</returns>
        public bool ContainsKey(TAlternateKey key) => TryGetValue(key, out _);

        /// <summary>Gets the value of <paramref name="key"/>. Lock-free and allocation-free on the read map, as <see cref="Load"/>.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The value, or <see langword="default"/> when absent.</param>
        /// <returns><see langword="true"/> if present.</returns>
        public bool TryGetValue(TAlternateKey key, [MaybeNullWhen(false)] out TValue value) => TryGetValue(key, out _, out value);

        /// <summary>Gets the stored key equal to <paramref name="key"/> and its value.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="actualKey">The key as stored in the map.</param>
        /// <param name="value">The value, or <see langword="default"/> when absent.</param>
        /// <returns><see langword="true"/> if present.</returns>
        public bool TryGetValue(TAlternateKey key, [MaybeNullWhen(false)] out TKey actualKey, [MaybeNullWhen(false)] out TValue value)
        {
            Entry? e = Dictionary.FindAlternate(key, _comparer);
            if (e is not null && e.TryLoad(out value))
            {
                actualKey = e.Key;
                return true;
            }

            actualKey = default;
            value = default;
            return false;
        }

        /// <summary>Adds the key and value if the key is absent (creating the key once).</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The value.</param>
        /// <returns><see langword="true"/> if added.</returns>
        public bool TryAdd(TAlternateKey key, TValue value)
        {
            LoadOrStore(key, value, out bool loaded);
            return !loaded;
        }

        /// <summary>Go's LoadOrStore through the alternate key: the existing value, or <paramref name="value"/> stored.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The value to store if the key is absent.</param>
        /// <param name="loaded"><see langword="true"/> if the value was loaded, <see langword="false"/> if stored.</param>
        /// <returns>The value now associated with the key.</returns>
        public TValue LoadOrStore(TAlternateKey key, TValue value, out bool loaded)
        {
            Entry? e = Dictionary.FindAlternate(key, _comparer);
            if (e is not null && e.TryLoad(out TValue? existing))
            {
                loaded = true;
                return existing;
            }

            return Dictionary.LoadOrStore(e is not null ? e.Key : _comparer.Create(key), value, out loaded);
        }

        /// <summary>Gets the value of <paramref name="key"/>, adding <paramref name="value"/> if absent.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The value to add if the key is absent.</param>
        /// <returns>The value now associated with the key.</returns>
        public TValue GetOrAdd(TAlternateKey key, TValue value) => LoadOrStore(key, value, out _);

        /// <summary>Go's Store through the alternate key (the key is created only if absent).</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The value.</param>
        public void Store(TAlternateKey key, TValue value)
        {
            Entry? e = Dictionary.FindAlternate(key, _comparer);
            Dictionary.Store(e is not null ? e.Key : _comparer.Create(key), value);
        }

        /// <summary>Go's LoadAndDelete through the alternate key.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The removed value, or <see langword="default"/>.</param>
        /// <returns><see langword="true"/> if the key was present.</returns>
        public bool LoadAndDelete(TAlternateKey key, [MaybeNullWhen(false)] out TValue value) => TryRemove(key, out _, out value);

        /// <summary>Removes <paramref name="key"/> and returns its value.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="value">The removed value, or <see langword="default"/>.</param>
        /// <returns><see langword="true"/> if the key was removed.</returns>
        public bool TryRemove(TAlternateKey key, [MaybeNullWhen(false)] out TValue value) => TryRemove(key, out _, out value);

        /// <summary>Removes <paramref name="key"/> and returns the stored key and its value.</summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="actualKey">The key as it was stored.</param>
        /// <param name="value">The removed value, or <see langword="default"/>.</param>
        /// <returns><see langword="true"/> if the key was removed.</returns>
        public bool TryRemove(TAlternateKey key, [MaybeNullWhen(false)] out TKey actualKey, [MaybeNullWhen(false)] out TValue value)
        {
            Entry? e = Dictionary.FindAlternate(key, _comparer);
            if (e is not null && Dictionary.LoadAndDelete(e.Key, out value))
            {
                actualKey = e.Key;
                return true;
            }

            actualKey = default;
            value = default;
            return false;
        }

        /// <summary>
        /// LoadOrCompute through the alternate key: the value of a present key (lock-free, allocation-free), or the one
        /// <paramref name="valueFactory"/> makes, run at most once per absence of the key (the key is created once).
        /// </summary>
        /// <param name="key">The alternate key.</param>
        /// <param name="valueFactory">Makes the value from the created key.</param>
        /// <returns>The value now associated with the key.</returns>
        public TValue LoadOrCompute(TAlternateKey key, Func<TKey, TValue> valueFactory)
        {
            if (valueFactory is null)
            {
                ThrowHelper.ThrowArgumentNull(nameof(valueFactory));
            }

            Entry? e = Dictionary.FindAlternate(key, _comparer);
            if (e is not null && e.TryLoad(out TValue? existing))
            {
                return existing;
            }

            return Dictionary.LoadOrCompute(e is not null ? e.Key : _comparer.Create(key), valueFactory);
        }
    }

    /// <summary>
    /// The entry of an alternate key: in the read map (lock-free), else, when the miss filter allows it, in the read
    /// and dirty maps under the lock (counting a miss, as Load does). Null if absent from both.
    /// </summary>
    private Entry? FindAlternate<TAlternateKey>(TAlternateKey key, IAlternateEqualityComparer<TAlternateKey, TKey> comparer)
        where TAlternateKey : notnull, allows ref struct
    {
        int hash = comparer.GetHashCode(key);
        ReadOnly read = Volatile.Read(ref _read); // acquire
        Entry? e = FindAlternateInTable(read, key, hash, comparer);
        if (e is not null || !read.MayBeDirtyOnly(hash))
        {
            return e;
        }

        lock (_lock)
        {
            while (true)
            {
                // As FindEntrySlow: re-check the read map (a promotion may have happened), then the dirty map.
                int version = _version;
                read = _read;
                e = FindAlternateInTable(read, key, hash, comparer);
                if (e is not null || !read.Amended)
                {
                    return e;
                }

                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: look again
                }

                e = FindAlternateInTable(_dirty!.Table, key, hash, comparer);
                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: look again
                }

                if (e is null)
                {
                    WantMissFilterLocked(); // absent from both maps: from the next new key on, such misses skip the lock
                }

                MissLocked();
                return e;
            }
        }
    }

    /// <summary>
    /// <see cref="FindWithComparer"/> for an alternate key: the chain of its bucket (by the primary hash, or the
    /// randomized hash of the same characters once a string table switched), comparing stored hashes, then keys.
    /// </summary>
    private static Entry? FindAlternateInTable<TAlternateKey>(ReadOnly t, TAlternateKey key, int hash, IAlternateEqualityComparer<TAlternateKey, TKey> comparer)
        where TAlternateKey : notnull, allows ref struct
    {
        int bucketHash = hash;
        if (typeof(TKey) == typeof(string) && t.Randomized)
        {
            // Only tables with the non-randomized ordinal comparer switch, and its alternate key is ReadOnlySpan<char>.
            bucketHash = ((IRandomizedAlternateHash<TAlternateKey>)comparer).RandomizedHash(key);
        }

        EntryRef[] heads = t.Heads;
        EntryRef[] overflow = t.Overflow;
        int[] next = t.OverflowNext;
        int b = BucketIndex(bucketHash, t.Multiplier, heads.Length);
        Entry? e = heads[b].Value;
        if (e is null)
        {
            return null;
        }

        if (e.Hash == hash && comparer.Equals(key, e.Key))
        {
            return e;
        }

        int i = t.HeadNext[b] - 1;
        for (int steps = 0; (uint)i < (uint)overflow.Length && steps < overflow.Length; steps++)
        {
            e = overflow[i].Value;
            if (e is null)
            {
                return null; // a re-entrant comparer freed this slot; the locked caller's version check catches it
            }

            if (e.Hash == hash && comparer.Equals(key, e.Key))
            {
                return e;
            }

            i = next[i] - 1;
        }

        return null;
    }
}
#endif
