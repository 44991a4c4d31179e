// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using GoSync.Internal;

namespace GoSync;

// The ConcurrentDictionary<TKey, TValue> surface, built on Go's operations. Same names, signatures and
// meaning, so that code switches by changing the type name.
public sealed partial class SyncMap<TKey, TValue> :
    IDictionary<TKey, TValue>, IReadOnlyDictionary<TKey, TValue>, IDictionary
{
    /// <summary>Adds the key and value if the key is absent.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> if added; <see langword="false"/> if the key was present (the map is unchanged).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool TryAdd(TKey key, TValue value)
    {
        LoadOrStore(key, value, out bool loaded);
        return !loaded;
    }

    /// <summary>Gets the value for <paramref name="key"/>. Same as <see cref="Load"/>: lock-free and allocation-free on the read map.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, or <see langword="default"/> when absent.</param>
    /// <returns><see langword="true"/> if the key is present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => Load(key, out value);

    /// <summary>Whether the map holds <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> if present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool ContainsKey(TKey key) => Load(key, out _);

    /// <summary>Removes <paramref name="key"/> and returns its value. Same as <see cref="LoadAndDelete"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The removed value, or <see langword="default"/> when absent.</param>
    /// <returns><see langword="true"/> if the key was removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool TryRemove(TKey key, [MaybeNullWhen(false)] out TValue value) => LoadAndDelete(key, out value);

    /// <summary>Removes the key of <paramref name="item"/> only if its value equals <paramref name="item"/>'s value. Same as <see cref="CompareAndDelete"/>.</summary>
    /// <param name="item">The key and the value it must hold.</param>
    /// <returns><see langword="true"/> if the pair was removed.</returns>
    /// <exception cref="ArgumentNullException">The key of <paramref name="item"/> is <see langword="null"/>.</exception>
    public bool TryRemove(KeyValuePair<TKey, TValue> item)
    {
        if (IsNullKey(item.Key))
        {
            ThrowHelper.ThrowItemKeyNull();
        }

        return CompareAndDelete(item.Key, item.Value);
    }

    /// <summary>Replaces the value of <paramref name="key"/> with <paramref name="newValue"/> if it equals <paramref name="comparisonValue"/>. Same as <see cref="CompareAndSwap"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="newValue">The replacement.</param>
    /// <param name="comparisonValue">The value the key must hold.</param>
    /// <returns><see langword="true"/> if the value was replaced.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool TryUpdate(TKey key, TValue newValue, TValue comparisonValue) => CompareAndSwap(key, comparisonValue, newValue);

    /// <summary>Gets the value of <paramref name="key"/>, adding the one <paramref name="valueFactory"/> makes if the key is absent.</summary>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside any lock; under a race it may run on several threads, and only one result is stored.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> valueFactory)
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));
        return TryLoadHit(key, out TValue? value) ? value : GetOrAdd(key, valueFactory, out _);
    }

    /// <summary>Gets the value of <paramref name="key"/>, adding <paramref name="value"/> if the key is absent. Same as <see cref="LoadOrStore"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to add if the key is absent.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public TValue GetOrAdd(TKey key, TValue value) => LoadOrStore(key, value, out _);

    /// <summary>Gets the value of <paramref name="key"/>, adding the one <paramref name="valueFactory"/> makes from <paramref name="factoryArgument"/> if the key is absent.</summary>
    /// <typeparam name="TArg">The type of the factory's argument.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside any lock; may run on several racing threads, only one result is stored.</param>
    /// <param name="factoryArgument">Passed to <paramref name="valueFactory"/>.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    public TValue GetOrAdd<TArg>(TKey key, Func<TKey, TArg, TValue> valueFactory, TArg factoryArgument)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));
        return TryLoadHit(key, out TValue? value) ? value : GetOrAdd(key, valueFactory, factoryArgument, out _);
    }

    /// <summary>Gets the value of <paramref name="key"/>, adding <paramref name="value"/> if the key is absent, and says which happened (dotnet/runtime#79934).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to add if the key is absent.</param>
    /// <param name="added"><see langword="true"/> if this call added <paramref name="value"/>; <see langword="false"/> if the key was present.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <remarks>Same as <see cref="LoadOrStore"/> with <paramref name="added"/> = !loaded: lock-free and allocation-free for a key of the read map.</remarks>
    public TValue GetOrAdd(TKey key, TValue value, out bool added)
    {
        TValue actual = LoadOrStore(key, value, out bool loaded);
        added = !loaded;
        return actual;
    }

    /// <summary>Gets the value of <paramref name="key"/>, adding the one <paramref name="valueFactory"/> makes if the key is absent, and says which happened (dotnet/runtime#79934).</summary>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside any lock; under a race it may run on several threads, and only one result is stored (LoadOrCompute runs it once).</param>
    /// <param name="added"><see langword="true"/> if this call added its factory's value; <see langword="false"/> if the key was present (or another thread's value won the race).</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> valueFactory, out bool added)
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));

        if (TryLoadHit(key, out TValue? value) || Load(key, out value))
        {
            added = false;
            return value;
        }

        TValue actual = LoadOrStore(key, valueFactory(key), out bool loaded);
        added = !loaded;
        return actual;
    }

    /// <summary>Gets the value of <paramref name="key"/>, adding the one <paramref name="valueFactory"/> makes from <paramref name="factoryArgument"/> if the key is absent, and says which happened (dotnet/runtime#79934).</summary>
    /// <typeparam name="TArg">The type of the factory's argument.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="valueFactory">Makes the value for an absent key. Runs outside any lock; may run on several racing threads, only one result is stored.</param>
    /// <param name="factoryArgument">Passed to <paramref name="valueFactory"/>.</param>
    /// <param name="added"><see langword="true"/> if this call added its factory's value; <see langword="false"/> if the key was present (or another thread's value won the race).</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is <see langword="null"/>.</exception>
    public TValue GetOrAdd<TArg>(TKey key, Func<TKey, TArg, TValue> valueFactory, TArg factoryArgument, out bool added)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        CheckKeyAndDelegate(key, valueFactory, nameof(valueFactory));

        if (TryLoadHit(key, out TValue? value) || Load(key, out value))
        {
            added = false;
            return value;
        }

        TValue actual = LoadOrStore(key, valueFactory(key, factoryArgument), out bool loaded);
        added = !loaded;
        return actual;
    }

    /// <summary>
    /// Adds a value made by <paramref name="addValueFactory"/> if <paramref name="key"/> is absent, or replaces its
    /// value with <paramref name="updateValueFactory"/>'s result. No update is lost: the replacement is a
    /// compare-and-swap against the exact value the factory saw, retried if the value changed meanwhile.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="addValueFactory">Makes the value for an absent key. Runs outside any lock, possibly more than once.</param>
    /// <param name="updateValueFactory">Makes the new value from the current one. Runs outside any lock, possibly more than once.</param>
    /// <returns>The value now associated with the key (the one this call stored).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or a factory is <see langword="null"/>.</exception>
    public TValue AddOrUpdate(TKey key, Func<TKey, TValue> addValueFactory, Func<TKey, TValue, TValue> updateValueFactory)
    {
        CheckKeyAndDelegate(key, addValueFactory, nameof(addValueFactory));

        if (updateValueFactory is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(updateValueFactory));
        }

        return AddOrUpdateCore(
            key,
            static (k, factories) => factories.Add(k),
            static (k, current, factories) => factories.Update(k, current),
            (Add: addValueFactory, Update: updateValueFactory));
    }

    /// <summary>
    /// Adds <paramref name="addValue"/> if <paramref name="key"/> is absent, or replaces its value with
    /// <paramref name="updateValueFactory"/>'s result. No update is lost (see the other overload).
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="addValue">The value for an absent key.</param>
    /// <param name="updateValueFactory">Makes the new value from the current one. Runs outside any lock, possibly more than once.</param>
    /// <returns>The value now associated with the key (the one this call stored).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="updateValueFactory"/> is <see langword="null"/>.</exception>
    public TValue AddOrUpdate(TKey key, TValue addValue, Func<TKey, TValue, TValue> updateValueFactory)
    {
        CheckKeyAndDelegate(key, updateValueFactory, nameof(updateValueFactory));

        return AddOrUpdateCore(
            key,
            static (_, arguments) => arguments.AddValue,
            static (k, current, arguments) => arguments.Update(k, current),
            (AddValue: addValue, Update: updateValueFactory));
    }

    /// <summary>
    /// Adds a value made by <paramref name="addValueFactory"/> if <paramref name="key"/> is absent, or replaces its
    /// value with <paramref name="updateValueFactory"/>'s result; both receive <paramref name="factoryArgument"/>.
    /// No update is lost (see the other overloads).
    /// </summary>
    /// <typeparam name="TArg">The type of the factories' argument.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="addValueFactory">Makes the value for an absent key. Runs outside any lock, possibly more than once.</param>
    /// <param name="updateValueFactory">Makes the new value from the current one. Runs outside any lock, possibly more than once.</param>
    /// <param name="factoryArgument">Passed to the factories.</param>
    /// <returns>The value now associated with the key (the one this call stored).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or a factory is <see langword="null"/>.</exception>
    public TValue AddOrUpdate<TArg>(TKey key, Func<TKey, TArg, TValue> addValueFactory, Func<TKey, TValue, TArg, TValue> updateValueFactory, TArg factoryArgument)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        CheckKeyAndDelegate(key, addValueFactory, nameof(addValueFactory));

        if (updateValueFactory is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(updateValueFactory));
        }

        return AddOrUpdateCore(key, addValueFactory, updateValueFactory, factoryArgument);
    }

    // The loop of every AddOrUpdate overload (arguments already checked): update a present key by a compare-and-swap
    // on the exact state its factory saw, or add through LoadOrStore; retry whenever another writer got in between.
    // The two overloads without TArg pass their delegates (or add value) as the argument to static lambdas, which the
    // runtime caches, so they allocate nothing more than this overload.
    private TValue AddOrUpdateCore<TArg>(TKey key, Func<TKey, TArg, TValue> addValueFactory, Func<TKey, TValue, TArg, TValue> updateValueFactory, TArg factoryArgument)
#if NET9_0_OR_GREATER
        where TArg : allows ref struct
#endif
    {
        while (true)
        {
            if (TryLoadLive(key, out Entry? entry, out Slot slot))
            {
                if (slot.IsPending)
                {
                    WaitForPendingKey(key); // Pv: a Compute holds the present key; update after it publishes
                    continue;
                }

                TValue updated = updateValueFactory(key, slot.Value, factoryArgument);
                if (entry.TryReplace(slot, Slot.Live(updated)))
                {
                    return updated;
                }
            }
            else
            {
                TValue added = addValueFactory(key, factoryArgument);
                LoadOrStore(key, added, out bool loaded);
                if (!loaded)
                {
                    return added;
                }
            }
        }
    }

    // AddOrUpdate's read step: the entry of a present key and the exact live state seen (Load's lookup and miss accounting).
    private bool TryLoadLive(TKey key, [NotNullWhen(true)] out Entry? entry, out Slot slot)
    {
        entry = FindEntry(key);
        slot = entry is null ? Slot.Deleted : entry.LoadSlot();
        return slot.IsLive;
    }

    /// <summary>Gets or sets the value of <paramref name="key"/>. Setting is <see cref="Store"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">Getting, and the key is absent.</exception>
    public TValue this[TKey key]
    {
        get
        {
            if (!Load(key, out TValue? value))
            {
                ThrowHelper.ThrowKeyNotFound(key);
            }

            return value;
        }

        set => Store(key, value);
    }

    /// <summary>Gets the keys, collected by one Range pass into a read-only collection (not a point-in-time snapshot: see <see cref="Range(Func{TKey, TValue, bool})"/>).</summary>
    public ICollection<TKey> Keys
    {
        get
        {
            var keys = new List<TKey>(Count);
            Range(keys, static (list, key, _) =>
            {
                list.Add(key);
                return true;
            });
            return new ReadOnlyCollection<TKey>(keys);
        }
    }

    /// <summary>Gets the values, collected by one Range pass into a read-only collection (not a point-in-time snapshot).</summary>
    public ICollection<TValue> Values
    {
        get
        {
            var values = new List<TValue>(Count);
            Range(values, static (list, _, value) =>
            {
                list.Add(value);
                return true;
            });
            return new ReadOnlyCollection<TValue>(values);
        }
    }

    /// <summary>Copies the pairs into a new array, by one Range pass (not a point-in-time snapshot).</summary>
    /// <returns>The pairs.</returns>
    public KeyValuePair<TKey, TValue>[] ToArray()
    {
        var pairs = new List<KeyValuePair<TKey, TValue>>(Count);
        Range(pairs, static (list, key, value) =>
        {
            list.Add(new KeyValuePair<TKey, TValue>(key, value));
            return true;
        });
        return pairs.ToArray();
    }

    // ---------------------------------------------------------------------------------------------
    // Explicit interface implementations (as ConcurrentDictionary's).
    // ---------------------------------------------------------------------------------------------

    IEnumerable<TKey> IReadOnlyDictionary<TKey, TValue>.Keys => Keys;

    IEnumerable<TValue> IReadOnlyDictionary<TKey, TValue>.Values => Values;

    bool ICollection<KeyValuePair<TKey, TValue>>.IsReadOnly => false;

    void IDictionary<TKey, TValue>.Add(TKey key, TValue value)
    {
        if (!TryAdd(key, value))
        {
            ThrowHelper.ThrowKeyExists();
        }
    }

    bool IDictionary<TKey, TValue>.Remove(TKey key) => LoadAndDelete(key, out _);

    void ICollection<KeyValuePair<TKey, TValue>>.Add(KeyValuePair<TKey, TValue> item) =>
        ((IDictionary<TKey, TValue>)this).Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<TKey, TValue>>.Contains(KeyValuePair<TKey, TValue> item)
    {
        if (IsNullKey(item.Key))
        {
            ThrowHelper.ThrowKeyNull(); // ConcurrentDictionary names "key" here (and "item" in TryRemove)
        }

        return Load(item.Key, out TValue? value) && ValueEquals(_valueComparer, value, item.Value);
    }

    bool ICollection<KeyValuePair<TKey, TValue>>.Remove(KeyValuePair<TKey, TValue> item) => TryRemove(item);

    void ICollection<KeyValuePair<TKey, TValue>>.CopyTo(KeyValuePair<TKey, TValue>[] array, int arrayIndex)
    {
        if (array is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(array));
        }

        if (arrayIndex < 0)
        {
            ThrowHelper.ThrowIndexNegative();
        }

        KeyValuePair<TKey, TValue>[] pairs = ToArray();
        if (array.Length - pairs.Length < arrayIndex)
        {
            ThrowHelper.ThrowArrayTooSmall();
        }

        pairs.CopyTo(array, arrayIndex);
    }

    IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    bool IDictionary.IsFixedSize => false;

    bool IDictionary.IsReadOnly => false;

    ICollection IDictionary.Keys => (ICollection)Keys;

    ICollection IDictionary.Values => (ICollection)Values;

    bool ICollection.IsSynchronized => false;

    object ICollection.SyncRoot
    {
        get
        {
            ThrowHelper.ThrowSyncRootNotSupported();
            return null;
        }
    }

    object? IDictionary.this[object key]
    {
        get
        {
            if (key is null)
            {
                ThrowHelper.ThrowKeyNull();
            }

            return key is TKey typedKey && Load(typedKey, out TValue? value) ? value : null;
        }

        set
        {
            if (key is null)
            {
                ThrowHelper.ThrowKeyNull();
            }

            if (key is not TKey typedKey)
            {
                ThrowHelper.ThrowWrongKeyType();
                return;
            }

            Store(typedKey, ToValue(value));
        }
    }

    void IDictionary.Add(object key, object? value)
    {
        if (key is null)
        {
            ThrowHelper.ThrowKeyNull();
        }

        if (key is not TKey typedKey)
        {
            ThrowHelper.ThrowWrongKeyType();
            return;
        }

        ((IDictionary<TKey, TValue>)this).Add(typedKey, ToValue(value));
    }

    bool IDictionary.Contains(object key)
    {
        if (key is null)
        {
            ThrowHelper.ThrowKeyNull();
        }

        return key is TKey typedKey && ContainsKey(typedKey);
    }

    IDictionaryEnumerator IDictionary.GetEnumerator() => new DictionaryEnumerator(this);

    void IDictionary.Remove(object key)
    {
        if (key is null)
        {
            ThrowHelper.ThrowKeyNull();
        }

        if (key is TKey typedKey)
        {
            LoadAndDelete(typedKey, out _);
        }
    }

    void ICollection.CopyTo(Array array, int index)
    {
        if (array is null)
        {
            ThrowHelper.ThrowArgumentNull(nameof(array));
        }

        if (index < 0)
        {
            ThrowHelper.ThrowIndexNegative();
        }

        KeyValuePair<TKey, TValue>[] pairs = ToArray();
        if (array.Length - pairs.Length < index)
        {
            ThrowHelper.ThrowArrayTooSmall();
        }

        switch (array)
        {
            case KeyValuePair<TKey, TValue>[] typed:
                pairs.CopyTo(typed, index);
                break;
            case DictionaryEntry[] entries:
                for (int i = 0; i < pairs.Length; i++)
                {
                    entries[index + i] = new DictionaryEntry(pairs[i].Key, pairs[i].Value);
                }

                break;
            case object[] objects:
                for (int i = 0; i < pairs.Length; i++)
                {
                    objects[index + i] = pairs[i];
                }

                break;
            default:
                ThrowHelper.ThrowArrayIncorrectType();
                break;
        }
    }

    // The non-generic IDictionary's value check: null only for a nullable TValue, otherwise a TValue.
    private static TValue ToValue(object? value)
    {
        if (value is null)
        {
            if (default(TValue) is not null)
            {
                ThrowHelper.ThrowWrongValueType();
            }

            return default!;
        }

        if (value is not TValue typed)
        {
            ThrowHelper.ThrowWrongValueType();
            return default!;
        }

        return typed;
    }
}
