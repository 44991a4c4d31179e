// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Redis.Tests.Infrastructure;

/// <summary>Time limits for tests that run threads or loops, so a hang fails with a message instead of stalling the run.</summary>
public static class Limits
{
    /// <summary>The longest any multi-threaded test may run.</summary>
    public static readonly TimeSpan Threads = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="bodies"/> on their own threads, started together; fails if they outlast <see cref="Threads"/>.</summary>
    public static void RunTogether(params Action[] bodies)
    {
        using var start = new ManualResetEventSlim(false);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = bodies.Select(body => new Thread(() =>
        {
            start.Wait();
            try
            {
                body();
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        }) { IsBackground = true }).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        start.Set();
        DateTime deadline = DateTime.UtcNow + Threads;
        foreach (Thread t in threads)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            Assert.True(t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero), $"threads still running after {Threads.TotalSeconds} s");
        }

        if (!errors.IsEmpty)
        {
            throw new AggregateException(errors);
        }
    }
}
