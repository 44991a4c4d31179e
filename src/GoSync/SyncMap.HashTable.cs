// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using GoSync.Internal;

namespace GoSync;

// The hash table behind both of Go's maps (read and dirty): separate chaining, as Dictionary and ConcurrentDictionary
// do, over three arrays: Buckets (chain heads), Entries (a dense array of the shared Entry objects, which hold the
// key and its hash) and Next (the chain links, parallel to Entries). The bucket count is a prime at least the entry
// capacity (so chains average at most one link), and a bucket is found by a fast modulo of the raw hash, which keeps
// sequential int keys in sequential buckets. A lookup walks exactly its bucket's chain: keys with other hashes cost
// it only when they share the bucket, which the prime modulus makes as rare as chance allows, and keys sharing its
// hash cost it one Equals each (design.md, "The tables").
public sealed partial class SyncMap<TKey, TValue>
{
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
    /// processes (one multiply-high: <paramref name="multiplier"/> is ceil(2^64 / count)), exact for every 32-bit hash and count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketIndex(int hash, ulong multiplier, int[] buckets)
    {
        if (Environment.Is64BitProcess)
        {
            return (int)Math.BigMul(multiplier * (uint)hash, (ulong)(uint)buckets.Length, out _);
        }

        return (int)((uint)hash % (uint)buckets.Length);
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
    /// and the history (ChainingTests.CollidersBesideGoodKeys_CostOnlyEachOther, RangeDeleteFirst_...), and at most
    /// <see cref="MaxChainBeforeRandomizing"/> for non-randomized string keys (FloodingBoundTests). May throw only from the comparer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Entry? FindInTable(ReadOnly t, TKey key, int hash)
    {
        if (typeof(TKey).IsValueType && t.Comparer is null)
        {
            // No user code runs here, and a published table is immutable: the walk sees one consistent chain.
            Entry?[] entries = t.Entries;
            int[] next = t.Next;
            int i = t.Buckets[BucketIndex(hash, t.Multiplier, t.Buckets)] - 1;
            while ((uint)i < (uint)entries.Length)
            {
                Entry e = entries[i]!;
                if (DefaultKeyMatches(e, hash, key))
                {
                    return e;
                }

                i = next[i] - 1;
            }

            return null;
        }

        return FindWithComparer(t, key, hash);
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
        Entry?[] entries = t.Entries;
        int[] next = t.Next;
        int i = t.Buckets[BucketIndex(bucketHash, t.Multiplier, t.Buckets)] - 1;
        for (int steps = 0; (uint)i < (uint)entries.Length && steps < entries.Length; steps++)
        {
            Entry? e = entries[i];
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
    /// Go's dirty map: a table written only under the map's lock and never seen by lock-free readers until
    /// <see cref="Publish"/> hands its table object (already the read snapshot to be, unamended) to the read map,
    /// after which the map drops this object. Promotion therefore allocates nothing.
    /// </summary>
    private sealed class DirtyTable
    {
        // The snapshot this table becomes at promotion; its arrays and counts are written here, under the map's lock,
        // until Publish, and never after (the Volatile.Write that publishes it orders every write before any reader's).
        private readonly ReadOnly _t;

        // Head (1-based) of the free slots of Entries, linked through Next; 0 when none. Only slots at or after
        // _baseCount are ever freed (only dirty-only keys leave a dirty table), so the copied prefix stays dense.
        private int _freeList;

        // Slots [0, _baseCount) hold the entries copied from the read map when this table was built; the slots after
        // it hold keys added since (new keys, or expunged keys re-added). The miss filter is rebuilt from the latter.
        private readonly int _baseCount;

        /// <summary>An empty table with room for <paramref name="capacity"/> keys.</summary>
        internal DirtyTable(IEqualityComparer<TKey>? comparer, int capacity)
        {
            _t = new ReadOnly(comparer, capacity, randomized: false, identity: this);
        }

        /// <summary>
        /// Go's dirtyLocked copy: a table holding every entry of <paramref name="read"/> that is not deleted, each
        /// deleted (N) one being expunged (N -> X) instead; sized for <paramref name="capacity"/> keys (grown if more
        /// survive). O(n) in the read table's slots, no comparer (hashes come from the entries), no allocation but the
        /// three arrays; the copy is dense, in the read table's order (RebuildTests).
        /// </summary>
        internal DirtyTable(ReadOnly read, int capacity)
        {
            _t = new ReadOnly(read.Comparer, capacity, read.Randomized, identity: this);
            Entry?[] entries = read.Entries;
            for (int i = 0; i < read.Used; i++)
            {
                Entry? e = entries[i];
                if (e is not null && !e.TryExpungeLocked())
                {
                    Insert(e, checkChain: false);
                }
            }

            _baseCount = _t.Used;
            CheckLongestChain();
        }

        /// <summary>The table (for walks over every key and for diagnostics).</summary>
        internal ReadOnly Table => _t;

        /// <summary>Number of keys.</summary>
        internal int Count => _t.Count;

        /// <summary>The slots holding keys added since the table was built: [<see cref="BaseCount"/>, Used).</summary>
        internal int BaseCount => _baseCount;

        /// <summary>The entry of <paramref name="key"/> (primary hash <paramref name="hash"/>), or null. May throw only from the comparer.</summary>
        internal Entry? Find(TKey key, int hash) => FindInTable(_t, key, hash);

        /// <summary>
        /// Adds an entry whose key is absent. Calls no user code (the hash is the entry's, or the randomized string hash).
        /// O(1) amortized: a free slot, or the next slot, growing the arrays by half when full (one block copy and one
        /// relink, never a comparer); for non-randomized strings it also counts the chain it extends (O(chain) &lt;= 100).
        /// </summary>
        internal void Insert(Entry e, bool checkChain = true)
        {
            ReadOnly t = _t;
            int i;
            if (_freeList != 0)
            {
                i = _freeList - 1;
                _freeList = t.Next[i];
            }
            else
            {
                if (t.Used == t.Entries.Length)
                {
                    Grow();
                }

                i = t.Used++;
            }

            t.Entries[i] = e;
            ref int head = ref t.Buckets[BucketIndex(BucketHash(e), t.Multiplier, t.Buckets)];
            t.Next[i] = head;
            head = i + 1;
            t.Count++;
            if (checkChain && IsFloodable && ChainLength(head) > MaxChainBeforeRandomizing)
            {
                Randomize();
            }
        }

        /// <summary>Removes exactly <paramref name="e"/> (found by reference in its chain: no comparer). O(chain).</summary>
        internal void RemoveEntry(Entry e)
        {
            ReadOnly t = _t;
            ref int link = ref t.Buckets[BucketIndex(BucketHash(e), t.Multiplier, t.Buckets)];
            while (link != 0)
            {
                int i = link - 1;
                if (ReferenceEquals(t.Entries[i], e))
                {
                    Debug.Assert(i >= _baseCount, "only keys added since the rebuild leave a dirty table");
                    link = t.Next[i];
                    t.Entries[i] = null; // the key and entry are no longer referenced (Go's issue 40999)
                    t.Next[i] = _freeList;
                    _freeList = i + 1;
                    t.Count--;
                    return;
                }

                link = ref t.Next[i];
            }

            Debug.Fail("the entry must be in the table");
        }

        /// <summary>The read snapshot that takes over this table (O(1), no allocation); the caller must drop this object at once.</summary>
        internal ReadOnly Publish() => _t;

        // Whether chains of this table must be bounded: string keys under the non-randomized comparer.
        private bool IsFloodable => typeof(TKey) == typeof(string) && !_t.Randomized && _t.Comparer is NonRandomizedOrdinalComparer;

        private int BucketHash(Entry e) => typeof(TKey) == typeof(string) && _t.Randomized ? RandomizedHash(e.Key) : e.Hash;

        private int ChainLength(int head)
        {
            int length = 0;
            for (int i = head; i != 0; i = _t.Next[i - 1])
            {
                length++;
            }

            return length;
        }

        // After a relink (growth or rebuild) of a floodable table: O(n) over the links, switching if a chain is too long.
        private void CheckLongestChain()
        {
            if (!IsFloodable)
            {
                return;
            }

            foreach (int head in _t.Buckets)
            {
                if (ChainLength(head) > MaxChainBeforeRandomizing)
                {
                    Randomize();
                    return;
                }
            }
        }

        // Grows the arrays by half (amortized O(1) per insert; entries keep their slots, so nothing is copied twice
        // but the arrays themselves) and relinks every chain from the stored hashes.
        private void Grow()
        {
            ReadOnly t = _t;
            Debug.Assert(_freeList == 0, "a table grows only when every slot is used");
            int capacity = (int)Math.Min(Array.MaxLength, (long)t.Entries.Length + Math.Max(t.Entries.Length >> 1, MinCapacity));
            Array.Resize(ref t.Entries, capacity);
            Array.Resize(ref t.Next, capacity);
            t.SetBuckets(capacity);
            Relink();
            CheckLongestChain();
        }

        // A crafted flood: bucket every key by the randomized string hash from now on (string hashing cannot throw).
        private void Randomize()
        {
            _t.Randomized = true;
            Array.Clear(_t.Buckets);
            Relink();
        }

        // Rebuilds every chain (O(n), no comparer but the randomized string hash when switched). Free slots stay free.
        private void Relink()
        {
            ReadOnly t = _t;
            for (int i = 0; i < t.Used; i++)
            {
                Entry? e = t.Entries[i];
                if (e is not null)
                {
                    ref int head = ref t.Buckets[BucketIndex(BucketHash(e), t.Multiplier, t.Buckets)];
                    t.Next[i] = head;
                    head = i + 1;
                }
            }
        }
    }
}
