// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace GoSync.Tests.Conformance;

/// <summary>
/// What one call did: its result, or the type of the exception it threw. For <see cref="ArgumentNullException"/> and
/// <see cref="ArgumentOutOfRangeException"/> the parameter name is part of the outcome (it says which argument was
/// refused); for other exceptions only the type is compared, because their messages and parameter names are prose.
/// </summary>
public sealed record Outcome(object? Result, Type? Exception, string? ParamName)
{
    public static Outcome Of(Func<object?> call)
    {
        try
        {
            return new Outcome(call(), null, null);
        }
#pragma warning disable CA1031 // Any exception is an outcome to compare.
        catch (Exception e)
#pragma warning restore CA1031
        {
            string? param = e is ArgumentNullException or ArgumentOutOfRangeException ? ((ArgumentException)e).ParamName : null;
            return new Outcome(null, e.GetType(), param);
        }
    }

    public override string ToString() =>
        Exception is null ? $"returned {Describe(Result)}" : $"threw {Exception.Name}" + (ParamName is null ? "" : $" (ParamName '{ParamName}')");

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        Ordered o => "(" + string.Join(", ", o.Items.Select(Describe)) + ")",
        IEnumerable e => "{" + string.Join(", ", e.Cast<object?>().Select(Describe)) + "}",
        _ => value.ToString() ?? "?",
    };
}

/// <summary>An ordered tuple of results; any other <see cref="IEnumerable"/> result is compared as a multiset.</summary>
public sealed record Ordered(params object?[] Items);

/// <summary>Helpers that compare a <see cref="SyncMap{TKey, TValue}"/> with <see cref="ConcurrentDictionary{TKey, TValue}"/>.</summary>
public static class Oracle
{
    /// <summary>
    /// Asserts two results are equivalent: <see cref="Ordered"/> element by element, other enumerables (except
    /// strings) as multisets (enumeration order is unspecified for both maps), everything else with Equals.
    /// </summary>
    public static void AssertEquivalent(object? expected, object? actual, string context)
    {
        switch (expected)
        {
            case Ordered e when actual is Ordered a:
                Assert.True(e.Items.Length == a.Items.Length, $"{context}: tuple length {a.Items.Length}, expected {e.Items.Length}");
                for (int i = 0; i < e.Items.Length; i++)
                {
                    AssertEquivalent(e.Items[i], a.Items[i], $"{context} [item {i}]");
                }

                return;
            case string or null:
                Assert.True(Equals(expected, actual), $"{context}: got {Outcome.Describe(actual)}, expected {Outcome.Describe(expected)}");
                return;
            case IEnumerable e when actual is IEnumerable a and not string:
                AssertSameMultiset(e.Cast<object?>().ToList(), a.Cast<object?>().ToList(), context);
                return;
            default:
                Assert.True(Equals(expected, actual), $"{context}: got {Outcome.Describe(actual)}, expected {Outcome.Describe(expected)}");
                return;
        }
    }

    public static void AssertSameMultiset(List<object?> expected, List<object?> actual, string context)
    {
        var remaining = new List<object?>(expected);
        foreach (object? item in actual)
        {
            int index = remaining.FindIndex(x => Equals(x, item));
            Assert.True(index >= 0, $"{context}: unexpected element {Outcome.Describe(item)}; expected {Outcome.Describe(expected)}, got {Outcome.Describe(actual)}");
            remaining.RemoveAt(index);
        }

        Assert.True(remaining.Count == 0, $"{context}: missing {Outcome.Describe(remaining)}; expected {Outcome.Describe(expected)}, got {Outcome.Describe(actual)}");
    }

    public static void AssertSameOutcome(Outcome expected, Outcome actual, string context)
    {
        if (expected.Exception is not null || actual.Exception is not null)
        {
            Assert.True(
                expected.Exception == actual.Exception && expected.ParamName == actual.ParamName,
                $"{context}: SyncMap {actual}, ConcurrentDictionary {expected}");
            return;
        }

        AssertEquivalent(expected.Result, actual.Result, context);
    }

    /// <summary>Asserts the map holds exactly <paramref name="expected"/> (each key once, values equal), read by enumeration and by lookups.</summary>
    public static void AssertSameContents<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>> expected, SyncMap<TKey, TValue> map, string context)
        where TKey : notnull
    {
        var want = new Dictionary<TKey, TValue>(map.Comparer);
        foreach (KeyValuePair<TKey, TValue> pair in expected)
        {
            want.Add(pair.Key, pair.Value);
        }

        var seen = new Dictionary<TKey, TValue>(map.Comparer);
        foreach (KeyValuePair<TKey, TValue> pair in map)
        {
            Assert.True(seen.TryAdd(pair.Key, pair.Value), $"{context}: enumeration yielded key {Outcome.Describe(pair.Key)} twice");
        }

        Assert.True(want.Count == seen.Count, $"{context}: enumeration yielded {seen.Count} pairs, expected {want.Count}: {Outcome.Describe(seen)} vs {Outcome.Describe(want)}");
        foreach (KeyValuePair<TKey, TValue> pair in want)
        {
            Assert.True(seen.TryGetValue(pair.Key, out TValue? got), $"{context}: key {Outcome.Describe(pair.Key)} missing from enumeration");
            Assert.True(EqualityComparer<TValue>.Default.Equals(pair.Value, got), $"{context}: key {Outcome.Describe(pair.Key)} enumerated with {Outcome.Describe(got)}, expected {Outcome.Describe(pair.Value)}");
            Assert.True(map.TryGetValue(pair.Key, out got), $"{context}: TryGetValue({Outcome.Describe(pair.Key)}) returned false");
            Assert.True(EqualityComparer<TValue>.Default.Equals(pair.Value, got), $"{context}: TryGetValue({Outcome.Describe(pair.Key)}) gave {Outcome.Describe(got)}, expected {Outcome.Describe(pair.Value)}");
        }

        Assert.True(want.Count == map.Count, $"{context}: Count is {map.Count}, expected {want.Count}");
        Assert.True((want.Count == 0) == map.IsEmpty, $"{context}: IsEmpty is {map.IsEmpty} with {want.Count} pairs");
    }
}
