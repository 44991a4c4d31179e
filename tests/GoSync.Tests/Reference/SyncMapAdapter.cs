// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics.CodeAnalysis;

namespace GoSync.Tests.Reference;

/// <summary>
/// Exposes a <see cref="SyncMap{TKey, TValue}"/> as an <see cref="IGoMap{TKey, TValue}"/>, so the
/// map under test and the reference maps run the same test code.
/// </summary>
public sealed class SyncMapAdapter<TKey, TValue> : IGoMap<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Wraps <paramref name="map"/>.</summary>
    public SyncMapAdapter(SyncMap<TKey, TValue> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        Map = map;
    }

    /// <summary>Wraps a new empty map.</summary>
    public SyncMapAdapter()
        : this(new SyncMap<TKey, TValue>())
    {
    }

    /// <summary>The wrapped map.</summary>
    public SyncMap<TKey, TValue> Map { get; }

    /// <inheritdoc/>
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value) => Map.Load(key, out value);

    /// <inheritdoc/>
    public void Store(TKey key, TValue value) => Map.Store(key, value);

    /// <inheritdoc/>
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded) => Map.LoadOrStore(key, value, out loaded);

    /// <inheritdoc/>
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value) => Map.LoadAndDelete(key, out value);

    /// <inheritdoc/>
    public void Delete(TKey key) => Map.Delete(key);

    /// <inheritdoc/>
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous) => Map.Swap(key, value, out previous);

    /// <inheritdoc/>
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue) => Map.CompareAndSwap(key, oldValue, newValue);

    /// <inheritdoc/>
    public bool CompareAndDelete(TKey key, TValue oldValue) => Map.CompareAndDelete(key, oldValue);

    /// <inheritdoc/>
    public void Range(Func<TKey, TValue, bool> f) => Map.Range(f);

    /// <inheritdoc/>
    public void Clear() => Map.Clear();
}
