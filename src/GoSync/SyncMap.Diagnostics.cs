// Licensed under the MIT license. See LICENSE in the repository root.

using System;
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
            foreach (ref readonly Bucket b in read.Buckets.AsSpan())
            {
                if (b.Entry is not null && b.Entry.IsExpungedLocked)
                {
                    expunged++;
                }
            }

            return new InternalState(read.Count, read.Amended, _dirty?.Count, _misses, expunged);
        }
    }

    /// <summary>A view of the machinery for tests: read map size, amended flag, dirty map size (null when none), misses, expunged read entries.</summary>
    internal readonly record struct InternalState(int ReadCount, bool Amended, int? DirtyCount, int Misses, int ExpungedInRead);

    /// <summary>
    /// A deeper view for tests that must see promotions, rebuilds and the hash tables themselves without reflecting on
    /// private fields: the identity of each table (the dirty table object, which each rebuild replaces and which stays
    /// the identity of the read map it is promoted to; amending keeps it), every read entry with whether it is expunged, and
    /// the stored hash codes of each table (keys sharing one hash code cost m(m+1)/2 Equals calls to find once each).
    /// Takes the lock.
    /// </summary>
    internal ProbeState GetProbeState()
    {
        lock (_lock)
        {
            ReadOnly read = _read;
            var entries = new List<(object Entry, bool Expunged)>(read.Count);
            var readHashes = new List<int>(read.Count);
            foreach (ref readonly Bucket b in read.Buckets.AsSpan())
            {
                if (b.Entry is not null)
                {
                    entries.Add((b.Entry, b.Entry.IsExpungedLocked));
                    readHashes.Add(b.Hash);
                }
            }

            List<int>? dirtyHashes = null;
            if (_dirty is not null)
            {
                dirtyHashes = new List<int>(_dirty.Count);
                foreach (ref readonly Bucket b in _dirty.Buckets.AsSpan())
                {
                    if (b.Entry is not null)
                    {
                        dirtyHashes.Add(b.Hash);
                    }
                }
            }

            return new ProbeState(read.Identity, _dirty, _emptyRead.Identity, entries.ToArray(), readHashes.ToArray(), dirtyHashes?.ToArray());
        }
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
        int[]? DirtyHashes);

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
            if (read is null || read.Buckets is null)
            {
                ThrowHelper.ThrowInvariant("the read snapshot is null.");
            }

            if (_emptyRead.Count != 0 || _emptyRead.Amended || System.Array.Exists(_emptyRead.Buckets, static b => b.Entry is not null))
            {
                ThrowHelper.ThrowInvariant("the shared empty snapshot was written.");
            }

            CheckTableLocked("read", read.Buckets, read.Shift, read.Count, read.Comparer);
            if (_dirty is not null)
            {
                if (ReferenceEquals(_dirty.Buckets, read.Buckets))
                {
                    ThrowHelper.ThrowInvariant("the dirty map shares the read map's buckets.");
                }

                CheckTableLocked("dirty", _dirty.Buckets, _dirty.Shift, _dirty.Count, _dirty.Comparer);
            }

            var live = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
            foreach (ref readonly Bucket b in read.Buckets.AsSpan())
            {
                if (b.Entry is null)
                {
                    continue;
                }

                Slot slot = b.Entry.LoadSlot();
                bool expunged = slot.IsExpunged;
                if (slot.IsLive)
                {
                    live.Add(b.Entry);
                }

                if (_dirty is null)
                {
                    // Invariant 3: X exists only while a dirty map exists.
                    if (expunged)
                    {
                        ThrowHelper.ThrowInvariant($"read entry for key '{b.Key}' is expunged but there is no dirty map.");
                    }

                    continue;
                }

                Entry? dirtyEntry = _dirty.Find(b.Key);
                if (expunged && dirtyEntry is not null)
                {
                    ThrowHelper.ThrowInvariant($"expunged entry for key '{b.Key}' is in the dirty map.");
                }

                // Invariant 2: every non-expunged read entry is in the dirty map, as the same object.
                if (!expunged && !ReferenceEquals(dirtyEntry, b.Entry))
                {
                    ThrowHelper.ThrowInvariant($"read entry for key '{b.Key}' is not the dirty map's entry for it.");
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
                foreach (ref readonly Bucket b in _dirty.Buckets.AsSpan())
                {
                    if (b.Entry is null)
                    {
                        continue;
                    }

                    Slot slot = b.Entry.LoadSlot();
                    if (slot.IsExpunged)
                    {
                        ThrowHelper.ThrowInvariant($"dirty entry for key '{b.Key}' is expunged.");
                    }

                    if (slot.IsLive)
                    {
                        live.Add(b.Entry);
                    }

                    if (!read.Amended && read.Find(b.Key) is null)
                    {
                        ThrowHelper.ThrowInvariant($"dirty map holds new key '{b.Key}' but the read map is not amended.");
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

    /// <summary>
    /// The hash table's own invariants: a power-of-two bucket array at most half full, the count right, every
    /// stored hash what the table's comparer gives, and every key reachable from its home bucket (no empty bucket
    /// between them) and found there by a lookup (so no key is in the table twice).
    /// </summary>
    private static void CheckTableLocked(string name, Bucket[] buckets, int shift, int count, IEqualityComparer<TKey>? comparer)
    {
        if (buckets.Length < MinBuckets || !System.Numerics.BitOperations.IsPow2(buckets.Length) || shift != ShiftFor(buckets.Length))
        {
            ThrowHelper.ThrowInvariant($"the {name} map has {buckets.Length} buckets with shift {shift}.");
        }

        int occupied = 0;
        int mask = buckets.Length - 1;
        for (int i = 0; i < buckets.Length; i++)
        {
            Bucket b = buckets[i];
            if (b.Entry is null)
            {
                continue;
            }

            occupied++;
            if (b.Hash != HashOf(comparer, b.Key))
            {
                ThrowHelper.ThrowInvariant($"the {name} map stores a stale hash for key '{b.Key}'.");
            }

            for (int j = HomeBucket(b.Hash, shift); j != i; j = (j + 1) & mask)
            {
                if (buckets[j].Entry is null)
                {
                    ThrowHelper.ThrowInvariant($"key '{b.Key}' of the {name} map is cut off from its home bucket.");
                }
            }

            if (!ReferenceEquals(FindInTable(buckets, shift, comparer, b.Key), b.Entry))
            {
                ThrowHelper.ThrowInvariant($"key '{b.Key}' is in the {name} map twice.");
            }
        }

        if (occupied != count || count * 2 > buckets.Length)
        {
            ThrowHelper.ThrowInvariant($"the {name} map counts {count} keys in {buckets.Length} buckets but holds {occupied}.");
        }
    }
}
