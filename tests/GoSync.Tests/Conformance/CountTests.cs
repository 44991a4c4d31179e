// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace GoSync.Tests.Conformance;

/// <summary>
/// <see cref="SyncMap{TKey, TValue}.Count"/> and <see cref="SyncMap{TKey, TValue}.IsEmpty"/> are exact whenever no
/// write is in flight, across every mutating operation and every internal state of the keys involved, and they are
/// read without the map's lock.
/// </summary>
public sealed class CountTests
{
    private static void AssertCount(SyncMap<string, string?> map, int expected, string after)
    {
        Assert.True(map.Count == expected, $"after {after}: Count is {map.Count}, expected {expected}");
        Assert.True(map.IsEmpty == (expected == 0), $"after {after}: IsEmpty is {map.IsEmpty} with {expected} pairs");
    }

    [Fact]
    public void Count_IsExact_AfterEachGoOperation()
    {
        var map = new SyncMap<string, string?>();
        AssertCount(map, 0, "construction");
        map.Clear();
        AssertCount(map, 0, "Clear of an empty map");
        map.Delete("absent");
        Assert.False(map.LoadAndDelete("absent", out _));
        Assert.False(map.CompareAndDelete("absent", null));
        Assert.False(map.CompareAndSwap("absent", null, "x"));
        AssertCount(map, 0, "deleting and comparing absent keys");

        map.Store("a", "1");
        map.Store("b", null);
        AssertCount(map, 2, "two Stores (one null)");
        map.Store("a", "2");
        map.Store("b", null);
        AssertCount(map, 2, "Stores over present keys");
        _ = map.LoadOrStore("a", "x", out bool loaded);
        Assert.True(loaded);
        _ = map.LoadOrStore("c", null, out loaded);
        Assert.False(loaded);
        AssertCount(map, 3, "LoadOrStore hit and miss");
        Assert.False(map.Swap("d", "4", out _));
        Assert.True(map.Swap("d", "5", out _));
        AssertCount(map, 4, "Swap of a new key then of a present key");

        MapStates.Promote(map);
        AssertCount(map, 4, "promotion");
        map.Delete("a");
        AssertCount(map, 3, "Delete of a read-map key (tombstone)");
        map.Delete("a");
        AssertCount(map, 3, "Delete of a tombstoned key");
        map.Store("e", "6");
        AssertCount(map, 4, "Store of a new key (expunges the tombstone)");
        map.Delete("a");
        Assert.False(map.CompareAndDelete("a", null));
        AssertCount(map, 4, "deleting an expunged key");
        map.Store("a", "7");
        AssertCount(map, 5, "Store into an expunged key");
        Assert.False(map.CompareAndDelete("e", "wrong"));
        Assert.True(map.CompareAndDelete("e", "6"));
        AssertCount(map, 4, "CompareAndDelete mismatch then match of a dirty-only key");
        Assert.True(map.LoadAndDelete("b", out string? value));
        Assert.Null(value);
        AssertCount(map, 3, "LoadAndDelete of a stored null");
        Assert.True(map.CompareAndSwap("c", null, "8"));
        AssertCount(map, 3, "CompareAndSwap");

        map.Clear();
        AssertCount(map, 0, "Clear");
        map.Clear();
        AssertCount(map, 0, "second Clear");
        map.Store("a", null);
        map.Store("f", "9");
        AssertCount(map, 2, "re-adding after Clear");
        MapStates.Promote(map);
        map.Clear();
        AssertCount(map, 0, "Clear of a promoted map");
        map.AssertInvariants();
    }

    [Fact]
    public void Count_IsExact_AfterEachConcurrentDictionaryOperation()
    {
        var map = new SyncMap<string, string?>();
        Assert.True(map.TryAdd("a", null));
        Assert.False(map.TryAdd("a", "x"));
        AssertCount(map, 1, "TryAdd new and duplicate");
        Assert.Null(map.GetOrAdd("a", "y"));
        Assert.Equal("b", map.GetOrAdd("b", k => k));
        Assert.Equal("c1", map.GetOrAdd("c", (k, n) => k + n.ToString(CultureInfo.InvariantCulture), 1));
        AssertCount(map, 3, "GetOrAdd present and absent");
        Assert.Equal("add", map.AddOrUpdate("d", "add", (_, _) => "update"));
        Assert.Equal("update", map.AddOrUpdate("d", "add", (_, _) => "update"));
        Assert.Equal("e", map.AddOrUpdate("e", k => k, (_, _) => "u"));
        Assert.Equal("u2", map.AddOrUpdate("e", (k, n) => k, (_, _, n) => "u" + n.ToString(CultureInfo.InvariantCulture), 2));
        AssertCount(map, 5, "AddOrUpdate add and update");
        map["f"] = null;
        map["f"] = "g";
        AssertCount(map, 6, "indexer set new and present");
        Assert.True(map.TryUpdate("f", "h", "g"));
        Assert.False(map.TryUpdate("absent", "h", null));
        AssertCount(map, 6, "TryUpdate");

        MapStates.Promote(map);
        Assert.True(map.TryRemove("a", out _));
        Assert.False(map.TryRemove("a", out _));
        AssertCount(map, 5, "TryRemove present then absent");
        Assert.False(map.TryRemove(new KeyValuePair<string, string?>("b", "wrong")));
        Assert.True(map.TryRemove(new KeyValuePair<string, string?>("b", "b")));
        AssertCount(map, 4, "TryRemove(pair) mismatch then match");
        Assert.True(((IDictionary<string, string?>)map).Remove("c"));
        ((IDictionary<string, string?>)map).Add("c", null);
        ((ICollection<KeyValuePair<string, string?>>)map).Add(new("z", "z"));
        AssertCount(map, 5, "IDictionary<,>.Remove, Add, ICollection<KVP>.Add");
        map.Clear();
        AssertCount(map, 0, "Clear");
        Assert.True(map.TryAdd("a", "again"));
        AssertCount(map, 1, "TryAdd after Clear");
        map.AssertInvariants();
    }

    [Fact]
    public void Count_MatchesAModel_OverASeededRandomSequence()
    {
        int seed = TestEnvironment.Seed(20261121);
        var random = new Random(seed);
        var map = new SyncMap<string, string?>();
        var model = new Dictionary<string, string?>();
        int steps = 4000 * TestEnvironment.StressScale;

        for (int step = 0; step < steps; step++)
        {
            string key = "k" + random.Next(24).ToString(CultureInfo.InvariantCulture);
            string? value = random.Next(4) == 0 ? null : "v" + random.Next(6).ToString(CultureInfo.InvariantCulture);
            string op = ApplyRandomOperation(random.Next(20), map, model, key, value);
            string context = $"step {step} ({op} key {key} value {value ?? "null"}), seed {seed} (set GOSYNC_SEED to replay)";
            Assert.True(map.Count == model.Count, $"{context}: Count is {map.Count}, expected {model.Count}");
            Assert.True(map.IsEmpty == (model.Count == 0), $"{context}: IsEmpty is {map.IsEmpty}, {model.Count} pairs");
            if (step % 256 == 255)
            {
                Oracle.AssertSameContents(model, map, context);
                map.AssertInvariants();
            }
        }

        Oracle.AssertSameContents(model, map, $"end of sequence, seed {seed}");
        map.AssertInvariants();
    }

    private static string ApplyRandomOperation(int op, SyncMap<string, string?> map, Dictionary<string, string?> model, string key, string? value)
    {
        bool present = model.TryGetValue(key, out string? current);
        switch (op)
        {
            case 0:
                map.Store(key, value);
                model[key] = value;
                return "Store";
            case 1:
                map.Delete(key);
                model.Remove(key);
                return "Delete";
            case 2:
                Assert.Equal(present, map.LoadAndDelete(key, out _));
                model.Remove(key);
                return "LoadAndDelete";
            case 3:
                bool match = present && current == value;
                Assert.Equal(match, map.CompareAndDelete(key, value));
                if (match)
                {
                    model.Remove(key);
                }

                return "CompareAndDelete";
            case 4:
                Assert.Equal(present, map.Swap(key, value, out _));
                model[key] = value;
                return "Swap";
            case 5:
                _ = map.LoadOrStore(key, value, out bool loaded);
                Assert.Equal(present, loaded);
                model.TryAdd(key, value);
                return "LoadOrStore";
            case 6:
                Assert.Equal(!present, map.TryAdd(key, value));
                model.TryAdd(key, value);
                return "TryAdd";
            case 7:
                Assert.Equal(present, map.TryRemove(key, out _));
                model.Remove(key);
                return "TryRemove";
            case 8:
                _ = map.AddOrUpdate(key, value, (_, _) => value + "u");
                model[key] = present ? value + "u" : value;
                return "AddOrUpdate";
            case 9:
                _ = map.GetOrAdd(key, _ => value);
                model.TryAdd(key, value);
                return "GetOrAdd";
            case 10:
                bool swap = present && current == value;
                Assert.Equal(swap, map.CompareAndSwap(key, value, "swapped"));
                if (swap)
                {
                    model[key] = "swapped";
                }

                return "CompareAndSwap";
            case 11:
                bool pairMatch = present && current == value;
                Assert.Equal(pairMatch, map.TryRemove(new KeyValuePair<string, string?>(key, value)));
                if (pairMatch)
                {
                    model.Remove(key);
                }

                return "TryRemove(pair)";
            case 12:
                // Misses while amended count towards promotion (Go's missLocked).
                Assert.Equal(present, map.Load(key, out _));
                return "Load";
            case 13:
                MapStates.Promote(map);
                return "Range (promotes)";
            case 14:
                map.Range((_, _) => false);
                return "Range stopped at once";
            case 15:
                if (model.Count > 18)
                {
                    map.Clear();
                    model.Clear();
                    return "Clear";
                }

                map[key] = value;
                model[key] = value;
                return "indexer set";
            case 16:
                bool update = present && current == value;
                Assert.Equal(update, map.TryUpdate(key, "updated", value));
                if (update)
                {
                    model[key] = "updated";
                }

                return "TryUpdate";
            default:
                map.Store(key, value);
                model[key] = value;
                return "Store";
        }
    }

    [Fact]
    public void CountIsEmptyAndReadMapLookups_DoNotTakeTheLock()
    {
        var map = new SyncMap<string, string?>();
        for (int i = 0; i < 16; i++)
        {
            map.Store("k" + i.ToString(CultureInfo.InvariantCulture), i % 3 == 0 ? null : "v");
        }

        MapStates.Promote(map);
        MapLockHolder.AssertCompletesWithoutTheLock(map, "Count/IsEmpty/lookups of read-map keys on a promoted map", () =>
        {
            Assert.Equal(16, map.Count);
            Assert.False(map.IsEmpty);
            Assert.True(map.TryGetValue("k1", out _));
            Assert.True(map.Load("k3", out _));
            Assert.True(map.ContainsKey("k4"));
            Assert.False(map.TryGetValue("absent", out _)); // not amended: a miss needs no lock
        });

        // Amended (a new key waits in the dirty map): Count, IsEmpty and read-map hits still need no lock.
        map.Store("new", "n");
        MapLockHolder.AssertCompletesWithoutTheLock(map, "Count/IsEmpty/lookups of read-map keys on an amended map", () =>
        {
            Assert.Equal(17, map.Count);
            Assert.False(map.IsEmpty);
            Assert.True(map.TryGetValue("k1", out _));
            Assert.True(map.ContainsKey("k2"));
        });

        var empty = new SyncMap<string, string?>();
        MapLockHolder.AssertCompletesWithoutTheLock(empty, "Count/IsEmpty of an empty map", () =>
        {
            Assert.Equal(0, empty.Count);
            Assert.True(empty.IsEmpty);
        });
        map.AssertInvariants();
    }

    [Fact]
    public void LockHolder_BlocksAWriteThatNeedsTheLock()
    {
        // Guards the helper above: with the found lock held, a Store of a brand-new key (which always takes the
        // lock) must wait. Only the absence of completion within a short window is checked; on a slow machine that
        // can only make this guard weaker, never fail it wrongly.
        var map = new SyncMap<string, string?>();
        map.Store("a", "1");
        var store = new Thread(() => map.Store("brand new", "2")) { IsBackground = true };
        using (MapLockHolder.Hold(map))
        {
            store.Start();
            Assert.False(store.Join(TimeSpan.FromMilliseconds(200)), "a Store of a new key completed while the lock was held: MapLockHolder holds the wrong object");
        }

        Assert.True(store.Join(MapLockHolder.Patience), "the Store did not complete after the lock was released");
        Assert.Equal(2, map.Count);
        map.AssertInvariants();
    }
}
