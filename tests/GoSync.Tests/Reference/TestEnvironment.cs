// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;

namespace GoSync.Tests.Reference;

/// <summary>Knobs read from the environment by the GoParity and Properties tests.</summary>
public static class TestEnvironment
{
    /// <summary>
    /// GOSYNC_STRESS_SCALE: a positive integer that multiplies the iteration counts of the
    /// randomized and concurrent tests (default 1, which keeps every test short). For a long run:
    /// <c>GOSYNC_STRESS_SCALE=50 dotnet test --filter "FullyQualifiedName~GoSync.Tests.Properties"</c>.
    /// </summary>
    public static int StressScale { get; } = ReadStressScale();

    /// <summary>
    /// The seed for a randomized test: GOSYNC_SEED when set (an integer), otherwise
    /// <paramref name="defaultSeed"/>, so a default run is reproducible and a failing seed printed
    /// in a failure message can be replayed with <c>GOSYNC_SEED=&lt;seed&gt;</c>.
    /// </summary>
    public static int Seed(int defaultSeed)
    {
        string? text = Environment.GetEnvironmentVariable("GOSYNC_SEED");
        if (string.IsNullOrWhiteSpace(text))
        {
            return defaultSeed;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed))
        {
            throw new InvalidOperationException($"GOSYNC_SEED must be an integer, got '{text}'.");
        }

        return seed;
    }

    private static int ReadStressScale()
    {
        string? text = Environment.GetEnvironmentVariable("GOSYNC_STRESS_SCALE");
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int scale) || scale < 1)
        {
            throw new InvalidOperationException($"GOSYNC_STRESS_SCALE must be a positive integer, got '{text}'.");
        }

        return scale;
    }
}
