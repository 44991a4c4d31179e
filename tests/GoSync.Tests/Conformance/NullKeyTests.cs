// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GoSync.Tests.Conformance;

/// <summary>
/// A null key is refused by every public method, indexer and explicit interface member that takes a key: it throws
/// <see cref="ArgumentNullException"/> naming the parameter, runs no user callback, and leaves the map unchanged
/// (same pairs, same Count, invariants intact). A reflection check keeps the list of members complete.
/// </summary>
/// <remarks>
/// The parameter name is "key" for SyncMap's own (Go) methods. For members that ConcurrentDictionary also has, the
/// name must be the one ConcurrentDictionary reports for the same call (checked by running it): "key" everywhere,
/// including <c>ICollection&lt;KVP&gt;.Add</c> and <c>.Contains</c>, except <c>TryRemove(KeyValuePair)</c> and
/// <c>ICollection&lt;KVP&gt;.Remove</c>, where ConcurrentDictionary names the pair parameter "item".
/// </remarks>
public abstract class NullKeyTests<TKey, TValue>
    where TKey : class
{
    private int _callbacks;

    protected abstract TKey CreateKey(int seed);

    protected abstract TValue CreateValue(int seed);

    private static TKey NullKey => null!;

    private List<KeyValuePair<TKey, TValue>> Pairs() =>
        Enumerable.Range(0, 6).Select(i => new KeyValuePair<TKey, TValue>(CreateKey(i), CreateValue(i))).ToList();

    private sealed record Case(string Member, Action<SyncMap<TKey, TValue>> OnMap, Action<ConcurrentDictionary<TKey, TValue>>? OnOracle);

    private TValue Callback(TKey key)
    {
        _callbacks++;
        return CreateValue(99);
    }

    private IEnumerable<Case> Cases()
    {
        TValue v = CreateValue(50);
        var nullPair = new KeyValuePair<TKey, TValue>(NullKey, v);

        // SyncMap's own methods (Go's API).
        yield return new("Boolean Load(TKey, TValue ByRef)", m => m.Load(NullKey, out _), null);
        yield return new("Void Store(TKey, TValue)", m => m.Store(NullKey, v), null);
        yield return new("TValue LoadOrStore(TKey, TValue, Boolean ByRef)", m => m.LoadOrStore(NullKey, v, out _), null);
        yield return new("Boolean LoadAndDelete(TKey, TValue ByRef)", m => m.LoadAndDelete(NullKey, out _), null);
        yield return new("Void Delete(TKey)", m => m.Delete(NullKey), null);
        yield return new("Boolean Swap(TKey, TValue, TValue ByRef)", m => m.Swap(NullKey, v, out _), null);
        yield return new("Boolean CompareAndSwap(TKey, TValue, TValue)", m => m.CompareAndSwap(NullKey, v, v), null);
        yield return new("Boolean CompareAndDelete(TKey, TValue)", m => m.CompareAndDelete(NullKey, v), null);
        yield return new("TValue GetOrAdd(TKey, TValue, Boolean ByRef)", m => m.GetOrAdd(NullKey, v, out _), null);
        yield return new("TValue LoadOrCompute(TKey, System.Func`2[TKey,TValue])", m => m.LoadOrCompute(NullKey, Callback), null);
        yield return new("TValue LoadOrCompute[TArg](TKey, System.Func`3[TKey,TArg,TValue], TArg)", m => m.LoadOrCompute(NullKey, (k, a) => Callback(k), 1), null);
        yield return new(
            "Boolean Compute(TKey, System.Func`4[TKey,TValue,System.Boolean,GoSync.ComputeResult`1[TValue]], TValue ByRef)",
            m => m.Compute(NullKey, (k, _, _) => new ComputeResult<TValue>(ComputeAction.Store, Callback(k)), out _),
            null);
        yield return new(
            "Boolean Compute[TArg](TKey, System.Func`5[TKey,TValue,System.Boolean,TArg,GoSync.ComputeResult`1[TValue]], TArg, TValue ByRef)",
            m => m.Compute(NullKey, (k, _, _, _) => new ComputeResult<TValue>(ComputeAction.Store, Callback(k)), 1, out _),
            null);
        yield return new("TValue GetOrAdd(TKey, System.Func`2[TKey,TValue], Boolean ByRef)", m => m.GetOrAdd(NullKey, Callback, out _), null);
        yield return new("TValue GetOrAdd[TArg](TKey, System.Func`3[TKey,TArg,TValue], TArg, Boolean ByRef)", m => m.GetOrAdd(NullKey, (k, a) => Callback(k), 1, out _), null);

        // ConcurrentDictionary's public surface.
        yield return new("Boolean TryAdd(TKey, TValue)", m => m.TryAdd(NullKey, v), d => d.TryAdd(NullKey, v));
        yield return new("Boolean TryGetValue(TKey, TValue ByRef)", m => m.TryGetValue(NullKey, out _), d => d.TryGetValue(NullKey, out _));
        yield return new("Boolean TryRemove(TKey, TValue ByRef)", m => m.TryRemove(NullKey, out _), d => d.TryRemove(NullKey, out _));
        yield return new("Boolean TryRemove(System.Collections.Generic.KeyValuePair`2[TKey,TValue])", m => m.TryRemove(nullPair), d => d.TryRemove(nullPair));
        yield return new("Boolean TryUpdate(TKey, TValue, TValue)", m => m.TryUpdate(NullKey, v, v), d => d.TryUpdate(NullKey, v, v));
        yield return new("TValue GetOrAdd(TKey, System.Func`2[TKey,TValue])", m => m.GetOrAdd(NullKey, Callback), d => d.GetOrAdd(NullKey, Callback));
        yield return new("TValue GetOrAdd(TKey, TValue)", m => m.GetOrAdd(NullKey, v), d => d.GetOrAdd(NullKey, v));
        yield return new(
            "TValue GetOrAdd[TArg](TKey, System.Func`3[TKey,TArg,TValue], TArg)",
            m => m.GetOrAdd(NullKey, (k, a) => Callback(k), 1),
            d => d.GetOrAdd(NullKey, (k, a) => Callback(k), 1));
        yield return new(
            "TValue AddOrUpdate(TKey, System.Func`2[TKey,TValue], System.Func`3[TKey,TValue,TValue])",
            m => m.AddOrUpdate(NullKey, Callback, (k, old) => Callback(k)),
            d => d.AddOrUpdate(NullKey, Callback, (k, old) => Callback(k)));
        yield return new(
            "TValue AddOrUpdate(TKey, TValue, System.Func`3[TKey,TValue,TValue])",
            m => m.AddOrUpdate(NullKey, v, (k, old) => Callback(k)),
            d => d.AddOrUpdate(NullKey, v, (k, old) => Callback(k)));
        yield return new(
            "TValue AddOrUpdate[TArg](TKey, System.Func`3[TKey,TArg,TValue], System.Func`4[TKey,TValue,TArg,TValue], TArg)",
            m => m.AddOrUpdate(NullKey, (k, a) => Callback(k), (k, old, a) => Callback(k), 1),
            d => d.AddOrUpdate(NullKey, (k, a) => Callback(k), (k, old, a) => Callback(k), 1));
        yield return new("TValue get_Item(TKey)", m => _ = m[NullKey], d => _ = d[NullKey]);
        yield return new("Void set_Item(TKey, TValue)", m => m[NullKey] = v, d => d[NullKey] = v);
        yield return new("Boolean ContainsKey(TKey)", m => m.ContainsKey(NullKey), d => d.ContainsKey(NullKey));

        // Explicit interface members.
        foreach (Case c in Interface("IDictionary`2.Void Add(TKey, TValue)", d => ((IDictionary<TKey, TValue>)d).Add(NullKey, v)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary`2.Boolean Remove(TKey)", d => ((IDictionary<TKey, TValue>)d).Remove(NullKey)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary`2.Boolean ContainsKey(TKey)", d => ((IDictionary<TKey, TValue>)d).ContainsKey(NullKey)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary`2.Boolean TryGetValue(TKey, TValue ByRef)", d => ((IDictionary<TKey, TValue>)d).TryGetValue(NullKey, out _)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary`2.TValue get_Item(TKey)", d => _ = ((IDictionary<TKey, TValue>)d)[NullKey]))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary`2.Void set_Item(TKey, TValue)", d => ((IDictionary<TKey, TValue>)d)[NullKey] = v))
        {
            yield return c;
        }

        foreach (Case c in Interface("IReadOnlyDictionary`2.Boolean ContainsKey(TKey)", d => ((IReadOnlyDictionary<TKey, TValue>)d).ContainsKey(NullKey)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IReadOnlyDictionary`2.Boolean TryGetValue(TKey, TValue ByRef)", d => ((IReadOnlyDictionary<TKey, TValue>)d).TryGetValue(NullKey, out _)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IReadOnlyDictionary`2.TValue get_Item(TKey)", d => _ = ((IReadOnlyDictionary<TKey, TValue>)d)[NullKey]))
        {
            yield return c;
        }

        foreach (Case c in Interface("ICollection`1.Void Add(T)", d => ((ICollection<KeyValuePair<TKey, TValue>>)d).Add(nullPair)))
        {
            yield return c;
        }

        foreach (Case c in Interface("ICollection`1.Boolean Contains(T)", d => ((ICollection<KeyValuePair<TKey, TValue>>)d).Contains(nullPair)))
        {
            yield return c;
        }

        foreach (Case c in Interface("ICollection`1.Boolean Remove(T)", d => ((ICollection<KeyValuePair<TKey, TValue>>)d).Remove(nullPair)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary.System.Object get_Item(System.Object)", d => _ = ((IDictionary)d)[null!]))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary.Void set_Item(System.Object, System.Object)", d => ((IDictionary)d)[null!] = v))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary.Void Add(System.Object, System.Object)", d => ((IDictionary)d).Add(null!, v)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary.Boolean Contains(System.Object)", d => ((IDictionary)d).Contains(null!)))
        {
            yield return c;
        }

        foreach (Case c in Interface("IDictionary.Void Remove(System.Object)", d => ((IDictionary)d).Remove(null!)))
        {
            yield return c;
        }
    }

    private static IEnumerable<Case> Interface(string member, Action<object> call)
    {
        yield return new Case(member, m => call(m), d => call(d));
    }

    [Fact]
    public void EveryMemberTakingAKey_ThrowsArgumentNullException_AndChangesNothing()
    {
        // Every member is checked before failing, so one run lists every offender.
        var failures = new List<string>();
        foreach (MapState state in MapStates.All)
        {
            foreach (Case c in Cases())
            {
                List<KeyValuePair<TKey, TValue>> pairs = Pairs();
                SyncMap<TKey, TValue> map = MapStates.Build(state, pairs, CreateKey(2000), CreateValue(2000));
                string context = $"{c.Member} with a null key [{typeof(TKey).Name}, {typeof(TValue).Name}], layout {state}";

                _callbacks = 0;
                Outcome outcome = Outcome.Of(() =>
                {
                    c.OnMap(map);
                    return null;
                });

                string expectedParam = "key";
                if (c.OnOracle is not null)
                {
                    Outcome oracle = Outcome.Of(() =>
                    {
                        c.OnOracle(new ConcurrentDictionary<TKey, TValue>(pairs));
                        return null;
                    });
                    Assert.True(oracle.Exception == typeof(ArgumentNullException), $"{context}: ConcurrentDictionary {oracle}");
                    expectedParam = oracle.ParamName!;
                }

                if (outcome.Exception != typeof(ArgumentNullException) || outcome.ParamName != expectedParam)
                {
                    failures.Add($"{context}: {outcome}, expected ArgumentNullException (ParamName '{expectedParam}')");
                }

                if (_callbacks != 0)
                {
                    failures.Add($"{context}: a user callback ran {_callbacks} time(s)");
                }

                Outcome unchanged = Outcome.Of(() =>
                {
                    Oracle.AssertSameContents(pairs, map, context + ", contents afterwards");
                    map.AssertInvariants();
                    return null;
                });
                if (unchanged.Exception is not null)
                {
                    failures.Add($"{context}: the map changed or broke an invariant ({unchanged})");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failure(s):\n" + string.Join("\n", failures));
    }

    [Fact]
    public void TheCaseList_CoversEveryMemberThatTakesAKey()
    {
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in typeof(SyncMap<,>).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
        {
            if (method.GetParameters().Any(p => p.Name == "key" || (p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))))
            {
                expected.Add(method.ToString()!);
            }
        }

        foreach (Type open in new[] { typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>), typeof(IDictionary) })
        {
            foreach (var method in open.GetMethods().Where(m => m.GetParameters().Any(p => p.Name == "key")))
            {
                expected.Add(open.Name + "." + method);
            }
        }

        foreach (var method in typeof(ICollection<>).GetMethods().Where(m => m.GetParameters().Any(p => p.ParameterType.IsGenericParameter)))
        {
            expected.Add(typeof(ICollection<>).Name + "." + method);
        }

        var covered = new SortedSet<string>(Cases().Select(c => c.Member), StringComparer.Ordinal);
        Assert.True(
            expected.SetEquals(covered),
            "not covered: " + string.Join("; ", expected.Except(covered)) + "\nnot a member: " + string.Join("; ", covered.Except(expected)));
    }

    [Fact]
    public void Constructor_WithANullKeyInTheCollection_ThrowsAsConcurrentDictionary()
    {
        List<KeyValuePair<TKey, TValue>> pairs = [new(CreateKey(1), CreateValue(1)), new(NullKey, CreateValue(2))];
        Outcome oracle = Outcome.Of(() => new ConcurrentDictionary<TKey, TValue>(pairs));
        Outcome actual = Outcome.Of(() => new SyncMap<TKey, TValue>(pairs));
        Assert.Equal(typeof(ArgumentNullException), oracle.Exception);
        Oracle.AssertSameOutcome(oracle, actual, "new SyncMap(collection with a null key)");
        Oracle.AssertSameOutcome(
            Outcome.Of(() => new ConcurrentDictionary<TKey, TValue>(-1, pairs, null)),
            Outcome.Of(() => new SyncMap<TKey, TValue>(-1, pairs, null)),
            "new SyncMap(-1, collection with a null key, null)");
    }
}

/// <summary>Null keys on <c>SyncMap&lt;string, string&gt;</c>.</summary>
public sealed class StringStringNullKeyTests : NullKeyTests<string, string>
{
    protected override string CreateKey(int seed) => string.Concat("k", seed.ToString(CultureInfo.InvariantCulture));

    protected override string CreateValue(int seed) => string.Concat("v", seed.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Null keys on <c>SyncMap&lt;object, Payload&gt;</c>.</summary>
public sealed class ObjectPayloadNullKeyTests : NullKeyTests<object, Payload>
{
    protected override object CreateKey(int seed) => seed % 2 == 0 ? seed : new ObjectKey(seed);

    protected override Payload CreateValue(int seed) => new(seed, "p");
}
