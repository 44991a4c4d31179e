// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// The time limit of every test that runs real threads: waiting for a thread (or a task, or a barrier)
/// fails after <see cref="Limit"/> instead of hanging the run, with the caller's context (its seed) in
/// the message. A bug that makes an operation spin or block forever then fails its test; the stuck
/// thread is a background thread, so it does not keep the test process alive.
/// </summary>
/// <remarks>
/// The limit is far above any test's normal running time (seconds): 120 seconds times
/// <c>GOSYNC_STRESS_SCALE</c>, so soak runs get proportionally longer. It bounds a hang; it asserts
/// nothing about speed.
/// </remarks>
internal static class ThreadTimeLimit
{
    public static TimeSpan Limit { get; } = TimeSpan.FromSeconds(120.0 * StressEnvironment.Scale);

    /// <summary>Waits for <paramref name="thread"/> to end; throws <see cref="TimeoutException"/> after <see cref="Limit"/>.</summary>
    public static void Join(Thread thread, string context) => Join(thread, context, Limit);

    /// <summary>As <see cref="Join(Thread, string)"/> with the limit <paramref name="limit"/>.</summary>
    public static void Join(Thread thread, string context, TimeSpan limit)
    {
        if (!thread.Join(limit))
        {
            throw Timeout($"thread '{thread.Name}'", context, limit);
        }
    }

    /// <summary>Waits for <paramref name="task"/> (rethrowing its exception); throws <see cref="TimeoutException"/> after <see cref="Limit"/>.</summary>
    public static void Wait(Task task, string context)
    {
        if (!task.Wait(Limit))
        {
            throw Timeout("a task", context, Limit);
        }
    }

    /// <summary>Signals <paramref name="barrier"/> and waits for the other participants; throws <see cref="TimeoutException"/> after <see cref="Limit"/>.</summary>
    public static void SignalAndWait(Barrier barrier, string context)
    {
        if (!barrier.SignalAndWait(Limit))
        {
            throw Timeout("a barrier's other participants", context, Limit);
        }
    }

    private static TimeoutException Timeout(string what, string context, TimeSpan limit) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{what} still running after the {limit.TotalSeconds:F1} s time limit ({context}): an operation spins or blocks."));
}
