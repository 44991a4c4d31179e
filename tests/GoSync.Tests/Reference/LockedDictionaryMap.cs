// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace GoSync.Tests.Reference;

/// <summary>
/// Go's <c>RWMutexMap</c> oracle: a <see cref="Dictionary{TKey, TValue}"/> with every operation
/// under one lock. Obviously correct by construction; used to check <see cref="SyncMap{TKey, TValue}"/>.
/// </summary>
/// <remarks>
/// Like Go's, <see cref="Range"/> copies the key list under the lock, releases it, then re-loads each
/// key before calling the callback (skipping keys deleted meanwhile), so the callback runs without
/// the lock and may call back into the map.
/// </remarks>
public sealed class LockedDictionaryMap<TKey, TValue> : IGoMap<TKey, TValue>
    where TKey : notnull
{
    // Guards every access to _map.
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, TValue> _map;
    private readonly IEqualityComparer<TValue> _valueComparer;

    /// <summary>Creates an empty map.</summary>
    /// <param name="keyComparer">Key equality; <see cref="EqualityComparer{T}.Default"/> when null.</param>
    /// <param name="valueComparer">Value equality for CompareAndSwap/CompareAndDelete; <see cref="EqualityComparer{T}.Default"/> when null.</param>
    public LockedDictionaryMap(IEqualityComparer<TKey>? keyComparer = null, IEqualityComparer<TValue>? valueComparer = null)
    {
        _map = new Dictionary<TKey, TValue>(keyComparer);
        _valueComparer = valueComparer ?? EqualityComparer<TValue>.Default;
    }

    /// <summary>The number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    /// <inheritdoc/>
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            return _map.TryGetValue(key, out value);
        }
    }

    /// <inheritdoc/>
    public void Store(TKey key, TValue value)
    {
        lock (_lock)
        {
            _map[key] = value;
        }
    }

    /// <inheritdoc/>
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out TValue? actual))
            {
                loaded = true;
                return actual;
            }

            _map.Add(key, value);
            loaded = false;
            return value;
        }
    }

    /// <inheritdoc/>
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            return _map.Remove(key, out value);
        }
    }

    /// <inheritdoc/>
    public void Delete(TKey key)
    {
        lock (_lock)
        {
            _map.Remove(key);
        }
    }

    /// <inheritdoc/>
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        lock (_lock)
        {
            bool loaded = _map.TryGetValue(key, out previous);
            _map[key] = value;
            return loaded;
        }
    }

    /// <inheritdoc/>
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        lock (_lock)
        {
            // An absent key never matches, whatever oldValue is (Go's TestCompareAndSwap_NonExistingKey).
            if (!_map.TryGetValue(key, out TValue? current) || !_valueComparer.Equals(current, oldValue))
            {
                return false;
            }

            _map[key] = newValue;
            return true;
        }
    }

    /// <inheritdoc/>
    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out TValue? current) || !_valueComparer.Equals(current, oldValue))
            {
                return false;
            }

            _map.Remove(key);
            return true;
        }
    }

    /// <inheritdoc/>
    public void Range(Func<TKey, TValue, bool> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        TKey[] keys;
        lock (_lock)
        {
            keys = [.. _map.Keys];
        }

        foreach (TKey key in keys)
        {
            if (!Load(key, out TValue? value))
            {
                continue;
            }

            if (!f(key, value))
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
            _map.Clear();
        }
    }
}
