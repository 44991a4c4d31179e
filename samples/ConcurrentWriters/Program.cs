// Licensed under the MIT license. See LICENSE in the repository root.

// The C# version of Go's classic "concurrent map writes" program:
//
//     var m = make(map[string]string, 100)
//     for i := 0; i < 100; i++ {
//         wait.Add(1)
//         go func() { m[fmt.Sprintf("%d", i)] = "test"; wait.Done() }()
//     }
//
// Go's runtime notices the race and aborts with "fatal error: concurrent map writes"; the fix
// is a map guarded by a lock, or sync.Map. .NET's Dictionary<TKey, TValue> notices only some
// races: the rest lose entries, corrupt its buckets, or leave a thread looping forever. This
// program lets 100 threads write one shared map at the same moment, for three maps:
// SyncMap, a Dictionary behind a lock, and a Dictionary with no lock at all.
//
// Exit code: 0 when SyncMap (and the locked Dictionary) end with every entry; 1 otherwise.
// The unguarded Dictionary's outcome varies from run to run and never changes the exit code.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using System.Threading;
using GoSync;
using static System.FormattableString;

internal static class Program
{
    private const int Writers = 100;
    private const int KeysPerWriter = 5_000;
    private const int ExpectedCount = Writers * KeysPerWriter;

    // A corrupted Dictionary can send a thread round a bucket chain forever. Every phase that
    // touches the unguarded Dictionary runs on background threads with these limits, and the
    // threads still running afterwards are abandoned (background threads do not keep the
    // process alive).
    private static readonly TimeSpan s_writeLimit = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan s_checkLimit = TimeSpan.FromSeconds(2);

    // Keys and values are built before any writer starts, so the writers do nothing but write.
    private static readonly string[] s_keys = Enumerable.Range(0, ExpectedCount)
        .Select(i => i.ToString(CultureInfo.InvariantCulture))
        .ToArray();

    private static readonly string[] s_values = Enumerable.Range(0, Writers)
        .Select(w => Invariant($"written by writer {w}"))
        .ToArray();

    private static int Main()
    {
        Console.WriteLine(Invariant($"{Writers} threads, started together through one gate, each store {KeysPerWriter:N0} distinct keys"));
        Console.WriteLine(Invariant($"into one shared map: {ExpectedCount:N0} entries expected."));
        Console.WriteLine();

        // SyncMap runs first: if the unguarded Dictionary leaves threads spinning, they must not
        // slow down the runs whose result decides the exit code.
        var syncMap = new SyncMap<string, string>();
        bool syncMapHolds = Report(
            "SyncMap<string, string>",
            RunWriters((key, value) => syncMap.Store(key, value)),
            () => CheckSyncMap(syncMap));

        var locked = new Dictionary<string, string>();
        var gate = new object();
        bool lockedHolds = Report(
            "Dictionary<string, string> + lock",
            RunWriters((key, value) =>
            {
                lock (gate)
                {
                    locked[key] = value;
                }
            }),
            () => CheckDictionary(locked));

        var unguarded = new Dictionary<string, string>();
        bool unguardedHeld = Report(
            "Dictionary<string, string>, no lock",
            RunWriters((key, value) => unguarded[key] = value),
            () => CheckDictionary(unguarded));

        Console.WriteLine();
        Console.WriteLine(unguardedHeld
            ? "The unguarded Dictionary survived this run by luck: the race is still there, run again."
            : "The unguarded Dictionary's failure changes from run to run: lost entries, an exception, or a thread that never returns.");
        Console.WriteLine("Go aborts the whole program instead (\"fatal error: concurrent map writes\").");

        if (syncMapHolds && lockedHolds)
        {
            return 0;
        }

        Console.Error.WriteLine("FAILED: a thread-safe map lost or corrupted entries (see above).");
        return 1;
    }

    /// <summary>Prints one map's outcome and returns whether it ended with every entry intact.</summary>
    private static bool Report(string name, WriteOutcome writes, Func<string?> check)
    {
        var findings = new List<string>();
        foreach (var group in writes.Failures.GroupBy(ex => ex.GetType()))
        {
            findings.Add(Invariant($"{group.Count()} of {Writers} writers threw {Describe(group.First())}"));
        }

        if (writes.Unfinished > 0)
        {
            findings.Add(Invariant($"{writes.Unfinished} of {Writers} writers did not finish within {s_writeLimit.TotalSeconds:0} s: looping in a corrupted bucket chain"));
        }
        else
        {
            // Reading a corrupted Dictionary back can loop forever too: bounded the same way.
            string? problem = null;
            var checker = new Thread(() =>
            {
                try
                {
                    problem = check();
                }
                catch (Exception ex)
                {
                    problem = "reading it back threw " + Describe(ex);
                }
            })
            {
                IsBackground = true,
            };
            checker.Start();
            if (!checker.Join(s_checkLimit))
            {
                problem = Invariant($"reading it back did not finish within {s_checkLimit.TotalSeconds:0} s: a lookup is looping in a corrupted bucket chain");
            }

            if (problem is not null)
            {
                findings.Add(problem);
            }
        }

        if (findings.Count == 0)
        {
            Console.WriteLine(Invariant($"{name,-38}{ExpectedCount:N0} entries, every key reads back its value: OK"));
            return true;
        }

        Console.WriteLine(Invariant($"{name,-38}BROKEN"));
        foreach (string finding in findings)
        {
            Console.WriteLine("    - " + finding);
        }

        return false;
    }

    /// <summary>The exception's type and the first sentence of its message.</summary>
    private static string Describe(Exception ex)
    {
        string message = ex.Message;
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return ex.GetType().Name + " (\"" + (end < 0 ? message : message[..(end + 1)]) + "\")";
    }

    /// <summary>Starts every writer at once and waits (bounded) for them to finish.</summary>
    private static WriteOutcome RunWriters(Action<string, string> write)
    {
        var failures = new ConcurrentQueue<Exception>();
        using var start = new ManualResetEventSlim(false);
        var threads = new Thread[Writers];
        for (int w = 0; w < Writers; w++)
        {
            int writer = w;
            threads[w] = new Thread(() =>
            {
                start.Wait();
                try
                {
                    string value = s_values[writer];
                    for (int i = writer * KeysPerWriter, end = i + KeysPerWriter; i < end; i++)
                    {
                        write(s_keys[i], value);
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            })
            {
                IsBackground = true,
            };
            threads[w].Start();
        }

        start.Set();

        var deadline = DateTime.UtcNow + s_writeLimit;
        int unfinished = 0;
        foreach (var thread in threads)
        {
            var left = deadline - DateTime.UtcNow;
            if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                unfinished++;
            }
        }

        return new WriteOutcome(unfinished, failures);
    }

    /// <summary>Returns null when the map holds exactly the expected entries, else what is wrong.</summary>
    private static string? CheckSyncMap(SyncMap<string, string> map)
    {
        int found = CountFound(map.Load);
        int ranged = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool duplicate = false;
        map.Range((key, _) =>
        {
            ranged++;
            duplicate |= !seen.Add(key);
            return true;
        });

        if (map.Count == ExpectedCount && found == ExpectedCount && ranged == ExpectedCount && !duplicate)
        {
            return null;
        }

        return Invariant($"Count = {map.Count:N0}; {found:N0} of {ExpectedCount:N0} keys read back; Range visited {ranged:N0}{(duplicate ? " (a key twice)" : string.Empty)}");
    }

    private static string? CheckDictionary(Dictionary<string, string> map)
    {
        int found = CountFound(map.TryGetValue);
        int enumerated = 0;
        foreach (var _ in map)
        {
            enumerated++;
        }

        if (map.Count == ExpectedCount && found == ExpectedCount && enumerated == ExpectedCount)
        {
            return null;
        }

        return Invariant($"{ExpectedCount - found:N0} of {ExpectedCount:N0} entries lost (Count says {map.Count:N0}; enumeration yields {enumerated:N0})");
    }

    private delegate bool TryLoad(string key, [MaybeNullWhen(false)] out string value);

    private static int CountFound(TryLoad load)
    {
        int found = 0;
        for (int i = 0; i < ExpectedCount; i++)
        {
            if (load(s_keys[i], out var value) && value == s_values[i / KeysPerWriter])
            {
                found++;
            }
        }

        return found;
    }

    private sealed record WriteOutcome(int Unfinished, ConcurrentQueue<Exception> Failures);
}
