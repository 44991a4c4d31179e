// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Linq;

namespace GoSync.Tests.BadInput;

/// <summary>
/// A Range callback, a GetOrAdd factory or an AddOrUpdate factory that throws: the exception
/// reaches the caller, nothing half-written stays, the map stays usable. Callbacks and factories
/// run without the map's lock and may call back into the map (reentrancy), nested Range included.
/// </summary>
public sealed class ThrowingCallbackTests
{
    public static TheoryData<string> States => new(StateNames);

    private static readonly string[] StateNames = ["read", "amended", "tombstoned", "expunged", "cleared"];

    [Theory]
    [MemberData(nameof(States))]
    public void RangeCallbackThrows_ExceptionReachesCaller_MapUnchangedAndUsable(string state)
    {
        for (int throwAt = 1; throwAt <= MapIn(state).Count; throwAt++)
        {
            SyncMap<string, string> map = MapIn(state);
            KeyValuePair<string, string>[] before = MapChecks.Contents(map, StringComparer.Ordinal);
            int visits = 0;
            var e = Assert.Throws<CallbackFaultException>(() => map.Range((_, _) =>
            {
                MapChecks.AssertLockNotHeld(map);
                if (++visits == throwAt)
                {
                    throw new CallbackFaultException("Range");
                }

                return true;
            }));
            Assert.Equal("Range", e.Message);
            Assert.Equal(before, MapChecks.Contents(map, StringComparer.Ordinal));
            MapChecks.AssertConsistentAndUsable(map, "probe");

            // The same through the enumerator: an exception in the loop body leaves the map as it was.
            Assert.Throws<CallbackFaultException>(() =>
            {
                int seen = 0;
                foreach (KeyValuePair<string, string> pair in map)
                {
                    if (++seen == throwAt)
                    {
                        throw new CallbackFaultException("foreach");
                    }
                }
            });
            Assert.Equal(before, MapChecks.Contents(map, StringComparer.Ordinal));
            MapChecks.AssertConsistentAndUsable(map, "probe");
        }
    }

    [Theory]
    [MemberData(nameof(States))]
    public void FactoryThrows_ExceptionReachesCaller_NothingHalfWritten(string state)
    {
        // "gone" is absent (never stored, deleted, expunged or cleared, depending on the state);
        // "a" is present in the read map; "dirty" (in some states) only in the dirty map.
        var calls = new (string Name, string Key, Func<SyncMap<string, string>, string> Call)[]
        {
            ("GetOrAdd(factory)", "gone", m => m.GetOrAdd("gone", Throw)),
            ("GetOrAdd<TArg>", "gone", m => m.GetOrAdd("gone", static (_, _) => Throw(null), 0)),
            ("AddOrUpdate add factory", "gone", m => m.AddOrUpdate("gone", Throw, static (_, _) => "unused")),
            ("AddOrUpdate<TArg> add factory", "gone", m => m.AddOrUpdate("gone", static (_, _) => Throw(null), static (_, _, _) => "unused", 0)),
            ("AddOrUpdate update factory", "a", m => m.AddOrUpdate("a", static _ => "unused", static (_, _) => Throw(null))),
            ("AddOrUpdate(value) update factory", "a", m => m.AddOrUpdate("a", "unused", static (_, _) => Throw(null))),
            ("AddOrUpdate<TArg> update factory", "a", m => m.AddOrUpdate("a", static (_, _) => "unused", static (_, _, _) => Throw(null), 0)),
            ("AddOrUpdate update factory, dirty key", "dirty", m => m.AddOrUpdate("dirty", "unused", static (_, _) => Throw(null))),
        };

        foreach ((string name, string key, Func<SyncMap<string, string>, string> call) in calls)
        {
            SyncMap<string, string> map = MapIn(state);
            if (!map.ContainsKey(key) && key != "gone")
            {
                continue; // no such key in this state
            }

            KeyValuePair<string, string>[] before = MapChecks.Contents(map, StringComparer.Ordinal);
            Assert.Throws<CallbackFaultException>(() => call(map));
            Assert.True(before.SequenceEqual(MapChecks.Contents(map, StringComparer.Ordinal)), $"{name} on a {state} map left a change behind");
            MapChecks.AssertConsistentAndUsable(map, "probe");

            // The key works normally afterwards.
            Assert.Equal("fine", map.AddOrUpdate(key, "fine", static (_, _) => "fine"));
            Assert.Equal("fine", map[key]);
        }
    }

    [Fact]
    public void RangeCallback_MayCallEveryMethod_IncludingNestedRangeAndClear()
    {
        var map = new SyncMap<string, string>();
        for (int i = 0; i < 32; i++)
        {
            map.Store("k" + i, "v" + i);
        }

        map.Range((_, _) => true);
        map.Delete("k3"); // a tombstone for the rebuild below to expunge
        var visited = new HashSet<string>();
        int nested = 0;
        map.Range((key, value) =>
        {
            MapChecks.AssertLockNotHeld(map);
            Assert.True(visited.Add(key), $"{key} visited twice");
            map.Store("new-" + key, value); // new keys: dirty rebuild and amended map while iterating
            map.LoadOrStore(key, "other", out _);
            map.Swap(key, value + "!", out _);
            map.CompareAndSwap(key, value + "!", value);
            map.AddOrUpdate(key, "x", static (_, v) => v);
            map.GetOrAdd("k3", "back"); // unexpunges k3 on the first call
            map.Load("missing", out _);
            map.Range((_, _) =>
            {
                nested++;
                return nested % 7 != 0;
            });
            if (key == "k10")
            {
                map.Delete("k11");
            }

            if (key == "k20")
            {
                map.Clear(); // the outer walk goes on over its own snapshot; the map is empty after
            }

            return true;
        });

        Assert.True(nested > 0);
        MapChecks.AssertConsistentAndUsable(map, "probe");
        int ranged = 0;
        map.Range((_, _) =>
        {
            ranged++;
            return true;
        });
        Assert.Equal(ranged, map.Count);
    }

    [Fact]
    public void Factories_MayCallBackIntoTheMap_OnTheSameKey()
    {
        var map = new SyncMap<string, string>();

        // GetOrAdd whose factory stores the key: the value already there wins (as ConcurrentDictionary).
        Assert.Equal("inner", map.GetOrAdd("g", k =>
        {
            MapChecks.AssertLockNotHeld(map);
            map.Store(k, "inner");
            return "outer";
        }));
        Assert.Equal("inner", map["g"]);

        // GetOrAdd whose factory calls GetOrAdd on the same key.
        Assert.Equal("nested", map.GetOrAdd("h", k => map.GetOrAdd(k, _ => "nested") + "-outer"));
        Assert.Equal("nested", map["h"]);

        // AddOrUpdate whose update factory overwrites the key once: the compare-exchange on the value it
        // saw fails, the factory runs again on the new value, and that update is the one stored.
        map.Store("u", "1");
        int updates = 0;
        Assert.Equal("10+", map.AddOrUpdate("u", "add", (k, current) =>
        {
            MapChecks.AssertLockNotHeld(map);
            if (++updates == 1)
            {
                map.Store(k, "10");
            }

            return current + "+";
        }));
        Assert.Equal(2, updates);
        Assert.Equal("10+", map["u"]);

        // AddOrUpdate whose add factory adds the key itself: the add loses, the update runs on the added value.
        Assert.Equal("inner+", map.AddOrUpdate("v", k =>
        {
            map.TryAdd(k, "inner");
            return "outer";
        }, static (_, current) => current + "+"));
        Assert.Equal("inner+", map["v"]);

        // AddOrUpdate whose update factory clears the map: the key is gone, so the add value is stored.
        map.Store("w", "old");
        Assert.Equal("added", map.AddOrUpdate("w", "added", (_, current) =>
        {
            map.Clear();
            return current + "+";
        }));
        Assert.Equal("added", map["w"]);
        Assert.Equal(1, map.Count);

        // A factory that throws from inside a nested call: the exception passes through both.
        Assert.Throws<CallbackFaultException>(() => map.GetOrAdd("z", k => map.GetOrAdd(k + "2", Throw)));
        Assert.False(map.ContainsKey("z"));
        Assert.False(map.ContainsKey("z2"));
        MapChecks.AssertConsistentAndUsable(map, "probe");
    }

    [Fact]
    public void NestedRangeThrows_ExceptionPassesThroughBoth_MapUnchanged()
    {
        SyncMap<string, string> map = MapIn("amended");
        KeyValuePair<string, string>[] before = MapChecks.Contents(map, StringComparer.Ordinal);
        Assert.Throws<CallbackFaultException>(() => map.Range((_, _) =>
        {
            map.Range((_, _) => throw new CallbackFaultException("inner"));
            return true;
        }));
        Assert.Equal(before, MapChecks.Contents(map, StringComparer.Ordinal));
        MapChecks.AssertConsistentAndUsable(map, "probe");
    }

    private static SyncMap<string, string> MapIn(string state)
    {
        var map = new SyncMap<string, string>();
        map.Store("a", "A");
        map.Store("b", "B");
        map.Store("gone", "G");
        map.Range((_, _) => true); // all in the read map
        switch (state)
        {
            case "read":
                map.Delete("gone");
                map.Range((_, _) => true);
                break;
            case "amended":
                map.Delete("gone");
                map.Store("dirty", "D");
                break;
            case "tombstoned":
                map.Delete("gone");
                break;
            case "expunged":
                map.Delete("gone");
                map.Store("dirty", "D"); // the rebuild expunges "gone"
                break;
            default:
                map.Clear();
                map.Store("a", "A");
                map.Store("b", "B");
                map.Store("dirty", "D");
                break;
        }

        map.AssertInvariants();
        return map;
    }

    private static string Throw(string? key) => throw new CallbackFaultException("factory");

    /// <summary>Thrown by the callbacks and factories on purpose.</summary>
    private sealed class CallbackFaultException(string message) : Exception(message);
}
