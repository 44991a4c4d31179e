// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Reflection;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Sdk;

namespace GoSync.CoyoteTests;

/// <summary>
/// Runs a scenario under Coyote's systematic testing engine with a fixed seed and iteration count, and
/// turns a bug into a test failure that carries the history, Coyote's report, the path of the saved
/// reproducible trace and the commands that replay it.
/// </summary>
/// <remarks>
/// Environment: <c>GOSYNC_COYOTE_ITERATIONS</c> (iterations per scenario; long explorations use e.g. 100000),
/// <c>GOSYNC_COYOTE_SEED</c> (the engine's random seed), <c>GOSYNC_COYOTE_REPLAY</c> (a trace file written
/// by a failure: the run replays that one schedule instead of exploring), <c>GOSYNC_COYOTE_TRACES</c> (where
/// failures write their traces; default: coyote-traces beside the test assembly).
/// </remarks>
internal static class CoyoteRunner
{
    /// <summary>Iterations per scenario in the default run.</summary>
    public const uint DefaultIterations = 500;

    /// <summary>The engine's seed in the default run.</summary>
    public const uint DefaultSeed = 20261201;

    public static uint Iterations => ReadUInt("GOSYNC_COYOTE_ITERATIONS") ?? DefaultIterations;

    public static uint Seed => ReadUInt("GOSYNC_COYOTE_SEED") ?? DefaultSeed;

    /// <summary>Explores <paramref name="scenario"/> (a method of <see cref="Scenarios"/>) and fails the test on a bug.</summary>
    public static void Run(string name, Func<Task> scenario, uint? iterations = null)
    {
        AssertRewritten();
        Configuration config = Configuration.Create()
            .WithTestingIterations(iterations ?? Iterations)
            .WithRandomGeneratorSeed(Seed)
            .WithTelemetryEnabled(false)
            .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None);
        string? replay = Environment.GetEnvironmentVariable("GOSYNC_COYOTE_REPLAY");
        if (!string.IsNullOrEmpty(replay))
        {
            config = config.WithReproducibleTrace(File.ReadAllText(replay));
        }

        using var engine = TestingEngine.Create(config, scenario);
        engine.Run();
        TestReport report = engine.TestReport;
        if (report.NumOfFoundBugs == 0)
        {
            if (!string.IsNullOrEmpty(replay))
            {
                throw new XunitException($"Replaying {replay} for {name} did not reproduce a bug.");
            }

            return;
        }

        string directory = Environment.GetEnvironmentVariable("GOSYNC_COYOTE_TRACES") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "coyote-traces");
        Directory.CreateDirectory(directory);
        string trace = Path.Combine(directory, name + ".trace");
        File.WriteAllText(trace, engine.ReproducibleTrace);
        string assembly = typeof(Scenarios).Assembly.Location;
        throw new XunitException(string.Create(CultureInfo.InvariantCulture, $"""
            Coyote found a bug in scenario {name} ({(string.IsNullOrEmpty(replay) ? $"seed {Seed}, up to {iterations ?? Iterations} iterations" : $"replaying {replay}")}), after {report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths} iteration(s):
            {string.Join("\n", report.BugReports)}

            {engine.GetReport()}

            Reproducible trace: {trace}
            Replay it (the same schedule, deterministically), from the repository root:
              GOSYNC_COYOTE_REPLAY={trace} dotnet test tests/GoSync.CoyoteTests --filter "FullyQualifiedName~ScenarioTests.{name}"
              dotnet coyote replay {assembly} {trace} -m {typeof(Scenarios).FullName}.{name}
            """));
    }

    // A test assembly or library left unrewritten runs without Coyote's control and finds nothing: fail instead.
    private static void AssertRewritten()
    {
        foreach (Assembly assembly in new[] { typeof(Scenarios).Assembly, typeof(SyncMap<,>).Assembly })
        {
            bool rewritten = assembly.GetCustomAttributes().Any(a => a.GetType().FullName == "Microsoft.Coyote.Rewriting.RewritingSignatureAttribute");
            if (!rewritten)
            {
                throw new XunitException($"{assembly.Location} was not rewritten by 'dotnet coyote rewrite' (the build's CoyoteRewrite target runs it).");
            }
        }
    }

    private static uint? ReadUInt(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { } text
        && uint.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out uint value) && value > 0
            ? value
            : null;
}
