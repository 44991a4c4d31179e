// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Text;

namespace GoSync.Benchmarks;

/// <summary>Which of the tables beside the workloads a run measures (selected by <c>--filter</c> name).</summary>
public sealed record ExtraTables(bool Footprint, bool Stalls, bool Scenarios)
{
    /// <summary>Footprint sizes of the quick run; <c>--full</c>, <c>--long</c> and <c>--footprint</c> add 10M.</summary>
    public static readonly int[] FootprintSizes = [1_000, 100_000, 1_000_000];

    public const int LargeFootprintSize = 10_000_000;

    /// <summary>Peak of the "after Clear()" and "peak, now 10 keys" rows.</summary>
    public const int ShrinkPeak = 1_000_000;

    public bool Any => Footprint || Stalls || Scenarios;

    public ExtraResults MeasureFootprint(bool large)
    {
        if (!Footprint)
        {
            return new ExtraResults([], [], [], []);
        }

        int[] sizes = large ? [.. FootprintSizes, LargeFootprintSize] : FootprintSizes;
        Console.WriteLine($"Footprint: retained bytes per entry ({string.Join(", ", sizes)} int->int entries), then after Clear() and shrinking from {ShrinkPeak:N0}...");
        return new ExtraResults(GoSync.Benchmarks.Footprint.Measure(sizes), GoSync.Benchmarks.Footprint.MeasureShrunk(ShrinkPeak), [], []);
    }

    public ExtraResults MeasureStallsAndScenarios()
    {
        IReadOnlyList<StallRow> stalls = [];
        IReadOnlyList<ScenarioRow> scenarios = [];
        if (Stalls)
        {
            Console.WriteLine($"Stalls: filling {GoSync.Benchmarks.Stalls.DefaultKeys:N0} int keys into each of 3 maps...");
            stalls = GoSync.Benchmarks.Stalls.Measure(GoSync.Benchmarks.Stalls.DefaultKeys);
        }

        if (Scenarios)
        {
            Console.WriteLine("Scenarios: shrunk map, colliding keys, custom comparer...");
            scenarios = GoSync.Benchmarks.Scenarios.Measure(ScenarioSizes.Issue);
        }

        return new ExtraResults([], [], stalls, scenarios);
    }
}

/// <summary>The rows of the tables beside the workloads (each list empty when its table was not selected).</summary>
public sealed record ExtraResults(
    IReadOnlyList<FootprintRow> Footprint,
    IReadOnlyList<ShrunkRow> Shrunk,
    IReadOnlyList<StallRow> Stalls,
    IReadOnlyList<ScenarioRow> Scenarios)
{
    public ExtraResults With(ExtraResults other) =>
        new([.. Footprint, .. other.Footprint], [.. Shrunk, .. other.Shrunk], [.. Stalls, .. other.Stalls], [.. Scenarios, .. other.Scenarios]);

    public string ToText()
    {
        var text = new StringBuilder();
        if (Footprint.Count > 0)
        {
            text.AppendLine(GoSync.Benchmarks.Footprint.ToText(Footprint));
        }

        return text.Append(TextAfterFootprint()).ToString();
    }

    /// <summary>Every table as markdown.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        if (Footprint.Count > 0)
        {
            md.Append(GoSync.Benchmarks.Footprint.ToMarkdown(Footprint));
        }

        return md.Append(ToMarkdownAfterFootprint()).ToString();
    }

    /// <summary>The tables after the per-entry footprint (which the comparison table's markdown already holds).</summary>
    public string ToMarkdownAfterFootprint()
    {
        var md = new StringBuilder();
        if (Shrunk.Count > 0)
        {
            md.AppendLine().Append(GoSync.Benchmarks.Footprint.ShrunkToMarkdown(Shrunk));
        }

        if (Stalls.Count > 0)
        {
            md.AppendLine().Append(GoSync.Benchmarks.Stalls.ToMarkdown(Stalls));
        }

        if (Scenarios.Count > 0)
        {
            md.AppendLine().Append(GoSync.Benchmarks.Scenarios.ToMarkdown(Scenarios));
        }

        return md.ToString();
    }

    private string TextAfterFootprint()
    {
        var text = new StringBuilder();
        if (Shrunk.Count > 0)
        {
            text.AppendLine(GoSync.Benchmarks.Footprint.ShrunkToText(Shrunk));
        }

        if (Stalls.Count > 0)
        {
            text.AppendLine(GoSync.Benchmarks.Stalls.ToText(Stalls));
        }

        if (Scenarios.Count > 0)
        {
            text.AppendLine(GoSync.Benchmarks.Scenarios.ToText(Scenarios));
        }

        return text.ToString();
    }
}
