// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

public sealed partial class SyncMap<TKey, TValue>
{
    /// <summary>
    /// One key's value cell, shared by the read map and the dirty map (same object in both), so a
    /// value change made through either map is seen through both.
    /// </summary>
    /// <remarks>
    /// States of <see cref="_slot"/> (Go's <c>entry.p</c>):
    /// <list type="bullet">
    /// <item><b>V (live)</b>: a value object (see <see cref="Wrap"/>). The key is in the read map, or the
    /// dirty map, or both. Goes to V (value replaced, lock-free CAS or locked exchange), to N (delete,
    /// lock-free CAS), or to X only through <see cref="ExpungeForClearLocked"/> when Clear discards the entry.</item>
    /// <item><b>N (deleted)</b>: <see langword="null"/>. The key is still in the read map, and in the dirty map
    /// if one exists. Goes to V (lock-free CAS: LoadOrStore, Swap/Store) or to X (under the lock, while the
    /// dirty map is rebuilt, or when Clear discards the entry).</item>
    /// <item><b>X (expunged)</b>: <see cref="Sentinels.Expunged"/>. The key is in the read map only and a dirty
    /// map exists that lacks it, or the entry was discarded by Clear and is in neither map. Every lock-free
    /// path refuses X; only <see cref="UnexpungeLocked"/> (under the lock, right after re-adding the entry
    /// to the dirty map) leaves it, to N.</item>
    /// </list>
    /// An entry that is X in the read map disappears at the next promotion (the dirty map lacks it).
    /// Readers treat N and X as "absent".
    /// </remarks>
    private sealed class Entry
    {
        // Read with Volatile.Read (acquire: the value object's fields, written before it was published,
        // are visible); changed only by Interlocked.CompareExchange/Exchange (full fences), so every
        // transition is atomic and happens at one instant. See the state list above for who may
        // perform which transition.
        private object? _slot;

        internal Entry(object slot) => _slot = slot;

        /// <summary>The current slot (a value object, null for N, or the expunged sentinel).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal object? LoadSlot() => Volatile.Read(ref _slot); // acquire; pairs with the CAS that published the value

        /// <summary>Go's <c>entry.load</c>: the live value, or false for N and X.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool TryLoad([MaybeNullWhen(false)] out TValue value)
        {
            object? p = Volatile.Read(ref _slot); // acquire; pairs with the CAS that published p
            if (p is null || ReferenceEquals(p, Sentinels.Expunged))
            {
                value = default;
                return false;
            }

            value = Unwrap(p);
            return true;
        }

        /// <summary>
        /// Go's <c>trySwap</c>: replaces the slot unless the entry is X. Returns false for X (the caller
        /// must take the locked path); otherwise <paramref name="previous"/> is the old slot (null for N).
        /// </summary>
        internal bool TrySwap(object newSlot, out object? previous)
        {
            object? p = Volatile.Read(ref _slot);
            while (!ReferenceEquals(p, Sentinels.Expunged))
            {
                // Full fence; publishes newSlot. Fails only if another writer changed the slot since our read: retry.
                object? witnessed = Interlocked.CompareExchange(ref _slot, newSlot, p);
                if (ReferenceEquals(witnessed, p))
                {
                    previous = p;
                    return true;
                }

                p = witnessed;
            }

            previous = null;
            return false;
        }

        /// <summary>Go's <c>swapLocked</c>: unconditional exchange; the entry is known not to be X.</summary>
        internal object? SwapLocked(object newSlot)
        {
            // X is left only under the lock, and the caller holds it having seen N or V.
            Debug.Assert(!ReferenceEquals(Volatile.Read(ref _slot), Sentinels.Expunged));
            return Interlocked.Exchange(ref _slot, newSlot); // full fence; publishes newSlot, returns the old slot atomically
        }

        /// <summary>
        /// Go's <c>tryLoadOrStore</c>: returns the live value, or stores <paramref name="value"/> into an N slot.
        /// Returns false (nothing done) if the entry is X. The value is wrapped only when it is stored.
        /// </summary>
        internal bool TryLoadOrStore(TValue value, out TValue actual, out bool loaded)
        {
            object? p = Volatile.Read(ref _slot); // acquire
            if (ReferenceEquals(p, Sentinels.Expunged))
            {
                actual = default!;
                loaded = false;
                return false;
            }

            if (p is not null)
            {
                actual = Unwrap(p);
                loaded = true;
                return true;
            }

            object newSlot = Wrap(value);
            while (true)
            {
                // N -> V. Full fence; publishes newSlot. Fails only if a racing writer changed N first.
                p = Interlocked.CompareExchange(ref _slot, newSlot, null);
                if (p is null)
                {
                    actual = value;
                    loaded = false;
                    return true;
                }

                if (ReferenceEquals(p, Sentinels.Expunged))
                {
                    actual = default!;
                    loaded = false;
                    return false;
                }

                if (p is not null)
                {
                    actual = Unwrap(p);
                    loaded = true;
                    return true;
                }
            }
        }

        /// <summary>Go's <c>entry.delete</c>: V -> N. Returns the deleted value, or false for N and X.</summary>
        internal bool Delete([MaybeNullWhen(false)] out TValue value)
        {
            object? p = Volatile.Read(ref _slot);
            while (p is not null && !ReferenceEquals(p, Sentinels.Expunged))
            {
                // V -> N. Full fence. Fails only if another writer changed the slot since our read: retry.
                object? witnessed = Interlocked.CompareExchange(ref _slot, null, p);
                if (ReferenceEquals(witnessed, p))
                {
                    value = Unwrap(p);
                    return true;
                }

                p = witnessed;
            }

            value = default;
            return false;
        }

        /// <summary>
        /// Go's <c>tryCompareAndSwap</c>: V(old) -> V(new) when the current value equals
        /// <paramref name="oldValue"/>; false for N, X or a different value. The new value is wrapped
        /// only after the first comparison succeeded.
        /// </summary>
        internal bool TryCompareAndSwap(TValue oldValue, TValue newValue, IEqualityComparer<TValue>? comparer)
        {
            object? p = Volatile.Read(ref _slot); // acquire
            if (p is null || ReferenceEquals(p, Sentinels.Expunged) || !ValueEquals(comparer, Unwrap(p), oldValue))
            {
                return false;
            }

            object newSlot = Wrap(newValue);
            while (true)
            {
                // Full fence; publishes newSlot. Fails only if the slot changed since we compared it: re-compare.
                object? witnessed = Interlocked.CompareExchange(ref _slot, newSlot, p);
                if (ReferenceEquals(witnessed, p))
                {
                    return true;
                }

                p = witnessed;
                if (p is null || ReferenceEquals(p, Sentinels.Expunged) || !ValueEquals(comparer, Unwrap(p), oldValue))
                {
                    return false;
                }
            }
        }

        /// <summary>CompareAndDelete's loop: V(old) -> N when the value equals <paramref name="oldValue"/>.</summary>
        internal bool TryCompareAndDelete(TValue oldValue, IEqualityComparer<TValue>? comparer)
        {
            object? p = Volatile.Read(ref _slot); // acquire
            while (p is not null && !ReferenceEquals(p, Sentinels.Expunged) && ValueEquals(comparer, Unwrap(p), oldValue))
            {
                // V -> N. Full fence. Fails only if the slot changed since we compared it: re-compare.
                object? witnessed = Interlocked.CompareExchange(ref _slot, null, p);
                if (ReferenceEquals(witnessed, p))
                {
                    return true;
                }

                p = witnessed;
            }

            return false;
        }

        /// <summary>
        /// Replaces exactly the slot object <paramref name="expected"/> (a live value this thread read) with
        /// <paramref name="newSlot"/>. Used by AddOrUpdate: any change in between (even to an equal value) fails it.
        /// </summary>
        internal bool TryReplace(object expected, object newSlot) =>
            // Full fence; publishes newSlot. Identity comparison, so an update is never lost.
            ReferenceEquals(Interlocked.CompareExchange(ref _slot, newSlot, expected), expected);

        /// <summary>Whether the entry is X. Stable while the lock is held (X is left only under the lock).</summary>
        internal bool IsExpungedLocked => ReferenceEquals(Volatile.Read(ref _slot), Sentinels.Expunged);

        /// <summary>
        /// Go's <c>tryExpungeLocked</c>: N -> X, used while the dirty map is rebuilt. Returns true if the
        /// entry is (now) X, so it must be left out of the dirty map.
        /// </summary>
        internal bool TryExpungeLocked()
        {
            object? p = Volatile.Read(ref _slot);
            while (p is null)
            {
                // N -> X. Full fence. Fails only if a lock-free writer stored a value (N -> V) meanwhile.
                p = Interlocked.CompareExchange(ref _slot, Sentinels.Expunged, null);
            }

            return ReferenceEquals(p, Sentinels.Expunged);
        }

        /// <summary>
        /// Go's <c>unexpungeLocked</c>: X -> N. The caller holds the lock and has already put the entry back
        /// into the dirty map (so invariant 2 holds the moment a lock-free writer can see N).
        /// Returns whether the entry was X.
        /// </summary>
        internal bool UnexpungeLocked() =>
            // Full fence. Only lock holders touch X, so this cannot race with another X transition.
            ReferenceEquals(Interlocked.CompareExchange(ref _slot, null, Sentinels.Expunged), Sentinels.Expunged);

        /// <summary>
        /// Clear's step: any state -> X for an entry being discarded. Returns true if the entry was V
        /// (the caller then decrements the live count: the value was removed by Clear, not by a deleter).
        /// A lock-free writer that still holds this entry is refused from now on and retries on the new maps.
        /// </summary>
        internal bool ExpungeForClearLocked()
        {
            object? p = Volatile.Read(ref _slot);
            while (!ReferenceEquals(p, Sentinels.Expunged))
            {
                // V/N -> X. Full fence. Fails only if a lock-free writer changed the slot meanwhile: retry.
                object? witnessed = Interlocked.CompareExchange(ref _slot, Sentinels.Expunged, p);
                if (ReferenceEquals(witnessed, p))
                {
                    return p is not null;
                }

                p = witnessed;
            }

            return false;
        }
    }
}
