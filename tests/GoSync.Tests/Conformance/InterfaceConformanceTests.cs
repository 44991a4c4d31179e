// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace GoSync.Tests.Conformance;

/// <summary>
/// Conformance of every interface <see cref="SyncMap{TKey, TValue}"/> implements, checked against
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> as the oracle: the same operation runs on a ConcurrentDictionary
/// and on a SyncMap holding the same pairs (in every internal layout of <see cref="MapState"/>); results, exceptions
/// and the contents afterwards must agree. Where a behaviour is named in the contract it is also asserted directly,
/// so a change in ConcurrentDictionary itself cannot silently change what is checked.
/// </summary>
/// <remarks>
/// Enumeration order is unspecified for both maps, so enumerations are compared as multisets. States the
/// enumerator contracts leave undefined (Current before the first MoveNext or after the last) are not compared.
/// </remarks>
public abstract class InterfaceConformanceTests<TKey, TValue>
    where TKey : notnull
{
    private const int PairCount = 8;

    /// <summary>Key number <paramref name="seed"/>; equal seeds give equal keys, distinct seeds distinct keys.</summary>
    protected abstract TKey CreateKey(int seed);

    /// <summary>Value number <paramref name="seed"/>; equal seeds give equal values (distinct instances for reference types).</summary>
    protected abstract TValue CreateValue(int seed);

    /// <summary>An object that is not a <typeparamref name="TKey"/> (for <c>TKey = object</c>, an object of an unusual type, which is a valid key).</summary>
    protected abstract object KeyOfAnotherType { get; }

    /// <summary>An object that is not a <typeparamref name="TValue"/>.</summary>
    protected abstract object ValueOfAnotherType { get; }

    private static bool AnyObjectIsAKey => typeof(TKey) == typeof(object);

    private TKey AbsentKey => CreateKey(1000);

    private TValue AbsentValue => CreateValue(1000);

    private string Types => $"[{typeof(TKey).Name}, {typeof(TValue).Name}]";

    private List<KeyValuePair<TKey, TValue>> Pairs(int count) =>
        Enumerable.Range(0, count).Select(i => new KeyValuePair<TKey, TValue>(CreateKey(i), CreateValue(i))).ToList();

    /// <summary>
    /// Runs <paramref name="operation"/> on a ConcurrentDictionary and on a SyncMap in each layout, both holding
    /// <paramref name="count"/> pairs, and asserts the same outcome and the same contents afterwards.
    /// </summary>
    private void AssertConforms(string what, Func<IDictionary<TKey, TValue>, object?> operation, int count = PairCount)
    {
        List<KeyValuePair<TKey, TValue>> pairs = Pairs(count);
        foreach (MapState state in MapStates.All)
        {
            var oracle = new ConcurrentDictionary<TKey, TValue>(pairs);
            SyncMap<TKey, TValue> map = MapStates.Build(state, pairs, CreateKey(2000), CreateValue(2000));
            string context = $"{what} {Types}, {count} pairs, layout {state}";

            Outcome expected = Outcome.Of(() => operation(oracle));
            Outcome actual = Outcome.Of(() => operation(map));

            Oracle.AssertSameOutcome(expected, actual, context);
            Oracle.AssertSameContents(oracle, map, context + ", contents afterwards");
            map.AssertInvariants();
        }
    }

    private SyncMap<TKey, TValue> NewMap(MapState state = MapState.Mixed) =>
        MapStates.Build(state, Pairs(PairCount), CreateKey(2000), CreateValue(2000));

    private static List<object?> Drain(IEnumerator e)
    {
        var items = new List<object?>();
        while (e.MoveNext())
        {
            items.Add(e.Current);
        }

        return items;
    }

    private static List<object?> DrainInPlace<TEnumerator>(ref TEnumerator e)
        where TEnumerator : IEnumerator
    {
        var items = new List<object?>();
        while (e.MoveNext())
        {
            items.Add(e.Current);
        }

        return items;
    }

    private static void ResetInPlace<TEnumerator>(ref TEnumerator e)
        where TEnumerator : IEnumerator
        => e.Reset();

    private static Ordered ArrayParts<T>(T[] array, int from, int count) => new(
        array.Take(from).Cast<object?>().ToList(),
        array.Skip(from).Take(count).Cast<object?>().ToList(),
        array.Skip(from + count).Cast<object?>().ToList());

    // ---------------------------------------------------------------- IDictionary<TKey, TValue>

    [Fact]
    public void IDictionaryOfT_Add_NewKey_AddsIt()
    {
        AssertConforms("IDictionary<,>.Add(new key)", d =>
        {
            d.Add(AbsentKey, AbsentValue);
            return d.Count;
        });
        AssertConforms("IDictionary<,>.Add(new key) on an empty map", d =>
        {
            d.Add(AbsentKey, AbsentValue);
            return d.Count;
        }, count: 0);
    }

    [Fact]
    public void IDictionaryOfT_Add_DuplicateKey_ThrowsArgumentException()
    {
        AssertConforms("IDictionary<,>.Add(duplicate key)", d =>
        {
            d.Add(CreateKey(3), AbsentValue);
            return null;
        });

        foreach (MapState state in MapStates.All)
        {
            IDictionary<TKey, TValue> map = NewMap(state);
            Assert.Throws<ArgumentException>(() => map.Add(CreateKey(3), AbsentValue));
            Assert.Equal(CreateValue(3), map[CreateKey(3)]);
        }
    }

    [Fact]
    public void IDictionaryOfT_IndexerGet_MissingKey_ThrowsKeyNotFoundException()
    {
        AssertConforms("IDictionary<,>[missing key]", d => d[AbsentKey]);
        foreach (MapState state in MapStates.All)
        {
            IDictionary<TKey, TValue> map = NewMap(state);
            Assert.Throws<KeyNotFoundException>(() => map[AbsentKey]);
            Assert.Throws<KeyNotFoundException>(() => ((IReadOnlyDictionary<TKey, TValue>)map)[AbsentKey]);
        }
    }

    [Fact]
    public void IDictionaryOfT_Indexer_GetsAddsAndOverwrites()
    {
        AssertConforms("IDictionary<,>[present key]", d => d[CreateKey(5)]);
        AssertConforms("IDictionary<,>[new key] = v", d =>
        {
            d[AbsentKey] = AbsentValue;
            return d[AbsentKey];
        });
        AssertConforms("IDictionary<,>[present key] = v", d =>
        {
            d[CreateKey(2)] = AbsentValue;
            return d[CreateKey(2)];
        });
    }

    [Fact]
    public void IDictionaryOfT_ContainsKeyTryGetValueRemove_MatchConcurrentDictionary()
    {
        AssertConforms("IDictionary<,>.ContainsKey", d => new Ordered(d.ContainsKey(CreateKey(0)), d.ContainsKey(CreateKey(7)), d.ContainsKey(AbsentKey)));
        AssertConforms("IDictionary<,>.TryGetValue", d =>
        {
            bool hit = d.TryGetValue(CreateKey(4), out TValue? value);
            bool miss = d.TryGetValue(AbsentKey, out TValue? missing);
            return new Ordered(hit, value, miss, missing);
        });
        AssertConforms("IDictionary<,>.Remove(key)", d => new Ordered(d.Remove(CreateKey(1)), d.Remove(CreateKey(1)), d.Remove(AbsentKey), d.Count));
        AssertConforms("IDictionary<,>.Remove(every key)", d => new Ordered(Enumerable.Range(0, PairCount).Select(i => d.Remove(CreateKey(i))).ToList(), d.Count));
    }

    [Fact]
    public void IDictionaryOfT_KeysAndValues_HoldTheContents()
    {
        AssertConforms("IDictionary<,>.Keys/Values", d => new Ordered(d.Keys.ToList(), d.Values.ToList(), d.Keys.Count, d.Values.Count));
        AssertConforms("IDictionary<,>.Keys/Values on an empty map", d => new Ordered(d.Keys.ToList(), d.Values.ToList()), count: 0);

        SyncMap<TKey, TValue> map = NewMap();
        Assert.Equal(Enumerable.Range(0, PairCount).Select(CreateKey).ToHashSet(), map.Keys.ToHashSet());
        Assert.Equal(Enumerable.Range(0, PairCount).Select(CreateValue).ToHashSet(), map.Values.ToHashSet());
    }

    [Fact]
    public void IDictionaryOfT_KeysAndValues_AreReadOnlySnapshots()
    {
        AssertConforms("Keys/Values read-only snapshot", d =>
        {
            ICollection<TKey> keys = d.Keys;
            ICollection<TValue> values = d.Values;
            d[AbsentKey] = AbsentValue;
            d.Remove(CreateKey(0));
            var copy = new TKey[keys.Count + 2];
            keys.CopyTo(copy, 1);
            return new Ordered(
                keys.ToList(),
                values.ToList(),
                keys.Count,
                keys.IsReadOnly,
                values.IsReadOnly,
                keys.Contains(CreateKey(0)),
                keys.Contains(AbsentKey),
                values.Contains(CreateValue(1)),
                Outcome.Of(() => { keys.Add(AbsentKey); return null; }),
                Outcome.Of(() => keys.Remove(CreateKey(1))),
                Outcome.Of(() => { keys.Clear(); return null; }),
                Outcome.Of(() => { values.Add(AbsentValue); return null; }),
                ArrayParts(copy, 1, keys.Count));
        });

        ICollection<TKey> mapKeys = NewMap().Keys;
        Assert.True(mapKeys.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => mapKeys.Add(AbsentKey));
    }

    // ---------------------------------------------------------------- IReadOnlyDictionary / IReadOnlyCollection

    [Fact]
    public void IReadOnlyDictionary_Members_MatchConcurrentDictionary()
    {
        AssertConforms("IReadOnlyDictionary<,> members", d =>
        {
            var r = (IReadOnlyDictionary<TKey, TValue>)d;
            bool hit = r.TryGetValue(CreateKey(6), out TValue? value);
            bool miss = r.TryGetValue(AbsentKey, out TValue? missing);
            return new Ordered(
                ((IReadOnlyCollection<KeyValuePair<TKey, TValue>>)d).Count,
                r.ContainsKey(CreateKey(6)),
                r.ContainsKey(AbsentKey),
                hit,
                value,
                miss,
                missing,
                r[CreateKey(6)],
                r.Keys.ToList(),
                r.Values.ToList(),
                Outcome.Of(() => r[AbsentKey]));
        });
    }

    // ---------------------------------------------------------------- ICollection<KeyValuePair<TKey, TValue>>

    [Fact]
    public void ICollectionOfPair_Add_AddsNewAndRejectsDuplicate()
    {
        AssertConforms("ICollection<KVP>.Add(new pair)", d =>
        {
            d.Add(new KeyValuePair<TKey, TValue>(AbsentKey, AbsentValue));
            return d.Count;
        });
        AssertConforms("ICollection<KVP>.Add(pair with present key)", d =>
        {
            d.Add(new KeyValuePair<TKey, TValue>(CreateKey(2), CreateValue(2)));
            return null;
        });

        ICollection<KeyValuePair<TKey, TValue>> map = NewMap();
        Assert.Throws<ArgumentException>(() => map.Add(new KeyValuePair<TKey, TValue>(CreateKey(2), AbsentValue)));
        Assert.Equal(PairCount, map.Count);
    }

    [Fact]
    public void ICollectionOfPair_Contains_UsesValueEquality()
    {
        AssertConforms("ICollection<KVP>.Contains", d => new Ordered(
            d.Contains(new KeyValuePair<TKey, TValue>(CreateKey(3), CreateValue(3))),
            d.Contains(new KeyValuePair<TKey, TValue>(CreateKey(3), CreateValue(4))),
            d.Contains(new KeyValuePair<TKey, TValue>(AbsentKey, CreateValue(3)))));

        foreach (MapState state in MapStates.All)
        {
            ICollection<KeyValuePair<TKey, TValue>> map = NewMap(state);

            // CreateValue builds a new instance each call: a match here is by value, not by reference.
            Assert.True(map.Contains(new KeyValuePair<TKey, TValue>(CreateKey(3), CreateValue(3))), $"layout {state}");
            Assert.False(map.Contains(new KeyValuePair<TKey, TValue>(CreateKey(3), CreateValue(4))), $"layout {state}");
            Assert.False(map.Contains(new KeyValuePair<TKey, TValue>(AbsentKey, CreateValue(3))), $"layout {state}");
        }
    }

    [Fact]
    public void ICollectionOfPair_Remove_RemovesOnlyOnValueMatch()
    {
        AssertConforms("ICollection<KVP>.Remove", d => new Ordered(
            d.Remove(new KeyValuePair<TKey, TValue>(CreateKey(5), CreateValue(6))),
            d.ContainsKey(CreateKey(5)),
            d.Remove(new KeyValuePair<TKey, TValue>(CreateKey(5), CreateValue(5))),
            d.ContainsKey(CreateKey(5)),
            d.Remove(new KeyValuePair<TKey, TValue>(CreateKey(5), CreateValue(5))),
            d.Remove(new KeyValuePair<TKey, TValue>(AbsentKey, CreateValue(5))),
            d.Count));

        foreach (MapState state in MapStates.All)
        {
            ICollection<KeyValuePair<TKey, TValue>> map = NewMap(state);
            Assert.False(map.Remove(new KeyValuePair<TKey, TValue>(CreateKey(5), CreateValue(6))), $"layout {state}");
            Assert.Equal(PairCount, map.Count);
            Assert.True(map.Remove(new KeyValuePair<TKey, TValue>(CreateKey(5), CreateValue(5))), $"layout {state}");
            Assert.Equal(PairCount - 1, map.Count);
            Assert.False(((IDictionary<TKey, TValue>)map).ContainsKey(CreateKey(5)), $"layout {state}");
        }
    }

    [Fact]
    public void ICollectionOfPair_CopyTo_CopiesAndChecksArguments()
    {
        foreach (int count in new[] { 0, 1, PairCount })
        {
            AssertConforms("ICollection<KVP>.CopyTo(exact array, 0)", d =>
            {
                var array = new KeyValuePair<TKey, TValue>[d.Count];
                d.CopyTo(array, 0);
                return ArrayParts(array, 0, d.Count);
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(larger array, 2)", d =>
            {
                var array = new KeyValuePair<TKey, TValue>[d.Count + 5];
                d.CopyTo(array, 2);
                return ArrayParts(array, 2, d.Count);
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(null, 0)", d =>
            {
                d.CopyTo(null!, 0);
                return null;
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(array, -1)", d =>
            {
                d.CopyTo(new KeyValuePair<TKey, TValue>[d.Count + 1], -1);
                return null;
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(too small array, 0)", d =>
            {
                d.CopyTo(new KeyValuePair<TKey, TValue>[Math.Max(0, d.Count - 1)], 0);
                return null;
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(array, index leaving too little room)", d =>
            {
                d.CopyTo(new KeyValuePair<TKey, TValue>[d.Count + 1], 2);
                return null;
            }, count);
            AssertConforms("ICollection<KVP>.CopyTo(array, index past the end)", d =>
            {
                d.CopyTo(new KeyValuePair<TKey, TValue>[d.Count], d.Count + 1);
                return null;
            }, count);
        }

        ICollection<KeyValuePair<TKey, TValue>> map = NewMap();
        Assert.Equal("array", Assert.Throws<ArgumentNullException>(() => map.CopyTo(null!, 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.CopyTo(new KeyValuePair<TKey, TValue>[PairCount], -1));
        Assert.Throws<ArgumentException>(() => map.CopyTo(new KeyValuePair<TKey, TValue>[PairCount], 1));
    }

    [Fact]
    public void ICollectionOfPair_IsReadOnlyIsFalse_AndCountIsExact()
    {
        AssertConforms("ICollection<KVP>.IsReadOnly/Count", d => new Ordered(d.IsReadOnly, d.Count));
        AssertConforms("ICollection<KVP>.IsReadOnly/Count on an empty map", d => new Ordered(d.IsReadOnly, d.Count), count: 0);
        Assert.False(((ICollection<KeyValuePair<TKey, TValue>>)NewMap()).IsReadOnly);
    }

    // ---------------------------------------------------------------- IDictionary (non-generic)

    [Fact]
    public void IDictionary_IndexerGet_ReturnsValueOrNull()
    {
        AssertConforms("IDictionary[present key]", d => ((IDictionary)d)[CreateKey(4)]);
        AssertConforms("IDictionary[missing key]", d => ((IDictionary)d)[AbsentKey]);
        AssertConforms("IDictionary[key of another type]", d => ((IDictionary)d)[KeyOfAnotherType]);

        var map = (IDictionary)NewMap();
        Assert.Equal(CreateValue(4), map[CreateKey(4)]);
        Assert.Null(map[AbsentKey]);
        if (!AnyObjectIsAKey)
        {
            Assert.Null(map[KeyOfAnotherType]);
        }
    }

    [Fact]
    public void IDictionary_IndexerSet_ChecksTypes()
    {
        AssertConforms("IDictionary[new key] = v", d =>
        {
            ((IDictionary)d)[AbsentKey] = AbsentValue;
            return d[AbsentKey];
        });
        AssertConforms("IDictionary[present key] = v", d =>
        {
            ((IDictionary)d)[CreateKey(1)] = AbsentValue;
            return d[CreateKey(1)];
        });
        AssertConforms("IDictionary[key of another type] = v", d =>
        {
            ((IDictionary)d)[KeyOfAnotherType] = AbsentValue;
            return null;
        });
        AssertConforms("IDictionary[key] = value of another type", d =>
        {
            ((IDictionary)d)[CreateKey(1)] = ValueOfAnotherType;
            return null;
        });
        AssertConforms("IDictionary[key] = null", d =>
        {
            ((IDictionary)d)[CreateKey(1)] = null;
            return null;
        });

        var map = (IDictionary)NewMap();
        if (!AnyObjectIsAKey)
        {
            Assert.Throws<ArgumentException>(() => map[KeyOfAnotherType] = AbsentValue);
        }

        Assert.Throws<ArgumentException>(() => map[CreateKey(1)] = ValueOfAnotherType);
        Assert.Equal(CreateValue(1), map[CreateKey(1)]);
        if (default(TValue) is not null)
        {
            // A null cannot be a value of a value type.
            Assert.Throws<ArgumentException>(() => map[CreateKey(1)] = null);
        }
    }

    [Fact]
    public void IDictionary_Add_ChecksTypesAndDuplicates()
    {
        AssertConforms("IDictionary.Add(new key)", d =>
        {
            ((IDictionary)d).Add(AbsentKey, AbsentValue);
            return d[AbsentKey];
        });
        AssertConforms("IDictionary.Add(duplicate key)", d =>
        {
            ((IDictionary)d).Add(CreateKey(0), AbsentValue);
            return null;
        });
        AssertConforms("IDictionary.Add(key of another type)", d =>
        {
            ((IDictionary)d).Add(KeyOfAnotherType, AbsentValue);
            return null;
        });
        AssertConforms("IDictionary.Add(value of another type)", d =>
        {
            ((IDictionary)d).Add(AbsentKey, ValueOfAnotherType);
            return null;
        });
        AssertConforms("IDictionary.Add(key, null)", d =>
        {
            ((IDictionary)d).Add(AbsentKey, null);
            return d.ContainsKey(AbsentKey);
        });

        var map = (IDictionary)NewMap();
        Assert.Throws<ArgumentException>(() => map.Add(CreateKey(0), AbsentValue));
        Assert.Throws<ArgumentException>(() => map.Add(AbsentKey, ValueOfAnotherType));
        if (!AnyObjectIsAKey)
        {
            Assert.Throws<ArgumentException>(() => map.Add(KeyOfAnotherType, AbsentValue));
        }

        Assert.Equal(PairCount, map.Count);
    }

    [Fact]
    public void IDictionary_ContainsAndRemove_IgnoreKeysOfAnotherType()
    {
        AssertConforms("IDictionary.Contains", d => new Ordered(
            ((IDictionary)d).Contains(CreateKey(2)),
            ((IDictionary)d).Contains(AbsentKey),
            ((IDictionary)d).Contains(KeyOfAnotherType)));
        AssertConforms("IDictionary.Remove", d =>
        {
            var map = (IDictionary)d;
            map.Remove(CreateKey(2));
            map.Remove(AbsentKey);
            map.Remove(KeyOfAnotherType);
            return d.Count;
        });

        var map = (IDictionary)NewMap();
        if (!AnyObjectIsAKey)
        {
            Assert.False(map.Contains(KeyOfAnotherType));
            map.Remove(KeyOfAnotherType);
            Assert.Equal(PairCount, map.Count);
        }
    }

    [Fact]
    public void IDictionary_Flags_AreFalse_AndKeysValuesHoldTheContents()
    {
        AssertConforms("IDictionary flags, Keys, Values", d =>
        {
            var map = (IDictionary)d;
            var keys = new object[map.Keys.Count + 1];
            map.Keys.CopyTo(keys, 1);
            return new Ordered(
                map.IsFixedSize,
                map.IsReadOnly,
                map.Keys.Cast<object?>().ToList(),
                map.Values.Cast<object?>().ToList(),
                map.Keys.Count,
                map.Values.Count,
                ArrayParts(keys, 1, map.Keys.Count));
        });

        var map = (IDictionary)NewMap();
        Assert.False(map.IsFixedSize);
        Assert.False(map.IsReadOnly);
    }

    [Fact]
    public void IDictionary_Enumerator_KeyValueEntryCurrentAgree_AndResetRestarts()
    {
        AssertConforms("IDictionaryEnumerator walk, Reset, walk", d =>
        {
            IDictionaryEnumerator e = ((IDictionary)d).GetEnumerator();
            List<DictionaryStep> first = Walk(e);
            bool afterEnd = e.MoveNext();
            bool stillAfterEnd = e.MoveNext();
            e.Reset();
            List<DictionaryStep> second = Walk(e);
            return new Ordered(first, afterEnd, stillAfterEnd, second);
        });

        foreach (MapState state in MapStates.All)
        {
            IDictionaryEnumerator e = ((IDictionary)NewMap(state)).GetEnumerator();
            foreach (DictionaryStep step in Walk(e))
            {
                Assert.Equal(step.Key, step.Entry.Key);
                Assert.Equal(step.Value, step.Entry.Value);
                Assert.Equal((object)step.Entry, step.Current);
            }
        }
    }

    private static List<DictionaryStep> Walk(IDictionaryEnumerator e)
    {
        var steps = new List<DictionaryStep>();
        while (e.MoveNext())
        {
            steps.Add(new DictionaryStep(e.Key, e.Value, e.Entry, e.Current));
        }

        return steps;
    }

    private readonly record struct DictionaryStep(object Key, object? Value, DictionaryEntry Entry, object? Current);

    // ---------------------------------------------------------------- ICollection (non-generic)

    [Fact]
    public void ICollection_CopyTo_SupportedArrayTypes()
    {
        foreach (int count in new[] { 0, PairCount })
        {
            AssertConforms("ICollection.CopyTo(KeyValuePair[], 1)", d =>
            {
                var array = new KeyValuePair<TKey, TValue>[d.Count + 3];
                ((ICollection)d).CopyTo(array, 1);
                return ArrayParts(array, 1, d.Count);
            }, count);
            AssertConforms("ICollection.CopyTo(DictionaryEntry[], 1)", d =>
            {
                var array = new DictionaryEntry[d.Count + 3];
                ((ICollection)d).CopyTo(array, 1);
                return ArrayParts(array, 1, d.Count);
            }, count);
            AssertConforms("ICollection.CopyTo(object[], 1)", d =>
            {
                var array = new object[d.Count + 3];
                ((ICollection)d).CopyTo(array, 1);
                return ArrayParts(array, 1, d.Count);
            }, count);
        }

        var map = (ICollection)NewMap();
        var entries = new DictionaryEntry[PairCount];
        map.CopyTo(entries, 0);
        Assert.Equal(
            Enumerable.Range(0, PairCount).Select(i => new DictionaryEntry(CreateKey(i), CreateValue(i))).ToHashSet(),
            entries.ToHashSet());
        var objects = new object[PairCount];
        map.CopyTo(objects, 0);
        Assert.All(objects, o => Assert.IsType<KeyValuePair<TKey, TValue>>(o));
    }

    [Fact]
    public void ICollection_CopyTo_WrongArrayTypeOrArguments_Throw()
    {
        foreach (int count in new[] { 0, PairCount })
        {
            AssertConforms("ICollection.CopyTo(int[])", d =>
            {
                ((ICollection)d).CopyTo(new int[d.Count + 1], 0);
                return null;
            }, count);
            AssertConforms("ICollection.CopyTo(object[,])", d =>
            {
                ((ICollection)d).CopyTo(new object[d.Count + 1, 2], 0);
                return null;
            }, count);

            // string[] is an object[] by array covariance: ConcurrentDictionary takes its object[] path and the
            // first store throws ArrayTypeMismatchException. A drop-in replacement behaves the same.
            AssertConforms("ICollection.CopyTo(string[])", d =>
            {
                ((ICollection)d).CopyTo(new string[d.Count + 1], 0);
                return null;
            }, count);
            AssertConforms("ICollection.CopyTo(null, 0)", d =>
            {
                ((ICollection)d).CopyTo(null!, 0);
                return null;
            }, count);
            AssertConforms("ICollection.CopyTo(object[], -1)", d =>
            {
                ((ICollection)d).CopyTo(new object[d.Count + 1], -1);
                return null;
            }, count);
            AssertConforms("ICollection.CopyTo(too small object[], 0)", d =>
            {
                ((ICollection)d).CopyTo(new object[Math.Max(0, d.Count - 1)], 0);
                return null;
            }, count);
            AssertConforms("ICollection.CopyTo(object[], index past the end)", d =>
            {
                ((ICollection)d).CopyTo(new object[d.Count], d.Count + 1);
                return null;
            }, count);
        }

        var map = (ICollection)NewMap();
        Assert.Throws<ArgumentException>(() => map.CopyTo(new int[PairCount], 0));
        Assert.Throws<ArgumentException>(() => map.CopyTo(new object[PairCount, 2], 0));
        Assert.Equal("array", Assert.Throws<ArgumentNullException>(() => map.CopyTo(null!, 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.CopyTo(new object[PairCount], -1));
        Assert.Throws<ArgumentException>(() => map.CopyTo(new object[PairCount - 1], 0));
        Assert.Throws<ArgumentException>(() => map.CopyTo(new DictionaryEntry[PairCount], 1));
    }

    [Fact]
    public void ICollection_SyncRootThrows_IsSynchronizedIsFalse()
    {
        AssertConforms("ICollection.SyncRoot", d => ((ICollection)d).SyncRoot);
        AssertConforms("ICollection.IsSynchronized/Count", d => new Ordered(((ICollection)d).IsSynchronized, ((ICollection)d).Count));

        var map = (ICollection)NewMap();
        Assert.Throws<NotSupportedException>(() => map.SyncRoot);
        Assert.False(map.IsSynchronized);
        Assert.Equal(PairCount, map.Count);
    }

    // ---------------------------------------------------------------- IEnumerable<KVP> / IEnumerable

    [Fact]
    public void IEnumerableOfPair_Enumerator_VisitsEachPairOnce_AndResetRestarts()
    {
        foreach (int count in new[] { 0, 1, PairCount })
        {
            AssertConforms("IEnumerator<KVP> walk, Reset, walk", d =>
            {
                using IEnumerator<KeyValuePair<TKey, TValue>> e = d.GetEnumerator();
                List<object?> first = Drain(e);
                bool afterEnd = e.MoveNext();
                bool stillAfterEnd = e.MoveNext();
                e.Reset();
                List<object?> second = Drain(e);
                return new Ordered(first, afterEnd, stillAfterEnd, second);
            }, count);
        }
    }

    [Fact]
    public void IEnumerable_Enumerator_YieldsBoxedPairs_AndResetRestarts()
    {
        AssertConforms("IEnumerable.GetEnumerator walk, Reset, walk", d =>
        {
            IEnumerator e = ((IEnumerable)d).GetEnumerator();
            List<object?> first = Drain(e);
            bool afterEnd = e.MoveNext();
            e.Reset();
            List<object?> second = Drain(e);
            return new Ordered(first, afterEnd, second);
        });

        foreach (object? item in (IEnumerable)NewMap())
        {
            Assert.IsType<KeyValuePair<TKey, TValue>>(item);
        }
    }

    [Fact]
    public void PublicStructEnumerator_MatchesConcurrentDictionary()
    {
        List<KeyValuePair<TKey, TValue>> pairs = Pairs(PairCount);
        var expected = new ConcurrentDictionary<TKey, TValue>(pairs).Cast<object?>().ToList();
        foreach (MapState state in MapStates.All)
        {
            SyncMap<TKey, TValue> map = MapStates.Build(state, pairs, CreateKey(2000), CreateValue(2000));
            var seen = new List<object?>();
            foreach (KeyValuePair<TKey, TValue> pair in map)
            {
                seen.Add(pair);
            }

            Oracle.AssertSameMultiset(expected, seen, $"foreach over SyncMap {Types}, layout {state}");

            // Driven through a constrained generic so the struct is never copied (a boxed copy would hide Reset).
            SyncMap<TKey, TValue>.Enumerator e = map.GetEnumerator();
            List<object?> first = DrainInPlace(ref e);
            ResetInPlace(ref e);
            List<object?> second = DrainInPlace(ref e);
            e.Dispose();
            Oracle.AssertSameMultiset(expected, first, $"SyncMap.Enumerator {Types}, layout {state}");
            Oracle.AssertSameMultiset(expected, second, $"SyncMap.Enumerator after Reset {Types}, layout {state}");
        }
    }

    [Fact]
    public void Enumeration_WhileTheMapChanges_DoesNotThrow()
    {
        AssertConforms("remove every key while enumerating", d =>
        {
            foreach (KeyValuePair<TKey, TValue> pair in d)
            {
                d.Remove(pair.Key);
            }

            return d.Count;
        });
        AssertConforms("add keys while enumerating (which are seen is unspecified)", d =>
        {
            int i = 0;
            foreach (KeyValuePair<TKey, TValue> pair in d)
            {
                if (i < 4)
                {
                    d[CreateKey(3000 + i)] = CreateValue(i);
                }

                i++;
            }

            return d.Count;
        });
        AssertConforms("IDictionaryEnumerator while removing", d =>
        {
            IDictionaryEnumerator e = ((IDictionary)d).GetEnumerator();
            while (e.MoveNext())
            {
                ((IDictionary)d).Remove(e.Key);
            }

            return d.Count;
        });
    }

    // ---------------------------------------------------------------- Constructors and Comparer

    [Fact]
    public void Constructors_WithValidArguments_MatchConcurrentDictionary()
    {
        List<KeyValuePair<TKey, TValue>> pairs = Pairs(PairCount);
        var comparer = new CountingComparer<TKey>();
        foreach (IEqualityComparer<TKey>? c in new IEqualityComparer<TKey>?[] { null, EqualityComparer<TKey>.Default, comparer })
        {
            string with = c is null ? "null comparer" : c.GetType().Name;
            AssertSameConstruction($"() {with}", () => new(), () => new());
            AssertSameConstruction($"(comparer) {with}", () => new(c), () => new(c));
            AssertSameConstruction($"(collection, comparer) {with}", () => new(pairs, c), () => new(pairs, c));
            AssertSameConstruction($"(collection) {with}", () => new(pairs), () => new(pairs));
            foreach (int level in new[] { -1, 1, 2, 64 })
            {
                foreach (int capacity in new[] { 0, 1, 31, 1000 })
                {
                    AssertSameConstruction($"({level}, {capacity})", () => new(level, capacity), () => new(level, capacity));
                    AssertSameConstruction($"({level}, {capacity}, comparer) {with}", () => new(level, capacity, c), () => new(level, capacity, c));
                }

                AssertSameConstruction($"({level}, collection, comparer) {with}", () => new(level, pairs, c), () => new(level, pairs, c));
                AssertSameConstruction($"({level}, empty collection, comparer) {with}", () => new(level, [], c), () => new(level, [], c));
            }
        }
    }

    [Fact]
    public void Constructors_WithInvalidArguments_ThrowAsConcurrentDictionary()
    {
        List<KeyValuePair<TKey, TValue>> pairs = Pairs(3);
        List<KeyValuePair<TKey, TValue>> duplicated = [.. pairs, new(CreateKey(1), CreateValue(9))];
        IEnumerable<KeyValuePair<TKey, TValue>> none = null!;

        foreach (int level in new[] { 0, -2, int.MinValue })
        {
            AssertSameConstruction($"({level}, 1)", () => new(level, 1), () => new(level, 1));
            AssertSameConstruction($"({level}, 1, null)", () => new(level, 1, null), () => new(level, 1, null));
            AssertSameConstruction($"({level}, -1)", () => new(level, -1), () => new(level, -1));
            AssertSameConstruction($"({level}, collection, null)", () => new(level, pairs, null), () => new(level, pairs, null));
            AssertSameConstruction($"({level}, null collection, null)", () => new(level, none, null), () => new(level, none, null));

            Assert.Equal("concurrencyLevel", Assert.Throws<ArgumentOutOfRangeException>(() => new SyncMap<TKey, TValue>(level, 1)).ParamName);
        }

        foreach (int capacity in new[] { -1, int.MinValue })
        {
            AssertSameConstruction($"(1, {capacity})", () => new(1, capacity), () => new(1, capacity));
            AssertSameConstruction($"(-1, {capacity}, null)", () => new(-1, capacity, null), () => new(-1, capacity, null));
            Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new SyncMap<TKey, TValue>(1, capacity)).ParamName);
        }

        AssertSameConstruction("(null collection)", () => new(none), () => new(none));
        AssertSameConstruction("(null collection, null)", () => new(none, null), () => new(none, null));
        AssertSameConstruction("(1, null collection, null)", () => new(1, none, null), () => new(1, none, null));
        Assert.Equal("collection", Assert.Throws<ArgumentNullException>(() => new SyncMap<TKey, TValue>(none)).ParamName);

        AssertSameConstruction("(collection with a duplicate key)", () => new(duplicated), () => new(duplicated));
        AssertSameConstruction("(collection with a duplicate key, null)", () => new(duplicated, null), () => new(duplicated, null));
        AssertSameConstruction("(1, collection with a duplicate key, null)", () => new(1, duplicated, null), () => new(1, duplicated, null));
        Assert.Throws<ArgumentException>(() => new SyncMap<TKey, TValue>(duplicated));

        // Under a comparer that equates every pair of keys, distinct keys are duplicates too.
        var allEqual = new AllEqualComparer<TKey>();
        AssertSameConstruction("(collection, all-equal comparer)", () => new(pairs, allEqual), () => new(pairs, allEqual));
        Assert.Throws<ArgumentException>(() => new SyncMap<TKey, TValue>(pairs, allEqual));
    }

    [Fact]
    public void Comparer_IsTheGivenComparerOrTheDefault_AndIsUsed()
    {
        Assert.Same(EqualityComparer<TKey>.Default, new SyncMap<TKey, TValue>().Comparer);
        Assert.Same(EqualityComparer<TKey>.Default, new SyncMap<TKey, TValue>((IEqualityComparer<TKey>?)null).Comparer);
        Assert.Same(EqualityComparer<TKey>.Default, new SyncMap<TKey, TValue>(-1, 4, null).Comparer);

        var counting = new CountingComparer<TKey>();
        var map = new SyncMap<TKey, TValue>(Pairs(PairCount), counting);
        Assert.Same(counting, map.Comparer);
        int before = counting.Calls;
        Assert.True(map.TryGetValue(CreateKey(3), out _));
        Assert.False(map.ContainsKey(AbsentKey));
        Assert.True(counting.Calls > before, "the given comparer was not called by lookups");

        // Every key equal to every other: one slot.
        var collapsed = new SyncMap<TKey, TValue>(new AllEqualComparer<TKey>());
        collapsed.Store(CreateKey(1), CreateValue(1));
        collapsed.Store(CreateKey(2), CreateValue(2));
        int collapsedCount = collapsed.Count;
        Assert.Equal(1, collapsedCount);
        Assert.True(collapsed.TryGetValue(CreateKey(7), out TValue? value));
        Assert.Equal(CreateValue(2), value);
        collapsed.AssertInvariants();
    }

    [Fact]
    public void ValueComparerConstructor_UsesTheGivenValueComparer()
    {
        // SyncMap's own constructor (not ConcurrentDictionary's): value equality for the pair and compare operations.
        var loose = new SyncMap<TKey, TValue>((IEqualityComparer<TKey>?)null, new AllEqualComparer<TValue>());
        Assert.Same(EqualityComparer<TKey>.Default, loose.Comparer);
        loose.Store(CreateKey(1), CreateValue(1));
        Assert.True(((ICollection<KeyValuePair<TKey, TValue>>)loose).Contains(new(CreateKey(1), CreateValue(2))));
        Assert.True(loose.TryUpdate(CreateKey(1), CreateValue(3), CreateValue(4)));
        Assert.True(loose.CompareAndSwap(CreateKey(1), CreateValue(5), CreateValue(6)));
        Assert.Equal(CreateValue(6), loose[CreateKey(1)]);
        Assert.True(loose.TryRemove(new KeyValuePair<TKey, TValue>(CreateKey(1), CreateValue(7))));
        Assert.True(loose.IsEmpty);

        var strict = new SyncMap<TKey, TValue>((IEqualityComparer<TKey>?)null, (IEqualityComparer<TValue>?)null);
        strict.Store(CreateKey(1), CreateValue(1));
        Assert.False(((ICollection<KeyValuePair<TKey, TValue>>)strict).Contains(new(CreateKey(1), CreateValue(2))));
        Assert.False(strict.CompareAndDelete(CreateKey(1), CreateValue(2)));
        Assert.True(strict.CompareAndDelete(CreateKey(1), CreateValue(1)));
    }

    private void AssertSameConstruction(string what, Func<ConcurrentDictionary<TKey, TValue>> oracle, Func<SyncMap<TKey, TValue>> create)
    {
        ConcurrentDictionary<TKey, TValue>? expected = null;
        SyncMap<TKey, TValue>? actual = null;
        Outcome want = Outcome.Of(() => expected = oracle());
        Outcome got = Outcome.Of(() => actual = create());
        string context = $"new SyncMap<{typeof(TKey).Name}, {typeof(TValue).Name}>{what}";
        if (want.Exception is not null || got.Exception is not null)
        {
            Oracle.AssertSameOutcome(want, got, context);
            return;
        }

        Oracle.AssertSameContents(expected!, actual!, context);
        Assert.True(ReferenceEquals(expected!.Comparer, actual!.Comparer), $"{context}: Comparer is {actual.Comparer}, ConcurrentDictionary's is {expected.Comparer}");
        actual.AssertInvariants();
    }
}
