// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Threading;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Starts threads through one gate: each thread signals that it is ready and blocks until the
/// last one is ready, then all are released at once. Exceptions thrown on the threads are
/// collected and rethrown (as an <see cref="AggregateException"/>) after all of them finished.
/// </summary>
internal static class Gate
{
    /// <summary>
    /// Runs <paramref name="body"/>(thread index) on <paramref name="threads"/> new threads released together;
    /// fails after <see cref="ThreadTimeLimit.Limit"/> with <paramref name="context"/> (the seed) if one never ends.
    /// </summary>
    public static void Run(int threads, Action<int> body, string context = "no seed")
    {
        var failures = new ConcurrentQueue<Exception>();
        using var ready = new CountdownEvent(threads);
        using var open = new ManualResetEventSlim(false);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                ready.Signal();
                open.Wait();
                try
                {
                    body(id);
                }
#pragma warning disable CA1031 // Handed to the test thread, which rethrows.
                catch (Exception failure)
#pragma warning restore CA1031
                {
                    failures.Enqueue(failure);
                }
            })
            { IsBackground = true, Name = $"stress-{t}" };
            workers[t].Start();
        }

        ready.Wait();
        open.Set();
        foreach (Thread worker in workers)
        {
            ThreadTimeLimit.Join(worker, context);
        }

        if (!failures.IsEmpty)
        {
            throw new AggregateException(failures);
        }
    }
}
