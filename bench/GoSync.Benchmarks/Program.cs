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
/// result checked (no BenchmarkDotNet) and exits non-zero on a failure.
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
    ];

    private const string Usage = """
        Usage: dotnet run -c Release --project bench/GoSync.Benchmarks [-- options]

          (no option)        quick run of every workload against every map, then one comparison table
          --full             BenchmarkDotNet's default job: full statistics, much longer
          --filter <glob>    only workloads whose name matches (* and ?; repeatable), e.g. 'Load*' or
                             'Range*.SyncMap' (workload.map); 'Footprint' selects the footprint table
          --threads <list>   worker thread counts, e.g. 1,2,8 (default: 1 and the processor count)
          --smoke            every workload against every map for a few thousand operations, results checked;
                             exits non-zero on any failure (no BenchmarkDotNet)
          --help             this text
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
        Type[] selected = Benchmarks.Where(t => options.Filters.Count == 0 || options.Filters.Any(f => f.MatchesWorkload(t.Name))).ToArray();
        bool footprint = options.Filters.Count == 0 || options.Filters.Any(f => f.MatchesWorkload("Footprint"));
        if (selected.Length == 0 && !footprint)
        {
            Console.Error.WriteLine($"No workload matches {string.Join(", ", options.Filters)}. Workloads: {string.Join(", ", Benchmarks.Select(t => t.Name))}, Footprint.");
            return 2;
        }

        return options.Smoke
            ? Smoke.Run(selected, options, footprint)
            : RunBenchmarks(selected, options, footprint);
    }

    private static int RunBenchmarks(Type[] selected, Options options, bool footprint)
    {
        Console.WriteLine($"GoSync benchmarks ({(options.Full ? "full" : "quick")}): {selected.Length} workloads x 5 maps x threads {string.Join(",", BenchSettings.ThreadCounts)}; " +
            $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInformationText()}");

        IReadOnlyList<FootprintRow> footprintRows = [];
        if (footprint)
        {
            Console.WriteLine("Footprint: retained bytes per entry (1K, 100K, 1M int->int entries)...");
            footprintRows = Footprint.Measure([1_000, 100_000, 1_000_000]);
        }

        var progress = new ProgressLogger(Console.Out);
        IConfig config = BuildConfig(options, progress);
        BenchmarkRunInfo[] runInfos = selected
            .Select(type => Select(BenchmarkConverter.TypeToBenchmarks(type, config), options))
            .Where(info => info.BenchmarksCases.Length > 0)
            .ToArray();
        progress.Total = runInfos.Sum(info => info.BenchmarksCases.Length);

        Summary[] summaries = runInfos.Length == 0 ? [] : BenchmarkRunner.Run(runInfos);

        var table = new ComparisonTable(summaries, Benchmarks);
        string markdown = table.ToMarkdown(footprintRows, options.Full ? "full" : "quick");
        Console.WriteLine();
        Console.WriteLine(table.ToText());
        if (footprintRows.Count > 0)
        {
            Console.WriteLine(Footprint.ToText(footprintRows));
        }

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

        if (parsed.Full && parsed.Smoke)
        {
            error = "--full and --smoke cannot be combined.";
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

    public bool Matches(string workload, string map) => _regex.IsMatch(workload) || _regex.IsMatch(workload + "." + map);

    public override string ToString() => _pattern;
}
