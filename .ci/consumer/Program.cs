// Licensed under the MIT license. See LICENSE in the repository root.

// Uses the GoSync package the way a user's program would and checks what it gets back.
// Exit code 0 only when every check passes. The first line names the package version and the
// target framework of the GoSync.dll that was loaded, so the caller can tell which asset ran.

using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.Versioning;
using System.Threading;
using GoSync;

internal static class Program
{
    private static readonly List<string> s_failures = [];
    private static int s_checks;

    private static int Main()
    {
        Assembly library = typeof(SyncMap<,>).Assembly;
        string version = library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        string framework = library.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? "unknown";
        Console.WriteLine($"GoSync {version} [{framework}]");

        GoOperations();
        DictionarySurface();
        StructValues();
        ConcurrentIncrements();
        OneWinnerPerKey();

        if (s_failures.Count == 0)
        {
            Console.WriteLine($"consumer: {s_checks} checks passed");
            return 0;
        }

        foreach (string failure in s_failures)
        {
            Console.Error.WriteLine("FAILED: " + failure);
        }

        Console.Error.WriteLine($"consumer: {s_failures.Count} of {s_checks} checks failed");
        return 1;
    }

    private static void GoOperations()
    {
        var m = new SyncMap<string, int>();
        m.Store("a", 1);
        Check(m.Load("a", out int a) && a == 1, "Load after Store");
        Check(!m.Load("b", out _), "Load of an absent key");
        Check(m.LoadOrStore("a", 5, out bool loaded) == 1 && loaded, "LoadOrStore of a present key");
        Check(m.LoadOrStore("b", 2, out loaded) == 2 && !loaded, "LoadOrStore of an absent key");
        Check(m.Swap("a", 3, out int previous) && previous == 1, "Swap of a present key");
        Check(m.CompareAndSwap("a", 3, 4) && !m.CompareAndSwap("a", 3, 5), "CompareAndSwap");
        Check(!m.CompareAndDelete("b", 9) && m.CompareAndDelete("b", 2), "CompareAndDelete");
        Check(m.LoadAndDelete("a", out int deleted) && deleted == 4 && m.IsEmpty, "LoadAndDelete");

        for (int i = 0; i < 100; i++)
        {
            m.Store($"k{i}", i);
        }

        m.Delete("k0");
        int sum = 0;
        int visited = 0;
        m.Range((_, v) =>
        {
            sum += v;
            visited++;
            return true;
        });
        Check(visited == 99 && sum == 4950 && m.Count == 99, "Range and Count after 100 stores and 1 delete");

        m.Clear();
        Check(m.IsEmpty && m.Count == 0 && !m.Load("k1", out _), "Clear");

        bool threw = false;
        try
        {
            m.Store(null!, 1);
        }
        catch (ArgumentNullException)
        {
            threw = true;
        }

        Check(threw && m.IsEmpty, "a null key throws ArgumentNullException and changes nothing");
    }

    private static void DictionarySurface()
    {
        IDictionary<int, string?> d = new SyncMap<int, string?> { [1] = "one" };
        d.Add(2, null);
        Check(d.TryGetValue(2, out string? two) && two is null, "a null value is stored and distinct from absence");
        Check(d.Count == 2 && d.ContainsKey(1) && d[1] == "one", "IDictionary<,> view");
        Check(d.Remove(1) && !d.ContainsKey(1), "IDictionary<,>.Remove");

        var m = new SyncMap<string, int>(StringComparer.OrdinalIgnoreCase);
        Check(m.TryAdd("Key", 1) && !m.TryAdd("KEY", 2), "TryAdd with a custom comparer");
        Check(m.GetOrAdd("key", _ => 7) == 1, "GetOrAdd of a present key");
        Check(m.AddOrUpdate("key", 0, (_, v) => v + 1) == 2, "AddOrUpdate of a present key");
        Check(m.TryUpdate("key", 10, 2) && m["KEY"] == 10, "TryUpdate");
        Check(m.TryRemove("key", out int removed) && removed == 10 && m.IsEmpty, "TryRemove");
    }

    private static void StructValues()
    {
        var m = new SyncMap<Guid, Wide>();
        var key = Guid.NewGuid();
        var value = new Wide(1, 2, 3, 4);
        m[key] = value;
        Check(m.TryGetValue(key, out Wide read) && read == value, "a 32-byte struct value round-trips");

        int count = 0;
        foreach (KeyValuePair<Guid, Wide> pair in m)
        {
            count += pair.Key == key && pair.Value == value ? 1 : 0;
        }

        Check(count == 1, "foreach over the map");
    }

    private static void ConcurrentIncrements()
    {
        const int Threads = 4;
        const int Increments = 10_000;
        var m = new SyncMap<int, long>();
        using var start = new ManualResetEventSlim(false);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            threads[t] = new Thread(() =>
            {
                start.Wait();
                for (int i = 0; i < Increments; i++)
                {
                    m.AddOrUpdate(i % 16, 1, (_, v) => v + 1);
                }
            });
            threads[t].Start();
        }

        start.Set();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        long total = 0;
        foreach (KeyValuePair<int, long> pair in m.ToArray())
        {
            total += pair.Value;
        }

        Check(m.Count == 16 && total == Threads * Increments, $"no increment lost under {Threads} threads (total {total})");
    }

    private static void OneWinnerPerKey()
    {
        const int Threads = 4;
        var m = new SyncMap<int, object>();
        var got = new object[Threads][];
        using var start = new ManualResetEventSlim(false);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            got[id] = new object[1_000];
            threads[t] = new Thread(() =>
            {
                start.Wait();
                for (int k = 0; k < 1_000; k++)
                {
                    got[id][k] = m.LoadOrStore(k, new object(), out _);
                }
            });
            threads[t].Start();
        }

        start.Set();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        bool same = true;
        for (int k = 0; k < 1_000; k++)
        {
            m.Load(k, out object? stored);
            for (int t = 0; t < Threads; t++)
            {
                same &= ReferenceEquals(got[t][k], stored);
            }
        }

        Check(same && m.Count == 1_000, "LoadOrStore: one stored value per key, every thread gets it");
    }

    private static void Check(bool passed, string what)
    {
        s_checks++;
        if (!passed)
        {
            s_failures.Add(what);
        }
    }

    private readonly record struct Wide(long A, long B, long C, long D);
}
