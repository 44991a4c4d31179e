// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Sizing and seeding of the concurrency, linearizability and bad-input tests.
/// </summary>
/// <remarks>
/// <para>
/// <c>GOSYNC_STRESS_SCALE</c> (a positive integer, default 1) multiplies the number of rounds,
/// histories and operations of every test in this folder and in BadInput/. The default keeps the
/// whole part well under a minute on two cores; a soak run uses e.g. <c>GOSYNC_STRESS_SCALE=100</c>.
/// </para>
/// <para>
/// <c>GOSYNC_SEED</c> (an integer) replaces each test's fixed default seed, so a failure printed
/// with "seed=N" is replayed with <c>GOSYNC_SEED=N</c>. The operation scripts are then identical;
/// the thread schedule is not (it is the thing under test), so a race may need several runs.
/// </para>
/// </remarks>
internal static class StressEnvironment
{
    /// <summary>The multiplier read from <c>GOSYNC_STRESS_SCALE</c>; 1 when unset or invalid.</summary>
    public static int Scale { get; } = ReadScale();

    /// <summary>Returns <c>GOSYNC_SEED</c> when set, otherwise <paramref name="defaultSeed"/>.</summary>
    public static int Seed(int defaultSeed)
    {
        string? text = Environment.GetEnvironmentVariable("GOSYNC_SEED");
        return text is not null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
            ? seed
            : defaultSeed;
    }

    /// <summary><paramref name="baseCount"/> times <see cref="Scale"/>, saturating at int.MaxValue.</summary>
    public static int Scaled(int baseCount) => (int)Math.Min(int.MaxValue, (long)baseCount * Scale);

    private static int ReadScale()
    {
        string? text = Environment.GetEnvironmentVariable("GOSYNC_STRESS_SCALE");
        return text is not null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int scale) && scale > 0
            ? scale
            : 1;
    }
}
