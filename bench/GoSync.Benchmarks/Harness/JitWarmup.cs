// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Reflection;
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
/// than the tiering delay, until a whole round plus pause compiles no new method and the method the measurement enters
/// has tier-1 code (<see cref="JitTiers"/>): every method on the path has been promoted (with the dynamic PGO data the
/// short runs gathered) and the background compiler has installed it. A quiet round alone did not prove it: in 3 of
/// 36 warm-ups of one run, a round compiled nothing while the entry still had no tier-1 code (likely because calls
/// made while a tiering delay runs, which any new tier-0 compilation restarts, are not counted), and a warm-up that
/// stopped there left the measured iterations to enter tier-0 code that on-stack replacement then patched (perf
/// profiles of LoadOrStoreHotKeys on SyncMap and of LoadMostlyMisses on ConcurrentDictionary found the measured loop
/// in OSR code).
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
    /// Runs <paramref name="run"/> in rounds until a round compiles no method and <paramref name="entry"/> (the method
    /// the measurement calls, which holds or inlines the loop) has optimized code; returns the rounds used.
    /// <paramref name="entry"/>'s declaring type identifies the compiled loop: the first warm-up of a loop runs at least
    /// two rounds, a later one (another thread count) stops after the first quiet round. If the runtime reports no JIT
    /// events (<see cref="JitTiers.Available"/>), a quiet round alone ends the warm-up; if <paramref name="entry"/> has
    /// no optimized code after <see cref="MaxRounds"/>, a warning names it on standard error.
    /// </summary>
    public static int Run(MethodBase entry, Action run)
    {
        if (Disabled)
        {
            return 0;
        }

        JitTiers.Start();
        int minRounds = s_warmed.Add(entry.DeclaringType!) ? 2 : 1;
        long compiled = JitInfo.GetCompiledMethodCount(currentThread: false);
        for (int round = 1; round <= MaxRounds; round++)
        {
            for (int r = 0; r < RunsPerRound; r++)
            {
                run();
            }

            Thread.Sleep(s_pause);
            long now = JitInfo.GetCompiledMethodCount(currentThread: false);
            if (now == compiled && round >= minRounds && (JitTiers.IsOptimized(entry) || !JitTiers.Available))
            {
                return round;
            }

            compiled = now;
        }

        if (JitTiers.Available && !JitTiers.IsOptimized(entry))
        {
            Console.Error.WriteLine($"warning: after {MaxRounds} warm-up rounds, {entry.DeclaringType}.{entry.Name} has no tier-1 code; its measurement may run tier-0 or OSR code");
        }

        return MaxRounds;
    }

    /// <summary>The method named <paramref name="name"/> declared by <paramref name="type"/> (public or not, static or not): a warm-up's entry.</summary>
    public static MethodInfo Entry(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        ?? throw new ArgumentException($"{type} declares no method {name}", nameof(name));
}
