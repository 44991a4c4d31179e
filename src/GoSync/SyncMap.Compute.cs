// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using GoSync.Internal;

namespace GoSync;

// Exactly-once computations: LoadOrCompute and Compute, and the P states (P0, Pv) of the entry state machine that
// they use. See design.md, "Computations".
public sealed partial class SyncMap<TKey, TValue>
{
    // The computations in flight, by the entry they hold (in state P0 or Pv). Read and written only under _lock.
    // Invariant: an entry is in a P state if and only if it is a key here, and it stays reachable from the maps (the dirty
    // rebuild keeps P entries, TakeFromDirty does not remove them, Clear waits until this is empty). Null until the first
    // computation.
    private Dictionary<Entry, Reservation>? _reservations;

    /// <summary>
    /// One computation in flight: its owner thread (so that a re-entrant write to the same key throws instead of
    /// waiting for itself) and what waiters block on. Waiters block with Monitor.Wait on this object, so a wait object
    /// (the runtime's sync block) exists only when some thread actually waits.
    /// </summary>
    private sealed class Reservation
    {
        // The thread running the computation. Immutable.
        internal readonly int Owner = Environment.CurrentManagedThreadId;

        // Threads that decided to wait on this computation. Only under the map's _lock. The owner pulses only when it is
        // non-zero at completion (read under _lock, after which no thread can find this reservation any more).
        internal int Waiters;

        // Set once, by the owner, inside lock(this); read by waiters inside lock(this).
        private bool _done;

        internal void Wait()
        {
            lock (this)
            {
                while (!_done)
                {
                    Monitor.Wait(this);
                }
            }
        }

        internal void Complete()
        {
            lock (this)
            {
                _done = true;
                Monitor.PulseAll(this);
            }
        }
    }

    /// <summary>
    /// Returns the value of <paramref name="key"/>, or runs <paramref name="valueFactory"/> once to add it. Unlike
    /// GetOrAdd, the factory runs at most once per absence of the key: concurrent callers for the same key wait for
    /// the running factory and return its result.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside the map's lock, on the calling thread.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The factory (or a comparer callback) wrote the same key: it would wait for itself.</exception>
    /// <remarks>
    /// A present key is served lock-free and allocation-free (as <see cref="Load"/>). For an absent key the call takes
    /// the lock to reserve the key (state P0), releases it, runs the factory, and publishes the value under the lock.
    /// Only callers that write the same key wait meanwhile; readers see the key absent until the value is published.
    /// If the factory throws, the exception reaches its caller, the key stays absent, and one waiting caller runs its
    /// own factory next.
    /// </remarks>
    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> valueFactory)
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));

        if (TryLoadHit(key, out TValue? value) || Load(key, out value))
        {
            return value;
        }

        return LoadOrComputeSlow(key, static (k, f) => f(k), valueFactory);
    }

    /// <summary>
    /// Returns the value of <paramref name="key"/>, or runs <paramref name="valueFactory"/> with
    /// <paramref name="factoryArgument"/> once to add it (see <see cref="LoadOrCompute(TKey, Func{TKey, TValue})"/>).
    /// </summary>
    /// <typeparam name="TArg">The type of the factory's argument.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside the map's lock, at most once per absence of the key.</param>
    /// <param name="factoryArgument">Passed to <paramref name="valueFactory"/>.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The factory (or a comparer callback) wrote the same key: it would wait for itself.</exception>
    public TValue LoadOrCompute<TArg>(TKey key, Func<TKey, TArg, TValue> valueFactory, TArg factoryArgument)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));

        if (TryLoadHit(key, out TValue? value) || Load(key, out value))
        {
            return value;
        }

        return LoadOrComputeSlow(key, valueFactory, factoryArgument);
    }

    /// <summary>
    /// Reads the value of <paramref name="key"/> (or its absence), runs <paramref name="function"/> on it exactly once,
    /// and in one atomic step stores its new value, deletes the key, or leaves it as it was.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="function">Gets the key, its current value (<see langword="default"/> when absent) and whether it is present;
    /// returns what to do. Runs outside the map's lock, exactly once per call.</param>
    /// <param name="value">The value associated with the key afterwards, or <see langword="default"/> when it is absent afterwards.</param>
    /// <returns><see langword="true"/> if the key is present afterwards.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The function (or a comparer callback) wrote the same key: it would wait for itself.</exception>
    /// <remarks>
    /// The call reserves the key under the lock (state P0 if absent, Pv if present), releases the lock, runs the
    /// function, and publishes its result under the lock. Meanwhile readers see the value it started from (or the
    /// absence), and writers of the same key wait; other keys are not affected. If the function throws, the key is
    /// left as it was and the exception reaches the caller. Go's xsync <c>Compute</c> returns an op the same way
    /// (UpdateOp, DeleteOp, CancelOp); Java's <c>compute</c> deletes when the function returns null.
    /// </remarks>
    public bool Compute(TKey key, Func<TKey, TValue?, bool, ComputeResult<TValue>> function, [MaybeNullWhen(false)] out TValue value)
    {
        CheckKeyAndDelegate(key, function, nameof(function));

        return Compute(key, static (k, current, exists, f) => f(k, current, exists), function, out value);
    }

    /// <summary>
    /// Reads the value of <paramref name="key"/> (or its absence), runs <paramref name="function"/> on it and
    /// <paramref name="functionArgument"/> exactly once, and in one atomic step stores its new value, deletes the key,
    /// or leaves it as it was (see <see cref="Compute(TKey, Func{TKey, TValue, bool, ComputeResult{TValue}}, out TValue)"/>).
    /// </summary>
    /// <typeparam name="TArg">The type of the function's argument.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="function">Gets the key, its current value (<see langword="default"/> when absent), whether it is present,
    /// and <paramref name="functionArgument"/>; returns what to do. Runs outside the map's lock, exactly once per call.</param>
    /// <param name="functionArgument">Passed to <paramref name="function"/>.</param>
    /// <param name="value">The value associated with the key afterwards, or <see langword="default"/> when it is absent afterwards.</param>
    /// <returns><see langword="true"/> if the key is present afterwards.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The function (or a comparer callback) wrote the same key: it would wait for itself.</exception>
    public bool Compute<TArg>(TKey key, Func<TKey, TValue?, bool, TArg, ComputeResult<TValue>> function, TArg functionArgument, [MaybeNullWhen(false)] out TValue value)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        CheckKeyAndDelegate(key, function, nameof(function));

        while (true)
        {
            Entry? e = ReserveLocked(key, forCompute: true, out Slot before, out Reservation? mine, out Reservation? wait);
            if (wait is not null)
            {
                WaitFor(wait);
                continue;
            }

            Debug.Assert(e is not null && mine is not null);
            bool existed = before.IsLive;
            ComputeResult<TValue> result;
            try
            {
                result = function(key, existed ? before.Value : default, existed, functionArgument);
            }
            catch
            {
                Publish(e, mine, existed ? before : Slot.Deleted); // Pv -> V (the same value object), or P0 -> N
                throw;
            }

            switch (result.Action)
            {
                case ComputeAction.Store:
                    Publish(e, mine, Slot.Live(result.Value));
                    if (!existed)
                    {
                        Interlocked.Increment(ref _count); // P0 -> V by this call
                    }

                    value = result.Value;
                    return true;
                case ComputeAction.Delete:
                    Publish(e, mine, Slot.Deleted);
                    if (existed)
                    {
                        Interlocked.Decrement(ref _count); // Pv -> N by this call
                        _deletedHash = e.Hash; // a rebuild hint (plain write: see the field)
                    }

                    value = default;
                    return false;
                default:
                    Publish(e, mine, existed ? before : Slot.Deleted);
                    if (existed)
                    {
                        value = before.Value;
                        return true;
                    }

                    value = default;
                    return false;
            }
        }
    }

    private TValue LoadOrComputeSlow<TArg>(TKey key, Func<TKey, TArg, TValue> valueFactory, TArg factoryArgument)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        while (true)
        {
            Entry? e = ReserveLocked(key, forCompute: false, out Slot before, out Reservation? mine, out Reservation? wait);
            if (wait is not null)
            {
                WaitFor(wait);
                continue;
            }

            if (mine is null)
            {
                return before.Value; // present (V or Pv): loaded under the lock
            }

            Debug.Assert(e is not null);
            TValue value;
            try
            {
                value = valueFactory(key, factoryArgument);
            }
            catch
            {
                Publish(e, mine, Slot.Deleted); // P0 -> N: the key stays absent; a waiter reserves it next
                throw;
            }

            Publish(e, mine, Slot.Live(value)); // P0 -> V
            Interlocked.Increment(ref _count); // the key became live by this call
            return value;
        }
    }

    /// <summary>
    /// The locked step that starts a computation. Finds (or adds, in P0) the entry of <paramref name="key"/> and:
    /// if another computation holds it, returns that one in <paramref name="wait"/> (throwing if it is this thread's);
    /// if it is present and <paramref name="forCompute"/> is false, returns its state in <paramref name="before"/> with no
    /// reservation; otherwise moves it into P0 (from N or new) or Pv (from V), registers <paramref name="mine"/>, and
    /// returns the state it had in <paramref name="before"/>.
    /// </summary>
    private Entry? ReserveLocked(TKey key, bool forCompute, out Slot before, out Reservation? mine, out Reservation? wait)
    {
        mine = null;
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

                Slot pending;
                if (e is null)
                {
                    // A new key, added in P0: readers see it absent; writers find it and wait. Not counted (not live).
                    e = AddNewKeyLocked(key, hash, Slot.PendingAbsent);
                    before = Slot.Deleted;
                    pending = Slot.PendingAbsent;
                }
                else
                {
                    ReAddIfExpungedLocked(e);
                    before = e.LoadSlot();
                    if (before.IsPending)
                    {
                        wait = ReservationOfLocked(e);
                        return e;
                    }

                    if (inDirtyOnly)
                    {
                        MissLocked(); // as LoadOrStore counts a key found in the dirty map
                    }

                    if (before.IsLive && !forCompute)
                    {
                        return e;
                    }

                    pending = before.IsLive ? Slot.PendingOver(before) : Slot.PendingAbsent;

                    // N -> P0 or V -> Pv. Full fence. Fails if a lock-free writer changed the state since our read: look again.
                    if (!e.TryTransitionLocked(before, pending))
                    {
                        continue;
                    }
                }

                Debug.Assert(e.LoadSlot().IsPending);
                mine = new Reservation();
                (_reservations ??= new Dictionary<Entry, Reservation>()).Add(e, mine);
                return e;
            }
        }
    }

    /// <summary>Ends a computation: under the lock, moves its entry out of P into <paramref name="after"/> and wakes its waiters.</summary>
    private void Publish(Entry e, Reservation mine, Slot after)
    {
        bool wake;
        lock (_lock)
        {
            // Only lock holders enter or leave P, and only this computation's owner leaves this P: the step cannot fail.
            bool left = e.TryTransitionLocked(e.LoadSlot(), after); // full fence; publishes the value (P0/Pv -> V or N)
            Debug.Assert(left);
            _reservations!.Remove(e);
            wake = mine.Waiters != 0; // no thread can find `mine` from now on
        }

        if (wake)
        {
            mine.Complete();
        }
    }

    /// <summary>
    /// The reservation that holds <paramref name="e"/> (in a P state), counted as waited on by this thread. Throws if
    /// this thread owns it: the computation re-entered the map to write its own key and would wait for itself.
    /// </summary>
    private Reservation ReservationOfLocked(Entry e)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Reservation r = _reservations![e];
        if (r.Owner == Environment.CurrentManagedThreadId)
        {
            ThrowHelper.ThrowComputationReentered();
        }

        r.Waiters++;
        return r;
    }

    /// <summary>Waits, outside the lock, for a computation to publish.</summary>
    private void WaitFor(Reservation r)
    {
        if (IsLockStillHeld())
        {
            // A comparer callback (which runs under the lock) wrote a key held by a computation: waiting here would
            // keep the lock the computation needs to publish.
            ThrowHelper.ThrowComputationReentered();
        }

        r.Wait();
    }

    // Whether this thread still holds the lock after leaving its own lock block (a comparer callback's nesting).
    private bool IsLockStillHeld()
    {
        try
        {
            return _lock.IsHeldByCurrentThread;
        }
        catch (SynchronizationLockException)
        {
            // Coyote's model of Monitor.IsEntered (the net8.0 lock) throws where the runtime returns false: not held.
            return false;
        }
    }

    /// <summary>
    /// For a lock-free path that found <paramref name="key"/> in a P state: waits until no computation holds the key
    /// (returns at once if none does any more). The caller then retries its whole operation.
    /// </summary>
    private void WaitForPendingKey(TKey key)
    {
        Reservation? wait = null;
        lock (_lock)
        {
            while (true)
            {
                int version = _version;
                Entry? e = FindLocked(key, out _, out _);
                if (_version != version)
                {
                    continue; // the comparer re-entered and changed the maps: look again
                }

                if (e is not null && e.LoadSlot().IsPending)
                {
                    wait = ReservationOfLocked(e);
                }

                break;
            }
        }

        if (wait is not null)
        {
            WaitFor(wait);
        }
    }

    /// <summary>For Clear: some computation in flight, counted as waited on, or null when none is.</summary>
    private Reservation? AnyReservationLocked()
    {
        if (_reservations is not { Count: > 0 })
        {
            return null;
        }

        Entry? first = null;
        foreach (KeyValuePair<Entry, Reservation> pair in _reservations)
        {
            if (pair.Value.Owner == Environment.CurrentManagedThreadId)
            {
                ThrowHelper.ThrowComputationReentered(); // Clear from inside a computation: it would wait for itself
            }

            first ??= pair.Key;
        }

        return first is null ? null : ReservationOfLocked(first);
    }

    /// <summary>AssertInvariants' check of the P states: an entry is P exactly while a reservation holds it, and stays reachable.</summary>
    private void CheckReservationsLocked(HashSet<Entry> reachablePending)
    {
        int reserved = _reservations?.Count ?? 0;
        if (reserved != reachablePending.Count)
        {
            ThrowHelper.ThrowInvariant($"{reachablePending.Count} reachable entries are pending but {reserved} computations are in flight.");
        }

        foreach (Entry e in reachablePending)
        {
            if (_reservations is null || !_reservations.ContainsKey(e))
            {
                ThrowHelper.ThrowInvariant($"entry for key '{e.Key}' is pending with no computation in flight.");
            }
        }
    }
}
