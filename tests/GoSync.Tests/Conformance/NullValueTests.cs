// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GoSync.Tests.Conformance;

/// <summary>
/// Null values of a reference <typeparamref name="TValue"/> are stored values, distinct from absence (Go: after
/// <c>Store(k, nil)</c>, <c>Load(k)</c> is <c>(nil, true)</c>), in every internal state of the key: a stored null is
/// found, counted, compared and swapped like any value, and no operation mistakes a deleted or expunged entry for a
/// stored null.
/// </summary>
public abstract class NullValueTests<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    protected abstract TKey CreateKey(int seed);

    protected abstract TValue CreateValue(int seed);

    private static TValue NullValue => null!;

    /// <summary>A map of four ordinary pairs plus <c>key</c> holding null, where <c>key</c> lives in the read map (promoted) or only in the dirty map.</summary>
    private IEnumerable<(string Where, SyncMap<TKey, TValue> Map, TKey Key)> MapsWithAStoredNull()
    {
        foreach (bool promoted in new[] { true, false })
        {
            var map = new SyncMap<TKey, TValue>();
            for (int i = 0; i < 4; i++)
            {
                map.Store(CreateKey(i), CreateValue(i));
            }

            TKey key = CreateKey(10);
            map.Store(key, NullValue);
            if (promoted)
            {
                MapStates.Promote(map);
            }

            yield return (promoted ? "key in the read map" : "key only in the dirty map", map, key);
        }

        // Stored over a live value in the read map (lock-free swap), and revived from an expunged entry.
        var overwritten = new SyncMap<TKey, TValue>();
        overwritten.Store(CreateKey(10), CreateValue(10));
        MapStates.Promote(overwritten);
        overwritten.Store(CreateKey(10), NullValue);
        yield return ("null stored over a value in the read map", overwritten, CreateKey(10));

        var revived = new SyncMap<TKey, TValue>();
        revived.Store(CreateKey(10), CreateValue(10));
        MapStates.Promote(revived);
        revived.Delete(CreateKey(10));
        revived.Store(CreateKey(11), CreateValue(11)); // expunges key 10
        revived.Store(CreateKey(10), NullValue);
        yield return ("null stored into an expunged entry", revived, CreateKey(10));
    }

    /// <summary>A map where <c>key</c> is absent, in each way a key can be absent.</summary>
    private IEnumerable<(string Where, SyncMap<TKey, TValue> Map, TKey Key)> MapsWithAnAbsentKey()
    {
        TKey key = CreateKey(20);
        SyncMap<TKey, TValue> Seeded()
        {
            var m = new SyncMap<TKey, TValue>();
            m.Store(CreateKey(0), CreateValue(0));
            m.Store(CreateKey(1), NullValue);
            return m;
        }

        SyncMap<TKey, TValue> never = Seeded();
        MapStates.Promote(never);
        yield return ("never stored, map not amended", never, key);

        SyncMap<TKey, TValue> neverAmended = Seeded();
        yield return ("never stored, map amended", neverAmended, key);

        SyncMap<TKey, TValue> deleted = Seeded();
        deleted.Store(key, NullValue);
        MapStates.Promote(deleted);
        deleted.Delete(key);
        yield return ("null value deleted from the read map (tombstone)", deleted, key);

        SyncMap<TKey, TValue> expunged = Seeded();
        expunged.Store(key, NullValue);
        MapStates.Promote(expunged);
        expunged.Delete(key);
        expunged.Store(CreateKey(30), CreateValue(30));
        yield return ("deleted then expunged", expunged, key);

        SyncMap<TKey, TValue> dirtyDeleted = Seeded();
        dirtyDeleted.Store(key, NullValue);
        dirtyDeleted.Delete(key);
        yield return ("null value deleted from the dirty map", dirtyDeleted, key);

        SyncMap<TKey, TValue> cleared = Seeded();
        cleared.Store(key, NullValue);
        cleared.Clear();
        yield return ("cleared", cleared, key);
    }

    [Fact]
    public void StoredNull_IsPresent_ForEveryLookup()
    {
        foreach ((string where, SyncMap<TKey, TValue> map, TKey key) in MapsWithAStoredNull())
        {
            int count = map.Count;
            Assert.True(map.Load(key, out TValue? loaded), where);
            Assert.Null(loaded);
            Assert.True(map.TryGetValue(key, out TValue? got), where);
            Assert.Null(got);
            Assert.True(map.ContainsKey(key), where);
            Assert.Null(map[key]);
            Assert.True(((IDictionary)map).Contains(key), where);
            Assert.Null(((IDictionary)map)[key]);
            Assert.True(((ICollection<KeyValuePair<TKey, TValue>>)map).Contains(new(key, NullValue)), where);
            Assert.False(((ICollection<KeyValuePair<TKey, TValue>>)map).Contains(new(key, CreateValue(10))), where);
            Assert.Contains(new KeyValuePair<TKey, TValue>(key, NullValue), map.ToArray());
            Assert.Contains(key, map.Keys);
            Assert.Contains(NullValue, map.Values);

            int visits = 0;
            map.Range((k, v) =>
            {
                if (EqualityComparer<TKey>.Default.Equals(k, key))
                {
                    visits++;
                    Assert.Null(v);
                }

                return true;
            });
            Assert.True(visits == 1, $"{where}: Range visited the null-valued key {visits} times");
            Assert.Equal(count, map.Count);
            Assert.False(map.IsEmpty);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void StoredNull_IsCounted()
    {
        var map = new SyncMap<TKey, TValue>();
        map.Store(CreateKey(1), NullValue);
        Assert.Equal(1, map.Count);
        Assert.False(map.IsEmpty);
        Assert.True(map.TryAdd(CreateKey(2), NullValue));
        _ = map.GetOrAdd(CreateKey(3), NullValue);
        _ = map.LoadOrStore(CreateKey(4), NullValue, out bool loaded);
        Assert.False(loaded);
        Assert.False(map.Swap(CreateKey(5), NullValue, out _));
        Assert.Equal(5, map.Count);
        MapStates.Promote(map);
        Assert.Equal(5, map.Count);
        map.Store(CreateKey(1), CreateValue(1));
        Assert.Equal(5, map.Count);
        Assert.True(map.CompareAndDelete(CreateKey(2), NullValue));
        Assert.Equal(4, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void CompareAndSwap_FromNull_SucceedsOnAStoredNull()
    {
        foreach ((string where, SyncMap<TKey, TValue> map, TKey key) in MapsWithAStoredNull())
        {
            int count = map.Count;
            Assert.False(map.CompareAndSwap(key, CreateValue(10), CreateValue(11)), where);
            Assert.True(map.CompareAndSwap(key, NullValue, CreateValue(12)), where);
            Assert.Equal(CreateValue(12), map[key]);
            Assert.False(map.CompareAndSwap(key, NullValue, CreateValue(13)), where);
            Assert.True(map.CompareAndSwap(key, CreateValue(12), NullValue), where);
            Assert.True(map.TryGetValue(key, out TValue? value), where);
            Assert.Null(value);
            Assert.Equal(count, map.Count);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void OtherOperations_TreatAStoredNullAsAValue()
    {
        foreach ((string where, SyncMap<TKey, TValue> map, TKey key) in MapsWithAStoredNull())
        {
            int count = map.Count;
            Assert.Null(map.LoadOrStore(key, CreateValue(1), out bool loaded));
            Assert.True(loaded, where);
            Assert.False(map.TryAdd(key, CreateValue(1)), where);
            Assert.Null(map.GetOrAdd(key, _ => throw new InvalidOperationException("factory ran for a present key")));
            Assert.True(map.TryUpdate(key, NullValue, NullValue), where);
            Assert.True(map.Swap(key, NullValue, out TValue? previous), where);
            Assert.Null(previous);
            TValue? seen = CreateValue(99);
            Assert.Equal(CreateValue(3), map.AddOrUpdate(key, _ => CreateValue(2), (_, old) =>
            {
                seen = old;
                return CreateValue(3);
            }));
            Assert.Null(seen);
            map.Store(key, NullValue);
            Assert.Equal(count, map.Count);

            Assert.True(map.LoadAndDelete(key, out TValue? removed), where);
            Assert.Null(removed);
            Assert.False(map.ContainsKey(key), where);
            Assert.Equal(count - 1, map.Count);
            Assert.False(map.LoadAndDelete(key, out _), where);

            map.Store(key, NullValue);
            Assert.True(map.TryRemove(new KeyValuePair<TKey, TValue>(key, NullValue)), where);
            map.Store(key, NullValue);
            Assert.True(map.CompareAndDelete(key, NullValue), where);
            Assert.False(map.CompareAndDelete(key, NullValue), where);
            Assert.Equal(count - 1, map.Count);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void AbsentKey_IsNeverMistakenForAStoredNull()
    {
        foreach ((string where, SyncMap<TKey, TValue> map, TKey key) in MapsWithAnAbsentKey())
        {
            int count = map.Count;
            Assert.False(map.CompareAndDelete(key, NullValue), $"CompareAndDelete(absent, null), {where}");
            Assert.False(map.CompareAndSwap(key, NullValue, CreateValue(5)), $"CompareAndSwap(absent, null, x), {where}");
            Assert.False(map.TryUpdate(key, CreateValue(5), NullValue), $"TryUpdate(absent, x, null), {where}");
            Assert.False(map.TryRemove(new KeyValuePair<TKey, TValue>(key, NullValue)), $"TryRemove((absent, null)), {where}");
            Assert.False(((ICollection<KeyValuePair<TKey, TValue>>)map).Contains(new(key, NullValue)), $"Contains((absent, null)), {where}");
            Assert.False(map.Load(key, out _), $"Load(absent), {where}");
            Assert.False(map.TryGetValue(key, out _), $"TryGetValue(absent), {where}");
            Assert.False(map.ContainsKey(key), $"ContainsKey(absent), {where}");
            Assert.False(map.LoadAndDelete(key, out _), $"LoadAndDelete(absent), {where}");
            Assert.False(map.TryRemove(key, out _), $"TryRemove(absent), {where}");
            Assert.Throws<KeyNotFoundException>(() => map[key]);
            Assert.DoesNotContain(map.ToArray(), p => EqualityComparer<TKey>.Default.Equals(p.Key, key));
            Assert.Equal(count, map.Count);
            map.AssertInvariants();

            // And the key can still be given a null value afterwards.
            Assert.True(map.TryAdd(key, NullValue), where);
            Assert.Equal(count + 1, map.Count);
            Assert.True(map.CompareAndDelete(key, NullValue), where);
            Assert.Equal(count, map.Count);
            map.AssertInvariants();
        }
    }
}

/// <summary>Null values on <c>SyncMap&lt;string, string&gt;</c>.</summary>
public sealed class StringStringNullValueTests : NullValueTests<string, string>
{
    protected override string CreateKey(int seed) => string.Concat("k", seed.ToString(CultureInfo.InvariantCulture));

    protected override string CreateValue(int seed) => string.Concat("v", seed.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Null values on <c>SyncMap&lt;object, Payload&gt;</c>.</summary>
public sealed class ObjectPayloadNullValueTests : NullValueTests<object, Payload>
{
    protected override object CreateKey(int seed) => seed % 2 == 0 ? seed : new ObjectKey(seed);

    protected override Payload CreateValue(int seed) => new(seed, "p");
}
