// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Tests.Concurrency;
using Microsoft.Coyote.Random;
using static GoSync.CoyoteTests.Scenario;
using CoyoteTest = Microsoft.Coyote.SystematicTesting.TestAttribute;

namespace GoSync.CoyoteTests;

/// <summary>
/// The scenarios Coyote explores: two or three tasks of a few operations each, aimed at one transition
/// of the map's state machine (see docs/design.md). Each starts from a state built through the public
/// API (a key in the read map, only in the dirty map, deleted, expunged), runs its tasks, and ends with
/// <see cref="Scenario.Verify"/>: linearizable histories, the map's invariants, Count equal to the live
/// keys. Each is a parameterless [Test] method, so <c>dotnet coyote test</c> and <c>dotnet coyote replay</c>
/// can run it by name.
/// </summary>
/// <remarks>
/// States, as built with the public API: a full Range promotes an amended map, so a key stored before it
/// is in the read map; a key stored after it is only in the dirty map (the map is then amended); a key
/// deleted while in the read map is a tombstone; the next new key rebuilds the dirty map, which expunges
/// the tombstones; a store to an expunged key unexpunges it. A Load that misses the read map while the
/// map is amended counts a miss; as many misses as the dirty map has keys promote it.
/// </remarks>
public static class Scenarios
{
    /// <summary>A store to a dirty-only key and a new key, while a miss and a Range promote the dirty map.</summary>
    [CoyoteTest]
    public static async Task StoreRacesPromotion()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1)); // key 0 only in the dirty map: amended
        await s.RunAsync(
            w =>
            {
                w.Op(OpKind.Store, 0, Value(0, 2));
                w.Op(OpKind.Store, 1, Value(1, 1));
            },
            w =>
            {
                w.LoadMissing(0); // one miss promotes a one-key dirty map
                w.Op(OpKind.Load, 0);
                w.Op(OpKind.Load, 1);
            },
            w => w.Range()).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>
    /// A Load of a dirty-only key takes the locked path while a miss promotes the dirty map: the Load must
    /// look in the read map again once it holds the lock (the seeded bug removes that re-check).
    /// </summary>
    [CoyoteTest]
    public static async Task LoadRacesPromotion()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Range(); // key 0 in the read map
        s.Setup.Op(OpKind.Store, 1, Value(1, 1)); // key 1 only in the dirty map
        await s.RunAsync(
            w =>
            {
                w.Op(OpKind.Load, 1);
                w.Op(OpKind.TryGetValue, 1);
            },
            w =>
            {
                w.LoadMissing(0);
                w.LoadMissing(1); // two misses promote the two-key dirty map
                w.Op(OpKind.ContainsKey, 1);
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>
    /// Loads of dirty-only and absent keys that walk the dirty table without the lock, while other tasks unlink, free,
    /// reuse and add slots of the same chain. Every key hashes to 0, so the dirty table is one chain (100, 1, 0, 103
    /// after the setup, all dirty-only) and every absent key's filter bits are set: each Load walks the chain, and an absent answer must come
    /// from a walk that no change overlapped (the chain's change sequence, design.md, "Filter false positives without
    /// the lock"). A walk that trusted itself anyway would miss a key present throughout: key 1 when the delete of head
    /// 100 moves it into the head after the walk read the old head (and before it read the new link), or key 0 when
    /// the delete of key 1 frees the slot the walk stands on (its link then reads as the end of the chain).
    /// </summary>
    [CoyoteTest]
    public static async Task LoadRacesChangesOfItsDirtyChain()
    {
        var s = new Scenario(2, new OneHashComparer());
        s.Setup.StoreOther(0); // key 100 heads the dirty table's one chain; the read map is empty: amended
        s.Setup.StoreOther(3); // chain 100, 103 (a new key links second)
        s.Setup.LoadMissing(0); // a locked miss of an absent key (1 of 2: no promotion): the map wants a miss filter
        s.Setup.Op(OpKind.Store, 0, Value(0, 1)); // builds the filter (every key's bits are the same); chain 100, 0, 103
        s.Setup.Op(OpKind.Store, 1, Value(1, 1)); // chain 100, 1, 0, 103
        await s.RunAsync(
            w =>
            {
                w.Op(OpKind.Load, 1);
                w.Op(OpKind.Load, 0);
                w.Op(OpKind.ContainsKey, 1);
            },
            w =>
            {
                w.DeleteOther(0); // unlinks head 100: key 1 moves into the head, its slot is freed
                w.StoreOther(2); // reuses the slot
                w.Op(OpKind.Store, 0, Value(0, 2));
            },
            w =>
            {
                w.Op(OpKind.TryGetValue, 0);
                w.Op(OpKind.Delete, 1);
            }).ConfigureAwait(false);
        s.Verify();
    }

    // Every key hashes to 0: one chain per table.
    private sealed class OneHashComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => 0;
    }

    /// <summary>Loads of a read key, a deleted key and a missing key while a new key rebuilds the dirty map (expunging the deleted one).</summary>
    [CoyoteTest]
    public static async Task LoadRacesDirtyRebuild()
    {
        var s = new Scenario(3);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Op(OpKind.Store, 1, Value(1, 1));
        s.Setup.Range(); // keys 0 and 1 in the read map, no dirty map
        s.Setup.Op(OpKind.Delete, 1); // key 1: a tombstone in the read map
        await s.RunAsync(
            w =>
            {
                w.StoreOther(0); // a new key: rebuilds the dirty map, expunging key 1
                w.Op(OpKind.Store, 2, Value(2, 1));
            },
            w =>
            {
                w.Op(OpKind.Load, 1);
                w.Op(OpKind.Load, 2);
                w.Op(OpKind.Load, 0);
            },
            w =>
            {
                w.Op(OpKind.IndexerGet, 2);
                w.Op(OpKind.LoadOrStore, 1, Value(1, 3));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>A deleted key is expunged by a dirty rebuild while other tasks re-store, delete and load it (unexpunging it).</summary>
    [CoyoteTest]
    public static async Task DeleteAndRestoreAcrossExpunge()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Op(OpKind.Store, 1, Value(1, 1));
        s.Setup.Range();
        s.Setup.Op(OpKind.Delete, 0); // key 0: a tombstone
        await s.RunAsync(
            w =>
            {
                w.StoreOther(0); // rebuild: expunges key 0
                w.Op(OpKind.Swap, 0, Value(0, 2)); // unexpunges it
            },
            w =>
            {
                w.Op(OpKind.Store, 0, Value(0, 3));
                w.Op(OpKind.LoadAndDelete, 0);
                w.Op(OpKind.Delete, 1);
            },
            w =>
            {
                w.Op(OpKind.CompareAndDelete, 0, arg2: Value(0, 3));
                w.Op(OpKind.LoadOrStore, 0, Value(0, 4));
                w.Op(OpKind.Load, 0);
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>Clear racing with each of Go's writers, on a read key, a dirty-only key and an expunged key.</summary>
    [CoyoteTest]
    public static async Task ClearRacesGoWriters()
    {
        Scenario s = ThreeStates();
        await s.RunAsync(
            w => w.Clear(),
            w =>
            {
                w.Op(OpKind.Store, 0, Value(0, 2));
                w.Op(OpKind.Swap, 1, Value(1, 2));
                w.Op(OpKind.LoadOrStore, 2, Value(2, 2));
                w.Op(OpKind.CompareAndSwap, 0, Value(0, 3), Value(0, 2));
            },
            w =>
            {
                w.Op(OpKind.CompareAndDelete, 1, arg2: Value(1, 1));
                w.Op(OpKind.LoadAndDelete, 0);
                w.Op(OpKind.Delete, 2);
                w.Op(OpKind.Store, 2, Value(2, 3));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>Clear racing with each of ConcurrentDictionary's writers, on a read key, a dirty-only key and an expunged key.</summary>
    [CoyoteTest]
    public static async Task ClearRacesDictionaryWriters()
    {
        Scenario s = ThreeStates();
        await s.RunAsync(
            w =>
            {
                w.Clear();
                w.Op(OpKind.IndexerSet, 1, Value(1, 5));
            },
            w =>
            {
                w.Op(OpKind.TryAdd, 2, Value(2, 2));
                w.Op(OpKind.TryUpdate, 0, Value(0, 2), Value(0, 1));
                w.Op(OpKind.TryRemove, 1);
                w.Op(OpKind.TryRemovePair, 2, arg2: Value(2, 2));
            },
            w =>
            {
                w.Op(OpKind.GetOrAddValue, 1, Value(1, 3));
                w.Op(OpKind.AddOrUpdateValue, 0, Value(0, 3), 1);
                w.Op(OpKind.GetOrAddFactory, 2, Value(2, 4));
                w.Op(OpKind.IndexerSet, 0, Value(0, 6));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>Full and stopped Ranges while keys are stored (one new: a promotion cycle) and deleted.</summary>
    [CoyoteTest]
    public static async Task RangeRacesStoresAndDeletes()
    {
        Scenario s = ThreeStates();
        await s.RunAsync(
            w =>
            {
                w.Range();
                w.RangeWithState(1);
            },
            w =>
            {
                w.Op(OpKind.Delete, 0);
                w.Op(OpKind.Store, 2, Value(2, 2)); // unexpunges key 2
                w.StoreOther(1);
            },
            w =>
            {
                w.Op(OpKind.Store, 1, Value(1, 2));
                w.Op(OpKind.Delete, 1);
                w.Op(OpKind.Store, 0, Value(0, 2));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>Enumeration (with Reset), ToArray, Keys and Values while keys are stored and deleted.</summary>
    [CoyoteTest]
    public static async Task EnumerationRacesStoresAndDeletes()
    {
        Scenario s = ThreeStates();
        await s.RunAsync(
            w =>
            {
                w.Enumerate();
                w.ToArray();
            },
            w =>
            {
                w.Keys();
                w.Values();
            },
            w =>
            {
                w.Op(OpKind.Delete, 0);
                w.Op(OpKind.Store, 2, Value(2, 2));
                w.Op(OpKind.Store, 1, Value(1, 2));
                w.Op(OpKind.Delete, 1);
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>AddOrUpdate's retry loops and GetOrAdd's factories (and the overloads that report <c>added</c>) racing with each other and with a delete and a swap.</summary>
    [CoyoteTest]
    public static async Task AddOrUpdateAndGetOrAddRace()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 1, Value(1, 1));
        s.Setup.Range(); // key 1 in the read map, key 0 absent
        await s.RunAsync(
            w =>
            {
                w.Op(OpKind.AddOrUpdateFactories, 0, Value(0, 1), 1);
                w.Op(OpKind.AddOrUpdateArg, 1, Value(1, 10), 2);
            },
            w =>
            {
                w.Op(OpKind.GetOrAddFactory, 0, Value(0, 20));
                w.Op(OpKind.AddOrUpdateValue, 1, Value(1, 30), 3);
                w.Op(OpKind.GetOrAddArg, 0, Value(0, 40));
            },
            w =>
            {
                w.Op(OpKind.LoadAndDelete, 1);
                w.Op(OpKind.Swap, 0, Value(0, 50));
                w.Op(OpKind.GetOrAddValue, 1, Value(1, 60));
            },
            w =>
            {
                w.Op(OpKind.GetOrAddFactoryAdded, 0, Value(0, 70));
                w.Op(OpKind.GetOrAddValueAdded, 1, Value(1, 80));
                w.Op(OpKind.GetOrAddArgAdded, 1, Value(1, 90));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>
    /// LoadOrCompute and Compute (store, delete, keep) on a key in the read map and an absent key, racing with each
    /// other, a store, a delete and Clear: the P states, the waits of the other writers, and Clear waiting for them.
    /// </summary>
    [CoyoteTest]
    public static async Task ComputationsRace()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Range(); // key 0 in the read map, key 1 absent
        await s.RunAsync(
            w =>
            {
                w.Op(OpKind.LoadOrCompute, 1, Value(1, 10));
                w.Op(OpKind.ComputeStore, 0, Value(0, 20), 1);
            },
            w =>
            {
                w.Op(OpKind.ComputeStore, 1, Value(1, 30), 2);
                w.Op(OpKind.Store, 0, Value(0, 40));
                w.Op(OpKind.ComputeKeepArg, 1);
            },
            w =>
            {
                w.Op(OpKind.ComputeDelete, 0);
                w.Op(OpKind.LoadOrComputeArg, 0, Value(0, 50));
                w.Clear();
                w.Op(OpKind.Delete, 1);
            }).ConfigureAwait(false);
        s.Verify();
        Cover("get_Name()");
        if (s.Map.Name != MapName)
        {
            throw new ScenarioFailure($"the map's name is '{s.Map.Name}'");
        }
    }

    /// <summary>Three tasks call LoadOrCompute for one absent key, T0's factory throwing: a factory stores once, and every caller but a throwing T0 returns that value.</summary>
    [CoyoteTest]
    public static async Task LoadOrComputeRunsOnce()
    {
        var s = new Scenario(1);
        int runs = 0;
        int throws = 0;
        var results = new int[3];
        await s.RunAsync(
            w => results[0] = Call(0, fail: true),
            w => results[1] = Call(1, fail: false),
            w => results[2] = Call(2, fail: false)).ConfigureAwait(false);
        if (runs != 1)
        {
            throw new ScenarioFailure($"the factory stored {runs} times for one absence of the key");
        }

        int stored = s.Map[0];
        for (int t = 0; t < 3; t++)
        {
            if (results[t] != stored && !(t == 0 && results[t] == -1 && throws == 1))
            {
                throw new ScenarioFailure($"T{t} got {results[t]}, the map holds {stored}");
            }
        }

        s.Map.AssertInvariants();

        int Call(int t, bool fail)
        {
            try
            {
                return s.Map.LoadOrCompute(0, _ =>
                {
                    if (fail)
                    {
                        throw new FormatException();
                    }

                    Interlocked.Increment(ref runs);
                    return Value(0, t);
                });
            }
            catch (FormatException)
            {
                Interlocked.Increment(ref throws);
                return -1;
            }
        }
    }

    /// <summary>Count and IsEmpty read while keys are added, deleted and cleared; the end state must count exactly.</summary>
    [CoyoteTest]
    public static async Task CountRacesWriters()
    {
        var s = new Scenario(2);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Range();
        await s.RunAsync(
            w =>
            {
                w.CountRead();
                w.CountRead();
            },
            w =>
            {
                w.Op(OpKind.Store, 1, Value(1, 1));
                w.Op(OpKind.LoadAndDelete, 0);
                w.StoreOther(2);
            },
            w =>
            {
                w.Op(OpKind.TryAdd, 0, Value(0, 2));
                w.DeleteOther(2);
                w.Op(OpKind.CompareAndDelete, 1, arg2: Value(1, 1));
            }).ConfigureAwait(false);
        s.Verify();
    }

    /// <summary>
    /// Random operations on two keys, chosen by Coyote's controlled random generator (so the choices are
    /// part of the explored space and of the trace): every single-key operation, Clear, Range, and the
    /// drivers (a new key, a miss).
    /// </summary>
    [CoyoteTest]
    public static async Task RandomOperations()
    {
        var s = new Scenario(2);
        var generator = Generator.Create();
        OpKind[] kinds = Enum.GetValues<OpKind>().Where(k => k != OpKind.Clear).ToArray();

        // The setup picks each key's starting state: absent, in the read map, dirty-only, or deleted.
        s.Setup.Op(OpKind.Store, 0, Value(0, 900));
        s.Setup.Op(OpKind.Store, 1, Value(1, 900));
        s.Setup.Range();
        if (generator.NextBoolean())
        {
            s.Setup.Op(OpKind.Delete, 0);
        }

        if (generator.NextBoolean())
        {
            s.Setup.StoreOther(9); // a dirty map exists (expunging a deleted key 0)
        }

        var bodies = new Action<Worker>[3];
        for (int task = 0; task < bodies.Length; task++)
        {
            int t = task;
            // Choices are drawn before the tasks start: the generator is not shared between tasks.
            var plan = new List<Action<Worker>>();
            for (int i = 0; i < 3; i++)
            {
                int roll = generator.NextInteger(kinds.Length + 4);
                int key = generator.NextInteger(2);
                int value = Value(key, (100 * (t + 1)) + i);
                int expected = generator.NextBoolean() ? Value(key, 900) : Value(key, (100 * (generator.NextInteger(3) + 1)) + generator.NextInteger(3));
                int arg2 = roll < kinds.Length && IsIncrement(kinds[roll]) ? 1 + generator.NextInteger(3) : expected;
                plan.Add(roll switch
                {
                    _ when roll < kinds.Length => w => w.Op(kinds[roll], key, value, arg2),
                    _ when roll == kinds.Length => w => w.Clear(),
                    _ when roll == kinds.Length + 1 => w => w.Range(),
                    _ when roll == kinds.Length + 2 => w => w.StoreOther(t),
                    _ => w => w.LoadMissing(t),
                });
            }

            bodies[t] = w => plan.ForEach(step => step(w));
        }

        await s.RunAsync(bodies).ConfigureAwait(false);
        s.Verify();
    }

    // Key 0 in the read map, key 1 only in the dirty map, key 2 expunged (deleted, then a dirty rebuild).
    private static Scenario ThreeStates()
    {
        var s = new Scenario(3);
        s.Setup.Op(OpKind.Store, 0, Value(0, 1));
        s.Setup.Op(OpKind.Store, 2, Value(2, 1));
        s.Setup.Range();
        s.Setup.Op(OpKind.Delete, 2);
        s.Setup.Op(OpKind.Store, 1, Value(1, 1)); // a new key: the rebuild expunges key 2
        return s;
    }

    private static bool IsIncrement(OpKind kind) =>
        kind is OpKind.AddOrUpdateFactories or OpKind.AddOrUpdateValue or OpKind.AddOrUpdateArg or OpKind.ComputeStore;
}
