// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Go's <c>readOnly</c>: the snapshot readers use without the lock, and at the same time the read map's hash
    /// table header (so a lookup goes from <c>_read</c> straight to the bucket array). Immutable once published:
    /// <see cref="Buckets"/> was last written while it belonged to the dirty map, before promotion, and is never
    /// written again (the entries it points to stay mutable). An amended snapshot is a new header sharing the same
    /// array, which is safe because the array is immutable. Any number of threads may read it concurrently.
    /// </summary>
    private sealed class ReadOnly
    {
        /// <summary>The buckets (see <see cref="Bucket"/>). Hold entries in every state; X entries only while a dirty map exists.</summary>
        internal readonly Bucket[] Buckets;

        /// <summary>The home-bucket shift for <see cref="Buckets"/> (see <see cref="HomeBucket"/>).</summary>
        internal readonly int Shift;

        /// <summary>Number of keys in <see cref="Buckets"/>.</summary>
        internal readonly int Count;

        /// <summary>The comparer the stored hashes were computed with (null: the devirtualised default of a value-type key).</summary>
        internal readonly IEqualityComparer<TKey>? Comparer;

        /// <summary>
        /// True if the dirty map may hold keys that this snapshot lacks. Set when the first new key
        /// arrives after a promotion; false again at the next promotion or Clear. Readers that miss here
        /// consult the dirty map (under the lock) only when this is true.
        /// </summary>
        internal readonly bool Amended;

        /// <summary>
        /// The table's identity for diagnostics (<see cref="GetProbeState"/>): the dirty table this snapshot was
        /// published from, or the bucket array of a table that never was dirty. Shared by an amended copy. Not used by
        /// any operation.
        /// </summary>
        internal readonly object Identity;

        internal ReadOnly(Bucket[] buckets, int shift, int count, IEqualityComparer<TKey>? comparer, bool amended, object identity)
        {
            Buckets = buckets;
            Shift = shift;
            Count = count;
            Comparer = comparer;
            Amended = amended;
            Identity = identity;
        }

        /// <summary>An empty, unamended snapshot using <paramref name="comparer"/>.</summary>
        internal static ReadOnly Empty(IEqualityComparer<TKey>? comparer)
        {
            var buckets = new Bucket[MinBuckets];
            return new(buckets, ShiftFor(MinBuckets), 0, comparer, amended: false, identity: buckets);
        }

        /// <summary>The same table, marked amended (O(1): the bucket array is shared).</summary>
        internal ReadOnly AsAmended() => new(Buckets, Shift, Count, Comparer, amended: true, Identity);

        /// <summary>The entry of <paramref name="key"/>, or null. Lock-free; may throw only from the comparer.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal Entry? Find(TKey key) => FindInTable(Buckets, Shift, Comparer, key);
    }

    /// <summary>
    /// Go's <c>missLocked</c>: counts one locked lookup; once the misses reach the dirty map's size,
    /// promotes the dirty map to be the read map (O(1): its arrays are reused, not copied).
    /// </summary>
    private void MissLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_dirty is not null);
        _misses++;
        if (_misses < _dirty.Count)
        {
            return;
        }

        PromoteLocked();
    }

    /// <summary>Publishes the dirty map as the new read map (amended = false) and forgets it as dirty.</summary>
    private ReadOnly PromoteLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(_dirty is not null);
        ReadOnly read = _dirty.Publish();

        // Release: the buckets (written under the lock) are visible to any reader that sees this snapshot.
        // Pairs with the Volatile.Read of _read on every lock-free path.
        Volatile.Write(ref _read, read);
        _dirty = null;
        _misses = 0;
        return read;
    }

    /// <summary>
    /// Go's <c>dirtyLocked</c>: if there is no dirty map, builds one holding every read entry that is
    /// not deleted, turning each deleted (N) entry into X so that it is dropped at the next promotion.
    /// O(n) under the lock; runs on the first new key after a promotion. The read table is block-copied
    /// and the expunged entries are then removed from the copy by reference, so no key comparer runs here.
    /// </summary>
    private void DirtyLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_dirty is not null)
        {
            return;
        }

        ReadOnly read = _read;
        var dirty = new DirtyTable(read); // allocate (and copy) before any entry changes state
        try
        {
            foreach (ref readonly Bucket b in read.Buckets.AsSpan())
            {
                if (b.Entry is not null && b.Entry.TryExpungeLocked())
                {
                    dirty.RemoveEntry(b.Hash, b.Entry);
                }
            }
        }
        catch
        {
            // Nothing above calls user code, so only an asynchronous failure gets here; undo the expunges
            // (X -> N) so the read map is as it was. With no dirty map, no read entry was X before this call
            // (the read map is a promoted dirty map, which never holds X), so reverting every X is exact.
            foreach (ref readonly Bucket b in read.Buckets.AsSpan())
            {
                b.Entry?.UnexpungeLocked();
            }

            throw;
        }

        _dirty = dirty;
    }
}
