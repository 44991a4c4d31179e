// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using GoSync.Internal;

namespace GoSync;

// The hash table behind both of Go's maps (read and dirty): open addressing with linear probing over an array of
// buckets whose length is a power of two, at most half full. A bucket holds the key, its stored hash and the Entry
// inline, so a lookup in the read map is _read -> bucket array -> bucket -> Entry, with no other object in between.
// The stored hashes let the table grow and the dirty map be rebuilt without calling the key comparer.
public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>Smallest bucket array (a power of two, at least 2 so that the shift below stays under 32).</summary>
    private const int MinBuckets = 4;

    /// <summary>
    /// An insert whose probe sequence passes this many occupied buckets, in a table hashing strings with the
    /// non-randomized comparer, switches that table to the randomized comparer (hash-flooding defence, as
    /// Dictionary and ConcurrentDictionary do).
    /// </summary>
    private const int MaxProbesBeforeRandomizing = 100;

    /// <summary>
    /// A bucket of the table: empty when <see cref="Entry"/> is null. Written only while its array belongs to a dirty
    /// table (under the map's lock); read without the lock once the array is published in a read snapshot, after which
    /// it is never written again (the Volatile.Write that published the snapshot orders those writes before any read).
    /// </summary>
    private struct Bucket
    {
        /// <summary>The key's hash code, as the table's comparer gives it.</summary>
        internal int Hash;

        internal TKey Key;

        internal Entry? Entry;
    }

    /// <summary>The bucket where a probe for <paramref name="hash"/> starts (Fibonacci hashing: spreads sequential and strided hashes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HomeBucket(int hash, int shift) => (int)(((uint)hash * 0x9E3779B9u) >> shift);

    /// <summary>The shift for a bucket array of <paramref name="length"/> (a power of two, at least 2).</summary>
    private static int ShiftFor(int length) => 32 - BitOperations.Log2((uint)length);

    /// <summary>The key's hash: the devirtualised default comparer for a value-type key without a custom comparer, else <paramref name="comparer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HashOf(IEqualityComparer<TKey>? comparer, TKey key) =>
        typeof(TKey).IsValueType && comparer is null
            ? EqualityComparer<TKey>.Default.GetHashCode(key)
            : comparer!.GetHashCode(key);

    /// <summary>
    /// Whether a bucket holds <paramref name="key"/> (with hash <paramref name="hash"/>) under the default comparer
    /// of a value-type key. For primitive keys the key comparison alone decides (equal keys have equal hashes), which
    /// saves a compare and a branch per probe; for other structs the stored hash filters before Equals runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DefaultKeyMatches(ref Bucket b, int hash, TKey key)
    {
        if (typeof(TKey) == typeof(int) || typeof(TKey) == typeof(uint) || typeof(TKey) == typeof(long) ||
            typeof(TKey) == typeof(ulong) || typeof(TKey) == typeof(short) || typeof(TKey) == typeof(ushort) ||
            typeof(TKey) == typeof(byte) || typeof(TKey) == typeof(sbyte) || typeof(TKey) == typeof(char) ||
            typeof(TKey) == typeof(nint) || typeof(TKey) == typeof(nuint))
        {
            return EqualityComparer<TKey>.Default.Equals(b.Key, key);
        }

        return b.Hash == hash && EqualityComparer<TKey>.Default.Equals(b.Key, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeyEquals(IEqualityComparer<TKey>? comparer, TKey stored, TKey key) =>
        typeof(TKey).IsValueType && comparer is null
            ? EqualityComparer<TKey>.Default.Equals(stored, key)
            : comparer!.Equals(stored, key);

    /// <summary>
    /// The comparer a new table uses for <paramref name="userComparer"/> (null meaning the default):
    /// null for a value-type key with the default comparer (devirtualised); for string keys with the default or
    /// the ordinal comparer, the fast non-randomized ordinal comparer (switched to the randomized one when probes
    /// grow long); otherwise the user's comparer or the default one.
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

    /// <summary>Finds the entry of <paramref name="key"/> in a table; null if absent. May throw only from the comparer.</summary>
    /// <remarks>
    /// For a value-type key with the default comparer the loop below is all the JIT emits (no call, so no spills);
    /// every other case goes through <see cref="FindWithComparer"/>, as Dictionary's own split does.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Entry? FindInTable(Bucket[] buckets, int shift, IEqualityComparer<TKey>? comparer, TKey key)
    {
        if (typeof(TKey).IsValueType && comparer is null)
        {
            int hash = EqualityComparer<TKey>.Default.GetHashCode(key);
            int i = HomeBucket(hash, shift);
            while (true)
            {
                ref Bucket b = ref buckets[i];
                Entry? e = b.Entry;
                if (e is null || DefaultKeyMatches(ref b, hash, key))
                {
                    return e;
                }

                i = (i + 1) & (buckets.Length - 1);
            }
        }

        return FindWithComparer(buckets, shift, comparer, key);
    }

    /// <summary><see cref="FindInTable"/> through a comparer object (reference-type keys, or a custom comparer).</summary>
    private static Entry? FindWithComparer(Bucket[] buckets, int shift, IEqualityComparer<TKey>? comparer, TKey key)
    {
        int hash = HashOf(comparer, key);
        int mask = buckets.Length - 1;
        int i = HomeBucket(hash, shift);
        while (true)
        {
            ref Bucket b = ref buckets[i];
            Entry? e = b.Entry;
            if (e is null || (b.Hash == hash && KeyEquals(comparer, b.Key, key)))
            {
                return e;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Places a key known to be absent into the first empty bucket of its probe sequence; returns the number of occupied buckets passed.</summary>
    private static int PlaceNew(Bucket[] buckets, int shift, int hash, TKey key, Entry entry)
    {
        int mask = buckets.Length - 1;
        int i = HomeBucket(hash, shift);
        int probes = 0;
        while (buckets[i].Entry is not null)
        {
            i = (i + 1) & mask;
            probes++;
        }

        ref Bucket b = ref buckets[i];
        b.Hash = hash;
        b.Key = key;
        b.Entry = entry;
        return probes;
    }

    /// <summary>A bucket array with room for <paramref name="count"/> keys at most half full.</summary>
    private static Bucket[] NewBuckets(int count)
    {
        int length = count <= MinBuckets / 2 ? MinBuckets : (int)BitOperations.RoundUpToPowerOf2((uint)count * 2);
        return new Bucket[length];
    }

    /// <summary>
    /// Go's dirty map: a table written only under the map's lock and never seen by lock-free readers until
    /// <see cref="Publish"/> hands its arrays to a read snapshot, after which the map drops this object.
    /// </summary>
    private sealed class DirtyTable
    {
        // All fields: read and written only under the map's lock.
        private Bucket[] _buckets;
        private int _shift;
        private int _count;

        // Fixed at creation (a rebuilt dirty map takes the read map's), except that a string table may switch once
        // from the non-randomized to the randomized comparer (see MaxProbesBeforeRandomizing).
        private IEqualityComparer<TKey>? _comparer;

        internal DirtyTable(int capacity, IEqualityComparer<TKey>? comparer)
        {
            _buckets = NewBuckets(capacity);
            _shift = ShiftFor(_buckets.Length);
            _comparer = comparer;
        }

        /// <summary>
        /// A dirty table starting as an exact copy of a read snapshot's table: the bucket array is cloned (a block
        /// copy: no hashing, no probing, no comparer), with the same comparer, so stored hashes stay valid.
        /// </summary>
        internal DirtyTable(ReadOnly read)
        {
            _buckets = (Bucket[])read.Buckets.Clone();
            _shift = read.Shift;
            _count = read.Count;
            _comparer = read.Comparer;
        }

        /// <summary>Number of keys.</summary>
        internal int Count => _count;

        /// <summary>
        /// Removes the bucket holding exactly <paramref name="entry"/> (found from its stored <paramref name="hash"/>
        /// by reference comparison, so no comparer runs). The entry must be in the table.
        /// </summary>
        internal void RemoveEntry(int hash, Entry entry)
        {
            int mask = _buckets.Length - 1;
            int i = HomeBucket(hash, _shift);
            while (!ReferenceEquals(_buckets[i].Entry, entry))
            {
                Debug.Assert(_buckets[i].Entry is not null, "the entry must be in the table");
                i = (i + 1) & mask;
            }

            RemoveAt(i);
        }

        /// <summary>The buckets, for walks over every key (empty buckets have a null entry).</summary>
        internal Bucket[] Buckets => _buckets;

        /// <summary>The home-bucket shift of <see cref="Buckets"/>.</summary>
        internal int Shift => _shift;

        /// <summary>The comparer of the stored hashes.</summary>
        internal IEqualityComparer<TKey>? Comparer => _comparer;

        /// <summary>The entry of <paramref name="key"/>, or null. May throw only from the comparer.</summary>
        internal Entry? Find(TKey key) => FindInTable(_buckets, _shift, _comparer, key);

        /// <summary>
        /// Adds a key that is absent, or replaces the entry of a present one. The comparer runs before anything
        /// changes, so a throwing comparer leaves the table as it was.
        /// </summary>
        internal void Set(TKey key, Entry entry)
        {
            int hash = HashOf(_comparer, key);
            int mask = _buckets.Length - 1;
            int i = HomeBucket(hash, _shift);
            while (true)
            {
                ref Bucket b = ref _buckets[i];
                if (b.Entry is null)
                {
                    break;
                }

                if (b.Hash == hash && KeyEquals(_comparer, b.Key, key))
                {
                    b.Entry = entry;
                    return;
                }

                i = (i + 1) & mask;
            }

            AddHashed(hash, key, entry);
        }

        /// <summary>Adds a key known to be absent, with its hash under this table's comparer. Calls no comparer except when switching to the randomized string comparer.</summary>
        internal void AddHashed(int hash, TKey key, Entry entry)
        {
            if ((_count + 1) * 2 > _buckets.Length)
            {
                Resize(_buckets.Length * 2, _comparer); // same comparer: stored hashes (and this one) stay valid
            }

            int probes = PlaceNew(_buckets, _shift, hash, key, entry);
            _count++;
            if (probes > MaxProbesBeforeRandomizing && _comparer is NonRandomizedOrdinalComparer)
            {
                // A probe sequence this long with a good hash means crafted collisions: rehash every key with the
                // randomized string comparer (string hashing cannot throw).
                Resize(_buckets.Length, (IEqualityComparer<TKey>)(object)EqualityComparer<string>.Default);
            }
        }

        /// <summary>Removes <paramref name="key"/> and returns its entry (null if absent). May throw only from the comparer, before any change.</summary>
        internal Entry? Remove(TKey key)
        {
            int hash = HashOf(_comparer, key);
            int mask = _buckets.Length - 1;
            int i = HomeBucket(hash, _shift);
            while (true)
            {
                ref Bucket b = ref _buckets[i];
                Entry? e = b.Entry;
                if (e is null)
                {
                    return null;
                }

                if (b.Hash == hash && KeyEquals(_comparer, b.Key, key))
                {
                    RemoveAt(i);
                    return e;
                }

                i = (i + 1) & mask;
            }
        }

        /// <summary>
        /// Empties bucket <paramref name="hole"/> by backward-shift deletion: later buckets of the same cluster
        /// whose home is not cyclically in (hole, j] move back, so every key stays reachable from its home
        /// bucket without tombstones. The removed key and entry are no longer referenced (Go's issue 40999).
        /// </summary>
        private void RemoveAt(int hole)
        {
            Bucket[] buckets = _buckets;
            int mask = buckets.Length - 1;
            int j = hole;
            while (true)
            {
                j = (j + 1) & mask;
                if (buckets[j].Entry is null)
                {
                    break;
                }

                int home = HomeBucket(buckets[j].Hash, _shift);
                bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
                if (!stays)
                {
                    buckets[hole] = buckets[j];
                    hole = j;
                }
            }

            buckets[hole] = default;
            _count--;
        }

        /// <summary>Removes every key, keeping the bucket array (Go keeps the emptied dirty map).</summary>
        internal void Clear()
        {
            System.Array.Clear(_buckets);
            _count = 0;
        }

        /// <summary>The read snapshot that takes over this table's arrays (O(1)); the caller must drop this object at once.</summary>
        internal ReadOnly Publish() => new(_buckets, _shift, _count, _comparer, amended: false, identity: this);

        // Moves every key into a new bucket array of the given length, rehashing only when the comparer changes.
        private void Resize(int length, IEqualityComparer<TKey>? comparer)
        {
            Debug.Assert(length >= MinBuckets && BitOperations.IsPow2(length) && _count * 2 <= length);
            bool rehash = !ReferenceEquals(comparer, _comparer);
            var buckets = new Bucket[length];
            int shift = ShiftFor(length);
            foreach (ref readonly Bucket b in _buckets.AsSpan())
            {
                if (b.Entry is not null)
                {
                    PlaceNew(buckets, shift, rehash ? HashOf(comparer, b.Key) : b.Hash, b.Key, b.Entry);
                }
            }

            _buckets = buckets;
            _shift = shift;
            _comparer = comparer;
        }
    }
}
