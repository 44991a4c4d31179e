// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>Thread counts shared with the benchmark classes' <c>[ParamsSource]</c> (BenchmarkDotNet runs in-process).</summary>
public static class BenchSettings
{
    public static IReadOnlyList<int> ThreadCounts { get; set; } = DefaultThreadCounts();

    public static IReadOnlyList<int> DefaultThreadCounts() => new[] { 1, Environment.ProcessorCount }.Distinct().Order().ToArray();
}

/// <summary>
/// Entry point. <c>dotnet run -c Release --project bench/GoSync.Benchmarks [-- options]</c>:
/// no option runs the quick configuration over every workload and prints one comparison table;
/// <c>--full</c> uses BenchmarkDotNet's default (statistically thorough) job; <c>--filter &lt;glob&gt;</c> selects
/// workloads; <c>--threads 1,4</c> sets the thread counts; <c>--smoke</c> runs every workload once per map with every
/// result checked (no BenchmarkDotNet) and exits non-zero on a failure; <c>--long</c> runs each workload as one long
/// run on one map, timed per segment; <c>--footprint</c> measures only the footprint tables, up to 10M keys. Besides the
/// workloads, every mode but <c>--footprint</c> measures three tables that <c>--filter</c> selects by name:
/// Footprint, Stalls and Scenarios.
/// </summary>
public static class Program
{
    /// <summary>Go's map_bench_test.go order; the variants follow the workload they vary.</summary>
    internal static readonly Type[] Benchmarks =
    [
        typeof(LoadMostlyHits), typeof(LoadMostlyHitsStringKeys), typeof(LoadMostlyHitsStructValues),
        typeof(LoadMostlyMisses),
        typeof(LoadOrStoreBalanced), typeof(LoadOrStoreBalancedStringKeys), typeof(LoadOrStoreBalancedStructValues),
        typeof(LoadOrStoreUnique), typeof(LoadOrStoreCollision),
        typeof(LoadAndDeleteBalanced), typeof(LoadAndDeleteUnique), typeof(LoadAndDeleteCollision),
        typeof(Range), typeof(RangeStringKeys), typeof(RangeStructValues),
        typeof(AdversarialAlloc), typeof(AdversarialDelete), typeof(DeleteCollision),
        typeof(SwapCollision), typeof(SwapMostlyHits), typeof(SwapMostlyMisses),
        typeof(CompareAndSwapCollision), typeof(CompareAndSwapNoExistingKey), typeof(CompareAndSwapValueNotEqual),
        typeof(CompareAndSwapMostlyHits), typeof(CompareAndSwapMostlyMisses),
        typeof(CompareAndDeleteCollision), typeof(CompareAndDeleteMostlyHits), typeof(CompareAndDeleteMostlyMisses),
        typeof(Clear),
        typeof(LoadAbsentPendingDirty), typeof(LoadOrStoreHotKeys), typeof(GrowOnlyCache), typeof(SlidingWindowChurn),
        typeof(LoadOrComputeHits), typeof(GetOrAddFactoryHits),
    ];

    private const string Usage = """
        Usage: dotnet run -c Release --project bench/GoSync.Benchmarks [-- options]

          (no option)        quick run of every workload against every map, then one comparison table
          --full             BenchmarkDotNet's default job: full statistics, much longer
          --filter <glob>    only workloads whose name matches (* and ?; repeatable), e.g. 'Load*' or
                             'Range*.SyncMap' (workload.map); 'Footprint', 'Stalls', 'Scenarios' select those tables
          --threads <list>   worker thread counts, e.g. 1,2,8 (default: 1 and the processor count)
          --long             each workload as one long run on one map (no fresh map per iteration), timed per
                             segment of N operations: first and last segment's ns/op and their ratio
          --segments <n>     segments of a --long run (default 20)
          --footprint        only the footprint tables, at 1K, 100K, 1M and 10M keys (--full and --long include 10M)
          --smoke            every workload against every map for a few thousand operations, results checked,
                             plus tiny footprint, stall and scenario runs; exits non-zero on any failure
          --help             this text

        Besides the workloads, each run measures three tables that --filter selects by name: Footprint (retained
        bytes per key, and after Clear or shrinking), Stalls (the longest single call while filling 10M keys) and
        Scenarios (issue 8's cases: a shrunk map, colliding keys, a custom comparer).
        """;

    public static int Main(string[] args)
    {
        if (!TryParse(args, out Options? options, out string? error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (RefusesBuild(out string? why))
        {
            Console.Error.WriteLine(why);
            return 1;
        }

        BenchSettings.ThreadCounts = options.Threads ?? BenchSettings.DefaultThreadCounts();
        bool Selects(string name) => options.Filters.Count == 0 || options.Filters.Any(f => f.MatchesWorkload(name));

        // A table is selected by its own name only ('*' or 'Stalls', not '*.SyncMap').
        bool SelectsTable(string name) => options.Filters.Count == 0 || options.Filters.Any(f => f.MatchesName(name));
        Type[] selected = options.FootprintOnly ? [] : Benchmarks.Where(t => Selects(t.Name)).ToArray();
        var tables = new ExtraTables(
            Footprint: options.FootprintOnly || SelectsTable("Footprint"),
            Stalls: !options.FootprintOnly && SelectsTable("Stalls"),
            Scenarios: !options.FootprintOnly && SelectsTable("Scenarios"));
        if (selected.Length == 0 && !tables.Any)
        {
            Console.Error.WriteLine($"No workload matches {string.Join(", ", options.Filters)}. Workloads: {string.Join(", ", Benchmarks.Select(t => t.Name))}, Footprint, Stalls, Scenarios.");
            return 2;
        }

        if (options.Smoke)
        {
            return Smoke.Run(selected, options, tables);
        }

        return options.Long || options.FootprintOnly
            ? RunLong(selected, options, tables)
            : RunBenchmarks(selected, options, tables);
    }

    private static int RunLong(Type[] selected, Options options, ExtraTables tables)
    {
        string mode = options.FootprintOnly ? "footprint" : "long";
        Console.WriteLine(options.FootprintOnly
            ? $"GoSync benchmarks (footprint); {Environment.ProcessorCount} cores, {RuntimeInformationText()}"
            : $"GoSync benchmarks (long): {selected.Length} workloads x {Enum.GetValues<MapKind>().Length} maps x threads {string.Join(",", BenchSettings.ThreadCounts)}, " +
                $"{options.Segments} segments; {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
        ExtraResults footprint = tables.MeasureFootprint(large: true);
        IReadOnlyList<LongRow> rows = LongRun.Run(selected, options, options.Segments);
        ExtraResults extras = footprint.With(tables.MeasureStallsAndScenarios());

        string resultsDir = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(resultsDir);
        Console.WriteLine();
        string markdown = string.Empty;
        if (rows.Count > 0)
        {
            Console.WriteLine(LongRun.ToText(rows, options.Segments));
            File.WriteAllText(Path.Combine(resultsDir, "GoSync-long-segments.csv"), LongRun.ToCsv(rows));
            markdown = LongRun.ToMarkdown(rows, options.Segments) + Environment.NewLine;
        }

        Console.Write(extras.ToText());
        string path = Path.Combine(resultsDir, $"GoSync-{mode}.md");
        File.WriteAllText(path, markdown + extras.ToMarkdown());
        Console.WriteLine($"Tables written to {path}{(rows.Count > 0 ? " (every segment: GoSync-long-segments.csv beside it)" : string.Empty)}");
        return 0;
    }

    private static int RunBenchmarks(Type[] selected, Options options, ExtraTables tables)
    {
        Console.WriteLine($"GoSync benchmarks ({(options.Full ? "full" : "quick")}): {selected.Length} workloads x {Enum.GetValues<MapKind>().Length} maps x threads {string.Join(",", BenchSettings.ThreadCounts)}; " +
            $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInformationText()}");

        // The footprint first, on a heap that holds nothing else; the stall and scenario tables, which build maps of
        // millions of keys, after the workloads.
        ExtraResults footprint = tables.MeasureFootprint(large: options.Full);
        IReadOnlyList<FootprintRow> footprintRows = footprint.Footprint;

        var progress = new ProgressLogger(Console.Out);
        IConfig config = BuildConfig(options, progress);
        BenchmarkRunInfo[] runInfos = selected
            .Select(type => Select(BenchmarkConverter.TypeToBenchmarks(type, config), options))
            .Where(info => info.BenchmarksCases.Length > 0)
            .ToArray();
        progress.Total = runInfos.Sum(info => info.BenchmarksCases.Length);

        Summary[] summaries = runInfos.Length == 0 ? [] : BenchmarkRunner.Run(runInfos);
        ExtraResults extras = footprint.With(tables.MeasureStallsAndScenarios());

        var table = new ComparisonTable(summaries, Benchmarks);
        string markdown = table.ToMarkdown(footprintRows, options.Full ? "full" : "quick") + extras.ToMarkdownAfterFootprint();
        Console.WriteLine();
        if (summaries.Length > 0)
        {
            Console.WriteLine(table.ToText());
        }

        Console.Write(extras.ToText());

        string? resultsDir = summaries.FirstOrDefault()?.ResultsDirectoryPath;
        resultsDir ??= Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(resultsDir);
        string path = Path.Combine(resultsDir, "GoSync-comparison.md");
        File.WriteAllText(path, markdown);
        Console.WriteLine($"Table written to {path}");

        int failed = summaries.SelectMany(s => s.Reports).Count(r => !r.Success) + table.MissingResults;
        if (failed > 0 || summaries.Any(s => s.HasCriticalValidationErrors))
        {
            Console.Error.WriteLine($"{failed} benchmark(s) failed; see the log under {resultsDir}/..");
            return 1;
        }

        return 0;
    }

    private static IConfig BuildConfig(Options options, ProgressLogger progress)
    {
        // In-process (emit) toolchain: no project generation and rebuild per benchmark, which would take longer than
        // the whole quick run on two cores. Every iteration is one Go run with its own fresh map and setup
        // (IterationSetup), so each iteration invokes the benchmark exactly once.
        Job job = (options.Full ? Job.Default.WithId("Full") : Job.Default.WithId("Quick").WithWarmupCount(1).WithIterationCount(5))
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithInvocationCount(1)
            .WithUnrollFactor(1);

        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .AddExporter(BenchmarkDotNet.Exporters.Csv.CsvExporter.Default)
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers()
                // Each iteration is one Go run with its own fresh map, by design, so short iterations are expected;
                // the quick run leaves out the analyser that warns about them (--full keeps it).
                .Where(a => options.Full || a.Id != "MinIterationTime").ToArray())
            .WithOption(ConfigOptions.JoinSummary, true)
            .WithOption(ConfigOptions.DisableLogFile, false)
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(Perfolizer.Horology.TimeUnit.Nanosecond));
        if (options.Full)
        {
            config.AddLogger(ConsoleLogger.Default);
            config.AddColumn(BenchmarkDotNet.Columns.StatisticColumn.AllStatistics);
        }
        else
        {
            config.AddLogger(progress);
        }

        return config;
    }

    /// <summary>
    /// Applies the filters and Go's DeepCopyMap skips, and sets each case's OperationsPerInvoke to its workload's
    /// operation count (BenchmarkDotNet's attribute takes only one constant for all the classes).
    /// </summary>
    private static BenchmarkRunInfo Select(BenchmarkRunInfo info, Options options)
    {
        var benchmark = (IGoBenchmark)Activator.CreateInstance(info.Type)!;
        var cases = new List<BenchmarkCase>();
        foreach (BenchmarkCase bc in info.BenchmarksCases)
        {
            Descriptor d = bc.Descriptor;
            string map = d.WorkloadMethod.Name;
            if (map == nameof(MapKind.CopyOnWrite) && benchmark.SkipsCopyOnWrite)
            {
                continue;
            }

            if (options.Filters.Count > 0 && !options.Filters.Any(f => f.Matches(info.Type.Name, map)))
            {
                continue;
            }

            var rewritten = new Descriptor(
                d.Type, d.WorkloadMethod, d.GlobalSetupMethod, d.GlobalCleanupMethod, d.IterationSetupMethod, d.IterationCleanupMethod,
                description: null, additionalLogic: d.AdditionalLogic, baseline: d.Baseline, categories: d.Categories,
                operationsPerInvoke: benchmark.OperationsPerInvoke, methodIndex: d.MethodIndex);
            cases.Add(BenchmarkCase.Create(rewritten, bc.Job, bc.Parameters, bc.Config));
        }

        return new BenchmarkRunInfo(cases.ToArray(), info.Type, info.Config);
    }

    /// <summary>A Debug build (of this program or of GoSync) measures the unoptimised JIT: refuse it.</summary>
    private static bool RefusesBuild([NotNullWhen(true)] out string? why)
    {
        bool debugProgram = IsDebugBuild() || IsJitOptimizerDisabled(typeof(Program).Assembly);
        bool debugLibrary = IsJitOptimizerDisabled(typeof(SyncMap<,>).Assembly);
        if (debugProgram || debugLibrary)
        {
            why = $"GoSync.Benchmarks refuses to run: {(debugProgram ? "this program" : "GoSync.dll")} was built in Debug, which " +
                "measures unoptimised code. Run it in Release:\n  dotnet run -c Release --project bench/GoSync.Benchmarks";
            return true;
        }

        why = null;
        return false;
    }

    private static bool IsDebugBuild()
    {
#if DEBUG
        return true;
#else
        return false;
#endif
    }

    private static bool IsJitOptimizerDisabled(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true };

    internal static string RuntimeInformationText() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription} " +
        $"({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture})";

    private static bool TryParse(string[] args, [NotNullWhen(true)] out Options? options, [NotNullWhen(false)] out string? error)
    {
        var parsed = new Options();
        options = null;
        for (int a = 0; a < args.Length; a++)
        {
            string arg = args[a];
            string? inlineValue = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            switch (arg)
            {
                case "--full":
                    parsed.Full = true;
                    break;
                case "--smoke":
                    parsed.Smoke = true;
                    break;
                case "--long":
                    parsed.Long = true;
                    break;
                case "--footprint":
                    parsed.FootprintOnly = true;
                    break;
                case "--segments":
                {
                    string? value = inlineValue ?? (a + 1 < args.Length ? args[++a] : null);
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int segments) || segments < 2 || segments > 10_000)
                    {
                        error = $"--segments: '{value}' is not a segment count between 2 and 10000";
                        return false;
                    }

                    parsed.Segments = segments;
                    break;
                }

                case "--help" or "-h" or "-?":
                    parsed.Help = true;
                    break;
                case "--filter" or "-f":
                {
                    string? value = inlineValue ?? (a + 1 < args.Length ? args[++a] : null);
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = "--filter needs a pattern, e.g. --filter 'Load*'";
                        return false;
                    }

                    parsed.Filters.Add(new Filter(value));
                    break;
                }

                case "--threads" or "-t":
                {
                    string? value = inlineValue ?? (a + 1 < args.Length ? args[++a] : null);
                    var threads = new List<int>();
                    foreach (string part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int t) || t < 1 || t > 1024)
                        {
                            error = $"--threads: '{part}' is not a thread count between 1 and 1024";
                            return false;
                        }

                        threads.Add(t);
                    }

                    if (threads.Count == 0)
                    {
                        error = "--threads needs a list, e.g. --threads 1,2";
                        return false;
                    }

                    parsed.Threads = threads.Distinct().Order().ToArray();
                    break;
                }

                default:
                    error = $"Unknown argument '{args[a]}'.";
                    return false;
            }
        }

        if (new[] { parsed.Full, parsed.Smoke, parsed.Long, parsed.FootprintOnly }.Count(b => b) > 1)
        {
            error = "--full, --smoke, --long and --footprint cannot be combined.";
            return false;
        }

        options = parsed;
        error = null;
        return true;
    }
}

/// <summary>Parsed command line.</summary>
public sealed class Options
{
    public bool Full { get; set; }

    public bool Smoke { get; set; }

    public bool Long { get; set; }

    /// <summary><c>--footprint</c>: only the footprint tables, 10M keys included.</summary>
    public bool FootprintOnly { get; set; }

    public int Segments { get; set; } = LongRun.DefaultSegments;

    public bool Help { get; set; }

    public List<Filter> Filters { get; } = [];

    public IReadOnlyList<int>? Threads { get; set; }
}

/// <summary>A <c>--filter</c> glob: <c>*</c> and <c>?</c>, case-insensitive, over "Workload" or "Workload.Map".</summary>
public sealed class Filter
{
    private readonly string _pattern;
    private readonly Regex _regex;

    public Filter(string pattern)
    {
        _pattern = pattern;
        _regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    /// <summary>True if the pattern selects the workload or any of its maps.</summary>
    public bool MatchesWorkload(string workload) =>
        _regex.IsMatch(workload) || Enum.GetNames<MapKind>().Any(map => _regex.IsMatch(workload + "." + map));

    /// <summary>True if the pattern matches <paramref name="name"/> itself (a table beside the workloads).</summary>
    public bool MatchesName(string name) => _regex.IsMatch(name);

    public bool Matches(string workload, string map) => _regex.IsMatch(workload) || _regex.IsMatch(workload + "." + map);

    public override string ToString() => _pattern;
}
