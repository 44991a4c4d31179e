// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace GoSync.Benchmarks.Maps;

/// <summary>
/// Go's RWMutexMap shape with one exclusive <see cref="Lock"/>: every operation holds the lock around a plain
/// <see cref="Dictionary{TKey, TValue}"/>.
/// </summary>
/// <remarks>
/// Range follows Go's RWMutexMap: copy the keys under the lock, release it, then Load each key again (skipping keys
/// deleted meanwhile) and call the callback with no lock held, so the callback may call back into the map.
/// Values are compared with <see cref="EqualityComparer{T}.Default"/> (Go's <c>==</c>).
/// </remarks>
public sealed class LockedDictionary<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _lock = new();

    // Read and written only while holding _lock.
    private readonly Dictionary<TKey, TValue> _map = new();

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

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            return _map.TryGetValue(key, out value);
        }
    }

    public void Store(TKey key, TValue value)
    {
        lock (_lock)
        {
            _map[key] = value;
        }
    }

    // ConcurrentDictionary's GetOrAdd(key, factory) under the one lock, shaped as LoadOrStore: the factory runs under
    // the lock, once per absent key.
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory)
    {
        lock (_lock)
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            if (!exists)
            {
                slot = factory(key);
            }

            return slot!;
        }
    }

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        lock (_lock)
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out loaded);
            if (loaded)
            {
                return slot!;
            }

            slot = value;
            return value;
        }
    }

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            return _map.Remove(key, out value);
        }
    }

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        lock (_lock)
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            previous = exists ? slot : default;
            slot = value;
            return exists;
        }
    }

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        lock (_lock)
        {
            ref TValue slot = ref CollectionsMarshal.GetValueRefOrNullRef(_map, key);
            if (Unsafe.IsNullRef(ref slot) || !EqualityComparer<TValue>.Default.Equals(slot, oldValue))
            {
                return false;
            }

            slot = newValue;
            return true;
        }
    }

    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out TValue? current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
            {
                return false;
            }

            _map.Remove(key);
            return true;
        }
    }

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        TKey[] keys;
        lock (_lock)
        {
            keys = new TKey[_map.Count];
            _map.Keys.CopyTo(keys, 0);
        }

        foreach (TKey key in keys)
        {
            if (Load(key, out TValue? value) && !f(state, key, value))
            {
                return;
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
        }
    }
}

/// <summary>
/// Go's RWMutexMap: a <see cref="Dictionary{TKey, TValue}"/> under a <see cref="ReaderWriterLockSlim"/>. Load and
/// Range's key copy take the read lock; every other operation takes the write lock, as in Go (LoadOrStore,
/// CompareAndSwap and CompareAndDelete do not try a read-locked lookup first).
/// </summary>
/// <remarks>Range copies the keys under the read lock, then re-Loads each key, as Go's RWMutexMap does.</remarks>
public sealed class RwLockDictionary<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    // Read under _lock's read lock; written under its write lock.
    private readonly Dictionary<TKey, TValue> _map = new();

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _map.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        _lock.EnterReadLock();
        try
        {
            return _map.TryGetValue(key, out value);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Store(TKey key, TValue value)
    {
        _lock.EnterWriteLock();
        try
        {
            _map[key] = value;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    // ConcurrentDictionary's GetOrAdd(key, factory) under the write lock, as Go's RWMutexMap takes it for LoadOrStore:
    // the factory runs under the lock, once per absent key.
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory)
    {
        _lock.EnterWriteLock();
        try
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            if (!exists)
            {
                slot = factory(key);
            }

            return slot!;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        _lock.EnterWriteLock();
        try
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out loaded);
            if (loaded)
            {
                return slot!;
            }

            slot = value;
            return value;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        _lock.EnterWriteLock();
        try
        {
            return _map.Remove(key, out value);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        _lock.EnterWriteLock();
        try
        {
            ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            previous = exists ? slot : default;
            slot = value;
            return exists;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        _lock.EnterWriteLock();
        try
        {
            ref TValue slot = ref CollectionsMarshal.GetValueRefOrNullRef(_map, key);
            if (Unsafe.IsNullRef(ref slot) || !EqualityComparer<TValue>.Default.Equals(slot, oldValue))
            {
                return false;
            }

            slot = newValue;
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_map.TryGetValue(key, out TValue? current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
            {
                return false;
            }

            _map.Remove(key);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        TKey[] keys;
        _lock.EnterReadLock();
        try
        {
            keys = new TKey[_map.Count];
            _map.Keys.CopyTo(keys, 0);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        foreach (TKey key in keys)
        {
            if (Load(key, out TValue? value) && !f(state, key, value))
            {
                return;
            }
        }
    }

    public void Clear()
    {
        _lock.EnterWriteLock();
        try
        {
            _map.Clear();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Dispose() => _lock.Dispose();
}

/// <summary>
/// Go's DeepCopyMap over an <see cref="ImmutableDictionary{TKey, TValue}"/>: readers use the current snapshot without
/// locking; every write runs under one lock, builds a new dictionary from the snapshot and publishes it.
/// </summary>
/// <remarks>
/// Go copies the whole map on every write (O(n)); ImmutableDictionary is a persistent tree, so a write allocates
/// O(log n) new nodes instead. LoadOrStore, CompareAndSwap and CompareAndDelete check the snapshot first and
/// re-check under the lock, as Go's DeepCopyMap does. Range is a true snapshot.
/// </remarks>
public sealed class CopyOnWriteMap<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _lock = new();

    // Read with Volatile.Read (lock-free snapshot; the acquire pairs with the writer's Volatile.Write so a reader
    // sees a fully built dictionary); replaced only under _lock with Volatile.Write.
    private ImmutableDictionary<TKey, TValue> _current = ImmutableDictionary<TKey, TValue>.Empty;

    public int Count => Volatile.Read(ref _current).Count;

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => Volatile.Read(ref _current).TryGetValue(key, out value);

    public void Store(TKey key, TValue value)
    {
        lock (_lock)
        {
            Volatile.Write(ref _current, _current.SetItem(key, value));
        }
    }

    // ConcurrentDictionary's GetOrAdd(key, factory) in LoadOrStore's shape: the snapshot first (no lock), then a
    // re-check under the lock, where the factory runs once per absent key.
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory)
    {
        if (Volatile.Read(ref _current).TryGetValue(key, out TValue? existing))
        {
            return existing;
        }

        lock (_lock)
        {
            if (_current.TryGetValue(key, out existing))
            {
                return existing;
            }

            TValue value = factory(key);
            Volatile.Write(ref _current, _current.SetItem(key, value));
            return value;
        }
    }

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        if (Volatile.Read(ref _current).TryGetValue(key, out TValue? existing))
        {
            loaded = true;
            return existing;
        }

        lock (_lock)
        {
            if (_current.TryGetValue(key, out existing))
            {
                loaded = true;
                return existing;
            }

            Volatile.Write(ref _current, _current.SetItem(key, value));
            loaded = false;
            return value;
        }
    }

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_lock)
        {
            if (!_current.TryGetValue(key, out value))
            {
                return false;
            }

            Volatile.Write(ref _current, _current.Remove(key));
            return true;
        }
    }

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        lock (_lock)
        {
            bool loaded = _current.TryGetValue(key, out previous);
            Volatile.Write(ref _current, _current.SetItem(key, value));
            return loaded;
        }
    }

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        if (!Volatile.Read(ref _current).TryGetValue(key, out TValue? current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
        {
            return false;
        }

        lock (_lock)
        {
            if (!_current.TryGetValue(key, out current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
            {
                return false;
            }

            Volatile.Write(ref _current, _current.SetItem(key, newValue));
            return true;
        }
    }

    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        if (!Volatile.Read(ref _current).TryGetValue(key, out TValue? current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
        {
            return false;
        }

        lock (_lock)
        {
            if (!_current.TryGetValue(key, out current) || !EqualityComparer<TValue>.Default.Equals(current, oldValue))
            {
                return false;
            }

            Volatile.Write(ref _current, _current.Remove(key));
            return true;
        }
    }

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        foreach (KeyValuePair<TKey, TValue> pair in Volatile.Read(ref _current))
        {
            if (!f(state, pair.Key, pair.Value))
            {
                return;
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            Volatile.Write(ref _current, ImmutableDictionary<TKey, TValue>.Empty);
        }
    }
}
