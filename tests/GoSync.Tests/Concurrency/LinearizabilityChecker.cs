// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Decides whether a concurrent history of operations on one key is linearizable with respect to
/// <see cref="SequentialMapModel"/>: whether some total order of the operations (1) respects real
/// time, i.e. an operation that responded before another was invoked comes first, and (2) gives
/// every operation the results it actually returned when applied one by one to the sequential map.
/// </summary>
/// <remarks>
/// <para>
/// Algorithm: Wing and Gong's depth-first search over the history's call/return events, with
/// Lowe's memoisation (as in Porcupine, and Horn and Kroening's P-compositionality: a map's
/// operations touch one key each, so each key's history is checked on its own, Clear being
/// recorded in every key's history). The events are sorted by time into a linked list. The
/// search repeatedly takes the earliest pending event: a call is "linearized" (applied to the
/// model and lifted out of the list together with its return) when the model accepts its
/// results and the pair (set of linearized operations, model state) has not been explored
/// before; a return whose call has not been linearized means the current prefix cannot be
/// extended, so the search backtracks. The history is linearizable iff the list empties.
/// </para>
/// <para>
/// Timestamps: an operation's true interval lies inside [Invoke, Response] because both are read
/// outside the call. Events with equal timestamps are ordered calls first, which treats the two
/// operations as overlapping: the checker can only be more lenient than the truth, never report
/// a violation that did not happen.
/// </para>
/// <para>
/// The set of linearized operations is a 64-bit mask, so a history holds at most 64 operations.
/// With at most four threads (four pending operations at a time) the memoised search visits a
/// few hundred states per history.
/// </para>
/// </remarks>
internal static class LinearizabilityChecker
{
    /// <summary>The longest history <see cref="Check"/> accepts.</summary>
    public const int MaxOperations = 64;

    /// <summary>Checks <paramref name="history"/> starting from the key state <paramref name="initialState"/>.</summary>
    /// <param name="history">Completed operations on one key, in any order.</param>
    /// <param name="initialState"><see cref="SequentialMapModel.Absent"/> or the key's value before the first operation.</param>
    /// <param name="stepBudget">Search steps allowed before giving up (reported as inconclusive, which callers treat as a failure).</param>
    public static CheckResult Check(ReadOnlySpan<Operation> history, long initialState, long stepBudget = 10_000_000)
    {
        int n = history.Length;
        if (n > MaxOperations)
        {
            throw new ArgumentException($"A history holds at most {MaxOperations} operations; got {n}.", nameof(history));
        }

        for (int i = 0; i < n; i++)
        {
            if (history[i].Response < history[i].Invoke)
            {
                throw new ArgumentException($"Operation {i} responds before it is invoked: {history[i]}", nameof(history));
            }
        }

        // Nodes: 0 is the list head; the call of operation i is node 2i+1, its return node 2i+2.
        int nodeCount = (2 * n) + 1;
        int[] order = new int[2 * n];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i + 1;
        }

        Operation[] ops = history.ToArray();
        Array.Sort(order, (a, b) =>
        {
            int byTime = EventTime(ops, a).CompareTo(EventTime(ops, b));
            if (byTime != 0)
            {
                return byTime;
            }

            // Equal timestamps: calls first (lenient: the operations count as overlapping).
            int byKind = (IsCall(a) ? 0 : 1).CompareTo(IsCall(b) ? 0 : 1);
            return byKind != 0 ? byKind : a.CompareTo(b);
        });

        int[] next = new int[nodeCount];
        int[] prev = new int[nodeCount];
        int last = 0;
        foreach (int node in order)
        {
            next[last] = node;
            prev[node] = last;
            last = node;
        }

        next[last] = -1;

        var stack = new (int Call, long StateBefore)[n];
        int depth = 0;
        ulong linearized = 0;
        long state = initialState;
        var explored = new HashSet<(ulong, long)>();
        long steps = 0;
        int longestPrefix = 0;
        int entry = next[0];
        while (next[0] != -1)
        {
            if (++steps > stepBudget)
            {
                return new CheckResult(Verdict.Inconclusive, steps, longestPrefix);
            }

            Debug.Assert(entry != -1, "every call is followed by its return, so the walk meets a return first");
            if (IsCall(entry))
            {
                int op = OpOf(entry);
                ulong withOp = linearized | (1UL << op);
                if (SequentialMapModel.Step(state, ops[op], out long after) && explored.Add((withOp, after)))
                {
                    stack[depth++] = (entry, state);
                    longestPrefix = Math.Max(longestPrefix, depth);
                    state = after;
                    linearized = withOp;
                    Lift(entry, next, prev);
                    entry = next[0];
                }
                else
                {
                    entry = next[entry];
                }
            }
            else
            {
                // A return is pending whose call is not linearized: this prefix is a dead end.
                if (depth == 0)
                {
                    return new CheckResult(Verdict.Violation, steps, longestPrefix);
                }

                (entry, state) = stack[--depth];
                linearized &= ~(1UL << OpOf(entry));
                Unlift(entry, next, prev);
                entry = next[entry];
            }
        }

        return new CheckResult(Verdict.Linearizable, steps, longestPrefix);
    }

    /// <summary>
    /// Renders a history for a failure message: one line per operation, ordered by invocation,
    /// times in microseconds from the first invocation.
    /// </summary>
    public static string Describe(ReadOnlySpan<Operation> history, long initialState)
    {
        Operation[] ops = history.ToArray();
        Array.Sort(ops, (a, b) => a.Invoke.CompareTo(b.Invoke));
        long origin = ops.Length > 0 ? ops[0].Invoke : 0;
        double microsPerTick = 1_000_000.0 / Stopwatch.Frequency;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"  initial state: {(initialState == SequentialMapModel.Absent ? "absent" : initialState.ToString(CultureInfo.InvariantCulture))}\n");
        foreach (Operation op in ops)
        {
            text.Append(CultureInfo.InvariantCulture, $"  [{(op.Invoke - origin) * microsPerTick,10:F3} us .. {(op.Response - origin) * microsPerTick,10:F3} us] {op}\n");
        }

        return text.ToString();
    }

    private static bool IsCall(int node) => (node & 1) == 1;

    private static int OpOf(int node) => (node - 1) >> 1;

    private static long EventTime(Operation[] ops, int node) =>
        IsCall(node) ? ops[OpOf(node)].Invoke : ops[OpOf(node)].Response;

    // Removes a call node and its return node from the list; both keep their own links so that
    // Unlift (applied in reverse order of Lift) can put them back.
    private static void Lift(int call, int[] next, int[] prev)
    {
        Remove(call, next, prev);
        Remove(call + 1, next, prev);
    }

    private static void Unlift(int call, int[] next, int[] prev)
    {
        Restore(call + 1, next, prev);
        Restore(call, next, prev);
    }

    private static void Remove(int node, int[] next, int[] prev)
    {
        next[prev[node]] = next[node];
        if (next[node] != -1)
        {
            prev[next[node]] = prev[node];
        }
    }

    private static void Restore(int node, int[] next, int[] prev)
    {
        next[prev[node]] = node;
        if (next[node] != -1)
        {
            prev[next[node]] = node;
        }
    }
}

/// <summary>The checker's answer.</summary>
internal enum Verdict
{
    Linearizable,
    Violation,

    /// <summary>The step budget ran out; callers treat this as a failure.</summary>
    Inconclusive,
}

/// <summary>The verdict, the number of search steps, and the longest linearizable prefix found.</summary>
internal readonly record struct CheckResult(Verdict Verdict, long Steps, int LongestPrefix);
