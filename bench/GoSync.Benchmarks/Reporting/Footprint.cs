// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Benchmarks.Harness;

namespace GoSync.Benchmarks;

/// <summary>Retained bytes per entry of an int->int map holding <see cref="Entries"/> keys.</summary>
public sealed record FootprintRow(int Entries, double SyncMap, double SyncMapWithDirty, double ConcurrentDictionary, double NonBlocking, double Dictionary);

/// <summary>Retained bytes of one whole int->int map after its keys went away (<see cref="Footprint.MeasureShrunk"/>).</summary>
public sealed record ShrunkRow(string State, long SyncMap, long ConcurrentDictionary, long NonBlocking, long Dictionary, int Copies);

/// <summary>
/// The footprint benchmark: managed heap retained per entry, measured as the growth of
/// <see cref="GC.GetTotalMemory(bool)"/> (after full collections) while the maps stay reachable, divided by the
/// entries. Small maps are built many times over (1,000 maps of 1K entries) so the heap delta is large against noise.
/// Maps are built the way Go's benchmarks build them: no capacity hint, one Store/Add per key in order.
/// </summary>
/// <remarks>
/// SyncMap is measured in two states: after a Range promoted its dirty map (every key indexed once, in the read map:
/// its steady read-mostly state) and after one more new key (the read map plus a full dirty copy: every key indexed
/// twice, the peak Go's design reaches after each promotion).
/// <see cref="MeasureShrunk"/> measures whole maps instead: a new empty one, one that was filled with a peak of keys
/// (one Store per key, nothing else) and cleared, and one whose peak was that many keys and that now holds 10 (for
/// SyncMap, after its next promotion).
/// </remarks>
public static class Footprint
{
    public static IReadOnlyList<FootprintRow> Measure(IReadOnlyList<int> sizes)
    {
        var rows = new List<FootprintRow>();
        foreach (int n in sizes)
        {
            int copies = Math.Max(1, 1_000_000 / n);
            rows.Add(new FootprintRow(
                n,
                PerEntry(n, copies, BuildSyncMap),
                PerEntry(n, copies, BuildSyncMapWithDirty),
                PerEntry(n, copies, BuildConcurrentDictionary),
                PerEntry(n, copies, BuildNonBlocking),
                PerEntry(n, copies, BuildDictionary)));
        }

        return rows;
    }

    public static string ToText(IReadOnlyList<FootprintRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("Footprint: retained bytes per entry, int -> int");
        string[] header = ["Entries", "SyncMap", "SyncMap read+dirty", "ConcurrentDictionary", "NonBlocking", "Dictionary", "SyncMap/CD", "read+dirty/CD"];
        List<string[]> lines = [header, .. rows.Select(Cells)];
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<FootprintRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("## Footprint: retained bytes per entry (int -> int)");
        md.AppendLine();
        md.AppendLine("| Entries | SyncMap | SyncMap read+dirty | ConcurrentDictionary | NonBlocking | Dictionary | SyncMap/CD | read+dirty/CD |");
        md.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (FootprintRow row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        }

        return md.ToString();
    }

    private static string[] Cells(FootprintRow row) =>
    [
        row.Entries.ToString("N0", CultureInfo.InvariantCulture),
        Bytes(row.SyncMap),
        Bytes(row.SyncMapWithDirty),
        Bytes(row.ConcurrentDictionary),
        Bytes(row.NonBlocking),
        Bytes(row.Dictionary),
        (row.SyncMap / row.ConcurrentDictionary).ToString("0.00", CultureInfo.InvariantCulture),
        (row.SyncMapWithDirty / row.ConcurrentDictionary).ToString("0.00", CultureInfo.InvariantCulture),
    ];

    /// <summary>
    /// Whole-map retained bytes: a new empty map (1,000 copies, averaged), a map that held <paramref name="peak"/> keys
    /// and was cleared, and one whose peak was <paramref name="peak"/> keys and that now holds 10.
    /// </summary>
    public static IReadOnlyList<ShrunkRow> MeasureShrunk(int peak)
    {
        string peakText = peak.ToString("N0", CultureInfo.InvariantCulture);
        return
        [
            new ShrunkRow(
                "new, empty",
                PerMap(1_000, static () => new SyncMap<int, int>()),
                PerMap(1_000, static () => new ConcurrentDictionary<int, int>()),
                PerMap(1_000, static () => new global::NonBlocking.ConcurrentDictionary<int, int>()),
                PerMap(1_000, static () => new Dictionary<int, int>()),
                Copies: 1_000),
            new ShrunkRow(
                $"{peakText} keys stored, then Clear()",
                PerMap(1, () => Cleared(BuildSyncMapStored(peak))),
                PerMap(1, () => Cleared(BuildConcurrentDictionary(peak))),
                PerMap(1, () => Cleared(BuildNonBlocking(peak))),
                PerMap(1, () => Cleared(BuildDictionary(peak))),
                Copies: 1),
            new ShrunkRow(
                $"peak {peakText}, now 10 keys",
                PerMap(1, () => BuildSyncMapShrunk(peak)),
                PerMap(1, () => Shrunk(BuildConcurrentDictionary(peak), peak)),
                PerMap(1, () => Shrunk(BuildNonBlocking(peak), peak)),
                PerMap(1, () => Shrunk(BuildDictionary(peak), peak)),
                Copies: 1),
        ];
    }

    public static string ShrunkToText(IReadOnlyList<ShrunkRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("Footprint after shrinking: retained bytes of one whole int -> int map");
        string[] header = ["Map state", "SyncMap", "ConcurrentDictionary", "NonBlocking", "Dictionary"];
        List<string[]> lines = [header, .. rows.Select(ShrunkCells)];
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public static string ShrunkToMarkdown(IReadOnlyList<ShrunkRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("## Footprint after shrinking: retained bytes of one whole map (int -> int)");
        md.AppendLine();
        md.AppendLine("| Map state | SyncMap | ConcurrentDictionary | NonBlocking | Dictionary |");
        md.AppendLine("|---|--:|--:|--:|--:|");
        foreach (ShrunkRow row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", ShrunkCells(row)) + " |");
        }

        return md.ToString();
    }

    private static string[] ShrunkCells(ShrunkRow row) =>
    [
        row.State,
        WholeMap(row.SyncMap, row.Copies),
        WholeMap(row.ConcurrentDictionary, row.Copies),
        WholeMap(row.NonBlocking, row.Copies),
        WholeMap(row.Dictionary, row.Copies),
    ];

    // One map measured alone is within about 16 KB of the truth (the heap moves by that much around one build,
    // either way); below that the cell says so instead of printing noise, possibly negative.
    private static string WholeMap(long bytes, int copies) =>
        copies == 1 && Math.Abs(bytes) < NoiseFloor
            ? "< 16 KB"
            : bytes.ToString("N0", CultureInfo.InvariantCulture);

    private const long NoiseFloor = 16 * 1024;

    // As PerEntry: growth of the settled heap while the maps stay reachable. (Measuring the drop when the maps are
    // released instead does not work: the space of freed large objects still counts in GC.GetTotalMemory.)
    private static long PerMap(int copies, Func<object> build)
    {
        var keep = new object[copies];
        long before = SettledHeap();
        for (int c = 0; c < copies; c++)
        {
            keep[c] = build();
        }

        long after = SettledHeap();
        GC.KeepAlive(keep);
        return (long)Math.Round((after - before) / (double)copies);
    }

    private static T Cleared<T>(T map)
        where T : class
    {
        switch (map)
        {
            case SyncMap<int, int> s:
                s.Clear();
                break;
            case ConcurrentDictionary<int, int> c:
                c.Clear();
                break;
            case global::NonBlocking.ConcurrentDictionary<int, int> n:
                n.Clear();
                break;
            case Dictionary<int, int> d:
                d.Clear();
                break;
            default:
                throw new ArgumentException("unknown map", nameof(map));
        }

        return map;
    }

    // Keys 9 .. peak-1 removed and one new key (peak) added: 10 keys left.
    private static T Shrunk<T>(T map, int peak)
        where T : class, IDictionary<int, int>
    {
        for (int i = 9; i < peak; i++)
        {
            map.Remove(i);
        }

        map.Add(peak, peak);
        return map;
    }

    /// <summary>
    /// SyncMap whose peak was <paramref name="peak"/> keys (promoted), with keys 9 .. peak-1 deleted, then one new key
    /// (which rebuilds the dirty map from the live entries) and a Range (which promotes it): 10 keys, after the next
    /// promotion.
    /// </summary>
    internal static SyncMap<int, int> BuildSyncMapShrunk(int peak)
    {
        SyncMap<int, int> map = BuildSyncMap(peak);
        for (int i = 9; i < peak; i++)
        {
            map.Delete(i);
        }

        map.Store(peak, peak);
        map.Range(0, static (_, _, _) => false);
        return map;
    }

    private static string Bytes(double b) => b.ToString("0.0", CultureInfo.InvariantCulture);

    private static double PerEntry(int entries, int copies, Func<int, object> build)
    {
        var keep = new object[copies];
        long before = SettledHeap();
        for (int c = 0; c < copies; c++)
        {
            keep[c] = build(entries);
        }

        long after = SettledHeap();
        GC.KeepAlive(keep);
        return (after - before) / ((double)entries * copies);
    }

    private static long SettledHeap()
    {
        Heap.Settle();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    internal static SyncMap<int, int> BuildSyncMap(int entries)
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < entries; i++)
        {
            map.Store(i, i);
        }

        // Range on an amended map promotes the dirty map first (Go's rule): every key is then in the read map only.
        map.Range(0, static (_, _, _) => false);
        return map;
    }

    /// <summary>Store(i, i) for every key and nothing else: no Range, so no promotion (the dirty map holds the keys).</summary>
    internal static SyncMap<int, int> BuildSyncMapStored(int entries)
    {
        var map = new SyncMap<int, int>();
        for (int i = 0; i < entries; i++)
        {
            map.Store(i, i);
        }

        return map;
    }

    internal static SyncMap<int, int> BuildSyncMapWithDirty(int entries)
    {
        SyncMap<int, int> map = BuildSyncMap(entries);

        // The first new key after a promotion rebuilds the dirty map: a second index holding every key.
        map.Store(entries, entries);
        return map;
    }

    internal static ConcurrentDictionary<int, int> BuildConcurrentDictionary(int entries)
    {
        var map = new ConcurrentDictionary<int, int>();
        for (int i = 0; i < entries; i++)
        {
            map[i] = i;
        }

        return map;
    }

    internal static global::NonBlocking.ConcurrentDictionary<int, int> BuildNonBlocking(int entries)
    {
        var map = new global::NonBlocking.ConcurrentDictionary<int, int>();
        for (int i = 0; i < entries; i++)
        {
            map[i] = i;
        }

        return map;
    }

    internal static Dictionary<int, int> BuildDictionary(int entries)
    {
        var map = new Dictionary<int, int>();
        for (int i = 0; i < entries; i++)
        {
            map.Add(i, i);
        }

        return map;
    }
}
