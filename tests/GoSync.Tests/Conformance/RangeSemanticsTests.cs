// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace GoSync.Tests.Conformance;

/// <summary>
/// What Range and enumeration promise (Go's contract, go-syncmap.md §2): not a snapshot, but no key twice; a key
/// present and unchanged throughout is visited; every value shown was the key's value at some moment during the
/// call; no lock is held while user code runs; the callback may call any method of the map, a nested Range
/// included. Checked single-threaded and against a concurrent writer.
/// </summary>
public sealed class RangeSemanticsTests
{
    private const int StableKeys = 64;      // keys 0..63, value 10 * key, never written during the walks
    private const int CounterBase = 1000;   // keys 1000..1031, values only ever increase
    private const int Counters = 32;
    private const int ChurnBase = 100_000;  // keys stored and deleted by the writer, value always 3 * key

    /// <summary>The three ways to walk a map; each must keep the same promises.</summary>
    public static TheoryData<string> Walks => new() { "Range", "Range<TState>", "foreach", "IDictionaryEnumerator" };

    private static void Walk(SyncMap<int, long> map, string walk, Func<int, long, bool> visit)
    {
        switch (walk)
        {
            case "Range":
                map.Range(visit);
                break;
            case "Range<TState>":
                map.Range(visit, static (v, k, value) => v(k, value));
                break;
            case "foreach":
                foreach (KeyValuePair<int, long> pair in map)
                {
                    if (!visit(pair.Key, pair.Value))
                    {
                        break;
                    }
                }

                break;
            case "IDictionaryEnumerator":
                IDictionaryEnumerator e = ((IDictionary)map).GetEnumerator();
                while (e.MoveNext())
                {
                    if (!visit((int)e.Key, (long)e.Value!))
                    {
                        break;
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(walk));
        }
    }

    private static SyncMap<int, long> StableMap(MapState state)
    {
        var pairs = Enumerable.Range(0, StableKeys).Select(k => new KeyValuePair<int, long>(k, 10L * k)).ToList();
        return MapStates.Build(state, pairs, -1, -1);
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void SingleThreaded_VisitsEveryPairOnce_InEveryLayout(string walk)
    {
        foreach (MapState state in MapStates.All)
        {
            SyncMap<int, long> map = StableMap(state);
            var seen = new Dictionary<int, long>();
            Walk(map, walk, (k, v) =>
            {
                Assert.True(seen.TryAdd(k, v), $"{walk}, layout {state}: key {k} visited twice");
                return true;
            });
            Assert.Equal(StableKeys, seen.Count);
            Assert.All(seen, pair => Assert.Equal(10L * pair.Key, pair.Value));
            map.AssertInvariants();
        }
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void SingleThreaded_StopsWhenTheCallbackReturnsFalse_AndSkipsAnEmptyMap(string walk)
    {
        SyncMap<int, long> map = StableMap(MapState.Mixed);
        int calls = 0;
        Walk(map, walk, (_, _) => ++calls < 5);
        Assert.Equal(5, calls);

        calls = 0;
        Walk(new SyncMap<int, long>(), walk, (_, _) => ++calls > 0);
        Assert.Equal(0, calls);

        map.Clear();
        Walk(map, walk, (_, _) => ++calls > 0);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void RangeWithState_PassesTheState()
    {
        SyncMap<int, long> map = StableMap(MapState.Promoted);
        var state = new List<int>();
        map.Range(state, static (s, k, _) =>
        {
            s.Add(k);
            return true;
        });
        Assert.Equal(Enumerable.Range(0, StableKeys), state.Order());

        // A struct state arrives by value, the same value for every call.
        long total = 0;
        var seenStates = new HashSet<(int, string)>();
        map.Range((7, "seven"), (s, k, v) =>
        {
            seenStates.Add(s);
            total += v;
            return true;
        });
        Assert.Equal([(7, "seven")], seenStates);
        Assert.Equal(Enumerable.Range(0, StableKeys).Sum(k => 10L * k), total);
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void ConcurrentWriter_NoKeyTwice_StableKeysVisited_ValuesWereCurrent(string walk)
    {
        // GOSYNC_STRESS_SCALE multiplies the number of walks.
        int walks = 150 * TestEnvironment.StressScale;
        var map = new SyncMap<int, long>();
        for (int k = 0; k < StableKeys; k++)
        {
            map.Store(k, 10L * k);
        }

        for (int c = 0; c < Counters; c++)
        {
            map.Store(CounterBase + c, 0);
        }

        using var gate = new Barrier(2);
        int stop = 0;
        long writes = 0;
        Exception? writerFailure = null;
        var writer = new Thread(() =>
        {
            try
            {
                gate.SignalAndWait();
                int churn = ChurnBase;
                for (long round = 1; Volatile.Read(ref stop) == 0; round++)
                {
                    int key = CounterBase + (int)(round % Counters);

                    // Four different write paths, each only ever raising the value.
                    switch (round % 4)
                    {
                        case 0:
                            map.Store(key, map[key] + 1);
                            break;
                        case 1:
                            map.Swap(key, map[key] + 1, out _);
                            break;
                        case 2:
                            long old = map[key];
                            Assert.True(map.CompareAndSwap(key, old, old + 1));
                            break;
                        default:
                            map.AddOrUpdate(key, 1, static (_, v) => v + 1);
                            break;
                    }

                    // New keys (locked path, dirty map) and deletions of older ones.
                    map.Store(churn, 3L * churn);
                    map.Delete(churn - 16);
                    churn++;
                    writes++;
                }
            }
#pragma warning disable CA1031 // Reported by the test thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                writerFailure = e;
            }
        })
        {
            IsBackground = true,
            Name = "monotonic writer",
        };
        writer.Start();
        gate.SignalAndWait();

        try
        {
            var before = new long[Counters];
            var after = new long[Counters];
            for (int i = 0; i < walks && writerFailure is null; i++)
            {
                for (int c = 0; c < Counters; c++)
                {
                    before[c] = map[CounterBase + c];
                }

                var seen = new Dictionary<int, long>();
                Walk(map, walk, (k, v) =>
                {
                    Assert.True(seen.TryAdd(k, v), $"{walk} #{i}: key {k} visited twice");
                    return true;
                });

                for (int c = 0; c < Counters; c++)
                {
                    after[c] = map[CounterBase + c];
                }

                for (int k = 0; k < StableKeys; k++)
                {
                    Assert.True(seen.TryGetValue(k, out long v), $"{walk} #{i}: stable key {k} was not visited");
                    Assert.Equal(10L * k, v);
                }

                foreach ((int k, long v) in seen)
                {
                    if (k >= ChurnBase)
                    {
                        Assert.True(v == 3L * k, $"{walk} #{i}: churn key {k} shown with {v}, which it never held");
                    }
                    else if (k >= CounterBase)
                    {
                        int c = k - CounterBase;
                        Assert.True(
                            before[c] <= v && v <= after[c],
                            $"{walk} #{i}: counter {k} shown as {v}, outside [{before[c]}, {after[c]}] (its values before and after the walk)");
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            Concurrency.ThreadTimeLimit.Join(writer, "the writer");
        }

        Assert.Null(writerFailure);
        Assert.True(writes > 0, "the writer made no progress");
        map.AssertInvariants();
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void NoLockIsHeld_WhileUserCodeRuns(string walk)
    {
        foreach (MapState state in MapStates.All)
        {
            // Dirty and Mixed layouts are amended: the walk first promotes under the lock, and must release it.
            SyncMap<int, long> map = StableMap(state);
            bool? otherThreadStored = null;
            int calls = 0;
            Walk(map, walk, (k, v) =>
            {
                if (calls++ == 0)
                {
                    otherThreadStored = OtherThreadCompletes(() => map.Store(-1000, 1)); // a new key always takes the lock
                }

                return true;
            });

            Assert.True(otherThreadStored == true, $"{walk}, layout {state}: another thread could not Store a new key while the callback ran: a lock was held");
            Assert.Equal(StableKeys, calls);
            Assert.True(map.ContainsKey(-1000));
            map.AssertInvariants();
        }
    }

    [Fact]
    public void NoLockIsHeld_WhileFactoriesRun()
    {
        var map = new SyncMap<int, long>();
        map.Store(1, 1);
        MapStates.Promote(map);
        map.Store(2, 2); // amended

        var results = new List<(string What, bool Completed)>();
        int next = -1;
        long Factory(string what)
        {
            int key = next--;
            results.Add((what, OtherThreadCompletes(() => map.Store(key, 0))));
            return 5;
        }

        map.GetOrAdd(10, _ => Factory("GetOrAdd(key, factory)"));
        map.GetOrAdd(11, (_, a) => Factory(a), "GetOrAdd(key, factory, arg)");
        map.AddOrUpdate(12, _ => Factory("AddOrUpdate add factory"), (_, _) => 0);
        map.AddOrUpdate(12, _ => 0, (_, _) => Factory("AddOrUpdate update factory"));
        map.AddOrUpdate(2, 0, (_, _) => Factory("AddOrUpdate(key, value, update factory) on a dirty-only key"));
        map.AddOrUpdate(13, (_, a) => Factory(a), (_, _, _) => 0, "AddOrUpdate add factory with arg");
        map.AddOrUpdate(13, (_, _) => 0, (_, _, a) => Factory(a), "AddOrUpdate update factory with arg");

        Assert.Equal(7, results.Count);
        Assert.All(results, r => Assert.True(r.Completed, $"{r.What}: another thread could not Store a new key while the factory ran: a lock was held"));
        map.AssertInvariants();
    }

    /// <summary>Runs <paramref name="action"/> on a new thread; true when it finished within <see cref="MapLockHolder.Patience"/>.</summary>
    private static bool OtherThreadCompletes(Action action)
    {
        var thread = new Thread(() => action()) { IsBackground = true };
        thread.Start();
        return thread.Join(MapLockHolder.Patience);
    }

    [Fact]
    public void Callback_MayCallEveryMethod_IncludingNestedRange()
    {
        // Runs on its own thread so that a self-deadlock fails the test instead of hanging the run.
        Exception? failure = null;
        var map = new SyncMap<int, long>();
        var thread = new Thread(() =>
        {
            try
            {
                CallEveryMethodFromCallbacks(map);
            }
#pragma warning disable CA1031 // Reported below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
        };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "calling the map from inside a Range callback deadlocked");
        Assert.Null(failure);
        map.AssertInvariants();
    }

    private static void CallEveryMethodFromCallbacks(SyncMap<int, long> map)
    {
        for (int k = 0; k < 8; k++)
        {
            map.Store(k, k);
        }

        map.Store(100, 100); // amended: the outer Range promotes first
        int outerCalls = 0;
        map.Range((key, value) =>
        {
            outerCalls++;
            if (key != 3)
            {
                return true;
            }

            // Go's operations.
            Assert.True(map.Load(key, out long v) && v == value);
            map.Store(200, 1);
            Assert.Equal(1, map.LoadOrStore(200, 2, out bool loaded));
            Assert.True(loaded);
            Assert.True(map.Swap(200, 3, out long previous) && previous == 1);
            Assert.True(map.CompareAndSwap(200, 3, 4));
            Assert.True(map.CompareAndDelete(200, 4));
            map.Store(201, 1);
            Assert.True(map.LoadAndDelete(201, out _));
            map.Delete(7);

            // ConcurrentDictionary's surface.
            Assert.True(map.TryAdd(202, 1));
            Assert.True(map.TryUpdate(202, 2, 1));
            Assert.True(map.TryRemove(202, out _));
            Assert.Equal(9, map.GetOrAdd(203, 9));
            Assert.Equal(9, map.GetOrAdd(203, _ => 0));
            Assert.Equal(10, map.AddOrUpdate(203, 0, (_, old) => old + 1));
            Assert.True(map.TryRemove(new KeyValuePair<int, long>(203, 10)));
            map[204] = 4;
            Assert.Equal(4, map[204]);
            Assert.True(map.ContainsKey(204));
            Assert.Equal(map.Count, map.ToArray().Length);
            Assert.Equal(map.Count, map.Keys.Count);
            Assert.Equal(map.Count, map.Values.Count);
            Assert.False(map.IsEmpty);
            Assert.Equal(map.Count, map.Count());

            // Nested walks, one of them nested twice and writing.
            int inner = 0;
            map.Range((k2, v2) =>
            {
                inner++;
                Assert.True(map.Load(k2, out long again) && again == v2);
                map.Range(static (_, _) => false);
                map.Store(205, k2);
                return true;
            });
            Assert.True(inner > 0);
            foreach (KeyValuePair<int, long> pair in map)
            {
                Assert.True(map.ContainsKey(pair.Key));
            }

            return true;
        });
        Assert.True(outerCalls >= 7, $"outer Range made {outerCalls} calls");

        // Clear from inside a callback, then the walk goes on without failing.
        map.Range((_, _) =>
        {
            map.Clear();
            return true;
        });
        Assert.True(map.IsEmpty);
        Assert.Equal(0, map.Count);
    }

    [Theory]
    [MemberData(nameof(Walks))]
    public void CallbackException_Propagates_AndLeavesTheMapUsable(string walk)
    {
        SyncMap<int, long> map = StableMap(MapState.Dirty);
        var thrown = Assert.Throws<InvalidOperationException>(() => Walk(map, walk, (_, _) => throw new InvalidOperationException("from the callback")));
        Assert.Equal("from the callback", thrown.Message);
        Assert.True(OtherThreadCompletes(() => map.Store(-5, 5)), $"{walk}: after the callback threw, another thread could not Store a new key: a lock leaked");
        Assert.Equal(StableKeys + 1, map.Count);
        map.AssertInvariants();
    }
}
