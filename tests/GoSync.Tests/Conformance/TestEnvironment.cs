// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;

namespace GoSync.Tests.Conformance;

/// <summary>Environment knobs shared by this part's tests.</summary>
public static class TestEnvironment
{
    /// <summary>
    /// GOSYNC_STRESS_SCALE: an integer multiplier for iteration counts (default 1, which keeps the suite fast).
    /// Set it higher for long runs, e.g. <c>GOSYNC_STRESS_SCALE=50 dotnet test</c>.
    /// </summary>
    public static int StressScale { get; } = ReadPositive("GOSYNC_STRESS_SCALE") ?? 1;

    /// <summary>GOSYNC_SEED overrides the seed of every randomized test, to replay a failure.</summary>
    public static int Seed(int defaultSeed) => ReadInt("GOSYNC_SEED") ?? defaultSeed;

    private static int? ReadPositive(string name) => ReadInt(name) is int value && value > 0 ? value : null;

    private static int? ReadInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;
}
