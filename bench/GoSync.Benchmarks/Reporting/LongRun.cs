// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>
/// <c>--long</c>: every selected workload, map and thread count as one long Go run on one map (no fresh map per
/// iteration), timed per segment of the workload's N operations, so a workload whose ns/op grows with the length of
/// the run shows it. No BenchmarkDotNet: each case is warmed up as in the quick run (JitWarmup), then measured once.
/// </summary>
/// <remarks>
/// Segment 1 is the quick run's iteration (a fresh map after Go's setup, N operations); every later segment continues
/// the same run on the same map, each worker's counter resuming where it stopped. The table gives the first segment's
/// ns/op, the steady state's (<see cref="Steady"/>: the second half of the run's segments, amortized) and their ratio
/// (steady/first: about 1 in a steady state, growing when the map degrades with its history); SyncMap/CD compares the
/// steady states. Every segment goes to a CSV file beside the table.
/// </remarks>
public static class LongRun
{
    /// <summary>Segments per run when <c>--segments</c> is not given.</summary>
    public const int DefaultSegments = 20;

    public static IReadOnlyList<LongRow> Run(IReadOnlyList<Type> selected, Options options, int segments)
    {
        var rows = new List<LongRow>();
        int done = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (Type type in selected)
        {
            var benchmark = (IGoBenchmark)Activator.CreateInstance(type)!;
            foreach (int threads in BenchSettings.ThreadCounts)
            {
                var row = new LongRow(type, ComparisonTable.WorkloadName(type), threads, benchmark.SkipsCopyOnWrite);
                foreach (MapKind map in Enum.GetValues<MapKind>())
                {
                    if ((map == MapKind.CopyOnWrite && benchmark.SkipsCopyOnWrite)
                        || (options.Filters.Count > 0 && !options.Filters.Any(f => f.Matches(type.Name, map.ToString()))))
                    {
                        continue;
                    }

                    // Worker w's keys start at w x (the whole run's operations): keep them inside int.
                    int fitting = (int)Math.Min(segments, int.MaxValue / ((long)benchmark.OperationsPerInvoke * threads));
                    LongRunResult result = benchmark.Long(map, threads, fitting);
                    row.Cells[map] = result;
                    done++;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{done,4}  {(int)clock.Elapsed.TotalMinutes}:{clock.Elapsed.Seconds:00}] {type.Name}.{map} [Threads={threads}] " +
                        $"{fitting} x {benchmark.OperationsPerInvoke:N0} ops: first {ComparisonTable.FormatNs(result.NanosecondsPerOp[0])}, " +
                        $"steady {ComparisonTable.FormatNs(Steady(result))} ns/op"));
                }

                if (row.Cells.Count > 0)
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    public static string ToText(IReadOnlyList<LongRow> rows, int segments)
    {
        List<string[]> lines = [Header(), .. rows.Select(Cells)];
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Long run: one map per workload, {segments} segments of N operations each (N as in the quick run). Per map: ns/op of the first"));
        text.AppendLine("segment -> steady ns/op (the second half of the segments: their time over their operations) (xR = steady/first: 1 is a");
        text.AppendLine("steady state). SyncMap/CD: steady over steady.");
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<LongRow> rows, int segments)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# GoSync long run ({segments} segments per run, one map per run)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical cores, {Program.RuntimeInformationText()}.");
        md.AppendLine("Each cell: ns/op of the first segment -> steady ns/op, the second half of the segments' time over their operations (x steady/first). A segment is N operations of the workload (N as in the quick run), all segments one Go run on one map. SyncMap/CD compares the steady states. Every segment is in GoSync-long-segments.csv.");
        md.AppendLine();
        string[] header = Header();
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("--:|", header.Length - 1)));
        foreach (LongRow row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        }

        return md.ToString();
    }

    /// <summary>Every segment: workload, threads, map, segment, ns/op, B/op.</summary>
    public static string ToCsv(IReadOnlyList<LongRow> rows)
    {
        var csv = new StringBuilder();
        csv.AppendLine("Workload,Threads,Map,Segment,NsPerOp,BytesPerOp");
        foreach (LongRow row in rows)
        {
            foreach ((MapKind map, LongRunResult result) in row.Cells.OrderBy(c => c.Key))
            {
                for (int s = 0; s < result.NanosecondsPerOp.Length; s++)
                {
                    csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"{row.Type.Name},{row.Threads},{map},{s + 1},{result.NanosecondsPerOp[s]:0.###},{result.BytesPerOp[s]:0.###}"));
                }
            }
        }

        return csv.ToString();
    }

    private static string[] Header()
    {
        var header = new List<string> { "Workload", "Threads" };
        header.AddRange(Enum.GetValues<MapKind>().Select(m => ComparisonTable.MapTitle(m) + " first -> steady ns/op"));
        header.Add("SyncMap/CD");
        return header.ToArray();
    }

    private static string[] Cells(LongRow row)
    {
        var cells = new List<string> { row.Workload, row.Threads.ToString(CultureInfo.InvariantCulture) };
        foreach (MapKind map in Enum.GetValues<MapKind>())
        {
            cells.Add(row.Cells.TryGetValue(map, out LongRunResult? r)
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{ComparisonTable.FormatNs(r.NanosecondsPerOp[0])} -> {ComparisonTable.FormatNs(Steady(r))} (x{Steady(r) / r.NanosecondsPerOp[0]:0.00})")
                : map == MapKind.CopyOnWrite && row.SkipsCopyOnWrite ? "skip" : "-");
        }

        cells.Add(row.Cells.TryGetValue(MapKind.SyncMap, out LongRunResult? s) && row.Cells.TryGetValue(MapKind.ConcurrentDictionary, out LongRunResult? c)
            ? (Steady(s) / Steady(c)).ToString("0.00", CultureInfo.InvariantCulture)
            : "-");
        return cells.ToArray();
    }

    /// <summary>
    /// The steady state's ns/op: the mean over the second half of the segments (the last n/2, rounded down; the last
    /// one of a two-segment run), which is their total time over their total operations, as every segment has N
    /// operations. A mean, not a median: a map's occasional costly segments (a table resize, a collection of a large
    /// heap) are part of what it costs per operation over a long run, and a median of a few segments keeps or drops them
    /// by chance; with the growth workloads (LoadOrStoreUnique, GrowOnlyCache) the median of the last three
    /// segments, used before, put LoadOrStoreUnique's SyncMap/ConcurrentDictionary ratio at 4.20 in a run whose second
    /// half gave 0.94 (docs/benchmarks.md, ninth round). One segment slowed by another process raises it by its share.
    /// </summary>
    internal static double Steady(LongRunResult result)
    {
        double[] ns = result.NanosecondsPerOp;
        int from = ns.Length - Math.Max(1, ns.Length / 2);
        double sum = 0;
        for (int s = from; s < ns.Length; s++)
        {
            sum += ns[s];
        }

        return sum / (ns.Length - from);
    }
}

/// <summary>One workload and thread count of a long run: each map's per-segment results.</summary>
public sealed class LongRow(Type type, string workload, int threads, bool skipsCopyOnWrite)
{
    public Type Type { get; } = type;

    public string Workload { get; } = workload;

    public int Threads { get; } = threads;

    public bool SkipsCopyOnWrite { get; } = skipsCopyOnWrite;

    public Dictionary<MapKind, LongRunResult> Cells { get; } = [];
}
