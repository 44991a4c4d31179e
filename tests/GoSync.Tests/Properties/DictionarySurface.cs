// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace GoSync.Tests.Properties;

/// <summary>
/// The <see cref="ConcurrentDictionary{TKey, TValue}"/> surface that <see cref="SyncMap{TKey, TValue}"/>
/// also offers, for string keys and nullable string values (TArg fixed to int), so one test drives
/// the SyncMap, a ConcurrentDictionary and a plain-Dictionary model with the same calls.
/// </summary>
internal interface IDictionarySurface
{
    string Name { get; }

    int Count { get; }

    bool IsEmpty { get; }

    ICollection<string> Keys { get; }

    ICollection<string?> Values { get; }

    string? this[string key] { get; set; }

    bool TryAdd(string key, string? value);

    bool TryGetValue(string key, out string? value);

    bool TryRemove(string key, out string? value);

    bool TryRemove(KeyValuePair<string, string?> item);

    bool TryUpdate(string key, string? newValue, string? comparisonValue);

    string? GetOrAdd(string key, Func<string, string?> valueFactory);

    string? GetOrAdd(string key, string? value);

    string? GetOrAdd(string key, Func<string, int, string?> valueFactory, int factoryArgument);

    string? AddOrUpdate(string key, Func<string, string?> addValueFactory, Func<string, string?, string?> updateValueFactory);

    string? AddOrUpdate(string key, string? addValue, Func<string, string?, string?> updateValueFactory);

    string? AddOrUpdate(string key, Func<string, int, string?> addValueFactory, Func<string, string?, int, string?> updateValueFactory, int factoryArgument);

    bool ContainsKey(string key);

    KeyValuePair<string, string?>[] ToArray();

    /// <summary>The pairs seen by a foreach over the map, in enumeration order.</summary>
    KeyValuePair<string, string?>[] Enumerate();

    void Clear();
}

/// <summary>The map under test.</summary>
internal sealed class SyncMapSurface : IDictionarySurface
{
    public SyncMap<string, string?> Map { get; } = new();

    public string Name => "SyncMap";

    public int Count => Map.Count;

    public bool IsEmpty => Map.IsEmpty;

    public ICollection<string> Keys => Map.Keys;

    public ICollection<string?> Values => Map.Values;

    public string? this[string key]
    {
        get => Map[key];
        set => Map[key] = value;
    }

    public bool TryAdd(string key, string? value) => Map.TryAdd(key, value);

    public bool TryGetValue(string key, out string? value) => Map.TryGetValue(key, out value);

    public bool TryRemove(string key, out string? value) => Map.TryRemove(key, out value);

    public bool TryRemove(KeyValuePair<string, string?> item) => Map.TryRemove(item);

    public bool TryUpdate(string key, string? newValue, string? comparisonValue) => Map.TryUpdate(key, newValue, comparisonValue);

    public string? GetOrAdd(string key, Func<string, string?> valueFactory) => Map.GetOrAdd(key, valueFactory);

    public string? GetOrAdd(string key, string? value) => Map.GetOrAdd(key, value);

    public string? GetOrAdd(string key, Func<string, int, string?> valueFactory, int factoryArgument) =>
        Map.GetOrAdd(key, valueFactory, factoryArgument);

    public string? AddOrUpdate(string key, Func<string, string?> addValueFactory, Func<string, string?, string?> updateValueFactory) =>
        Map.AddOrUpdate(key, addValueFactory, updateValueFactory);

    public string? AddOrUpdate(string key, string? addValue, Func<string, string?, string?> updateValueFactory) =>
        Map.AddOrUpdate(key, addValue, updateValueFactory);

    public string? AddOrUpdate(string key, Func<string, int, string?> addValueFactory, Func<string, string?, int, string?> updateValueFactory, int factoryArgument) =>
        Map.AddOrUpdate(key, addValueFactory, updateValueFactory, factoryArgument);

    public bool ContainsKey(string key) => Map.ContainsKey(key);

    public KeyValuePair<string, string?>[] ToArray() => Map.ToArray();

    public KeyValuePair<string, string?>[] Enumerate()
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (KeyValuePair<string, string?> pair in Map)
        {
            pairs.Add(pair);
        }

        return [.. pairs];
    }

    public void Clear() => Map.Clear();
}

/// <summary>The BCL's ConcurrentDictionary: the behaviour SyncMap's ConcurrentDictionary surface promises to match.</summary>
internal sealed class ConcurrentDictionarySurface : IDictionarySurface
{
    private readonly ConcurrentDictionary<string, string?> _map = new();

    public string Name => "ConcurrentDictionary";

    public int Count => _map.Count;

    public bool IsEmpty => _map.IsEmpty;

    public ICollection<string> Keys => _map.Keys;

    public ICollection<string?> Values => _map.Values;

    public string? this[string key]
    {
        get => _map[key];
        set => _map[key] = value;
    }

    public bool TryAdd(string key, string? value) => _map.TryAdd(key, value);

    public bool TryGetValue(string key, out string? value) => _map.TryGetValue(key, out value);

    public bool TryRemove(string key, out string? value) => _map.TryRemove(key, out value);

    public bool TryRemove(KeyValuePair<string, string?> item) => _map.TryRemove(item);

    public bool TryUpdate(string key, string? newValue, string? comparisonValue) => _map.TryUpdate(key, newValue, comparisonValue);

    public string? GetOrAdd(string key, Func<string, string?> valueFactory) => _map.GetOrAdd(key, valueFactory);

    public string? GetOrAdd(string key, string? value) => _map.GetOrAdd(key, value);

    public string? GetOrAdd(string key, Func<string, int, string?> valueFactory, int factoryArgument) =>
        _map.GetOrAdd(key, valueFactory, factoryArgument);

    public string? AddOrUpdate(string key, Func<string, string?> addValueFactory, Func<string, string?, string?> updateValueFactory) =>
        _map.AddOrUpdate(key, addValueFactory, updateValueFactory);

    public string? AddOrUpdate(string key, string? addValue, Func<string, string?, string?> updateValueFactory) =>
        _map.AddOrUpdate(key, addValue, updateValueFactory);

    public string? AddOrUpdate(string key, Func<string, int, string?> addValueFactory, Func<string, string?, int, string?> updateValueFactory, int factoryArgument) =>
        _map.AddOrUpdate(key, addValueFactory, updateValueFactory, factoryArgument);

    public bool ContainsKey(string key) => _map.ContainsKey(key);

    public KeyValuePair<string, string?>[] ToArray() => _map.ToArray();

    public KeyValuePair<string, string?>[] Enumerate() => [.. _map];

    public void Clear() => _map.Clear();
}

/// <summary>
/// The obviously-correct model: a plain <see cref="Dictionary{TKey, TValue}"/> with the documented
/// single-threaded meaning of each ConcurrentDictionary method written out by hand. Single-threaded,
/// each factory runs exactly once when it is needed and never otherwise.
/// </summary>
internal sealed class DictionaryModel : IDictionarySurface
{
    private readonly Dictionary<string, string?> _map = new(StringComparer.Ordinal);

    public string Name => "Dictionary model";

    public int Count => _map.Count;

    public bool IsEmpty => _map.Count == 0;

    public ICollection<string> Keys => [.. _map.Keys];

    public ICollection<string?> Values => [.. _map.Values];

    public string? this[string key]
    {
        get => _map.TryGetValue(key, out string? value) ? value : throw new KeyNotFoundException($"The given key '{key}' was not present in the dictionary.");
        set => _map[key] = value;
    }

    public bool TryAdd(string key, string? value) => _map.TryAdd(key, value);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string? value) => _map.TryGetValue(key, out value);

    public bool TryRemove(string key, out string? value) => _map.Remove(key, out value);

    public bool TryRemove(KeyValuePair<string, string?> item)
    {
        if (_map.TryGetValue(item.Key, out string? current) && EqualityComparer<string?>.Default.Equals(current, item.Value))
        {
            _map.Remove(item.Key);
            return true;
        }

        return false;
    }

    public bool TryUpdate(string key, string? newValue, string? comparisonValue)
    {
        if (_map.TryGetValue(key, out string? current) && EqualityComparer<string?>.Default.Equals(current, comparisonValue))
        {
            _map[key] = newValue;
            return true;
        }

        return false;
    }

    public string? GetOrAdd(string key, Func<string, string?> valueFactory)
    {
        if (_map.TryGetValue(key, out string? current))
        {
            return current;
        }

        string? value = valueFactory(key);
        _map.Add(key, value);
        return value;
    }

    public string? GetOrAdd(string key, string? value) => _map.TryAdd(key, value) ? value : _map[key];

    public string? GetOrAdd(string key, Func<string, int, string?> valueFactory, int factoryArgument) =>
        GetOrAdd(key, k => valueFactory(k, factoryArgument));

    public string? AddOrUpdate(string key, Func<string, string?> addValueFactory, Func<string, string?, string?> updateValueFactory)
    {
        string? value = _map.TryGetValue(key, out string? current) ? updateValueFactory(key, current) : addValueFactory(key);
        _map[key] = value;
        return value;
    }

    public string? AddOrUpdate(string key, string? addValue, Func<string, string?, string?> updateValueFactory) =>
        AddOrUpdate(key, _ => addValue, updateValueFactory);

    public string? AddOrUpdate(string key, Func<string, int, string?> addValueFactory, Func<string, string?, int, string?> updateValueFactory, int factoryArgument) =>
        AddOrUpdate(key, k => addValueFactory(k, factoryArgument), (k, v) => updateValueFactory(k, v, factoryArgument));

    public bool ContainsKey(string key) => _map.ContainsKey(key);

    public KeyValuePair<string, string?>[] ToArray() => [.. _map];

    public KeyValuePair<string, string?>[] Enumerate() => [.. _map];

    public void Clear() => _map.Clear();
}
