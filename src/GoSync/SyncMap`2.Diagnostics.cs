// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.Generic;
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
            foreach (KeyValuePair<TKey, Entry> pair in read.Map)
            {
                if (pair.Value.IsExpungedLocked)
                {
                    expunged++;
                }
            }

            return new InternalState(read.Map.Count, read.Amended, _dirty?.Count, _misses, expunged);
        }
    }

    /// <summary>A view of the machinery for tests: read map size, amended flag, dirty map size (null when none), misses, expunged read entries.</summary>
    internal readonly record struct InternalState(int ReadCount, bool Amended, int? DirtyCount, int Misses, int ExpungedInRead);

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
            if (read is null || read.Map is null)
            {
                ThrowHelper.ThrowInvariant("the read snapshot is null.");
            }

            if (_emptyRead.Map.Count != 0 || _emptyRead.Amended)
            {
                ThrowHelper.ThrowInvariant("the shared empty snapshot was written.");
            }

            var live = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
            foreach (KeyValuePair<TKey, Entry> pair in read.Map)
            {
                object? slot = pair.Value.LoadSlot();
                bool expunged = ReferenceEquals(slot, Sentinels.Expunged);
                if (slot is not null && !expunged)
                {
                    live.Add(pair.Value);
                }

                if (_dirty is null)
                {
                    // Invariant 3: X exists only while a dirty map exists.
                    if (expunged)
                    {
                        ThrowHelper.ThrowInvariant($"read entry for key '{pair.Key}' is expunged but there is no dirty map.");
                    }

                    continue;
                }

                bool inDirty = _dirty.TryGetValue(pair.Key, out Entry? dirtyEntry);
                if (expunged && inDirty)
                {
                    ThrowHelper.ThrowInvariant($"expunged entry for key '{pair.Key}' is in the dirty map.");
                }

                // Invariant 2: every non-expunged read entry is in the dirty map, as the same object.
                if (!expunged && (!inDirty || !ReferenceEquals(dirtyEntry, pair.Value)))
                {
                    ThrowHelper.ThrowInvariant($"read entry for key '{pair.Key}' is not the dirty map's entry for it.");
                }
            }

            if (_dirty is null)
            {
                // Invariant 1: no dirty map means nothing pending.
                if (read.Amended)
                {
                    ThrowHelper.ThrowInvariant("the read map is amended but there is no dirty map.");
                }

                if (_misses != 0)
                {
                    ThrowHelper.ThrowInvariant($"misses is {_misses} with no dirty map.");
                }
            }
            else
            {
                foreach (KeyValuePair<TKey, Entry> pair in _dirty)
                {
                    object? slot = pair.Value.LoadSlot();
                    if (ReferenceEquals(slot, Sentinels.Expunged))
                    {
                        ThrowHelper.ThrowInvariant($"dirty entry for key '{pair.Key}' is expunged.");
                    }

                    if (slot is not null)
                    {
                        live.Add(pair.Value);
                    }

                    if (!read.Map.ContainsKey(pair.Key) && !read.Amended)
                    {
                        ThrowHelper.ThrowInvariant($"dirty map holds new key '{pair.Key}' but the read map is not amended.");
                    }
                }

                if (_misses < 0 || (_misses != 0 && _misses >= _dirty.Count))
                {
                    ThrowHelper.ThrowInvariant($"misses is {_misses} with {_dirty.Count} dirty entries (promotion was due).");
                }
            }

            if (_count != live.Count)
            {
                ThrowHelper.ThrowInvariant($"the live count is {_count} but {live.Count} entries are live.");
            }
        }
    }
}
