// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Runtime;
using System.Threading;

namespace GoSync.Benchmarks.Harness;

/// <summary>
/// Brings a workload's loop and everything it calls to tier-1 code before BenchmarkDotNet measures it.
/// </summary>
/// <remarks>
/// Each measured iteration is one Go run, so the workload loop itself is entered only once per worker per iteration:
/// far too few calls for tiered compilation to promote it (30 calls, counted only once no method has been
/// quick-jitted for 100 ms). A few iterations would then measure tier-0 or on-stack-replacement code and the maps'
/// tier-0 callees, not the steady state a long-running program reaches. So, untimed, before the first iteration:
/// short runs (fresh map, Go's setup, a few hundred operations) in rounds, each round followed by a pause longer
/// than the tiering delay, until a whole round plus pause compiles no new method: every method on the path has been
/// promoted (with the dynamic PGO data the short runs gathered) and the background compiler has installed it.
/// </remarks>
public static class JitWarmup
{
    private const int RunsPerRound = 40;
    private const int MaxRounds = 25;

    // Longer than the runtime's call-counting delay (TC_CallCountingDelayMs, 100 ms).
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(150);

    /// <summary>Set by <c>--smoke</c>, which checks results and measures nothing: <see cref="Run"/> then does nothing.</summary>
    public static bool Disabled { get; set; }

    // Loops already warmed in this process (the same compiled code serves every thread count).
    private static readonly HashSet<Type> s_warmed = [];

    /// <summary>
    /// Runs <paramref name="run"/> in rounds until a round compiles no method; returns the rounds used.
    /// <paramref name="loop"/> identifies the compiled loop: the first warm-up of a loop runs at least two rounds,
    /// a later one (another thread count) stops after the first quiet round.
    /// </summary>
    public static int Run(Type loop, Action run)
    {
        if (Disabled)
        {
            return 0;
        }

        int minRounds = s_warmed.Add(loop) ? 2 : 1;
        long compiled = JitInfo.GetCompiledMethodCount(currentThread: false);
        for (int round = 1; round <= MaxRounds; round++)
        {
            for (int r = 0; r < RunsPerRound; r++)
            {
                run();
            }

            Thread.Sleep(s_pause);
            long now = JitInfo.GetCompiledMethodCount(currentThread: false);
            if (now == compiled && round >= minRounds)
            {
                return round;
            }

            compiled = now;
        }

        return MaxRounds;
    }
}
