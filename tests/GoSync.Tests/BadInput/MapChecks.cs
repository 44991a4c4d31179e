// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;

namespace GoSync.Tests.BadInput;

/// <summary>Checks shared by the bad-input tests.</summary>
internal static class MapChecks
{
    /// <summary>The map's contents, sorted by key with <paramref name="order"/>, for before/after comparisons.</summary>
    public static KeyValuePair<TKey, TValue>[] Contents<TKey, TValue>(SyncMap<TKey, TValue> map, IComparer<TKey> order)
        where TKey : notnull =>
        map.ToArray().OrderBy(pair => pair.Key, order).ToArray();

    /// <summary>
    /// Asserts that the calling thread does not hold the map's lock: a method that threw while
    /// holding it must have released it. (The lock is reentrant, so a leak would not block this
    /// thread; it would block every other thread. Reads the private field <c>_lock</c>.)
    /// </summary>
    public static void AssertLockNotHeld<TKey, TValue>(SyncMap<TKey, TValue> map)
        where TKey : notnull
    {
        FieldInfo field = typeof(SyncMap<TKey, TValue>).GetField("_lock", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("SyncMap has no field '_lock' any more; update MapChecks.");
        object gate = field.GetValue(map)!;
        PropertyInfo held = gate.GetType().GetProperty("IsHeldByCurrentThread")
            ?? throw new InvalidOperationException($"{gate.GetType()} has no IsHeldByCurrentThread; update MapChecks.");
        Assert.False((bool)held.GetValue(gate)!, "the map's lock is still held after the call threw");
    }

    /// <summary>
    /// Asserts the map is consistent and usable: its invariants hold, its lock is free, Count
    /// matches what Range and the enumerator visit, and another thread can insert, read and
    /// remove a brand-new key (which needs the lock).
    /// </summary>
    public static void AssertConsistentAndUsable<TValue>(SyncMap<string, TValue> map, TValue probe)
    {
        map.AssertInvariants();
        AssertLockNotHeld(map);
        int ranged = 0;
        map.Range((_, _) =>
        {
            ranged++;
            return true;
        });
        Assert.Equal(ranged, map.Count);
        Assert.Equal(ranged, map.Count());
        Exception? failure = null;
        var other = new Thread(() =>
        {
            try
            {
                string key = "usable-probe-" + Guid.NewGuid().ToString("N");
                Assert.True(map.TryAdd(key, probe));
                Assert.True(map.TryGetValue(key, out TValue? seen) && EqualityComparer<TValue>.Default.Equals(seen, probe));
                Assert.True(map.TryRemove(key, out _));
                Assert.False(map.ContainsKey(key));
            }
#pragma warning disable CA1031 // Rethrown on the test thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        other.Start();
        Concurrency.ThreadTimeLimit.Join(other, "the probe thread");
        Assert.Null(failure);
        map.AssertInvariants();
    }
}
