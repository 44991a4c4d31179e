// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Redis.Benchmarks;

/// <summary>
/// One of Go's map_bench_test.go workloads: a setup, then an operation run with a shared counter i (Go's per-goroutine
/// counters starting at id * N give the same key mix). <see cref="Check"/> says after a smoke run whether the results
/// were the ones the workload implies.
/// </summary>
internal sealed record Workload(string Name, Func<Target, Task> Setup, Func<Target, long, Task<bool>> Op, bool AllTrue = false)
{
    private const int Hits1023 = 1023, Misses1 = 1;
    private const int Hits128 = 128, Misses128 = 128;

    public static readonly Workload[] All =
    [
        new("LoadMostlyHits", t => Fill(t, Hits1023), (t, i) => t.LoadAsync((int)(i % (Hits1023 + Misses1)))),
        new(
            "LoadOrStoreBalanced",
            t => Fill(t, Hits128),
            async (t, i) =>
            {
                long j = i % (Hits128 + Misses128);
                return j < Hits128 ? await t.LoadOrStoreAsync((int)j, (int)j) : !await t.LoadOrStoreAsync((int)(i + 1_000_000), 1);
            },
            AllTrue: true),
        new(
            "LoadAndDeleteBalanced",
            t => Fill(t, Hits128),
            async (t, i) =>
            {
                long j = i % (Hits128 + Misses128);
                await t.LoadAndDeleteAsync(j < Hits128 ? (int)j : (int)(i + 1_000_000));
                return true;
            }),
        new(
            "LoadAndDeleteCollision",
            t => t.StoreAsync(0, 0),
            async (t, i) =>
            {
                if (await t.LoadAndDeleteAsync(0))
                {
                    await t.StoreAsync(0, 0);
                }

                return true;
            }),
        new("SwapCollision", t => t.StoreAsync(0, 0), (t, _) => t.SwapAsync(0, 0), AllTrue: true),
        new(
            "SwapMostlyHits",
            t => Fill(t, Hits1023),
            async (t, i) =>
            {
                long v = i % (Hits1023 + Misses1);
                if (v < Hits1023)
                {
                    return await t.SwapAsync((int)v, (int)v);
                }

                await t.SwapAsync((int)(i + 1_000_000), 0);
                await t.DeleteAsync((int)(i + 1_000_000));
                return true;
            },
            AllTrue: true),
        new(
            "CompareAndSwapCollision",
            t => t.StoreAsync(0, 0),
            async (t, _) =>
            {
                if (await t.CompareAndSwapAsync(0, 0, 42))
                {
                    await t.CompareAndSwapAsync(0, 42, 0);
                }

                return true;
            }),
        new(
            "CompareAndSwapMostlyHits",
            t => Fill(t, Hits1023),
            async (t, i) =>
            {
                long v = i % (Hits1023 + Misses1);
                return v < Hits1023 ? await t.CompareAndSwapAsync((int)v, (int)v, (int)v) : !await t.CompareAndSwapAsync((int)v, (int)v, (int)v);
            },
            AllTrue: true),
        new("Range1024", t => Fill(t, 1024), async (t, _) => await t.RangeAsync() == 1024, AllTrue: true),
    ];

    private static async Task Fill(Target t, int n)
    {
        var tasks = new Task[n];
        for (int k = 0; k < n; k++)
        {
            tasks[k] = t.StoreAsync(k, k);
        }

        await Task.WhenAll(tasks);
    }
}
