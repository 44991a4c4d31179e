// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>
/// <c>--smoke</c>: every workload against every map (Go's skips kept) at every thread count, for a few thousand
/// operations, with every result checked: Go's own b.Fatalf checks, each operation's expected result, and the map's
/// final contents. No BenchmarkDotNet. One line per workload/map/threads; exit code 1 on any failure. CI runs it so
/// the suite never rots.
/// </summary>
public static class Smoke
{
    /// <summary>Operations per run. At least 256 per worker, so the Balanced workloads reach every key.</summary>
    public const int Ops = 4096;

    // A run that has not finished after this long is reported as hung (e.g. a deadlock) and ends the smoke run.
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(60);

    public static int Run(IReadOnlyList<Type> selected, Options options, bool footprint)
    {
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

                    (bool finished, TimeSpan elapsed, Exception? error) = RunGuarded(() => benchmark.Smoke(map, threads, Ops));
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

        if (footprint)
        {
            if (CheckFootprint(out string message))
            {
                passed++;
                Console.WriteLine($"ok    Footprint  {message}");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL  Footprint  {message}");
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

        FootprintRow row = Footprint.Measure([Entries])[0];

        // An int -> int entry needs at least its 8 bytes of key and value in every map.
        double[] figures = [row.SyncMap, row.SyncMapWithDirty, row.ConcurrentDictionary, row.Dictionary];
        message = string.Create(CultureInfo.InvariantCulture,
            $"bytes/entry at {Entries}: SyncMap {row.SyncMap:0.0}, read+dirty {row.SyncMapWithDirty:0.0}, ConcurrentDictionary {row.ConcurrentDictionary:0.0}, Dictionary {row.Dictionary:0.0}");
        return figures.All(f => f >= 8 && f < 10_000);
    }
}
