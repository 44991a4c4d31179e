// Licensed under the MIT license. See LICENSE in the repository root.

// Every sync.Map operation, Go and C# side by side, run for real on one SyncMap. Each step
// prints the Go line, the C# line that does the same, and what it returned; the program checks
// each result against what Go returns and exits 1 on the first disagreement.

using System;
using System.Collections.Generic;
using System.Linq;
using GoSync;
using static System.FormattableString;

internal static class Program
{
    private static int s_steps;
    private static int s_failures;

    private static int Main()
    {
        GoOperations();
        ConcurrentDictionaryNames();
        NilValues();

        Console.WriteLine();
        if (s_failures == 0)
        {
            Console.WriteLine(Invariant($"OK: {s_steps} steps, each returned what Go returns."));
            return 0;
        }

        Console.Error.WriteLine(Invariant($"FAILED: {s_failures} of {s_steps} steps returned something else than Go (marked above)."));
        return 1;
    }

    private static void GoOperations()
    {
        Section("Go's operations (Go 1.23 sync.Map)");

        var m = new SyncMap<string, int>();
        Step("var m sync.Map",
             "var m = new SyncMap<string, int>();",
             Contents(m), "{}");

        m.Store("a", 1);
        Step("m.Store(\"a\", 1)",
             "m.Store(\"a\", 1);",
             Contents(m), "{a: 1}");

        {
            bool ok = m.Load("a", out int v);
            Step("v, ok := m.Load(\"a\")",
                 "bool ok = m.Load(\"a\", out int v);",
                 Invariant($"v = {v}, ok = {ok}"), "v = 1, ok = True");
        }

        {
            bool ok = m.Load("missing", out int v);
            Step("v, ok := m.Load(\"missing\")            // v == nil",
                 "bool ok = m.Load(\"missing\", out int v); // v == default",
                 Invariant($"v = {v}, ok = {ok}"), "v = 0, ok = False");
        }

        {
            if (m.Load("a", out int v))
            {
                Step("if v, ok := m.Load(\"a\"); ok { use(v.(int)) }",
                     "if (m.Load(\"a\", out int v)) { Use(v); }   // typed: no assertion",
                     Invariant($"used {v}"), "used 1");
            }
            else
            {
                Fail("Load(\"a\") reported the key absent");
            }
        }

        {
            int actual = m.LoadOrStore("a", 9, out bool loaded);
            Step("actual, loaded := m.LoadOrStore(\"a\", 9)",
                 "int actual = m.LoadOrStore(\"a\", 9, out bool loaded);",
                 Invariant($"actual = {actual}, loaded = {loaded}; m = {Contents(m)}"), "actual = 1, loaded = True; m = {a: 1}");
        }

        {
            int actual = m.LoadOrStore("b", 2, out bool loaded);
            Step("actual, loaded := m.LoadOrStore(\"b\", 2)",
                 "int actual = m.LoadOrStore(\"b\", 2, out bool loaded);",
                 Invariant($"actual = {actual}, loaded = {loaded}; m = {Contents(m)}"), "actual = 2, loaded = False; m = {a: 1, b: 2}");
        }

        {
            bool loaded = m.Swap("a", 10, out int previous);
            Step("previous, loaded := m.Swap(\"a\", 10)",
                 "bool loaded = m.Swap(\"a\", 10, out int previous);",
                 Invariant($"previous = {previous}, loaded = {loaded}; m = {Contents(m)}"), "previous = 1, loaded = True; m = {a: 10, b: 2}");
        }

        {
            bool loaded = m.Swap("c", 3, out int previous);
            Step("previous, loaded := m.Swap(\"c\", 3)",
                 "bool loaded = m.Swap(\"c\", 3, out int previous);",
                 Invariant($"previous = {previous}, loaded = {loaded}; m = {Contents(m)}"), "previous = 0, loaded = False; m = {a: 10, b: 2, c: 3}");
        }

        {
            bool swapped = m.CompareAndSwap("a", 10, 11);
            Step("swapped := m.CompareAndSwap(\"a\", 10, 11)",
                 "bool swapped = m.CompareAndSwap(\"a\", 10, 11);",
                 Invariant($"swapped = {swapped}; a = {m["a"]}"), "swapped = True; a = 11");
        }

        {
            bool swapped = m.CompareAndSwap("a", 10, 12);
            Step("swapped := m.CompareAndSwap(\"a\", 10, 12)  // a is 11 now",
                 "bool swapped = m.CompareAndSwap(\"a\", 10, 12);",
                 Invariant($"swapped = {swapped}; a = {m["a"]}"), "swapped = False; a = 11");
        }

        {
            bool swapped = m.CompareAndSwap("missing", 0, 1);
            Step("swapped := m.CompareAndSwap(\"missing\", nil, 1)   // absent is not nil",
                 "bool swapped = m.CompareAndSwap(\"missing\", 0, 1);  // absent is not default",
                 Invariant($"swapped = {swapped}; m = {Contents(m)}"), "swapped = False; m = {a: 11, b: 2, c: 3}");
        }

        {
            bool deleted = m.CompareAndDelete("c", 4);
            Step("deleted := m.CompareAndDelete(\"c\", 4)",
                 "bool deleted = m.CompareAndDelete(\"c\", 4);",
                 Invariant($"deleted = {deleted}; m = {Contents(m)}"), "deleted = False; m = {a: 11, b: 2, c: 3}");
        }

        {
            bool deleted = m.CompareAndDelete("c", 3);
            Step("deleted := m.CompareAndDelete(\"c\", 3)",
                 "bool deleted = m.CompareAndDelete(\"c\", 3);",
                 Invariant($"deleted = {deleted}; m = {Contents(m)}"), "deleted = True; m = {a: 11, b: 2}");
        }

        {
            bool loaded = m.LoadAndDelete("b", out int value);
            Step("value, loaded := m.LoadAndDelete(\"b\")",
                 "bool loaded = m.LoadAndDelete(\"b\", out int value);",
                 Invariant($"value = {value}, loaded = {loaded}; m = {Contents(m)}"), "value = 2, loaded = True; m = {a: 11}");
        }

        {
            bool loaded = m.LoadAndDelete("b", out int value);
            Step("value, loaded := m.LoadAndDelete(\"b\")  // again",
                 "bool loaded = m.LoadAndDelete(\"b\", out int value);",
                 Invariant($"value = {value}, loaded = {loaded}"), "value = 0, loaded = False");
        }

        m.Store("b", 2);
        m.Delete("b");
        m.Delete("b");
        Step("m.Store(\"b\", 2); m.Delete(\"b\"); m.Delete(\"b\")  // no-op when absent",
             "m.Store(\"b\", 2); m.Delete(\"b\"); m.Delete(\"b\");",
             Contents(m), "{a: 11}");

        m.Store("b", 20);
        m.Store("c", 30);
        {
            var visited = new List<string>();
            m.Range((k, v) =>
            {
                visited.Add(Invariant($"{k}: {v}"));
                return true;
            });
            Step("m.Range(func(k, v any) bool { visit(k, v); return true })",
                 "m.Range((k, v) => { Visit(k, v); return true; });",
                 Sorted(visited), "[a: 11, b: 20, c: 30]");
        }

        {
            var visited = new List<string>();
            foreach (var (k, v) in m)
            {
                visited.Add(Invariant($"{k}: {v}"));
            }

            Step("for k, v := range m.Range { visit(k, v) }  // Go 1.23 range-over-func",
                 "foreach (var (k, v) in m) { Visit(k, v); }",
                 Sorted(visited), "[a: 11, b: 20, c: 30]");
        }

        {
            int calls = 0;
            m.Range((_, _) =>
            {
                calls++;
                return false;
            });
            Step("m.Range(func(k, v any) bool { return false })  // stop early",
                 "m.Range((k, v) => false);",
                 Invariant($"callback ran {calls} time(s)"), "callback ran 1 time(s)");
        }

        {
            int n = 0;
            m.Range((_, _) =>
            {
                n++;
                return true;
            });
            Step("n := 0; m.Range(func(k, v any) bool { n++; return true })  // Go has no Len",
                 "int n = m.Count;   // lock-free O(1); exact while no write is in flight",
                 Invariant($"Range counted {n}, Count = {m.Count}"), "Range counted 3, Count = 3");
        }

        m.Clear();
        Step("m.Clear()",
             "m.Clear();",
             Invariant($"m = {Contents(m)}, Count = {m.Count}, IsEmpty = {m.IsEmpty}"), "m = {}, Count = 0, IsEmpty = True");
    }

    private static void ConcurrentDictionaryNames()
    {
        Section("The same map under ConcurrentDictionary's names (a drop-in surface)");

        var m = new SyncMap<string, int>();

        {
            bool added = m.TryAdd("a", 1);
            bool again = m.TryAdd("a", 2);
            Step("_, loaded := m.LoadOrStore(\"a\", 1)      // twice: !loaded, then loaded",
                 "bool added = m.TryAdd(\"a\", 1);           // twice: true, then false",
                 Invariant($"added = {added}, then {again}; m = {Contents(m)}"), "added = True, then False; m = {a: 1}");
        }

        {
            bool ok = m.TryGetValue("a", out int v);
            Step("v, ok := m.Load(\"a\")",
                 "bool ok = m.TryGetValue(\"a\", out int v);",
                 Invariant($"v = {v}, ok = {ok}"), "v = 1, ok = True");
        }

        m["b"] = 2;
        Step("m.Store(\"b\", 2)",
             "m[\"b\"] = 2;",
             Invariant($"m[\"b\"] = {m["b"]}"), "m[\"b\"] = 2");

        {
            int value = m.GetOrAdd("c", key => key.Length * 3);
            Step("v, _ := m.LoadOrStore(\"c\", compute(\"c\"))",
                 "int v = m.GetOrAdd(\"c\", key => Compute(key));  // under a race the factory may run twice; one result is kept",
                 Invariant($"v = {value}; m = {Contents(m)}"), "v = 3; m = {a: 1, b: 2, c: 3}");
        }

        {
            int value = m.AddOrUpdate("a", 100, (_, old) => old + 1);
            Step("for { old, _ := m.Load(\"a\"); if m.CompareAndSwap(\"a\", old, old.(int)+1) { break } }",
                 "int v = m.AddOrUpdate(\"a\", 100, (key, old) => old + 1);  // the same CAS loop: no update is lost",
                 Invariant($"v = {value}"), "v = 2");
        }

        {
            bool updated = m.TryUpdate("a", 50, comparisonValue: 2);
            Step("swapped := m.CompareAndSwap(\"a\", 2, 50)",
                 "bool swapped = m.TryUpdate(\"a\", 50, comparisonValue: 2);",
                 Invariant($"swapped = {updated}; a = {m["a"]}"), "swapped = True; a = 50");
        }

        {
            bool removed = m.TryRemove("b", out int value);
            Step("value, loaded := m.LoadAndDelete(\"b\")",
                 "bool loaded = m.TryRemove(\"b\", out int value);",
                 Invariant($"value = {value}, loaded = {removed}; m = {Contents(m)}"), "value = 2, loaded = True; m = {a: 50, c: 3}");
        }

        {
            bool removed = m.TryRemove(KeyValuePair.Create("c", 3));
            Step("deleted := m.CompareAndDelete(\"c\", 3)",
                 "bool deleted = m.TryRemove(KeyValuePair.Create(\"c\", 3));",
                 Invariant($"deleted = {removed}; m = {Contents(m)}"), "deleted = True; m = {a: 50}");
        }
    }

    private static void NilValues()
    {
        Section("Nil values are values");

        var m = new SyncMap<string, string?>();
        m.Store("k", null);
        bool ok = m.Load("k", out string? v);
        Step("m.Store(\"k\", nil); v, ok := m.Load(\"k\")",
             "m.Store(\"k\", null); bool ok = m.Load(\"k\", out string? v);",
             Invariant($"v = {v ?? "null"}, ok = {ok}"), "v = null, ok = True");

        bool threw = false;
        try
        {
            m.Store(null!, "x");
        }
        catch (ArgumentNullException)
        {
            threw = true;
        }

        Step("m.Store(nil, \"x\")   // Go allows a nil key",
             "m.Store(null!, \"x\");  // C# throws ArgumentNullException and changes nothing",
             Invariant($"threw = {threw}; Count = {m.Count}"), "threw = True; Count = 1");
    }

    private static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine("== " + title);
    }

    private static void Step(string go, string csharp, string actual, string expected)
    {
        s_steps++;
        Console.WriteLine();
        Console.WriteLine("  Go:  " + go);
        Console.WriteLine("  C#:  " + csharp);
        Console.WriteLine("   ->  " + actual);
        if (actual != expected)
        {
            Fail("expected " + expected);
        }
    }

    private static void Fail(string message)
    {
        s_failures++;
        Console.Error.WriteLine(Invariant($"  FAILED (step {s_steps}): {message}"));
    }

    private static string Contents(SyncMap<string, int> m) =>
        "{" + string.Join(", ", m.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Invariant($"{p.Key}: {p.Value}"))) + "}";

    private static string Sorted(List<string> items) =>
        "[" + string.Join(", ", items.Order(StringComparer.Ordinal)) + "]";
}
