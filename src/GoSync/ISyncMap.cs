// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics.CodeAnalysis;

namespace GoSync;

/// <summary>
/// Go's <c>sync.Map</c> operations, so that code can run on an in-process <see cref="SyncMap{TKey, TValue}"/> or on a
/// map shared by several processes (GoSync.Redis's <c>RedisSyncMap</c>) and switch by configuration.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <remarks>
/// Every implementation gives each single-key operation Go's meaning and makes it atomic (linearizable);
/// <see cref="Range(Func{TKey, TValue, bool})"/> keeps Go's contract: no key twice, every key present and unchanged
/// for the whole call is visited, and each value shown was the key's value at some moment during the call.
/// </remarks>
public interface ISyncMap<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Gets the number of keys in the map (exact whenever no write is in flight).</summary>
    int Count { get; }

    /// <summary>Go's <c>Load</c>: gets the value stored for <paramref name="key"/>.</summary>
    /// <param name="key">The key to look up.</param>
    /// <param name="value">The value, or <see langword="default"/> when the key is absent.</param>
    /// <returns><see langword="true"/> if the key is present.</returns>
    bool Load(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's <c>Store</c>: sets the value for <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    void Store(TKey key, TValue value);

    /// <summary>Go's <c>LoadOrStore</c>: returns the existing value if present; otherwise stores <paramref name="value"/> and returns it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store if the key is absent.</param>
    /// <param name="loaded"><see langword="true"/> if the value was loaded, <see langword="false"/> if stored.</param>
    /// <returns>The value now associated with the key.</returns>
    TValue LoadOrStore(TKey key, TValue value, out bool loaded);

    /// <summary>Go's <c>LoadAndDelete</c>: deletes the key and returns the value it had, if any.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The deleted value, or <see langword="default"/> when the key was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's <c>Delete</c>: deletes the key, if present.</summary>
    /// <param name="key">The key.</param>
    void Delete(TKey key);

    /// <summary>Go's <c>Swap</c>: stores <paramref name="value"/> and returns the previous value, if any.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <param name="previous">The value the key had, or <see langword="default"/> when it was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous);

    /// <summary>Go's <c>CompareAndSwap</c>: stores <paramref name="newValue"/> if the key's value equals <paramref name="oldValue"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have.</param>
    /// <param name="newValue">The value to store.</param>
    /// <returns><see langword="true"/> if the value was swapped.</returns>
    bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue);

    /// <summary>Go's <c>CompareAndDelete</c>: deletes the key if its value equals <paramref name="oldValue"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have.</param>
    /// <returns><see langword="true"/> if the key was deleted.</returns>
    bool CompareAndDelete(TKey key, TValue oldValue);

    /// <summary>Go's <c>Range</c>: calls <paramref name="f"/> for each key and value until it returns <see langword="false"/>.</summary>
    /// <param name="f">The callback; return <see langword="false"/> to stop.</param>
    void Range(Func<TKey, TValue, bool> f);

    /// <summary>Go's <c>Clear</c>: deletes every key.</summary>
    void Clear();
}
