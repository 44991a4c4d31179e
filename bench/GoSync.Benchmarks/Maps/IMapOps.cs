// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics.CodeAnalysis;

namespace GoSync.Benchmarks.Maps;

/// <summary>
/// Go's <c>mapInterface</c> (map_reference_test.go): the operations every workload calls, plus <see cref="Count"/>
/// for the smoke checks.
/// </summary>
/// <remarks>
/// Implemented only by structs that wrap one map instance. Workloads are generic methods constrained to
/// <c>struct, IMapOps</c>, so the JIT compiles one loop per map with direct (inlinable) calls: there is no shared
/// interface call site whose profile-guided devirtualisation would favour one map over the others.
/// </remarks>
public interface IMapOps<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Go's Load: the value and true, or false when absent.</summary>
    bool Load(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's Store: insert or overwrite.</summary>
    void Store(TKey key, TValue value);

    /// <summary>Go's LoadOrStore: the existing value (loaded) or <paramref name="value"/> after storing it.</summary>
    TValue LoadOrStore(TKey key, TValue value, out bool loaded);

    /// <summary>
    /// ConcurrentDictionary's <c>GetOrAdd(key, factory)</c>: the existing value, or the value <paramref name="factory"/>
    /// makes for an absent key after adding it (the map's own call where it has one).
    /// </summary>
    TValue GetOrAdd(TKey key, Func<TKey, TValue> factory);

    /// <summary>
    /// SyncMap's <c>LoadOrCompute(key, factory)</c> (the factory runs at most once per absence); every other map has no
    /// such call and runs its <see cref="GetOrAdd"/>.
    /// </summary>
    TValue LoadOrCompute(TKey key, Func<TKey, TValue> factory);

    /// <summary>Go's LoadAndDelete: removes the key; its previous value and true, or false when absent.</summary>
    bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Go's Delete.</summary>
    void Delete(TKey key);

    /// <summary>Go's Swap: stores <paramref name="value"/>; returns whether the key was present and its previous value.</summary>
    bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous);

    /// <summary>Go's CompareAndSwap: replaces the value only when present and equal to <paramref name="oldValue"/>.</summary>
    bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue);

    /// <summary>Go's CompareAndDelete: removes the key only when present and equal to <paramref name="oldValue"/>.</summary>
    bool CompareAndDelete(TKey key, TValue oldValue);

    /// <summary>Go's Range: calls <paramref name="f"/> per entry until it returns false; no lock is held while it runs.</summary>
    void Range<TState>(TState state, Func<TState, TKey, TValue, bool> f);

    /// <summary>Go's Clear.</summary>
    void Clear();

    /// <summary>Number of entries (checks only; never called inside a timed loop).</summary>
    int Count { get; }
}

/// <summary>The six maps every workload runs against, in the order of the result table.</summary>
public enum MapKind
{
    /// <summary><see cref="GoSync.SyncMap{TKey, TValue}"/>.</summary>
    SyncMap,

    /// <summary><see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/> (the baseline).</summary>
    ConcurrentDictionary,

    /// <summary><c>NonBlocking.ConcurrentDictionary</c> (package NonBlocking): a lock-free open-addressing peer.</summary>
    NonBlocking,

    /// <summary>A <see cref="System.Collections.Generic.Dictionary{TKey, TValue}"/> under one <see cref="System.Threading.Lock"/>.</summary>
    LockedDictionary,

    /// <summary>A Dictionary under a <see cref="System.Threading.ReaderWriterLockSlim"/> (Go's RWMutexMap).</summary>
    RwLockDictionary,

    /// <summary>A copy-on-write <see cref="System.Collections.Immutable.ImmutableDictionary{TKey, TValue}"/> (Go's DeepCopyMap).</summary>
    CopyOnWrite,
}
