// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>One map's fill: its worst single call, the calls over 1 ms, and what the GC did meanwhile.</summary>
public sealed record StallRow(
    string Map,
    int Keys,
    TimeSpan Fill,
    TimeSpan Worst,
    string WorstCall,
    int WorstAtKeys,
    int Over1Ms,
    TimeSpan Over1MsTotal,
    int Gen2Collections,
    TimeSpan GcPause);

/// <summary>
/// The stall table: the longest single call while one thread fills a map with <c>n</c> int keys in Go's pattern, for
/// SyncMap, ConcurrentDictionary and NonBlocking on the same sequence.
/// </summary>
/// <remarks>
/// Step i: <c>Store(i, i)</c>, <c>Load(i)</c>, then <c>Load</c> of one of the 16 keys stored before it (stores with
/// loads of recent keys). Every call is timed on its own with <see cref="Stopwatch.GetTimestamp"/> (about 20 ns of
/// timer overhead per call, the same for every map). Two loads per store is what drives Go's read/dirty design
/// through its whole cycle: the loads of keys only the dirty map holds count misses, the dirty map is promoted once
/// the misses reach its size (when the map has doubled), and the next store copies every key into a new dirty map
/// under the lock: that copy is SyncMap's stall, as a resize is ConcurrentDictionary's. The worst call, the number of
/// calls over 1 ms and their total are reported beside the full collections and the GC's total pause time over the
/// fill, since a collection during a call also shows as a stall. Each map's loop is compiled and warmed up first
/// (JitWarmup, on fills of 20,000 keys), so no call waits for the JIT.
/// </remarks>
public static class Stalls
{
    /// <summary>Keys of the measured fill (the 10 million).</summary>
    public const int DefaultKeys = 10_000_000;

    private const int WarmUpKeys = 20_000;

    public static IReadOnlyList<StallRow> Measure(int keys) =>
    [
        MeasureOne("SyncMap", keys, static () => new SyncMapOps<int, int>(new SyncMap<int, int>())),
        MeasureOne("ConcurrentDictionary", keys, static () => new ConcurrentDictionaryOps<int, int>(new ConcurrentDictionary<int, int>())),
        MeasureOne("NonBlocking", keys, static () => new NonBlockingOps<int, int>(new global::NonBlocking.ConcurrentDictionary<int, int>())),
    ];

    public static string ToText(IReadOnlyList<StallRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Stalls: one thread fills {rows.FirstOrDefault()?.Keys ?? 0:N0} int keys (Store(i), Load(i), Load of a recent key); the longest single call"));
        string[] header = Header();
        List<string[]> lines = [header, .. rows.Select(Cells)];
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<StallRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Stalls: the longest single call while filling {rows.FirstOrDefault()?.Keys ?? 0:N0} int keys");
        md.AppendLine();
        md.AppendLine("One thread; step i: Store(i, i), Load(i), Load of one of the 16 keys stored before i. Every call timed on its own.");
        md.AppendLine();
        string[] header = Header();
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("--:|", header.Length - 2)) + "---|");
        foreach (StallRow row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        }

        return md.ToString();
    }

    /// <summary>The fill loop of one map; returns the row. Throws if a Load misses a key stored before it.</summary>
    internal static StallRow MeasureOne<TMap>(string name, int keys, Func<TMap> create)
        where TMap : struct, IMapOps<int, int>
    {
        JitWarmup.Run(JitWarmup.Entry(typeof(Filler<TMap>), nameof(Filler<TMap>.Fill)), () => Filler<TMap>.Fill(create(), WarmUpKeys));
        Heap.Settle();
        int gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration();
        Filler<TMap>.Result result = Filler<TMap>.Fill(create(), keys);
        int gen2After = GC.CollectionCount(2);
        TimeSpan pauseAfter = GC.GetTotalPauseDuration();
        return new StallRow(
            name,
            keys,
            Stopwatch.GetElapsedTime(0, result.Total),
            Stopwatch.GetElapsedTime(0, result.Worst),
            result.WorstCall,
            result.WorstAt,
            result.Over1Ms,
            Stopwatch.GetElapsedTime(0, result.Over1MsTotal),
            gen2After - gen2,
            pauseAfter - pause);
    }

    private static string[] Header() =>
        ["Map", "Fill s", "Worst call ms", "Worst call", "Calls > 1 ms", "Their total ms", "Gen2 GCs", "GC pause ms"];

    private static string[] Cells(StallRow row) =>
    [
        row.Map,
        row.Fill.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
        row.Worst.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture),
        string.Create(CultureInfo.InvariantCulture, $"{row.WorstCall} at {row.WorstAtKeys:N0} keys"),
        row.Over1Ms.ToString("N0", CultureInfo.InvariantCulture),
        row.Over1MsTotal.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
        row.Gen2Collections.ToString(CultureInfo.InvariantCulture),
        row.GcPause.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
    ];

    private static class Filler<TMap>
        where TMap : struct, IMapOps<int, int>
    {
        public static Result Fill(TMap map, int keys)
        {
            long oneMs = Stopwatch.Frequency / 1000;
            var r = new Result();
            long begin = Stopwatch.GetTimestamp();
            long t0 = begin;
            for (int i = 0; i < keys; i++)
            {
                map.Store(i, i);
                long t1 = Stopwatch.GetTimestamp();
                Record(ref r, t1 - t0, oneMs, "Store", i);

                bool found = map.Load(i, out int value);
                long t2 = Stopwatch.GetTimestamp();
                Record(ref r, t2 - t1, oneMs, "Load", i);
                if (!found || value != i)
                {
                    Check.Fail($"Load({i}) right after Store({i}) returned ({value}, found={found})");
                }

                int recent = Math.Max(0, i - 1 - (i & 15));
                found = map.Load(recent, out value);
                long t3 = Stopwatch.GetTimestamp();
                Record(ref r, t3 - t2, oneMs, "Load", i);
                if (!found || value != recent)
                {
                    Check.Fail($"Load({recent}) returned ({value}, found={found}) after {i + 1} stores");
                }

                t0 = t3;
            }

            r.Total = t0 - begin;
            if (map.Count != keys)
            {
                Check.Fail($"map holds {map.Count} keys after {keys} stores");
            }

            return r;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Record(ref Result r, long ticks, long oneMs, string call, int i)
        {
            if (ticks > r.Worst)
            {
                r.Worst = ticks;
                r.WorstCall = call;
                r.WorstAt = i;
            }

            if (ticks >= oneMs)
            {
                r.Over1Ms++;
                r.Over1MsTotal += ticks;
            }
        }

        public struct Result
        {
            public long Total;
            public long Worst;
            public string WorstCall;
            public int WorstAt;
            public int Over1Ms;
            public long Over1MsTotal;
        }
    }
}
