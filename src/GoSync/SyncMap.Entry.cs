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
    /// Whether values are stored inline in the entry's 64-bit state word instead of behind a reference: true for
    /// a TValue with no references of at most 4 bytes (int, uint, float, short, byte, bool, char, small enums).
    /// A JIT-time constant, so every branch on it disappears from the compiled code.
    /// </summary>
    private static bool IsInline
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !RuntimeHelpers.IsReferenceOrContainsReferences<TValue>() && Unsafe.SizeOf<TValue>() <= 4;
    }

    /// <summary>
    /// One value of an entry's state word (Go's <c>entry.p</c>), in one of two representations chosen per TValue
    /// by <see cref="IsInline"/>. Every state-machine method of <see cref="Entry"/> is written once against this.
    /// <list type="bullet">
    /// <item>Reference representation (<see cref="Ref"/>; <see cref="Bits"/> is 0): N = <see langword="null"/>,
    /// X = <see cref="Sentinels.Expunged"/>, V = the value object (see <see cref="Wrap"/>).</item>
    /// <item>Inline representation (<see cref="Bits"/>; <see cref="Ref"/> is null): N = 0, X = 1,
    /// V = <c>(1L &lt;&lt; 32) | the value's bits</c>. The whole word is read and CASed at once, so a value is never torn.</item>
    /// </list>
    /// Two states are "the same" when their words are identical (reference identity, or equal bits).
    /// </summary>
    private readonly struct Slot
    {
        private const long InlineExpunged = 1;
        private const long InlinePendingAbsent = 2;
        private const long InlineLive = 1L << 32;
        private const long InlinePendingLive = 2L << 32;
        private const long InlineValueMask = 0xFFFF_FFFFL;

        internal readonly object? Ref;
        internal readonly long Bits;

        internal Slot(object? reference, long bits)
        {
            Ref = reference;
            Bits = bits;
        }

        /// <summary>State N (deleted).</summary>
        internal static Slot Deleted => default;

        /// <summary>State X (expunged).</summary>
        internal static Slot Expunged
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline ? new Slot(null, InlineExpunged) : new Slot(Sentinels.Expunged, 0);
        }

        internal bool IsDeleted
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline ? Bits == 0 : Ref is null;
        }

        internal bool IsExpunged
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline ? Bits == InlineExpunged : ReferenceEquals(Ref, Sentinels.Expunged);
        }

        /// <summary>State V, or Pv (pending over a value, which readers still see): neither N, X nor P0.</summary>
        internal bool IsLive
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline
                ? (ulong)Bits >= InlineLive // inline: Pv >= V >= 1 << 32 > P0 > X > N
                : Ref is not null && !ReferenceEquals(Ref, Sentinels.Expunged) && !ReferenceEquals(Ref, Sentinels.PendingAbsent);
        }

        /// <summary>State P0 or Pv: a computation (LoadOrCompute, Compute) holds the key. Entered and left only under the lock.</summary>
        internal bool IsPending
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline
                ? Bits == InlinePendingAbsent || (ulong)Bits >= InlinePendingLive
                : ReferenceEquals(Ref, Sentinels.PendingAbsent) || (typeof(TValue).IsValueType ? Ref is PendingValueBox<TValue> : Ref is PendingValue);
        }

        /// <summary>State P0 (pending over an absent key; readers see the key absent).</summary>
        internal static Slot PendingAbsent
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => IsInline ? new Slot(null, InlinePendingAbsent) : new Slot(Sentinels.PendingAbsent, 0);
        }

        /// <summary>State Pv over the live state <paramref name="live"/>: readers still see its value.</summary>
        internal static Slot PendingOver(Slot live)
        {
            Debug.Assert(live.IsLive && !live.IsPending);
            if (IsInline)
            {
                return new Slot(null, InlinePendingLive | (live.Bits & InlineValueMask));
            }

            // A value type: a box of the same value that readers read as any box. A reference type: a holder of the value
            // object, which readers unwrap (Value below).
            return typeof(TValue).IsValueType
                ? new Slot(new PendingValueBox<TValue>(Unsafe.As<ValueBox<TValue>>(live.Ref!).Value), 0)
                : new Slot(new PendingValue(live.Ref!), 0);
        }

        /// <summary>The value of a live state.</summary>
        internal TValue Value
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get
            {
                Debug.Assert(IsLive);
                if (IsInline)
                {
                    uint bits = (uint)Bits;
                    return Unsafe.ReadUnaligned<TValue>(ref Unsafe.As<uint, byte>(ref bits));
                }

                if (typeof(TValue).IsValueType)
                {
                    return Unwrap(Ref!); // a box, plain or pending (Pv): read the same way
                }

                // A Pv state of a reference type holds the value object it covers: reference-type reads pay this type test.
                return Unwrap(Ref is PendingValue pending ? pending.Previous : Ref!);
            }
        }

        /// <summary>The live state holding <paramref name="value"/>; allocates a box only for a struct wider than 4 bytes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Slot Live(TValue value)
        {
            if (IsInline)
            {
                uint bits = 0;
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref bits), value);
                return new Slot(null, InlineLive | bits);
            }

            return new Slot(Wrap(value), 0);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool SameAs(Slot other) => IsInline ? Bits == other.Bits : ReferenceEquals(Ref, other.Ref);
    }

    /// <summary>
    /// One key's value cell, shared by the read map and the dirty map (same object in both), so a
    /// value change made through either map is seen through both.
    /// </summary>
    /// <remarks>
    /// States of the state word (Go's <c>entry.p</c>; encodings in <see cref="Slot"/>):
    /// <list type="bullet">
    /// <item><b>V (live)</b>: a value. The key is in the read map, or the dirty map, or both. Goes to V (value
    /// replaced, lock-free CAS or locked exchange), to N (delete, lock-free CAS), or to X only through
    /// <see cref="ExpungeForClearLocked"/> when Clear discards the entry.</item>
    /// <item><b>N (deleted)</b>. The key is still in the read map, and in the dirty map if one exists. Goes to V
    /// (lock-free CAS: LoadOrStore, Swap/Store) or to X (under the lock, while the dirty map is rebuilt, or when
    /// Clear discards the entry).</item>
    /// <item><b>X (expunged)</b>. The key is in the read map only and a dirty map exists that lacks it, or the
    /// entry was discarded by Clear and is in neither map. Every lock-free path refuses X; only
    /// <see cref="UnexpungeLocked"/> (under the lock, right after re-adding the entry to the dirty map) leaves it, to N.</item>
    /// </list>
    /// An entry that is X in the read map disappears at the next promotion (the dirty map lacks it).
    /// Readers treat N and X as "absent".
    /// <para>The word itself lives in one of two subclasses (<see cref="RefEntry"/> or <see cref="InlineEntry"/>,
    /// chosen by <see cref="IsInline"/>); only <see cref="LoadSlot"/>, <see cref="CompareExchange"/> and
    /// <see cref="Exchange"/> touch it, through a cast that the JIT-time constant makes unconditional.</para>
    /// </remarks>
    private abstract class Entry
    {
        /// <summary>
        /// The key. Immutable. Kept in the entry (not in the tables) because the entry is shared by the read and dirty
        /// tables, which then hold only links: see design.md, "Memory per key".
        /// </summary>
        internal readonly TKey Key;

        /// <summary>
        /// The key's hash under the map's primary table comparer (see <see cref="TableComparerFor"/>). Immutable. The
        /// tables bucket by it (unless randomized, see <see cref="ReadOnly.Randomized"/>), compare it before the key,
        /// and relink by it when they grow or are rebuilt, so no comparer runs there; the miss filter indexes by it.
        /// For an int key the two fields share the 8 bytes after the object header, so the entry stays 32 bytes.
        /// </summary>
        internal readonly int Hash;

        private protected Entry(TKey key, int hash)
        {
            Key = key;
            Hash = hash;
        }

        /// <summary>A new entry for <paramref name="key"/> (primary hash <paramref name="hash"/>) in state <paramref name="slot"/>.</summary>
        internal static Entry Create(TKey key, int hash, Slot slot) =>
            IsInline ? new InlineEntry(key, hash, slot.Bits) : new RefEntry(key, hash, slot.Ref);

        /// <summary>The current state.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal Slot LoadSlot() => IsInline
            ? new Slot(null, Volatile.Read(ref Unsafe.As<InlineEntry>(this).Word)) // acquire; pairs with the CAS that published the word
            : new Slot(Volatile.Read(ref Unsafe.As<RefEntry>(this).Word), 0); // acquire: the value object's fields are visible

        /// <summary>Atomically replaces the state with <paramref name="desired"/> if it is <paramref name="expected"/>; returns the state seen.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Slot CompareExchange(Slot desired, Slot expected) => IsInline
            ? new Slot(null, Interlocked.CompareExchange(ref Unsafe.As<InlineEntry>(this).Word, desired.Bits, expected.Bits)) // full fence
            : new Slot(Interlocked.CompareExchange(ref Unsafe.As<RefEntry>(this).Word, desired.Ref, expected.Ref), 0); // full fence

        /// <summary>Atomically replaces the state with <paramref name="desired"/>; returns the old state.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Slot Exchange(Slot desired) => IsInline
            ? new Slot(null, Interlocked.Exchange(ref Unsafe.As<InlineEntry>(this).Word, desired.Bits)) // full fence
            : new Slot(Interlocked.Exchange(ref Unsafe.As<RefEntry>(this).Word, desired.Ref), 0); // full fence

        /// <summary>Go's <c>entry.load</c>: the live value, or false for N and X.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool TryLoad([MaybeNullWhen(false)] out TValue value)
        {
            Slot p = LoadSlot(); // acquire; pairs with the CAS that published p
            if (!p.IsLive)
            {
                value = default;
                return false;
            }

            value = p.Value;
            return true;
        }

        /// <summary>
        /// Go's <c>trySwap</c>: replaces the state unless the entry is X. Returns false for X (the caller
        /// must take the locked path); otherwise <paramref name="previous"/> is the old state (N or V).
        /// </summary>
        internal bool TrySwap(Slot newSlot, out Slot previous)
        {
            Slot p = LoadSlot();
            while (!p.IsExpunged && !p.IsPending) // P: a computation holds the key; the locked path waits for it
            {
                // Full fence; publishes newSlot. Fails only if another writer changed the state since our read: retry.
                Slot witnessed = CompareExchange(newSlot, p);
                if (witnessed.SameAs(p))
                {
                    previous = p;
                    return true;
                }

                p = witnessed;
            }

            previous = default;
            return false;
        }

        /// <summary>Go's <c>swapLocked</c>: unconditional exchange; the entry is known not to be X or P.</summary>
        internal Slot SwapLocked(Slot newSlot)
        {
            // X and P are left only under the lock, and the caller holds it having seen N or V.
            Debug.Assert(!LoadSlot().IsExpunged && !LoadSlot().IsPending);
            return Exchange(newSlot); // full fence; publishes newSlot, returns the old state atomically
        }

        /// <summary>
        /// Go's <c>tryLoadOrStore</c>: returns the live value, or stores <paramref name="value"/> into an N entry.
        /// Returns false (nothing done) if the entry is X. The value is wrapped only when it is stored.
        /// </summary>
        internal bool TryLoadOrStore(TValue value, out TValue actual, out bool loaded)
        {
            Slot p = LoadSlot(); // acquire
            if (p.IsExpunged || (p.IsPending && !p.IsLive))
            {
                // X, or P0 (a computation will publish the key's value: the locked path waits for it).
                actual = default!;
                loaded = false;
                return false;
            }

            if (p.IsLive)
            {
                actual = p.Value;
                loaded = true;
                return true;
            }

            // N -> V. Full fence; publishes the new value. A single attempt settles it: if it fails, the state it
            // witnessed is X (refuse) or V (a racing writer stored first: load that), never N again.
            p = CompareExchange(Slot.Live(value), Slot.Deleted);
            if (p.IsDeleted)
            {
                actual = value;
                loaded = false;
                return true;
            }

            if (p.IsExpunged || !p.IsLive)
            {
                // X, or P0 entered under the lock since our read.
                actual = default!;
                loaded = false;
                return false;
            }

            actual = p.Value;
            loaded = true;
            return true;
        }

        /// <summary>Go's <c>entry.delete</c>: V -> N. Returns the deleted value, or false for N, X and P0 (absent).</summary>
        /// <param name="value">The deleted value.</param>
        /// <param name="pending">Set when the state is Pv: a computation holds the present key, so the caller must wait for it and retry.</param>
        internal bool Delete([MaybeNullWhen(false)] out TValue value, out bool pending)
        {
            Slot p = LoadSlot();
            pending = false;
            while (p.IsLive)
            {
                if (p.IsPending)
                {
                    pending = true;
                    break;
                }

                // V -> N. Full fence. Fails only if another writer changed the state since our read: retry.
                Slot witnessed = CompareExchange(Slot.Deleted, p);
                if (witnessed.SameAs(p))
                {
                    value = p.Value;
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
        internal bool TryCompareAndSwap(TValue oldValue, TValue newValue, IEqualityComparer<TValue>? comparer, out bool pending)
        {
            Slot p = LoadSlot(); // acquire
            pending = p.IsPending && p.IsLive; // Pv: a computation holds the present key; the caller waits for it and retries
            if (pending || !p.IsLive || !ValueEquals(comparer, p.Value, oldValue))
            {
                return false;
            }

            Slot newSlot = Slot.Live(newValue);
            while (true)
            {
                // Full fence; publishes newSlot. Fails only if the state changed since we compared it: re-compare.
                Slot witnessed = CompareExchange(newSlot, p);
                if (witnessed.SameAs(p))
                {
                    return true;
                }

                p = witnessed;
                pending = p.IsPending && p.IsLive;
                if (pending || !p.IsLive || !ValueEquals(comparer, p.Value, oldValue))
                {
                    return false;
                }
            }
        }

        /// <summary>CompareAndDelete's loop: V(old) -> N when the value equals <paramref name="oldValue"/>.</summary>
        internal bool TryCompareAndDelete(TValue oldValue, IEqualityComparer<TValue>? comparer, out bool pending)
        {
            Slot p = LoadSlot(); // acquire
            while (!(pending = p.IsPending && p.IsLive) && p.IsLive && ValueEquals(comparer, p.Value, oldValue))
            {
                // V -> N. Full fence. Fails only if the state changed since we compared it: re-compare.
                Slot witnessed = CompareExchange(Slot.Deleted, p);
                if (witnessed.SameAs(p))
                {
                    return true;
                }

                p = witnessed;
            }

            return false;
        }

        /// <summary>
        /// Replaces exactly the live state <paramref name="expected"/> (read by this thread) with <paramref name="newSlot"/>.
        /// Used by AddOrUpdate. With a value box, any change in between (even to an equal value) fails it; inline, a
        /// change back to the same bits does not, which loses nothing: the update is then applied to that same value.
        /// </summary>
        internal bool TryReplace(Slot expected, Slot newSlot) =>
            CompareExchange(newSlot, expected).SameAs(expected); // full fence; publishes newSlot

        /// <summary>
        /// A computation's step into or out of P, under the lock: replaces exactly <paramref name="expected"/> with
        /// <paramref name="desired"/>. Entering P (from N or V) can fail, when a lock-free writer changed the state since
        /// the caller read it; leaving P cannot, since only lock holders touch P.
        /// </summary>
        internal bool TryTransitionLocked(Slot expected, Slot desired) =>
            CompareExchange(desired, expected).SameAs(expected); // full fence; publishes desired

        /// <summary>Whether the entry is X. Stable while the lock is held (X is left only under the lock).</summary>
        internal bool IsExpungedLocked => LoadSlot().IsExpunged;

        /// <summary>
        /// Go's <c>tryExpungeLocked</c>: N -> X, used while the dirty map is rebuilt. Returns true if the
        /// entry is (now) X, so it must be left out of the dirty map.
        /// </summary>
        /// <remarks>
        /// One compare-and-swap, no retry loop (Go's retries while it reloads N; the loop this replaced, which took the
        /// CAS's returned state as the next one to test, also made a second, failing CAS after each success): the CAS
        /// fails only if a lock-free writer stored a value (N -> V) since the read (X and P are
        /// written only by lock holders, and this thread holds the lock), and then the entry was live at that moment
        /// and belongs in the dirty map, which keeps it even if it is deleted again right after (invariant 2 allows N
        /// there). Loop-free and inlined into the rebuild's loop (DirtyTable's copy constructor): a method with a loop
        /// starts as tier-0 code with an on-stack-replacement patchpoint, and this one, called in bursts under the
        /// lock, was seen to stay tier-0 for seconds of a Range-then-delete workload (docs/benchmarks.md, eighth round).
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool TryExpungeLocked()
        {
            Slot p = LoadSlot(); // acquire; pairs with the CAS of the writer that made the state
            if (p.IsDeleted)
            {
                // N -> X. Full fence. Returns the state it saw: N (so the exchange happened) or V (a lock-free writer
                // stored a value since the read: the entry stays live and goes into the dirty map).
                return CompareExchange(Slot.Expunged, Slot.Deleted).IsDeleted;
            }

            return p.IsExpunged;
        }

        /// <summary>
        /// N -> X only: true if this call expunged the entry, false if it was live, expunged already, or pending. The
        /// dirty rebuild's form of <see cref="TryExpungeLocked"/> for a read table, which holds no X entry before the
        /// rebuild starts (it is a promoted dirty map): an X entry there was expunged earlier in the same rebuild (by its
        /// deleted-key hint) and must not be counted or unlinked twice. Loop-free, inlined into the rebuild, like it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool TryExpungeDeletedLocked() =>
            // Acquire, then N -> X (full fence). Fails only if a lock-free writer stored a value since the read (N -> V):
            // the entry is live and stays, as in TryExpungeLocked.
            LoadSlot().IsDeleted && CompareExchange(Slot.Expunged, Slot.Deleted).IsDeleted;

        /// <summary>
        /// Go's <c>unexpungeLocked</c>: X -> N. The caller holds the lock and has already put the entry back
        /// into the dirty map (so invariant 2 holds the moment a lock-free writer can see N).
        /// Returns whether the entry was X.
        /// </summary>
        internal bool UnexpungeLocked() =>
            // Full fence. Only lock holders touch X, so this cannot race with another X transition.
            CompareExchange(Slot.Deleted, Slot.Expunged).IsExpunged;

        /// <summary>
        /// Clear's step: any state -> X for an entry being discarded. Returns true if the entry was V
        /// (the caller then decrements the live count: the value was removed by Clear, not by a deleter).
        /// A lock-free writer that still holds this entry is refused from now on and retries on the new maps.
        /// </summary>
        internal bool ExpungeForClearLocked()
        {
            Slot p = LoadSlot();
            while (!p.IsExpunged)
            {
                // V/N -> X. Full fence. Fails only if a lock-free writer changed the state meanwhile: retry.
                Slot witnessed = CompareExchange(Slot.Expunged, p);
                if (witnessed.SameAs(p))
                {
                    return p.IsLive;
                }

                p = witnessed;
            }

            return false;
        }
    }

    /// <summary>The entry of a map whose values are stored behind a reference (see <see cref="Slot"/>).</summary>
    private sealed class RefEntry : Entry
    {
        // The state word. Read with Volatile.Read (acquire: the value object's fields, written before it was
        // published, are visible); changed only by Interlocked.CompareExchange/Exchange (full fences) in Entry,
        // so every transition is atomic and happens at one instant. A multi-word struct value sits in an
        // immutable ValueBox, so it can never be read torn.
        internal object? Word;

        internal RefEntry(TKey key, int hash, object? word)
            : base(key, hash) => Word = word;
    }

    /// <summary>The entry of a map whose values of at most 4 bytes are stored inline (see <see cref="Slot"/>).</summary>
    private sealed class InlineEntry : Entry
    {
        // The state word: N, X, or the live marker and the value's bits together, so state and value change in one
        // atomic step and cannot tear. Read with Volatile.Read; changed only by Interlocked.CompareExchange/Exchange
        // (full fences) in Entry.
        internal long Word;

        internal InlineEntry(TKey key, int hash, long word)
            : base(key, hash) => Word = word;
    }
}
