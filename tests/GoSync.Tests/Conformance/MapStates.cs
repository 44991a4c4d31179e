// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;

namespace GoSync.Tests.Conformance;

/// <summary>
/// The internal layouts a map with the same contents can be in (Go's read/dirty design, go-syncmap.md §1.3). A
/// conformance check runs in every layout, because each one takes different code paths.
/// </summary>
public enum MapState
{
    /// <summary>Every key was stored into a fresh map and never promoted: all keys live only in the dirty map (amended).</summary>
    Dirty,

    /// <summary>As <see cref="Dirty"/>, then a Range promoted the dirty map: every key is in the read map, no dirty map.</summary>
    Promoted,

    /// <summary>Half the keys promoted, a promoted spare key deleted and then expunged by the first new key, the rest only in dirty.</summary>
    Mixed,

    /// <summary>Promoted, every key deleted (tombstoned in the read map), then stored again (revived in place, lock-free).</summary>
    Revived,

    /// <summary>Promoted, every key deleted, a spare key stored (which expunges them all), every key stored again (unexpunged under the lock), spare deleted.</summary>
    Unexpunged,
}

public static class MapStates
{
    public static IEnumerable<MapState> All => (MapState[])Enum.GetValues(typeof(MapState));

    /// <summary>Builds a map holding exactly <paramref name="pairs"/> in the given layout. <paramref name="spareKey"/> must not be among the pairs.</summary>
    public static SyncMap<TKey, TValue> Build<TKey, TValue>(
        MapState state,
        IReadOnlyList<KeyValuePair<TKey, TValue>> pairs,
        TKey spareKey,
        TValue spareValue,
        Func<SyncMap<TKey, TValue>>? create = null)
        where TKey : notnull
    {
        SyncMap<TKey, TValue> map = create?.Invoke() ?? new SyncMap<TKey, TValue>();
        switch (state)
        {
            case MapState.Dirty:
                StoreAll(map, pairs, 0, pairs.Count);
                break;
            case MapState.Promoted:
                StoreAll(map, pairs, 0, pairs.Count);
                Promote(map);
                break;
            case MapState.Mixed:
                int half = pairs.Count / 2;
                StoreAll(map, pairs, 0, half);
                map.Store(spareKey, spareValue);
                Promote(map);
                map.Delete(spareKey);
                StoreAll(map, pairs, half, pairs.Count);
                break;
            case MapState.Revived:
                StoreAll(map, pairs, 0, pairs.Count);
                Promote(map);
                DeleteAll(map, pairs);
                StoreAll(map, pairs, 0, pairs.Count);
                break;
            case MapState.Unexpunged:
                StoreAll(map, pairs, 0, pairs.Count);
                Promote(map);
                DeleteAll(map, pairs);
                map.Store(spareKey, spareValue);
                StoreAll(map, pairs, 0, pairs.Count);
                map.Delete(spareKey);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state));
        }

        map.AssertInvariants();
        AssertLayout(map, state, pairs.Count);
        return map;
    }

    /// <summary>Checks, through the map's internal state, that it really is in the named layout (so each layout's code paths are exercised).</summary>
    private static void AssertLayout<TKey, TValue>(SyncMap<TKey, TValue> map, MapState state, int count)
        where TKey : notnull
    {
        SyncMap<TKey, TValue>.InternalState s = map.GetInternalState();
        bool ok = state switch
        {
            MapState.Dirty => count == 0 || (s.Amended && s.ReadCount == 0 && s.DirtyCount == count),
            MapState.Promoted => !s.Amended && s.DirtyCount is null && s.ReadCount == count,
            MapState.Mixed => count < 2 || (s.Amended && s.ExpungedInRead == 1 && s.DirtyCount == count),
            MapState.Revived => !s.Amended && s.DirtyCount is null && s.ReadCount == count,
            MapState.Unexpunged => s.ExpungedInRead == 0, // the dirty map may have been promoted by the miss of the final Delete
            _ => false,
        };
        Assert.True(ok, $"map built for layout {state} with {count} pairs has internal state {s}");
    }

    /// <summary>Go's rule: a Range over an amended map promotes the dirty map first.</summary>
    public static void Promote<TKey, TValue>(SyncMap<TKey, TValue> map)
        where TKey : notnull
        => map.Range(static (_, _) => true);

    private static void StoreAll<TKey, TValue>(SyncMap<TKey, TValue> map, IReadOnlyList<KeyValuePair<TKey, TValue>> pairs, int from, int to)
        where TKey : notnull
    {
        for (int i = from; i < to; i++)
        {
            map.Store(pairs[i].Key, pairs[i].Value);
        }
    }

    private static void DeleteAll<TKey, TValue>(SyncMap<TKey, TValue> map, IReadOnlyList<KeyValuePair<TKey, TValue>> pairs)
        where TKey : notnull
    {
        foreach (KeyValuePair<TKey, TValue> pair in pairs)
        {
            map.Delete(pair.Key);
        }
    }
}
