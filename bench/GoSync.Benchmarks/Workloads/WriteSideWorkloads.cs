// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks.Workloads;

// Workloads that are not in Go's map_bench_test.go: the write-side patterns of issue 8, written in Go's style (a
// setup, a perG loop over Go's counter i, b.Fatalf-style checks), so they run through the same harness, maps and
// long mode as Go's own.

/// <summary>
/// Load of an absent key while new keys are pending in the dirty map: 1023 keys stored and primed (Go's setup), then
/// every 1024th operation stores a fresh key (so a read/dirty map keeps getting keys that only its dirty map holds)
/// and every other operation Loads one of 1024 keys that are never stored. The map grows by N/1024 keys per run.
/// </summary>
public readonly struct LoadAbsentPendingDirtyWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1023;
    private const int AbsentBase = 1 << 30;
    private const int StoreEvery = 1024;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            if (i % StoreEvery == 0)
            {
                // Fresh keys are -1 - i: negative, so never one of the hits nor one of the absent keys.
                map.Store(-1 - i, i);
                if (TCheck.Enabled)
                {
                    tally.Misses++;
                }
            }
            else
            {
                int k = AbsentBase + (i & 1023);
                bool found = map.Load(k, out _);
                if (TCheck.Enabled && found)
                {
                    Check.Fail($"Load({k}) found a key that is never stored");
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == Hits + run.Total.Misses, $"map holds {map.Count} keys, expected {Hits} + {run.Total.Misses} stored");
        Check.CountMatchesRange<int, int, TMap>(map);
        map.Range(0, static (_, key, value) =>
        {
            Check.That(key >= 0 ? value == key : value == -1 - key, $"key {key} holds {value}");
            return true;
        });
    }
}

/// <summary>
/// LoadOrStore of existing hot keys: Go's setup of 1024 keys, then LoadOrStore(i % 1024, i), which must report
/// loaded (Go's b.Fatalf) and return the stored value. LoadOrStoreCollision is the single-key variant.
/// </summary>
public readonly struct LoadOrStoreHotKeysWorkload : IGoWorkload<int, int>
{
    private const int Hits = 1024;

    public static int OperationsPerInvoke => 1 << 21;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hits);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        for (; pb.Next(); i++)
        {
            int j = i & (Hits - 1);
            int actual = map.LoadOrStore(j, i, out bool loaded);
            if (!loaded)
            {
                Check.Fail($"unexpected miss for {j}"); // Go's b.Fatalf, as in LoadOrStoreBalanced
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
                if (actual != j)
                {
                    Check.Fail($"LoadOrStore({j}) returned {actual}, expected {j}");
                }
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == Hits, $"map holds {map.Count} keys, expected {Hits}");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}

/// <summary>
/// A grow-only cache with 10% new keys: 1024 keys stored and primed, then every operation is a cache lookup,
/// LoadOrStore: every tenth i a fresh key (i itself, which must be stored), the others one of the 1024 hot keys (which
/// must be loaded). The map grows by N/10 keys per run and nothing is ever deleted.
/// </summary>
public readonly struct GrowOnlyCacheWorkload : IGoWorkload<int, int>
{
    private const int Hot = 1024;
    private const int NewEvery = 10;

    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => false;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
        => GoSetup.HitsAndPrime<int, int, IntKeys, TMap>(map, Hot);

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        // Fresh keys are Hot + i: never one of the hot keys, unique across workers (Go's id*b.N).
        for (; pb.Next(); i++)
        {
            if (i % NewEvery == 0)
            {
                int actual = map.LoadOrStore(Hot + i, Hot + i, out bool loaded);
                if (loaded)
                {
                    Check.Fail($"failed to store {Hot + i}: existing value {actual}"); // Go's b.Fatalf
                }

                if (TCheck.Enabled)
                {
                    tally.Misses++;
                }
            }
            else
            {
                int j = i & (Hot - 1);
                int actual = map.LoadOrStore(j, j, out bool loaded);
                if (!loaded)
                {
                    Check.Fail($"unexpected miss for {j}"); // Go's b.Fatalf
                }

                if (TCheck.Enabled && actual != j)
                {
                    Check.Fail($"LoadOrStore({j}) returned {actual}");
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        Check.That(map.Count == Hot + run.Total.Misses, $"map holds {map.Count} keys, expected {Hot} + {run.Total.Misses} stored");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}

/// <summary>
/// Sliding-window churn: every tenth operation stores a new key and deletes the oldest of the worker's window of
/// 1024 live keys; the other nine Load a key of the window. Each worker keeps its own window of the keys it stored
/// (key = its counter i at the store, so windows never share keys); the map holds about 1024 keys per worker and
/// never grows. A worker's first 1024 stores delete nothing (its window is filling: the oldest slot is below the
/// worker's first counter value, where another worker's keys may be) and its reads of not yet stored window slots
/// miss: the first 10,240 operations of a worker's run.
/// </summary>
public readonly struct SlidingWindowChurnWorkload : IGoWorkload<int, int>
{
    private const int Window = 1024;
    private const int StoreEvery = 10;

    public static int OperationsPerInvoke => 1 << 20;

    public static bool SkipsCopyOnWrite => false;

    // Enough for every worker of a 2-thread run to slide its window: more than 2 x 10 x 1024 operations.
    public static int SmokeOperations => 1 << 15;

    // A window fills in 10,240 operations and slides after that: twice that lets each warm-up run slide it as long.
    public static int WarmUpOperationsPerWorker => 2 * StoreEvery * Window;

    public static void Setup<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
    {
    }

    public static void PerG<TMap, TCheck>(TMap map, ref ParallelBatch pb, int i, ref Tally tally)
        where TMap : struct, IMapOps<int, int>
        where TCheck : struct, ICheckMode
    {
        int runStart = GoRun.WorkerStart;
        for (; pb.Next(); i++)
        {
            int phase = i % StoreEvery;
            if (phase == 0)
            {
                // The store made Window stores ago (StoreEvery * Window operations back) leaves the window.
                map.Store(i, i);
                int oldest = i - (StoreEvery * Window);
                if (TCheck.Enabled)
                {
                    tally.Hits++;
                }

                if (oldest >= runStart)
                {
                    if (!TCheck.Enabled)
                    {
                        map.Delete(oldest);
                    }
                    else if (map.LoadAndDelete(oldest, out int old) && old == oldest)
                    {
                        // Checked runs delete with LoadAndDelete, to check and count each delete.
                        tally.Misses++;
                    }
                    else
                    {
                        Check.Fail($"the oldest key of the window, {oldest}, was missing or held {old}");
                    }
                }
            }
            else
            {
                // A key of the window: the latest store (at i - phase) or one of the 1023 before it, picked by a
                // multiplicative hash of i so the reads spread over the window.
                int back = (int)(((uint)i * 2654435761u) >> 22);
                int k = i - phase - (StoreEvery * back);
                bool found = map.Load(k, out int value);
                // Every key of the window from the worker's first store on is there (below it, a slot not yet
                // filled: absent, or a key of the previous worker's range).
                if (TCheck.Enabled && ((k >= runStart && !found) || (found && value != k)))
                {
                    Check.Fail($"Load({k}) returned ({value}, found={found}); the worker's run started at {runStart}");
                }
            }

            if (TCheck.Enabled)
            {
                tally.Ops++;
            }
        }
    }

    public static void Verify<TMap>(TMap map, RunInfo run)
        where TMap : struct, IMapOps<int, int>
    {
        // Hits: stores; Misses: deletes (each removed a key). Every store's key is fresh.
        Check.That(map.Count == run.Total.Hits - run.Total.Misses, $"map holds {map.Count} keys after {run.Total.Hits} stores and {run.Total.Misses} deletes of stored keys");
        Check.That(map.Count <= Window * run.Threads, $"map holds {map.Count} keys, more than {run.Threads} windows of {Window}");
        Check.CountMatchesRange<int, int, TMap>(map);
        Check.ValuesMatchKeys<int, int, IntKeys, TMap>(map);
    }
}
