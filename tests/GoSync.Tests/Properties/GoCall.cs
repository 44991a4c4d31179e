// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>The operations of Go's <c>mapCall</c> (map_test.go), plus <see cref="Range"/>.</summary>
public enum GoOp
{
    /// <summary>Load(k).</summary>
    Load,

    /// <summary>Store(k, v).</summary>
    Store,

    /// <summary>LoadOrStore(k, v).</summary>
    LoadOrStore,

    /// <summary>LoadAndDelete(k).</summary>
    LoadAndDelete,

    /// <summary>Delete(k).</summary>
    Delete,

    /// <summary>Swap(k, v).</summary>
    Swap,

    /// <summary>CompareAndSwap(k, v, new).</summary>
    CompareAndSwap,

    /// <summary>CompareAndDelete(k, v).</summary>
    CompareAndDelete,

    /// <summary>Clear().</summary>
    Clear,

    /// <summary>A full Range whose result is the visited contents (not one of Go's nine ops).</summary>
    Range,
}

/// <summary>How a call's outcome is turned into a <see cref="GoResult"/>.</summary>
public enum ResultMapping
{
    /// <summary>
    /// Go's <c>mapCall.apply</c> exactly: a successful CompareAndSwap deletes the key afterwards
    /// (Go swaps in a fresh <c>rand.Int()</c> per map, which must not show) and reports (v, true); a
    /// successful CompareAndDelete reports (nil, true) only if the key is then absent.
    /// </summary>
    Go,

    /// <summary>
    /// Every operation reports what it returned, and nothing extra is done: CompareAndSwap keeps the
    /// swapped-in value (the new value is part of the call, so every map receives the same one).
    /// </summary>
    Direct,
}

/// <summary>One call of a random sequence: Go's <c>mapCall{op, k, v}</c> plus the new value of CompareAndSwap.</summary>
public readonly record struct GoCall(GoOp Op, string Key, string? Value, string? NewValue)
{
    /// <inheritdoc/>
    public override string ToString() => Op switch
    {
        GoOp.Store or GoOp.LoadOrStore or GoOp.Swap or GoOp.CompareAndDelete =>
            $"{Op}({GoCalls.Quote(Key)}, {GoCalls.Quote(Value)})",
        GoOp.CompareAndSwap => $"{Op}({GoCalls.Quote(Key)}, {GoCalls.Quote(Value)}, {GoCalls.Quote(NewValue)})",
        GoOp.Clear or GoOp.Range => $"{Op}()",
        _ => $"{Op}({GoCalls.Quote(Key)})",
    };
}

/// <summary>Go's <c>mapResult{value, ok}</c>; <see cref="Error"/> is set when the call threw.</summary>
public readonly record struct GoResult(string? Value, bool Ok, string? Error = null)
{
    /// <inheritdoc/>
    public override string ToString() =>
        Error is null ? $"({GoCalls.Quote(Value)}, {(Ok ? "true" : "false")})" : $"threw {Error}";
}

/// <summary>Generators for <see cref="GoCall"/> and the code that applies them to an <see cref="IGoMap{TKey, TValue}"/>.</summary>
public static class GoCalls
{
    private static readonly GoOp[] s_goOps =
    [
        GoOp.Load, GoOp.Store, GoOp.LoadOrStore, GoOp.LoadAndDelete, GoOp.Delete,
        GoOp.Swap, GoOp.CompareAndSwap, GoOp.CompareAndDelete, GoOp.Clear,
    ];

    // Weights of the dense generator: CAS/CAD and loads often, Clear and Range rarely so maps grow.
    private static readonly (GoOp Op, int Weight)[] s_denseWeights =
    [
        (GoOp.Load, 4), (GoOp.Store, 3), (GoOp.LoadOrStore, 3), (GoOp.LoadAndDelete, 2), (GoOp.Delete, 2),
        (GoOp.Swap, 3), (GoOp.CompareAndSwap, 4), (GoOp.CompareAndDelete, 3), (GoOp.Clear, 1), (GoOp.Range, 1),
    ];

    private static readonly string?[] s_denseValues = [null, "", "x", "y", "xy"];

    private static readonly string?[] s_mixedCaseValues = [null, "", "x", "X", "xy", "Xy"];

    /// <summary>
    /// Go's <c>mapCall.Generate</c>: the op is uniform over Go's nine; the key is a random string of
    /// length 0-3 over a-z (a quarter are empty); only Store and LoadOrStore carry a value, every
    /// other op carries nil (so Swap stores nil and CompareAndSwap/CompareAndDelete compare with nil).
    /// The new value of CompareAndSwap is random too (Go's <c>rand.Int()</c>).
    /// </summary>
    public static GoCall NextGoCall(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        GoOp op = s_goOps[random.Next(s_goOps.Length)];
        string key = RandomString(random, "abcdefghijklmnopqrstuvwxyz", 3);
        string? value = op is GoOp.Store or GoOp.LoadOrStore ? RandomString(random, "abcdefghijklmnopqrstuvwxyz", 3) : null;
        string? newValue = op == GoOp.CompareAndSwap ? random.Next().ToString(CultureInfo.InvariantCulture) : null;
        return new GoCall(op, key, value, newValue);
    }

    /// <summary>
    /// A denser generator than Go's: 21 keys (length 0-2 over a-d), every op carries a value drawn
    /// from five (null included), so CompareAndSwap and CompareAndDelete succeed often and with
    /// non-null values; Clear is rare and full Ranges are mixed in.
    /// </summary>
    public static GoCall NextDenseCall(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        GoOp op = PickWeighted(random, s_denseWeights);
        string key = RandomString(random, "abcd", 2);
        string? value = s_denseValues[random.Next(s_denseValues.Length)];
        string? newValue = s_denseValues[random.Next(s_denseValues.Length)];
        return new GoCall(op, key, value, newValue);
    }

    /// <summary>
    /// The dense generator over mixed-case keys and values (keys of length 0-2 over a, A, b, B;
    /// values null, "", "x", "X", "xy", "Xy"), for maps whose key and value comparers ignore case:
    /// keys that differ only in case are the same key, and CompareAndSwap/CompareAndDelete match
    /// values that differ only in case.
    /// </summary>
    public static GoCall NextMixedCaseCall(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        GoOp op = PickWeighted(random, s_denseWeights);
        string key = RandomString(random, "aAbB", 2);
        string? value = s_mixedCaseValues[random.Next(s_mixedCaseValues.Length)];
        string? newValue = s_mixedCaseValues[random.Next(s_mixedCaseValues.Length)];
        return new GoCall(op, key, value, newValue);
    }

    /// <summary>Go's <c>mapCall.apply</c>, under the given result mapping; an exception becomes the result.</summary>
    /// <param name="map">The map.</param>
    /// <param name="call">The call.</param>
    /// <param name="mapping">How the outcome becomes a result.</param>
    /// <param name="canonicalKey">For a map with a custom key comparer: maps each key to one spelling
    /// per equivalence class, used when a Range's contents are the result (see <see cref="Contents"/>).</param>
    public static GoResult Apply(IGoMap<string, string?> map, GoCall call, ResultMapping mapping, Func<string, string>? canonicalKey = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        try
        {
            return ApplyCore(map, call, mapping, canonicalKey);
        }
#pragma warning disable CA1031 // The exception is the observed result, compared across maps.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new GoResult(null, false, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>
    /// Go's <c>applyCalls</c> final step: the contents seen by one full Range, failing on a key seen
    /// twice. With <paramref name="canonicalKey"/>, keys are recorded in canonical spelling, so two
    /// keys equal under the map's comparer count as the same key (and as a key seen twice).
    /// </summary>
    public static SortedDictionary<string, string?> Contents(IGoMap<string, string?> map, Func<string, string>? canonicalKey = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        var contents = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        string? duplicate = null;
        map.Range((k, v) =>
        {
            if (!contents.TryAdd(canonicalKey is null ? k : canonicalKey(k), v))
            {
                duplicate ??= k;
            }

            return true;
        });
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Range visited key {Quote(duplicate)} twice.");
        }

        return contents;
    }

    /// <summary>Formats contents as <c>{"k": "v", ...}</c> in key order.</summary>
    public static string Format(SortedDictionary<string, string?> contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var text = new StringBuilder("{");
        foreach (KeyValuePair<string, string?> pair in contents)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(Quote(pair.Key)).Append(": ").Append(Quote(pair.Value));
        }

        return text.Append('}').ToString();
    }

    /// <summary>A string literal, or <c>null</c>.</summary>
    public static string Quote(string? s) => s is null ? "null" : "\"" + s + "\"";

    private static GoResult ApplyCore(IGoMap<string, string?> map, GoCall call, ResultMapping mapping, Func<string, string>? canonicalKey)
    {
        string key = call.Key;
        switch (call.Op)
        {
            case GoOp.Load:
            {
                bool ok = map.Load(key, out string? value);
                return new GoResult(value, ok);
            }

            case GoOp.Store:
                map.Store(key, call.Value);
                return default;

            case GoOp.LoadOrStore:
            {
                string? actual = map.LoadOrStore(key, call.Value, out bool loaded);
                return new GoResult(actual, loaded);
            }

            case GoOp.LoadAndDelete:
            {
                bool loaded = map.LoadAndDelete(key, out string? value);
                return new GoResult(value, loaded);
            }

            case GoOp.Delete:
                map.Delete(key);
                return default;

            case GoOp.Swap:
            {
                bool loaded = map.Swap(key, call.Value, out string? previous);
                return new GoResult(previous, loaded);
            }

            case GoOp.CompareAndSwap:
            {
                bool swapped = map.CompareAndSwap(key, call.Value, call.NewValue);
                if (mapping == ResultMapping.Direct)
                {
                    return new GoResult(null, swapped);
                }

                if (swapped)
                {
                    map.Delete(key);
                    return new GoResult(call.Value, true);
                }

                return default;
            }

            case GoOp.CompareAndDelete:
            {
                bool deleted = map.CompareAndDelete(key, call.Value);
                if (mapping == ResultMapping.Direct)
                {
                    return new GoResult(null, deleted);
                }

                return new GoResult(null, deleted && !map.Load(key, out _));
            }

            case GoOp.Clear:
                map.Clear();
                return default;

            case GoOp.Range:
                return new GoResult(Format(Contents(map, canonicalKey)), true);

            default:
                throw new ArgumentOutOfRangeException(nameof(call), call.Op, "Unknown op.");
        }
    }

    // Go's randValue: length uniform in [0, maxLength], letters uniform over the alphabet.
    private static string RandomString(Random random, string alphabet, int maxLength)
    {
        int length = random.Next(maxLength + 1);
        if (length == 0)
        {
            return string.Empty;
        }

        Span<char> chars = stackalloc char[length];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static GoOp PickWeighted(Random random, (GoOp Op, int Weight)[] weights)
    {
        int total = 0;
        foreach ((GoOp _, int weight) in weights)
        {
            total += weight;
        }

        int pick = random.Next(total);
        foreach ((GoOp op, int weight) in weights)
        {
            if (pick < weight)
            {
                return op;
            }

            pick -= weight;
        }

        throw new InvalidOperationException("Unreachable: the pick is below the total weight.");
    }
}
