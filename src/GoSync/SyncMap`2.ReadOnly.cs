// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// Go's <c>readOnly</c>: the snapshot readers use without the lock. Immutable once published:
    /// <see cref="Map"/> was last written while it was the dirty map, before promotion, and is never
    /// written again (the entries inside it stay mutable). Any number of threads may therefore read
    /// the <see cref="Dictionary{TKey, TValue}"/> concurrently.
    /// </summary>
    private sealed class ReadOnly
    {
        /// <summary>Key to entry. Holds entries in every state; X entries only while a dirty map exists.</summary>
        internal readonly Dictionary<TKey, Entry> Map;

        /// <summary>
        /// True if the dirty map may hold keys that <see cref="Map"/> lacks. Set when the first new key
        /// arrives after a promotion; false again at the next promotion or Clear. Readers that miss in
        /// <see cref="Map"/> consult the dirty map (under the lock) only when this is true.
        /// </summary>
        internal readonly bool Amended;

        internal ReadOnly(Dictionary<TKey, Entry> map, bool amended)
        {
            Map = map;
            Amended = amended;
        }
    }

    /// <summary>
    /// Go's <c>missLocked</c>: counts one locked lookup; once the misses reach the dirty map's size,
    /// promotes the dirty map to be the read map (O(1): the object is reused, not copied).
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
        var read = new ReadOnly(_dirty, amended: false);

        // Release: the dictionary's contents (written under the lock) are visible to any reader that
        // sees this snapshot. Pairs with the Volatile.Read of _read on every lock-free path.
        Volatile.Write(ref _read, read);
        _dirty = null;
        _misses = 0;
        return read;
    }

    /// <summary>
    /// Go's <c>dirtyLocked</c>: if there is no dirty map, builds one holding every read entry that is
    /// not deleted, turning each deleted (N) entry into X so that it is dropped at the next promotion.
    /// O(n) under the lock; runs on the first new key after a promotion.
    /// </summary>
    private void DirtyLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_dirty is not null)
        {
            return;
        }

        Dictionary<TKey, Entry> readMap = _read.Map;

        // The copy constructor copies the hash table without rehashing when the comparers match,
        // so no user comparer runs here in the common case.
        var dirty = new Dictionary<TKey, Entry>(readMap, _comparer);
        try
        {
            foreach (KeyValuePair<TKey, Entry> pair in readMap)
            {
                if (pair.Value.TryExpungeLocked())
                {
                    dirty.Remove(pair.Key);
                }
            }
        }
        catch
        {
            // A throwing comparer in Remove: undo the expunges (X -> N) so the read map is as it was.
            // With no dirty map, no read entry was X before this call (the read map is a promoted
            // dirty map, which never holds X), so reverting every X is exact.
            foreach (KeyValuePair<TKey, Entry> pair in readMap)
            {
                pair.Value.UnexpungeLocked();
            }

            throw;
        }

        _dirty = dirty;
    }
}
