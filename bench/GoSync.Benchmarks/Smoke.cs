// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>
/// <c>--smoke</c>: every workload against every map (Go's skips kept) at every thread count, for a few thousand
/// operations, with every result checked: Go's own b.Fatalf checks, each operation's expected result, and the map's
/// final contents. No BenchmarkDotNet. One line per workload/map/threads; then the footprint, stall and scenario
/// tables' code at tiny sizes and a two-segment long run, each checked; exit code 1 on any failure. CI runs it so
/// the suite never rots.
/// </summary>
public static class Smoke
{
    /// <summary>Operations per run. At least 256 per worker, so the Balanced workloads reach every key.</summary>
    public const int Ops = 4096;

    // A run that has not finished after this long is reported as hung (e.g. a deadlock) and ends the smoke run.
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(60);

    /// <summary>Keys of the smoke run's stall fill.</summary>
    public const int StallKeys = 20_000;

    public static int Run(IReadOnlyList<Type> selected, Options options, ExtraTables tables)
    {
        JitWarmup.Disabled = true;
        Console.WriteLine($"GoSync benchmark smoke run: {Ops} operations per run, threads {string.Join(",", BenchSettings.ThreadCounts)}, {Environment.ProcessorCount} cores, {Program.RuntimeInformationText()}");
        int passed = 0;
        int failed = 0;
        int width = selected.Count == 0 ? 10 : selected.Max(t => t.Name.Length);
        foreach (Type type in selected)
        {
            var benchmark = (IGoBenchmark)Activator.CreateInstance(type)!;
            foreach (int threads in BenchSettings.ThreadCounts)
            {
                foreach (MapKind map in Enum.GetValues<MapKind>())
                {
                    if (options.Filters.Count > 0 && !options.Filters.Any(f => f.Matches(type.Name, map.ToString())))
                    {
                        continue;
                    }

                    string label = string.Create(CultureInfo.InvariantCulture, $"{type.Name.PadRight(width)}  {map,-20}  threads={threads}");
                    if (map == MapKind.CopyOnWrite && benchmark.SkipsCopyOnWrite)
                    {
                        Console.WriteLine($"skip  {label}  (Go skips DeepCopyMap here)");
                        continue;
                    }

                    (bool finished, TimeSpan elapsed, Exception? error) = RunGuarded(() => benchmark.Smoke(map, threads, Math.Max(Ops, benchmark.SmokeOperations)));
                    if (!finished)
                    {
                        Console.WriteLine($"FAIL  {label}  did not finish within {s_hangLimit.TotalSeconds:0} s (hung?)");
                        Console.WriteLine($"smoke: {passed} passed, {failed + 1} failed");
                        return 1;
                    }

                    if (error is null)
                    {
                        passed++;
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok    {label}  {elapsed.TotalMilliseconds,8:0.0} ms"));
                    }
                    else
                    {
                        failed++;
                        string what = error is WorkloadCheckException ? error.Message : $"{error.GetType().Name}: {error.Message}";
                        Console.WriteLine($"FAIL  {label}  {what}");
                        if (error is not WorkloadCheckException)
                        {
                            Console.WriteLine(error.ToString());
                        }
                    }
                }
            }
        }

        var extras = new List<(string Name, Func<string?> Check)>();
        if (tables.Footprint)
        {
            extras.Add(("Footprint", () => CheckFootprint(out string message) ? message : throw new WorkloadCheckException(message)));
        }

        if (tables.Stalls)
        {
            extras.Add(("Stalls", CheckStalls));
        }

        if (tables.Scenarios)
        {
            extras.Add(("Scenarios", CheckScenarios));
        }

        if (selected.Count > 0)
        {
            extras.Add(("Long", () => CheckLong(selected[0])));
        }

        extras.Add(("JitTiers", CheckJitTiers));

        foreach ((string name, Func<string?> check) in extras)
        {
            string? message = null;
            (bool finished, TimeSpan elapsed, Exception? error) = RunGuarded(() =>
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                message = check();
                return System.Diagnostics.Stopwatch.GetElapsedTime(start);
            });
            if (!finished)
            {
                Console.WriteLine($"FAIL  {name}  did not finish within {s_hangLimit.TotalSeconds:0} s (hung?)");
                Console.WriteLine($"smoke: {passed} passed, {failed + 1} failed");
                return 1;
            }

            if (error is null)
            {
                passed++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok    {name}  {elapsed.TotalMilliseconds,8:0.0} ms  {message}"));
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL  {name}  {(error is WorkloadCheckException ? error.Message : error.ToString())}");
            }
        }

        Console.WriteLine($"smoke: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static (bool Finished, TimeSpan Elapsed, Exception? Error) RunGuarded(Func<TimeSpan> run)
    {
        TimeSpan elapsed = TimeSpan.Zero;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                elapsed = run();
            }
#pragma warning disable CA1031 // Every failure of a smoke run is reported, whatever its type.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }
        })
        {
            IsBackground = true,
            Name = "GoSync smoke run",
        };
        thread.Start();
        return thread.Join(s_hangLimit) ? (true, elapsed, error) : (false, elapsed, null);
    }

    /// <summary>The footprint builders produce full maps and the measurement gives plausible figures.</summary>
    private static bool CheckFootprint(out string message)
    {
        const int Entries = 1_000;
        SyncMap<int, int> syncMap = Footprint.BuildSyncMapWithDirty(Entries);
        if (syncMap.Count != Entries + 1 || Footprint.BuildConcurrentDictionary(Entries).Count != Entries || Footprint.BuildDictionary(Entries).Count != Entries)
        {
            message = "a footprint builder produced the wrong number of entries";
            return false;
        }

        if (Footprint.BuildSyncMapShrunk(Entries).Count != 10)
        {
            message = "the shrunk SyncMap does not hold 10 keys";
            return false;
        }

        FootprintRow row = Footprint.Measure([Entries])[0];
        IReadOnlyList<ShrunkRow> shrunk = Footprint.MeasureShrunk(10 * Entries);

        // An int -> int entry needs at least its 8 bytes of key and value in every map; a whole map is an object.
        double[] figures = [row.SyncMap, row.SyncMapWithDirty, row.ConcurrentDictionary, row.NonBlocking, row.Dictionary];
        long[] maps = shrunk.SelectMany(r => new[] { r.SyncMap, r.ConcurrentDictionary, r.NonBlocking, r.Dictionary }).ToArray();
        message = string.Create(CultureInfo.InvariantCulture,
            $"bytes/entry at {Entries}: SyncMap {row.SyncMap:0.0}, read+dirty {row.SyncMapWithDirty:0.0}, ConcurrentDictionary {row.ConcurrentDictionary:0.0}, NonBlocking {row.NonBlocking:0.0}, Dictionary {row.Dictionary:0.0}; " +
            $"peak {10 * Entries}, now 10 keys: SyncMap {shrunk[2].SyncMap} B, ConcurrentDictionary {shrunk[2].ConcurrentDictionary} B");
        return figures.All(f => f >= 8 && f < 10_000) && maps.All(b => b > 0 && b < 100_000_000);
    }

    /// <summary>A small fill of each map in the stall table's pattern (every Load checked inside the fill).</summary>
    private static string CheckStalls()
    {
        IReadOnlyList<StallRow> rows = Stalls.Measure(StallKeys);
        Check.That(rows.Count == 3 && rows.All(r => r.Keys == StallKeys && r.Worst > TimeSpan.Zero && r.Fill >= r.Worst), "implausible stall rows");
        return string.Create(CultureInfo.InvariantCulture, $"{StallKeys:N0} keys per map; worst call: {string.Join(", ", rows.Select(r => $"{r.Map} {r.Worst.TotalMilliseconds:0.00} ms"))}");
    }

    /// <summary>Every scenario at tiny sizes (every round and lookup checked inside the loops).</summary>
    private static string CheckScenarios()
    {
        IReadOnlyList<ScenarioRow> rows = Scenarios.Measure(ScenarioSizes.Tiny);
        Check.That(rows.All(r => new[] { r.SyncMap, r.ConcurrentDictionary, r.NonBlocking }.All(c => c.Nanoseconds > 0 && double.IsFinite(c.Nanoseconds))), "a scenario has no time");
        return $"{rows.Count} scenarios x 3 maps";
    }

    /// <summary>
    /// The warm-up's tier check (JitWarmup, JitTiers): the runtime's JIT events reach the listener, which finds a method
    /// compiled optimized at once (AggressiveOptimization) by its handle and, under tiered compilation, does not count
    /// a tier-0 method as optimized.
    /// </summary>
    private static string CheckJitTiers()
    {
        JitTiers.Start();
        MethodInfo optimized = JitWarmup.Entry(typeof(Smoke), nameof(CompiledOptimized));
        MethodInfo quick = JitWarmup.Entry(typeof(Smoke), nameof(CompiledAtTier0));
        int sum = CompiledOptimized(3) + CompiledAtTier0(4);
        long deadline = Environment.TickCount64 + 10_000; // events arrive on the listener's thread, milliseconds later
        while (!JitTiers.IsOptimized(optimized) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
        }

        Check.That(sum == 32, "the tier probes computed a wrong sum");
        Check.That(JitTiers.Available && JitTiers.IsOptimized(optimized), "JitTiers saw no optimized compilation of a method marked AggressiveOptimization within 10 s");
        bool tiered = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") != "0"
            && !(AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out bool enabled) && !enabled);
        Check.That(!tiered || !JitTiers.IsOptimized(quick), "JitTiers counted a method called once, at tier 0, as optimized");
        return tiered ? "optimized and tier-0 compilations told apart" : "optimized compilation seen (tiered compilation is off)";
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int CompiledOptimized(int x) => (3 * x) + 1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CompiledAtTier0(int x) => (5 * x) + 2;

    /// <summary>The long mode's path and tables on one workload, two segments, at one thread.</summary>
    private static string CheckLong(Type type)
    {
        var benchmark = (IGoBenchmark)Activator.CreateInstance(type)!;
        LongRunResult result = benchmark.Long(MapKind.SyncMap, 1, 2);
        Check.That(result.NanosecondsPerOp.Length == 2 && result.NanosecondsPerOp.All(ns => ns > 0), "the long run did not time two segments");
        var row = new LongRow(type, ComparisonTable.WorkloadName(type), 1, benchmark.SkipsCopyOnWrite);
        row.Cells[MapKind.SyncMap] = result;
        Check.That(LongRun.ToText([row], 2).Contains(type.Name, StringComparison.Ordinal) && LongRun.ToCsv([row]).Split('\n').Length >= 3, "the long-run tables lack the run");

        // The steady state is the mean of the second half of the segments (the last one of two): 7 of {1, 7}; 3.5 of
        // {100, 1, 2, 3, 4}, where the costly first segment is outside the half and does not count; 5 of {1, 1, 1, 9},
        // where the costly last one is inside it and counts at its share.
        Check.That(LongRun.Steady(new LongRunResult([1, 7], [0, 0])) == 7
            && LongRun.Steady(new LongRunResult([100, 1, 2, 3, 4], new double[5])) == 3.5
            && LongRun.Steady(new LongRunResult([1, 1, 1, 9], new double[4])) == 5, "the long run's steady state is not the mean of its second half");
        return string.Create(CultureInfo.InvariantCulture, $"{type.Name}.SyncMap, 2 segments of {benchmark.OperationsPerInvoke:N0} operations");
    }
}
