// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Threading;
using GoSync.Tests.Concurrency;

namespace GoSync.Tests.Core;

/// <summary>
/// LoadOrCompute (exactly once per absence of the key) and Compute (an atomic read-modify-write or delete whose
/// function runs once per call): results, the P states seen by every other operation, throwing and re-entrant
/// functions, and races, each checked with AssertInvariants.
/// </summary>
public sealed class ComputeTests
{
    private static ComputeResult<int> StoreResult(int value) => new(ComputeAction.Store, value);

    [Fact]
    public void LoadOrCompute_RunsTheFactoryOnlyForAnAbsentKey()
    {
        var map = new SyncMap<string, int>();
        int runs = 0;
        Assert.Equal(1, map.LoadOrCompute("a", k => ++runs));
        Assert.Equal(1, map.LoadOrCompute("a", k => ++runs));
        Assert.Equal(10, map.LoadOrCompute("b", static (k, a) => a, 10));
        Assert.Equal(10, map.LoadOrCompute("b", static (k, a) => a + 1, 10));
        Assert.Equal(1, runs);
        Assert.Equal(2, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void LoadOrCompute_OnAPresentKey_AllocatesNothing()
    {
        var map = new SyncMap<int, int>();
        var stringMap = new SyncMap<string, string>();
        for (int i = 0; i < 64; i++)
        {
            map.Store(i, i);
            stringMap.Store("k" + i, "v");
        }

        string[] keys = new string[64];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = "k" + i;
        }

        int sum = Round(); // warm up (and promote: the loads of dirty keys count misses) every call site below
        sum += Round();
        sum = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            sum += Round();
        }
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100 * ((64 * 63) + 64), sum); // every call loaded the stored value (ints 0..63 twice, "v" once)
        Assert.Equal(0, bytes);

        int Round()
        {
            int total = 0;
            for (int i = 0; i < 64; i++)
            {
                total += map.LoadOrCompute(i, static _ => -1);
                total += map.LoadOrCompute(i, static (_, a) => a, -1);
                total += stringMap.LoadOrCompute(keys[i], static _ => "new").Length;
            }

            return total;
        }
    }

    [Fact]
    public void LoadOrCompute_ThrowingFactory_LeavesTheKeyAbsent_AndTheNextCallerRunsItsOwn()
    {
        var map = new SyncMap<int, int>();
        map.Store(1, 1);
        map.Delete(1); // key 1: N in the maps; key 2: no entry at all
        foreach (int key in new[] { 1, 2 })
        {
            Assert.Throws<FormatException>(() => map.LoadOrCompute(key, static _ => throw new FormatException()));
            Assert.False(map.ContainsKey(key));
            map.AssertInvariants();
            Assert.Equal(7, map.LoadOrCompute(key, static _ => 7));
            map.AssertInvariants();
        }

        Assert.Equal(2, map.Count);
    }

    [Fact]
    public void APendingKey_IsAbsentToReaders_UntilTheFactoryPublishes()
    {
        var map = new SyncMap<int, int>();
        map.Store(0, 0);
        bool sawAbsent = false;
        int value = map.LoadOrCompute(5, k =>
        {
            // Inside the factory the key is pending (P0): every read path reports it absent.
            var keys = new List<int>();
            map.Range((key, _) =>
            {
                keys.Add(key);
                return true;
            });
            sawAbsent = !map.ContainsKey(k) && !map.TryGetValue(k, out _) && map.Count == 1 && keys.Count == 1
                && map.ToArray().Length == 1 && !map.CompareAndSwap(k, 0, 1) && !map.CompareAndDelete(k, 0)
                && !map.TryRemove(k, out _);
            map.Delete(k); // a delete of an absent key does nothing, even here
            map.AssertInvariants();
            return 50;
        });
        Assert.True(sawAbsent);
        Assert.Equal(50, value);
        Assert.Equal(50, map[5]);
        Assert.Equal(2, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void AFactoryThatWritesItsOwnKey_GetsInvalidOperationException_OtherKeysWork()
    {
        var map = new SyncMap<int, int>();
        map.Store(1, 1);
        map.Delete(1);
        var writes = new (string Name, Action<int> Write)[]
        {
            ("LoadOrCompute", k => map.LoadOrCompute(k, static _ => 0)),
            ("Store", k => map.Store(k, 0)),
            ("TryAdd", k => map.TryAdd(k, 0)),
            ("GetOrAdd", k => map.GetOrAdd(k, 0)),
            ("AddOrUpdate", k => map.AddOrUpdate(k, 0, static (_, v) => v)),
            ("Compute", k => map.Compute(k, static (_, _, _) => StoreResult(0), out _)),
            ("Clear", _ => map.Clear()),
        };
        foreach ((string name, Action<int> write) in writes)
        {
            foreach (int key in new[] { 1, 2 })
            {
                var thrown = Assert.Throws<InvalidOperationException>(() => map.LoadOrCompute(key, k =>
                {
                    Assert.Equal(k + 100, map.LoadOrCompute(k + 100, static x => x)); // another key: fine
                    write(k);
                    return 9;
                }));
                Assert.Contains("wait for itself", thrown.Message, StringComparison.Ordinal);
                Assert.False(map.ContainsKey(key), name);
                map.AssertInvariants();
            }
        }

        Assert.Equal(9, map.LoadOrCompute(1, static _ => 9));
        Assert.Equal(9, map.Compute(2, static (_, _, _) => StoreResult(9), out int stored) ? stored : -1);
        map.AssertInvariants();
    }

    [Fact]
    public void Compute_StoresDeletesOrKeeps_AndSeesTheCurrentValue()
    {
        var map = new SyncMap<string, int>();
        Assert.False(map.Compute("a", static (_, v, exists) => exists ? StoreResult(-1) : new(ComputeAction.Keep, 5), out _));
        Assert.False(map.ContainsKey("a"));
        Assert.True(map.Compute("a", static (_, v, exists) => exists ? StoreResult(-1) : StoreResult(1), out int value));
        Assert.Equal(1, value);
        Assert.True(map.Compute("a", static (_, v, exists) => StoreResult(exists ? v + 10 : -1), out value));
        Assert.Equal(11, value);
        Assert.True(map.Compute("a", static (_, v, _) => new(ComputeAction.Keep, v + 1000), out value));
        Assert.Equal(11, value);
        Assert.Equal(1, map.Count);
        Assert.True(map.Compute("a", static (_, v, exists, arg) => StoreResult(v * arg), 3, out value));
        Assert.Equal(33, value);
        Assert.False(map.Compute("a", static (_, _, _) => new(ComputeAction.Delete, 0), out value));
        Assert.Equal(0, value);
        Assert.False(map.ContainsKey("a"));
        Assert.Equal(0, map.Count);
        Assert.False(map.Compute("a", static (_, _, _) => new(ComputeAction.Delete, 0), out _)); // deleting an absent key
        map.AssertInvariants();
    }

    [Fact]
    public void Compute_OnAPresentKey_LetsReadersSeeTheOldValue_AndAThrowLeavesIt()
    {
        var map = new SyncMap<int, string>();
        map.Store(1, "old");
        Assert.Throws<FormatException>(() => map.Compute(1, (k, v, exists) =>
        {
            Assert.True(exists);
            Assert.Equal("old", map[k]); // Pv: readers still see the value
            Assert.Equal("old", map.LoadOrStore(k, "x", out bool loaded));
            Assert.True(loaded);
            Assert.Equal("old", map.LoadOrCompute(k, static _ => "y"));
            Assert.Equal(1, map.Count);
            map.AssertInvariants();
            throw new FormatException();
        }, out _));
        Assert.Equal("old", map[1]);
        Assert.Equal(1, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void AWriter_OfAKeyUnderCompute_TakesEffectAfterIt()
    {
        // The Store waits for the computation: the final value is the Store's whenever the Store started during it.
        // A Store that did not wait would land during the computation and be overwritten by its publication.
        for (int round = 0; round < 20; round++)
        {
            var map = new SyncMap<int, int>();
            map.Store(0, 1);
            using var started = new ManualResetEventSlim();
            int storing = 0;
            var writer = new Thread(() =>
            {
                started.Wait();
                Volatile.Write(ref storing, 1);
                map.Store(0, 2);
            });
            writer.Start();
            map.Compute(0, (_, v, _) =>
            {
                started.Set();
                SpinWait.SpinUntil(() => Volatile.Read(ref storing) == 1);
                Thread.Sleep(1); // give the writer time to reach the entry (it must wait there)
                return StoreResult(v + 100);
            }, out _);
            ThreadTimeLimit.Join(writer, nameof(AWriter_OfAKeyUnderCompute_TakesEffectAfterIt));
            Assert.Equal(2, map[0]);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void Racing_LoadOrComputeAndDeletes_RunEachFactoryOncePerAbsence()
    {
        const int Threads = 4;
        const int Keys = 3;
        const int Iterations = 3000;
        var map = new SyncMap<int, int>();
        var runs = new int[Keys]; // factory runs that returned a value
        var thrown = new int[Keys];
        var removals = new int[Keys]; // removals: LoadAndDelete that found the key, Compute that deleted it
        var inFlight = new int[Keys];
        int overlaps = 0;
        int wrongValues = 0;
        Gate.Run(Threads, id =>
        {
            var random = new Random(id);
            for (int i = 0; i < Iterations; i++)
            {
                int key = random.Next(Keys);
                switch (random.Next(6))
                {
                    case 0:
                        if (map.LoadAndDelete(key, out _))
                        {
                            Interlocked.Increment(ref removals[key]);
                        }

                        break;
                    case 1:
                        map.Compute(key, (k, _, exists) =>
                        {
                            if (exists)
                            {
                                Interlocked.Increment(ref removals[k]); // the function runs once and its Delete is applied
                            }

                            return new(exists ? ComputeAction.Delete : ComputeAction.Keep, 0);
                        }, out _);
                        break;
                    default:
                        try
                        {
                            int got = map.LoadOrCompute(key, k =>
                            {
                                if (Interlocked.Increment(ref inFlight[k]) != 1)
                                {
                                    Interlocked.Increment(ref overlaps);
                                }

                                try
                                {
                                    if (random.Next(8) == 0)
                                    {
                                        Interlocked.Increment(ref thrown[k]);
                                        throw new FormatException();
                                    }

                                    Interlocked.Increment(ref runs[k]);
                                    return (k * 1000) + 1;
                                }
                                finally
                                {
                                    Interlocked.Decrement(ref inFlight[k]);
                                }
                            });
                            if (got != (key * 1000) + 1)
                            {
                                Interlocked.Increment(ref wrongValues);
                            }
                        }
                        catch (FormatException)
                        {
                        }

                        break;
                }
            }
        });

        Assert.Equal(0, overlaps);
        Assert.Equal(0, wrongValues);
        map.AssertInvariants();
        for (int k = 0; k < Keys; k++)
        {
            // Each successful factory run starts a presence of the key; each presence ends with one removal or lasts.
            int present = map.ContainsKey(k) ? 1 : 0;
            Assert.True(runs[k] == removals[k] + present, $"key {k}: {runs[k]} factory runs, {removals[k]} removals, present {present}");
        }

        Assert.True(thrown[0] + thrown[1] + thrown[2] > 0, "no factory threw: the test did not exercise the throwing path");
    }

    [Fact]
    public void Racing_LoadOrComputeDeletesAndClear_NeverOverlapAFactory_AndCountStaysExact()
    {
        const int Threads = 4;
        const int Keys = 3;
        const int Iterations = 2000;
        var map = new SyncMap<int, int>();
        var inFlight = new int[Keys];
        int overlaps = 0;
        int wrongValues = 0;
        int computeRuns = 0;
        int computeCalls = 0;
        Gate.Run(Threads, id =>
        {
            var random = new Random(100 + id);
            for (int i = 0; i < Iterations; i++)
            {
                int key = random.Next(Keys);
                switch (random.Next(10))
                {
                    case 0:
                        map.Clear();
                        break;
                    case 1:
                        map.Delete(key);
                        break;
                    case 2:
                    case 3:
                        Interlocked.Increment(ref computeCalls);
                        map.Compute(key, (k, v, exists) =>
                        {
                            Interlocked.Increment(ref computeRuns);
                            if (Interlocked.Increment(ref inFlight[k]) != 1)
                            {
                                Interlocked.Increment(ref overlaps);
                            }

                            Interlocked.Decrement(ref inFlight[k]);
                            return StoreResult(exists ? v : (k * 1000) + 1);
                        }, out _);
                        break;
                    default:
                        int got = map.LoadOrCompute(key, k =>
                        {
                            if (Interlocked.Increment(ref inFlight[k]) != 1)
                            {
                                Interlocked.Increment(ref overlaps);
                            }

                            Interlocked.Decrement(ref inFlight[k]);
                            return (k * 1000) + 1;
                        });
                        if (got != (key * 1000) + 1)
                        {
                            Interlocked.Increment(ref wrongValues);
                        }

                        break;
                }
            }
        });

        Assert.Equal(0, overlaps);
        Assert.Equal(0, wrongValues);
        Assert.Equal(computeCalls, computeRuns); // Compute's function ran exactly once per call
        map.AssertInvariants();
        int present = 0;
        for (int k = 0; k < Keys; k++)
        {
            present += map.ContainsKey(k) ? 1 : 0;
        }

        Assert.Equal(present, map.Count);
    }

    [Fact]
    public void Racing_ComputeIncrements_LoseNothing()
    {
        const int Threads = 4;
        const int Keys = 2;
        const int Iterations = 2000;
        var map = new SyncMap<int, long>();
        Gate.Run(Threads, id =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                int key = (i + id) % Keys;
                map.Compute(key, static (_, v, exists) => new ComputeResult<long>(ComputeAction.Store, exists ? v + 1 : 1), out _);
                if (i % 7 == 0)
                {
                    map.AddOrUpdate(key, 1, static (_, v) => v + 1); // a lock-free writer racing with the computations
                }
            }
        });

        long adds = Threads * (long)(Iterations / 7 + 1);
        Assert.Equal((Threads * (long)Iterations) + adds, map[0] + map[1]);
        map.AssertInvariants();
    }
}
