// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>
/// Differential test of SyncMap's ConcurrentDictionary surface: seeded random sequences of
/// TryAdd, TryGetValue, both TryRemove, TryUpdate, the three GetOrAdd, the three AddOrUpdate, the
/// indexer (get and set), ContainsKey, Count, IsEmpty, ToArray, Keys, Values, enumeration and Clear run on a
/// <see cref="SyncMap{TKey, TValue}"/>, a plain-Dictionary model and a
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>. Every result,
/// every factory invocation (which factory, with which arguments) and the final contents must
/// match; the SyncMap's invariants are checked periodically and at the end.
/// </summary>
public sealed class DictionaryOperationProperties
{
    private const int Sequences = 2000;
    private const int MaxCalls = 100;

    /// <summary>The ops of the ConcurrentDictionary surface.</summary>
    private enum DictOp
    {
        /// <summary>TryAdd(k, v).</summary>
        TryAdd,

        /// <summary>TryGetValue(k).</summary>
        TryGetValue,

        /// <summary>TryRemove(k, out v).</summary>
        TryRemove,

        /// <summary>TryRemove(KeyValuePair(k, v)).</summary>
        TryRemovePair,

        /// <summary>TryUpdate(k, other, v).</summary>
        TryUpdate,

        /// <summary>GetOrAdd(k, factory).</summary>
        GetOrAddFactory,

        /// <summary>GetOrAdd(k, v).</summary>
        GetOrAddValue,

        /// <summary>GetOrAdd(k, factory, arg).</summary>
        GetOrAddArgument,

        /// <summary>AddOrUpdate(k, addFactory, updateFactory).</summary>
        AddOrUpdateFactories,

        /// <summary>AddOrUpdate(k, v, updateFactory).</summary>
        AddOrUpdateValue,

        /// <summary>AddOrUpdate(k, addFactory, updateFactory, arg).</summary>
        AddOrUpdateArgument,

        /// <summary>this[k] (get).</summary>
        IndexerGet,

        /// <summary>this[k] = v.</summary>
        IndexerSet,

        /// <summary>ContainsKey(k).</summary>
        ContainsKey,

        /// <summary>Count.</summary>
        Count,

        /// <summary>IsEmpty.</summary>
        IsEmpty,

        /// <summary>ToArray().</summary>
        ToArray,

        /// <summary>Keys.</summary>
        Keys,

        /// <summary>Values.</summary>
        Values,

        /// <summary>foreach over the map (its struct enumerator).</summary>
        Enumerate,

        /// <summary>Clear().</summary>
        Clear,
    }

    /// <summary>One call: the op, its key, a value, a second value (TryUpdate's new value) and a factory argument.</summary>
    private readonly record struct DictCall(DictOp Op, string Key, string? Value, string? Other, int Argument)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"{Op}(k: {GoCalls.Quote(Key)}, v: {GoCalls.Quote(Value)}, other: {GoCalls.Quote(Other)}, arg: {Argument})";
    }

    private static readonly string?[] s_values = [null, "", "x", "y", "xy"];

    /// <summary>Every result and every factory call of the SyncMap matches the model and ConcurrentDictionary.</summary>
    [Fact]
    public void ConcurrentDictionarySurface_MatchesDictionaryModelAndConcurrentDictionary()
    {
        SequenceRunner.Run<DictCall>(
            nameof(ConcurrentDictionarySurface_MatchesDictionaryModelAndConcurrentDictionary),
            defaultSeed: 20680,
            Sequences * TestEnvironment.StressScale,
            MaxCalls,
            NextCall,
            FindFailure,
            Trace);
    }

    private static DictCall NextCall(Random random)
    {
        // Clear (the last op) is drawn a quarter as often as the other ops, so maps grow between Clears.
        int ops = (int)DictOp.Clear;
        int pick = random.Next((ops * 4) + 1);
        var op = (DictOp)(pick / 4);
        string key = random.Next(4) == 0 ? string.Empty : "abcd".Substring(random.Next(4), 1) + (random.Next(3) == 0 ? "z" : string.Empty);
        return new DictCall(op, key, s_values[random.Next(s_values.Length)], s_values[random.Next(s_values.Length)], random.Next(3));
    }

    private static string? FindFailure(IReadOnlyList<DictCall> calls)
    {
        var syncMap = new SyncMapSurface();
        IDictionarySurface[] references = [new DictionaryModel(), new ConcurrentDictionarySurface()];
        for (int i = 0; i < calls.Count; i++)
        {
            DictCall call = calls[i];
            string actual = Apply(syncMap, call);
            string expected = Apply(references[0], call);
            string other = Apply(references[1], call);
            if (other != expected)
            {
                return $"call #{i} {call}: the references disagree ({references[0].Name} {expected}, {references[1].Name} {other}).";
            }

            if (actual != expected)
            {
                return $"call #{i} {call}: SyncMap returned {actual}, {references[0].Name} returned {expected}.";
            }

            if ((i + 1) % 8 == 0 && GoCallChecker.CheckInvariants(syncMap.Map, $"after call #{i} {call}") is { } broken)
            {
                return broken;
            }
        }

        string finalExpected = FormatPairs(references[0].ToArray());
        string finalActual = Describe(() => FormatPairs(syncMap.ToArray()));
        if (finalActual != finalExpected)
        {
            return $"final contents: SyncMap {finalActual}, {references[0].Name} {finalExpected}.";
        }

        return GoCallChecker.CheckInvariants(syncMap.Map, "at the end");
    }

    private static string Trace(IReadOnlyList<DictCall> calls)
    {
        var syncMap = new SyncMapSurface();
        var model = new DictionaryModel();
        var text = new StringBuilder();
        for (int i = 0; i < calls.Count; i++)
        {
            string actual = Apply(syncMap, calls[i]);
            string expected = Apply(model, calls[i]);
            text.Append(CultureInfo.InvariantCulture, $"  #{i} {calls[i]}: SyncMap {actual}, model {expected}");
            text.AppendLine(actual == expected ? string.Empty : "   <-- differs");
        }

        return text.ToString();
    }

    // Applies one call; the result text includes the value(s) returned and every factory invocation.
    private static string Apply(IDictionarySurface map, DictCall call)
    {
        var log = new List<string>();
        string Add(string k)
        {
            log.Add($"add({GoCalls.Quote(k)})");
            return k + "+";
        }

        string AddWithArgument(string k, int arg)
        {
            log.Add($"add({GoCalls.Quote(k)}, {arg})");
            return k + arg.ToString(CultureInfo.InvariantCulture);
        }

        // Bounded growth: a value never gets longer than three characters.
        string Update(string k, string? old)
        {
            log.Add($"update({GoCalls.Quote(k)}, {GoCalls.Quote(old)})");
            return old is null ? "n" : old.Length >= 3 ? "u" : old + "u";
        }

        string UpdateWithArgument(string k, string? old, int arg)
        {
            log.Add($"update({GoCalls.Quote(k)}, {GoCalls.Quote(old)}, {arg})");
            return (old is null || old.Length >= 3 ? string.Empty : old) + arg.ToString(CultureInfo.InvariantCulture);
        }

        string result;
        try
        {
            string key = call.Key;
            result = call.Op switch
            {
                DictOp.TryAdd => Bool(map.TryAdd(key, call.Value)),
                DictOp.TryGetValue => map.TryGetValue(key, out string? value) ? "true " + GoCalls.Quote(value) : "false",
                DictOp.TryRemove => map.TryRemove(key, out string? removed) ? "true " + GoCalls.Quote(removed) : "false",
                DictOp.TryRemovePair => Bool(map.TryRemove(new KeyValuePair<string, string?>(key, call.Value))),
                DictOp.TryUpdate => Bool(map.TryUpdate(key, call.Other, call.Value)),
                DictOp.GetOrAddFactory => GoCalls.Quote(map.GetOrAdd(key, Add)),
                DictOp.GetOrAddValue => GoCalls.Quote(map.GetOrAdd(key, call.Value)),
                DictOp.GetOrAddArgument => GoCalls.Quote(map.GetOrAdd(key, AddWithArgument, call.Argument)),
                DictOp.AddOrUpdateFactories => GoCalls.Quote(map.AddOrUpdate(key, Add, Update)),
                DictOp.AddOrUpdateValue => GoCalls.Quote(map.AddOrUpdate(key, call.Value, Update)),
                DictOp.AddOrUpdateArgument => GoCalls.Quote(map.AddOrUpdate(key, AddWithArgument, UpdateWithArgument, call.Argument)),
                DictOp.IndexerGet => GoCalls.Quote(map[key]),
                DictOp.IndexerSet => SetIndexer(map, key, call.Value),
                DictOp.ContainsKey => Bool(map.ContainsKey(key)),
                DictOp.Count => map.Count.ToString(CultureInfo.InvariantCulture),
                DictOp.IsEmpty => Bool(map.IsEmpty),
                DictOp.ToArray => FormatPairs(map.ToArray()),
                DictOp.Keys => FormatCollection(map.Keys),
                DictOp.Values => FormatCollection(map.Values),
                DictOp.Enumerate => FormatPairs(map.Enumerate()),
                DictOp.Clear => ClearMap(map),
                _ => throw new ArgumentOutOfRangeException(nameof(call), call.Op, "Unknown op."),
            };
        }
#pragma warning disable CA1031 // The exception type is the observed result, compared across maps.
        catch (Exception e)
#pragma warning restore CA1031
        {
            result = "threw " + e.GetType().Name;
        }

        return log.Count == 0 ? result : result + " after " + string.Join(", ", log);
    }

    private static string Bool(bool b) => b ? "true" : "false";

    private static string SetIndexer(IDictionarySurface map, string key, string? value)
    {
        map[key] = value;
        return "set";
    }

    private static string ClearMap(IDictionarySurface map)
    {
        map.Clear();
        return "cleared";
    }

    // Order-insensitive: pairs sorted by key; a key listed twice shows up as such.
    private static string FormatPairs(KeyValuePair<string, string?>[] pairs) =>
        "[" + string.Join(", ", pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => GoCalls.Quote(p.Key) + ": " + GoCalls.Quote(p.Value))) + "]";

    // Order-insensitive: the collection's Count, then its items sorted (a multiset).
    private static string FormatCollection<T>(ICollection<T> items)
        where T : class? =>
        items.Count.ToString(CultureInfo.InvariantCulture) + " [" +
        string.Join(", ", items.Select(item => GoCalls.Quote(item as string)).Order(StringComparer.Ordinal)) + "]";

    private static string Describe(Func<string> f)
    {
        try
        {
            return f();
        }
#pragma warning disable CA1031 // The exception is reported as the observed outcome.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
    }
}
