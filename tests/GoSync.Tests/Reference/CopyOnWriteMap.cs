// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace GoSync.Tests.Reference;

/// <summary>
/// Go's <c>DeepCopyMap</c> oracle: an immutable dictionary published through one field. Reads (Load,
/// Range) use the current version without locking; every write builds a new version under a lock
/// and publishes it. Obviously correct by construction; used to check <see cref="SyncMap{TKey, TValue}"/>.
/// </summary>
/// <remarks>
/// Go copies the whole map on every write; <see cref="ImmutableDictionary{TKey, TValue}"/> shares
/// structure instead, which is invisible to callers: each published version is still immutable.
/// <see cref="Range"/> iterates one version, so it is a true snapshot (stronger than Go's contract
/// for <c>sync.Map</c>, as in Go).
/// </remarks>
public sealed class CopyOnWriteMap<TKey, TValue> : IGoMap<TKey, TValue>
    where TKey : notnull
{
    // Serialises writers, so each one edits the latest version.
    private readonly Lock _lock = new();

    // The current version. Read with Volatile.Read (pairs with the Volatile.Write in Publish, so a
    // reader that sees a version sees it fully built); written only under _lock.
    private ImmutableDictionary<TKey, TValue> _clean;

    private readonly IEqualityComparer<TValue> _valueComparer;

    /// <summary>Creates an empty map.</summary>
    /// <param name="keyComparer">Key equality; <see cref="EqualityComparer{T}.Default"/> when null.</param>
    /// <param name="valueComparer">Value equality for CompareAndSwap/CompareAndDelete; <see cref="EqualityComparer{T}.Default"/> when null.</param>
    public CopyOnWriteMap(IEqualityComparer<TKey>? keyComparer = null, IEqualityComparer<TValue>? valueComparer = null)
    {
        // The dictionary's own value comparer must never report equality: SetItem with a value it
        // deems equal keeps the old value object, but Store must install the very value it was given
        // (visible for reference types whose Equals is not identity). CAS/CAD use _valueComparer.
        _clean = ImmutableDictionary.Create(keyComparer, NeverEqualComparer.Instance);
        _valueComparer = valueComparer ?? EqualityComparer<TValue>.Default;
    }

    /// <summary>The number of entries in the current version.</summary>
    public int Count => Volatile.Read(ref _clean).Count;

    /// <inheritdoc/>
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) =>
        Volatile.Read(ref _clean).TryGetValue(key, out value);

    /// <inheritdoc/>
    public void Store(TKey key, TValue value)
    {
        lock (_lock)
        {
            Publish(_clean.SetItem(key, value));
        }
    }

    /// <inheritdoc/>
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        // Go checks the published version first, then re-checks under the lock.
        if (Volatile.Read(ref _clean).TryGetValue(key, out TValue? actual))
        {
            loaded = true;
            return actual;
        }

        lock (_lock)
        {
            if (_clean.TryGetValue(key, out actual))
            {
                loaded = true;
                return actual;
            }

            Publish(_clean.SetItem(key, value));
            loaded = false;
            return value;
        }
    }

    /// <inheritdoc/>
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            if (!_clean.TryGetValue(key, out value))
            {
                return false;
            }

            Publish(_clean.Remove(key));
            return true;
        }
    }

    /// <inheritdoc/>
    public void Delete(TKey key)
    {
        lock (_lock)
        {
            Publish(_clean.Remove(key));
        }
    }

    /// <inheritdoc/>
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        lock (_lock)
        {
            bool loaded = _clean.TryGetValue(key, out previous);
            Publish(_clean.SetItem(key, value));
            return loaded;
        }
    }

    /// <inheritdoc/>
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        // A mismatch in the published version is a valid answer at the moment it was read (Go does
        // the same); only a match has to be re-checked under the lock.
        if (!Matches(Volatile.Read(ref _clean), key, oldValue))
        {
            return false;
        }

        lock (_lock)
        {
            if (!Matches(_clean, key, oldValue))
            {
                return false;
            }

            Publish(_clean.SetItem(key, newValue));
            return true;
        }
    }

    /// <inheritdoc/>
    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        if (!Matches(Volatile.Read(ref _clean), key, oldValue))
        {
            return false;
        }

        lock (_lock)
        {
            if (!Matches(_clean, key, oldValue))
            {
                return false;
            }

            Publish(_clean.Remove(key));
            return true;
        }
    }

    /// <inheritdoc/>
    public void Range(Func<TKey, TValue, bool> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        foreach (KeyValuePair<TKey, TValue> pair in Volatile.Read(ref _clean))
        {
            if (!f(pair.Key, pair.Value))
            {
                break;
            }
        }
    }

    /// <inheritdoc/>
    public void Clear()
    {
        lock (_lock)
        {
            Publish(_clean.Clear());
        }
    }

    // An absent key never matches, whatever oldValue is (Go's TestCompareAndSwap_NonExistingKey).
    private bool Matches(ImmutableDictionary<TKey, TValue> version, TKey key, TValue oldValue) =>
        version.TryGetValue(key, out TValue? current) && _valueComparer.Equals(current, oldValue);

    // Called under _lock. The release write pairs with the Volatile.Read of lock-free readers.
    private void Publish(ImmutableDictionary<TKey, TValue> version) => Volatile.Write(ref _clean, version);

    private sealed class NeverEqualComparer : IEqualityComparer<TValue>
    {
        public static readonly NeverEqualComparer Instance = new();

        public bool Equals(TValue? x, TValue? y) => false;

        public int GetHashCode(TValue obj) => 0;
    }
}
