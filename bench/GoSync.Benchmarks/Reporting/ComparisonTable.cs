// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>
/// The run's one table, built from BenchmarkDotNet's reports: a row per workload and thread count; ns/op and B/op per
/// map; SyncMap's time as a ratio to ConcurrentDictionary's (below 1 = SyncMap faster).
/// </summary>
public sealed class ComparisonTable
{
    private static readonly MapKind[] s_maps = Enum.GetValues<MapKind>();

    private readonly List<Row> _rows = [];

    public ComparisonTable(IEnumerable<Summary> summaries, IReadOnlyList<Type> order)
    {
        var rows = new Dictionary<(Type Type, int Threads), Row>();
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            Type type = report.BenchmarkCase.Descriptor.Type;
            int threads = Convert.ToInt32(report.BenchmarkCase.Parameters["Threads"], CultureInfo.InvariantCulture);
            if (!Enum.TryParse(report.BenchmarkCase.Descriptor.WorkloadMethod.Name, out MapKind map))
            {
                continue;
            }

            if (!rows.TryGetValue((type, threads), out Row? row))
            {
                var benchmark = (IGoBenchmark)Activator.CreateInstance(type)!;
                row = new Row(type, WorkloadName(type), threads, benchmark.SkipsCopyOnWrite);
                rows.Add((type, threads), row);
            }

            // The median of the iterations: robust to an iteration slowed by another process on a shared machine.
            double? median = report.Success ? report.ResultStatistics?.Median : null;
            long? bytes = report.Success ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) : null;
            row.Cells[map] = new Cell(median, bytes);
        }

        _rows.AddRange(rows.Values.OrderBy(r => IndexOf(order, r.Type)).ThenBy(r => r.Threads));
    }

    /// <summary>Benchmarks that ran but produced no result (failed or threw).</summary>
    public int MissingResults => _rows.Sum(r => r.Cells.Values.Count(c => c.Nanoseconds is null));

    /// <summary>"LoadMostlyHitsStringKeys" -> "LoadMostlyHits (string keys)".</summary>
    public static string WorkloadName(Type type)
    {
        string name = type.Name;
        if (name.EndsWith("StringKeys", StringComparison.Ordinal))
        {
            return name[..^"StringKeys".Length] + " (string keys)";
        }

        if (name.EndsWith("StructValues", StringComparison.Ordinal))
        {
            return name[..^"StructValues".Length] + " (32-byte struct values)";
        }

        return name;
    }

    public static string MapTitle(MapKind map) => map switch
    {
        MapKind.SyncMap => "SyncMap",
        MapKind.ConcurrentDictionary => "ConcurrentDictionary",
        MapKind.LockedDictionary => "Dictionary+lock",
        MapKind.RwLockDictionary => "Dictionary+RWLock",
        MapKind.CopyOnWrite => "ImmutableDictionary COW",
        _ => map.ToString(),
    };

    public string ToText()
    {
        var header = new List<string> { "Workload", "Threads" };
        foreach (MapKind map in s_maps)
        {
            header.Add(MapTitle(map) + " ns/op");
            header.Add("B/op");
        }

        header.Add("SyncMap/CD");
        List<string[]> lines = [header.ToArray(), .. _rows.Select(Cells)];
        var text = new StringBuilder();
        text.AppendLine("SyncMap vs ConcurrentDictionary and Go's reference maps. ns/op: wall time of a parallel run / its total operations (median of the");
        text.AppendLine("iterations); B/op: bytes allocated per operation, all threads; SyncMap/CD: below 1 means SyncMap is faster.");
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public string ToMarkdown(IReadOnlyList<FootprintRow> footprint, string configuration)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# GoSync benchmark comparison ({configuration} configuration)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical cores, {Program.RuntimeInformationText()}.");
        md.AppendLine("ns/op is the wall time of the whole parallel run divided by its total operations (Go's RunParallel), median of the iterations; B/op is bytes allocated per operation; SyncMap/CD is SyncMap's ns/op over ConcurrentDictionary's (below 1: SyncMap is faster). \"skip\": Go skips DeepCopyMap there.");
        md.AppendLine();
        md.Append("| Workload | Threads |");
        foreach (MapKind map in s_maps)
        {
            md.Append(CultureInfo.InvariantCulture, $" {MapTitle(map)} ns/op | B/op |");
        }

        md.AppendLine(" SyncMap/CD |");
        md.Append("|---|--:|");
        foreach (MapKind _ in s_maps)
        {
            md.Append("--:|--:|");
        }

        md.AppendLine("--:|");
        foreach (Row row in _rows)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        }

        if (footprint.Count > 0)
        {
            md.AppendLine();
            md.Append(Footprint.ToMarkdown(footprint));
        }

        return md.ToString();
    }

    private static string[] Cells(Row row)
    {
        var cells = new List<string> { row.Workload, row.Threads.ToString(CultureInfo.InvariantCulture) };
        foreach (MapKind map in s_maps)
        {
            if (row.Cells.TryGetValue(map, out Cell? cell))
            {
                cells.Add(cell.Nanoseconds is double ns ? FormatNs(ns) : "failed");
                cells.Add(cell.Bytes is long b ? b.ToString("N0", CultureInfo.InvariantCulture) : "-");
            }
            else
            {
                string absent = map == MapKind.CopyOnWrite && row.SkipsCopyOnWrite ? "skip" : "-";
                cells.Add(absent);
                cells.Add(absent);
            }
        }

        cells.Add(row.Ratio is double ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "-");
        return cells.ToArray();
    }

    internal static string FormatNs(double ns) => ns switch
    {
        < 10 => ns.ToString("0.00", CultureInfo.InvariantCulture),
        < 1000 => ns.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ns.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static int IndexOf(IReadOnlyList<Type> order, Type type)
    {
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i] == type)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private sealed record Cell(double? Nanoseconds, long? Bytes);

    private sealed class Row(Type type, string workload, int threads, bool skipsCopyOnWrite)
    {
        public Type Type { get; } = type;

        public string Workload { get; } = workload;

        public int Threads { get; } = threads;

        public bool SkipsCopyOnWrite { get; } = skipsCopyOnWrite;

        public Dictionary<MapKind, Cell> Cells { get; } = [];

        public double? Ratio =>
            Cells.TryGetValue(MapKind.SyncMap, out Cell? s) && Cells.TryGetValue(MapKind.ConcurrentDictionary, out Cell? c)
            && s.Nanoseconds is double sn && c.Nanoseconds is double cn && cn > 0
                ? sn / cn
                : null;
    }
}
