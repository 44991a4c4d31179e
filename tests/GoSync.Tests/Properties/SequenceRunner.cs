// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Text;
using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>
/// Runs seeded random call sequences through a checker and, on the first failure, shrinks the
/// sequence and fails with everything needed to replay it: the seed (GOSYNC_SEED overrides it),
/// the sequence's index, the shrunk calls with each map's results, and the failure itself.
/// </summary>
public static class SequenceRunner
{
    /// <summary>
    /// Draws <paramref name="sequences"/> sequences of 0 to <paramref name="maxLength"/> calls from one
    /// <see cref="Random"/> seeded with <c>TestEnvironment.Seed(defaultSeed)</c> and checks each.
    /// </summary>
    /// <param name="name">The property's name, for the failure message.</param>
    /// <param name="defaultSeed">The seed used unless GOSYNC_SEED is set.</param>
    /// <param name="sequences">How many sequences to check.</param>
    /// <param name="maxLength">The longest sequence.</param>
    /// <param name="nextCall">Draws one call.</param>
    /// <param name="findFailure">Replays a sequence on fresh maps; null when it passes, else what went wrong.</param>
    /// <param name="trace">Replays a sequence and describes every call's results, for the failure message.</param>
    /// <returns>The seed used.</returns>
    public static int Run<TCall>(
        string name,
        int defaultSeed,
        int sequences,
        int maxLength,
        Func<Random, TCall> nextCall,
        Func<IReadOnlyList<TCall>, string?> findFailure,
        Func<IReadOnlyList<TCall>, string> trace)
    {
        ArgumentNullException.ThrowIfNull(nextCall);
        ArgumentNullException.ThrowIfNull(findFailure);
        ArgumentNullException.ThrowIfNull(trace);

        int seed = TestEnvironment.Seed(defaultSeed);
        var random = new Random(seed);
        for (int sequence = 0; sequence < sequences; sequence++)
        {
            int length = random.Next(maxLength + 1);
            var calls = new List<TCall>(length);
            for (int i = 0; i < length; i++)
            {
                calls.Add(nextCall(random));
            }

            string? failure = findFailure(calls);
            if (failure is null)
            {
                continue;
            }

            List<TCall> shrunk = Shrink(calls, c => findFailure(c) is not null);
            string shrunkFailure = findFailure(shrunk) ?? failure;
            var message = new StringBuilder()
                .Append(name).Append(" failed with seed ").Append(seed)
                .Append(" (replay: GOSYNC_SEED=").Append(seed).Append("), sequence ").Append(sequence)
                .Append(" of ").Append(sequences).Append(", ").Append(calls.Count).Append(" calls, shrunk to ")
                .Append(shrunk.Count).AppendLine(".")
                .Append("Failure: ").AppendLine(shrunkFailure)
                .AppendLine("Shrunk sequence:")
                .Append(trace(shrunk))
                .Append("First failure before shrinking: ").Append(failure);
            Assert.Fail(message.ToString());
        }

        return seed;
    }

    /// <summary>
    /// Greedy delta shrinking: removes chunks of calls (halving the chunk size down to one) as long
    /// as the sequence still fails. Single-threaded replays are deterministic, so this terminates on
    /// a sequence where removing any one call makes the failure disappear (or after a fixed budget).
    /// </summary>
    public static List<TCall> Shrink<TCall>(IReadOnlyList<TCall> failing, Func<IReadOnlyList<TCall>, bool> fails)
    {
        ArgumentNullException.ThrowIfNull(failing);
        ArgumentNullException.ThrowIfNull(fails);

        var current = new List<TCall>(failing);
        int budget = 5000;
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            for (int chunk = Math.Max(1, current.Count / 2); chunk >= 1 && budget > 0; chunk /= 2)
            {
                int start = 0;
                while (start + chunk <= current.Count && budget > 0)
                {
                    var candidate = new List<TCall>(current.Count - chunk);
                    candidate.AddRange(current.GetRange(0, start));
                    candidate.AddRange(current.GetRange(start + chunk, current.Count - start - chunk));
                    budget--;
                    if (fails(candidate))
                    {
                        current = candidate;
                        progress = true;
                    }
                    else
                    {
                        start += chunk;
                    }
                }
            }
        }

        return current;
    }
}
