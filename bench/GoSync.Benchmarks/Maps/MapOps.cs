// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace GoSync.Benchmarks.Maps;

/// <summary>Go's operations on <see cref="SyncMap{TKey, TValue}"/>: one direct call each.</summary>
public readonly struct SyncMapOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly SyncMap<TKey, TValue> _map;

    public SyncMapOps(SyncMap<TKey, TValue> map) => _map = map;

    public SyncMap<TKey, TValue> Map => _map;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.Load(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(TKey key, TValue value) => _map.Store(key, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded) => _map.LoadOrStore(key, value, out loaded);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.LoadOrCompute(key, factory);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.LoadAndDelete(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Delete(TKey key) => _map.Delete(key);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous) => _map.Swap(key, value, out previous);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.CompareAndSwap(key, oldValue, newValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.CompareAndDelete(key, oldValue);

    // Go's Range(f): SyncMap's own callback form (the state overload keeps the callback static, so no closure).
    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f) => _map.Range(state, f);

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}

/// <summary>
/// Go's operations mapped onto the natural <see cref="ConcurrentDictionary{TKey, TValue}"/> calls: Load = TryGetValue,
/// Store = indexer set, LoadAndDelete/Delete = TryRemove, CompareAndSwap = TryUpdate,
/// CompareAndDelete = TryRemove(KeyValuePair), Range = foreach, Clear = Clear.
/// </summary>
/// <remarks>
/// Two Go operations have no single ConcurrentDictionary call that reports what Go reports:
/// LoadOrStore (GetOrAdd hides whether it added) is TryGetValue then TryAdd, retried if a concurrent
/// delete or add got in between; Swap (AddOrUpdate and the indexer hide the previous value) is a
/// TryGetValue/TryUpdate loop, falling back to TryAdd when the key is absent. Both loops are atomic per attempt
/// and retry only when another thread changed that key between the read and the conditional write.
/// </remarks>
public readonly struct ConcurrentDictionaryOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _map;

    public ConcurrentDictionaryOps(ConcurrentDictionary<TKey, TValue> map) => _map = map;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.TryGetValue(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(TKey key, TValue value) => _map[key] = value;

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        while (true)
        {
            if (_map.TryGetValue(key, out TValue? existing))
            {
                loaded = true;
                return existing;
            }

            if (_map.TryAdd(key, value))
            {
                loaded = false;
                return value;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    // No LoadOrCompute: GetOrAdd(key, factory) is the nearest call (its factory may run on several racing threads).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.TryRemove(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Delete(TKey key) => _map.TryRemove(key, out _);

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        while (true)
        {
            if (_map.TryGetValue(key, out TValue? current))
            {
                // TryUpdate succeeds only if the value is still (equal to) the one just read.
                if (_map.TryUpdate(key, value, current))
                {
                    previous = current;
                    return true;
                }
            }
            else if (_map.TryAdd(key, value))
            {
                previous = default;
                return false;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.TryUpdate(key, newValue, oldValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.TryRemove(new KeyValuePair<TKey, TValue>(key, oldValue));

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        foreach (KeyValuePair<TKey, TValue> pair in _map)
        {
            if (!f(state, pair.Key, pair.Value))
            {
                return;
            }
        }
    }

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}

/// <summary>
/// Go's operations on <c>NonBlocking.ConcurrentDictionary</c>, mapped exactly as <see cref="ConcurrentDictionaryOps{TKey, TValue}"/>
/// maps them (its API is ConcurrentDictionary's): Load = TryGetValue, Store = indexer set, LoadAndDelete/Delete =
/// TryRemove, CompareAndSwap = TryUpdate, CompareAndDelete = TryRemove(KeyValuePair), Range = foreach, Clear = Clear;
/// LoadOrStore is TryGetValue then TryAdd and Swap a TryGetValue/TryUpdate loop with a TryAdd fallback, each retried
/// only when another thread changed that key in between. Every Go operation is expressible, so no workload skips it.
/// </summary>
public readonly struct NonBlockingOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly global::NonBlocking.ConcurrentDictionary<TKey, TValue> _map;

    public NonBlockingOps(global::NonBlocking.ConcurrentDictionary<TKey, TValue> map) => _map = map;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.TryGetValue(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(TKey key, TValue value) => _map[key] = value;

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        while (true)
        {
            if (_map.TryGetValue(key, out TValue? existing))
            {
                loaded = true;
                return existing;
            }

            if (_map.TryAdd(key, value))
            {
                loaded = false;
                return value;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    // No LoadOrCompute: GetOrAdd(key, factory) is the nearest call (its factory may run on several racing threads).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.TryRemove(key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Delete(TKey key) => _map.TryRemove(key, out _);

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        while (true)
        {
            if (_map.TryGetValue(key, out TValue? current))
            {
                // TryUpdate succeeds only if the value is still (equal to) the one just read.
                if (_map.TryUpdate(key, value, current))
                {
                    previous = current;
                    return true;
                }
            }
            else if (_map.TryAdd(key, value))
            {
                previous = default;
                return false;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.TryUpdate(key, newValue, oldValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.TryRemove(new KeyValuePair<TKey, TValue>(key, oldValue));

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f)
    {
        foreach (KeyValuePair<TKey, TValue> pair in _map)
        {
            if (!f(state, pair.Key, pair.Value))
            {
                return;
            }
        }
    }

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}

/// <summary>Go's operations on <see cref="LockedDictionary{TKey, TValue}"/>.</summary>
public readonly struct LockedDictionaryOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly LockedDictionary<TKey, TValue> _map;

    public LockedDictionaryOps(LockedDictionary<TKey, TValue> map) => _map = map;

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.Load(key, out value);

    public void Store(TKey key, TValue value) => _map.Store(key, value);

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded) => _map.LoadOrStore(key, value, out loaded);

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.LoadAndDelete(key, out value);

    public void Delete(TKey key) => _map.LoadAndDelete(key, out _);

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous) => _map.Swap(key, value, out previous);

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.CompareAndSwap(key, oldValue, newValue);

    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.CompareAndDelete(key, oldValue);

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f) => _map.Range(state, f);

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}

/// <summary>Go's operations on <see cref="RwLockDictionary{TKey, TValue}"/>.</summary>
public readonly struct RwLockDictionaryOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly RwLockDictionary<TKey, TValue> _map;

    public RwLockDictionaryOps(RwLockDictionary<TKey, TValue> map) => _map = map;

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.Load(key, out value);

    public void Store(TKey key, TValue value) => _map.Store(key, value);

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded) => _map.LoadOrStore(key, value, out loaded);

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.LoadAndDelete(key, out value);

    public void Delete(TKey key) => _map.LoadAndDelete(key, out _);

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous) => _map.Swap(key, value, out previous);

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.CompareAndSwap(key, oldValue, newValue);

    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.CompareAndDelete(key, oldValue);

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f) => _map.Range(state, f);

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}

/// <summary>Go's operations on <see cref="CopyOnWriteMap{TKey, TValue}"/>.</summary>
public readonly struct CopyOnWriteOps<TKey, TValue> : IMapOps<TKey, TValue>
    where TKey : notnull
{
    private readonly CopyOnWriteMap<TKey, TValue> _map;

    public CopyOnWriteOps(CopyOnWriteMap<TKey, TValue> map) => _map = map;

    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.Load(key, out value);

    public void Store(TKey key, TValue value) => _map.Store(key, value);

    public TValue LoadOrStore(TKey key, TValue value, out bool loaded) => _map.LoadOrStore(key, value, out loaded);

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory) => _map.GetOrAdd(key, factory);

    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => _map.LoadAndDelete(key, out value);

    public void Delete(TKey key) => _map.LoadAndDelete(key, out _);

    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous) => _map.Swap(key, value, out previous);

    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => _map.CompareAndSwap(key, oldValue, newValue);

    public bool CompareAndDelete(TKey key, TValue oldValue) => _map.CompareAndDelete(key, oldValue);

    public void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f) => _map.Range(state, f);

    public void Clear() => _map.Clear();

    public int Count => _map.Count;
}
