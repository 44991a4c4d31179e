// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics.CodeAnalysis;

namespace GoSync.Tests.Reference;

/// <summary>
/// Go's <c>mapInterface</c> (sync/map_reference_test.go): the operations of Go 1.23's <c>sync.Map</c>,
/// written with the signatures of <see cref="SyncMap{TKey, TValue}"/>. The reference maps and
/// <see cref="SyncMapAdapter{TKey, TValue}"/> implement it so one test body can drive any of them.
/// </summary>
/// <remarks>
/// Contract (Go 1.23): Swap returns whether the key was present and the previous value
/// (<c>default</c> when absent); CompareAndSwap and CompareAndDelete on an absent key return false
/// even when <c>oldValue</c> is <c>default</c>; values are compared with the map's value comparer
/// (<see cref="System.Collections.Generic.EqualityComparer{T}.Default"/> unless one is given).
/// </remarks>
public interface IGoMap<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Go's <c>Load</c>: the stored value and true, or false when the key is absent.</summary>
    bool Load(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's <c>Store</c>: inserts or overwrites.</summary>
    void Store(TKey key, TValue value);

    /// <summary>Go's <c>LoadOrStore</c>: the existing value (<paramref name="loaded"/> true) or the stored one.</summary>
    TValue LoadOrStore(TKey key, TValue value, out bool loaded);

    /// <summary>Go's <c>LoadAndDelete</c>: removes the key; returns its previous value when it was present.</summary>
    bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's <c>Delete</c>: removes the key; no-op when absent.</summary>
    void Delete(TKey key);

    /// <summary>Go's <c>Swap</c>: always stores; returns whether the key was present and its previous value.</summary>
    bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous);

    /// <summary>Go's <c>CompareAndSwap</c>: stores <paramref name="newValue"/> only if the key is present and holds a value equal to <paramref name="oldValue"/>.</summary>
    bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue);

    /// <summary>Go's <c>CompareAndDelete</c>: removes the key only if it is present and holds a value equal to <paramref name="oldValue"/>.</summary>
    bool CompareAndDelete(TKey key, TValue oldValue);

    /// <summary>Go's <c>Range</c>: calls <paramref name="f"/> for each present key until it returns false.</summary>
    void Range(Func<TKey, TValue, bool> f);

    /// <summary>Go's <c>Clear</c>: removes every entry.</summary>
    void Clear();
}
