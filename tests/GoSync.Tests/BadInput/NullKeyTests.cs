// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace GoSync.Tests.BadInput;

/// <summary>
/// A null key makes every method that takes a key throw <see cref="ArgumentNullException"/>
/// (parameter "key"; "key" or "item" for the pair-taking methods) and leaves the map exactly as it
/// was, whatever internal state it is in; factories and callbacks are not called.
/// </summary>
public sealed class NullKeyTests
{
    private static readonly Dictionary<string, Action<SyncMap<string, string>>> s_calls = new()
    {
        ["Load"] = m => m.Load(null!, out _),
        ["Store"] = m => m.Store(null!, "v"),
        ["LoadOrStore"] = m => m.LoadOrStore(null!, "v", out _),
        ["LoadAndDelete"] = m => m.LoadAndDelete(null!, out _),
        ["Delete"] = m => m.Delete(null!),
        ["Swap"] = m => m.Swap(null!, "v", out _),
        ["CompareAndSwap"] = m => m.CompareAndSwap(null!, "a", "b"),
        ["CompareAndDelete"] = m => m.CompareAndDelete(null!, "a"),
        ["TryAdd"] = m => m.TryAdd(null!, "v"),
        ["TryGetValue"] = m => m.TryGetValue(null!, out _),
        ["ContainsKey"] = m => m.ContainsKey(null!),
        ["TryRemove(key, out value)"] = m => m.TryRemove(null!, out _),
        ["TryUpdate"] = m => m.TryUpdate(null!, "b", "a"),
        ["GetOrAdd(key, factory)"] = m => m.GetOrAdd(null!, Fail),
        ["GetOrAdd(key, value)"] = m => m.GetOrAdd(null!, "v"),
        ["GetOrAdd<TArg>"] = m => m.GetOrAdd(null!, static (_, _) => Fail(null), 1),
        ["GetOrAdd(key, value, out added)"] = m => m.GetOrAdd(null!, "v", out _),
        ["LoadOrCompute(key, factory)"] = m => m.LoadOrCompute(null!, Fail),
        ["LoadOrCompute<TArg>"] = m => m.LoadOrCompute(null!, static (_, _) => Fail(null), 1),
        ["Compute(key, function)"] = m => m.Compute(null!, static (_, _, _) => new ComputeResult<string>(ComputeAction.Store, Fail(null)), out _),
        ["Compute<TArg>"] = m => m.Compute(null!, static (_, _, _, _) => new ComputeResult<string>(ComputeAction.Store, Fail(null)), 1, out _),
        ["GetOrAdd(key, factory, out added)"] = m => m.GetOrAdd(null!, Fail, out _),
        ["GetOrAdd<TArg>(..., out added)"] = m => m.GetOrAdd(null!, static (_, _) => Fail(null), 1, out _),
        ["AddOrUpdate(key, addFactory, updateFactory)"] = m => m.AddOrUpdate(null!, Fail, static (_, _) => Fail(null)),
        ["AddOrUpdate(key, addValue, updateFactory)"] = m => m.AddOrUpdate(null!, "v", static (_, _) => Fail(null)),
        ["AddOrUpdate<TArg>"] = m => m.AddOrUpdate(null!, static (_, _) => Fail(null), static (_, _, _) => Fail(null), 1),
        ["this[key] get"] = m => _ = m[null!],
        ["this[key] set"] = m => m[null!] = "v",
        ["IDictionary<,>.Add"] = m => ((IDictionary<string, string>)m).Add(null!, "v"),
        ["IDictionary<,>.Remove"] = m => ((IDictionary<string, string>)m).Remove(null!),
        ["IDictionary<,>.TryGetValue"] = m => ((IDictionary<string, string>)m).TryGetValue(null!, out _),
        ["IDictionary<,>.ContainsKey"] = m => ((IDictionary<string, string>)m).ContainsKey(null!),
        ["IDictionary<,>[key] get"] = m => _ = ((IDictionary<string, string>)m)[null!],
        ["IDictionary<,>[key] set"] = m => ((IDictionary<string, string>)m)[null!] = "v",
        ["IReadOnlyDictionary<,>.TryGetValue"] = m => ((IReadOnlyDictionary<string, string>)m).TryGetValue(null!, out _),
        ["IReadOnlyDictionary<,>.ContainsKey"] = m => ((IReadOnlyDictionary<string, string>)m).ContainsKey(null!),
        ["IReadOnlyDictionary<,>[key]"] = m => _ = ((IReadOnlyDictionary<string, string>)m)[null!],
        ["IDictionary.Add"] = m => ((IDictionary)m).Add(null!, "v"),
        ["IDictionary.Contains"] = m => ((IDictionary)m).Contains(null!),
        ["IDictionary.Remove"] = m => ((IDictionary)m).Remove(null!),
        ["IDictionary[key] get"] = m => _ = ((IDictionary)m)[null!],
        ["IDictionary[key] set"] = m => ((IDictionary)m)[null!] = "v",
    };

    private static readonly Dictionary<string, Action<SyncMap<string, string>>> s_pairCalls = new()
    {
        ["TryRemove(pair)"] = m => m.TryRemove(new KeyValuePair<string, string>(null!, "a")),
        ["ICollection<KVP>.Add"] = m => ((ICollection<KeyValuePair<string, string>>)m).Add(new KeyValuePair<string, string>(null!, "v")),
        ["ICollection<KVP>.Contains"] = m => ((ICollection<KeyValuePair<string, string>>)m).Contains(new KeyValuePair<string, string>(null!, "a")),
        ["ICollection<KVP>.Remove"] = m => ((ICollection<KeyValuePair<string, string>>)m).Remove(new KeyValuePair<string, string>(null!, "a")),
    };

    public static TheoryData<string> KeyMethods => new(s_calls.Keys);

    public static TheoryData<string> PairMethods => new(s_pairCalls.Keys);

    [Theory]
    [MemberData(nameof(KeyMethods))]
    public void NullKey_ThrowsArgumentNullException_AndChangesNothing(string method)
    {
        foreach ((string state, SyncMap<string, string> map) in MapsInEveryState())
        {
            ArgumentNullException e = AssertThrowsAndChangesNothing(map, s_calls[method], $"{method} on a map {state}");
            Assert.Equal("key", e.ParamName);
        }
    }

    [Theory]
    [MemberData(nameof(PairMethods))]
    public void NullKeyInPair_ThrowsArgumentNullException_AndChangesNothing(string method)
    {
        foreach ((string state, SyncMap<string, string> map) in MapsInEveryState())
        {
            ArgumentNullException e = AssertThrowsAndChangesNothing(map, s_pairCalls[method], $"{method} on a map {state}");
            Assert.Contains(e.ParamName, new[] { "key", "item" });
        }
    }

    private static ArgumentNullException AssertThrowsAndChangesNothing(SyncMap<string, string> map, Action<SyncMap<string, string>> call, string what)
    {
        KeyValuePair<string, string>[] before = MapChecks.Contents(map, StringComparer.Ordinal);
        ArgumentNullException? thrown = null;
        try
        {
            call(map);
        }
        catch (ArgumentNullException e)
        {
            thrown = e;
        }

        Assert.True(thrown is not null, $"{what}: no ArgumentNullException");
        Assert.Equal(before, MapChecks.Contents(map, StringComparer.Ordinal));
        Assert.Equal(before.Length, map.Count);
        MapChecks.AssertConsistentAndUsable(map, "probe");
        return thrown!;
    }

    // Empty; keys in the read map; new keys only in the dirty map (amended); deleted keys
    // tombstoned in the read map; deleted keys expunged by a dirty rebuild; after Clear.
    private static IEnumerable<(string, SyncMap<string, string>)> MapsInEveryState()
    {
        yield return ("that is empty", new SyncMap<string, string>());

        var read = new SyncMap<string, string>();
        read.Store("a", "1");
        read.Store("b", "2");
        read.Range((_, _) => true);
        yield return ("with keys in the read map", read);

        var amended = new SyncMap<string, string>();
        amended.Store("a", "1");
        amended.Range((_, _) => true);
        amended.Store("b", "2");
        yield return ("with a key only in the dirty map", amended);

        var tombstoned = new SyncMap<string, string>();
        tombstoned.Store("a", "1");
        tombstoned.Store("b", "2");
        tombstoned.Range((_, _) => true);
        tombstoned.Delete("a");
        yield return ("with a deleted key in the read map", tombstoned);

        var expunged = new SyncMap<string, string>();
        expunged.Store("a", "1");
        expunged.Store("b", "2");
        expunged.Range((_, _) => true);
        expunged.Delete("a");
        expunged.Store("c", "3");
        yield return ("with an expunged key", expunged);

        var cleared = new SyncMap<string, string>(new[] { KeyValuePair.Create("a", "1"), KeyValuePair.Create("b", "2") });
        cleared.Clear();
        cleared.Store("c", "3");
        yield return ("after Clear", cleared);
    }

    private static string Fail(string? key) => throw new InvalidOperationException("a factory ran for a null key");
}
