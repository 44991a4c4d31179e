// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Tests.Reference;

namespace GoSync.Tests.Properties;

/// <summary>
/// Drives the read/dirty machinery on purpose (Go 1.23's rules, go-syncmap.md §1): promotion by
/// misses and by Range, the dirty rebuild that expunges deleted entries, every path that brings an
/// expunged entry back (Store/Swap, LoadOrStore), dirty-only keys deleted, CAS'd and CAD'd under the
/// lock, and Clear. After every single step the results, Count and contents must match
/// <see cref="LockedDictionaryMap{TKey, TValue}"/> and <c>AssertInvariants()</c> must pass.
/// </summary>
public sealed class PromotionAndExpungeWalks
{
    /// <summary>
    /// A scripted walk through every entry state and transition. The comments name the state Go's
    /// algorithm is in after each step; the test can only observe results and invariants, so a
    /// different (correct) schedule of promotions would still pass, and a wrong result fails.
    /// </summary>
    [Fact]
    public void ScriptedWalk_ThroughEveryEntryState_MatchesReference()
    {
        var walk = new Walk();

        // New keys go to dirty; the first one builds dirty from the empty read map. amended = true.
        for (int k = 0; k < 4; k++)
        {
            walk.Store(k, "a" + k);
        }

        // Load(1) is a locked hit in dirty (miss 1); three locked misses on an absent key bring the
        // miss count to len(dirty) = 4: promotion. read = {0,1,2,3}, dirty = nil.
        walk.Load(1);
        walk.Load(100);
        walk.Load(101);
        walk.Load(102);
        for (int k = 0; k < 4; k++)
        {
            walk.Load(k);
        }

        // Lock-free writes on read entries: V -> N (Delete) and V -> V (Swap to a null value).
        walk.Delete(1);
        walk.Swap(2, null);

        // A brand-new key with amended = false rebuilds dirty from read: entry 1 (N) is expunged (X).
        walk.Store(4, "a4");

        // Every lock-free path must treat X as absent.
        walk.Load(1);
        walk.CompareAndSwap(1, null, "z");
        walk.CompareAndDelete(1, null);
        walk.LoadAndDelete(1);
        walk.Delete(1);

        // LoadOrStore brings X back (X -> N -> V) and re-adds it to dirty.
        walk.LoadOrStore(1, "b1");

        // Range on an amended map promotes first. read = {0,1,2,3,4}, dirty = nil.
        walk.Range();

        // Two more tombstones in read, then a brand-new key through LoadOrStore rebuilds dirty and
        // expunges both.
        walk.Delete(3);
        walk.Delete(0);
        walk.LoadOrStore(5, "a5");

        // Store (Swap's slow path) and Swap bring expunged entries back.
        walk.Store(3, "b3");
        walk.Swap(0, "b0");

        // A dirty-only key: LoadAndDelete removes it from dirty and counts a miss.
        walk.LoadAndDelete(5);
        walk.Load(5);

        // CAS on a read entry (lock-free), then CAS/CAD on a dirty-only key (locked, miss counted;
        // CAD leaves an N entry in dirty), then LoadOrStore revives that N entry inside dirty.
        walk.CompareAndSwap(4, "a4", "c4");
        walk.Store(6, "a6");
        walk.CompareAndSwap(6, "wrong", "x6");
        walk.CompareAndSwap(6, "a6", "c6");
        walk.CompareAndDelete(6, "wrong");
        walk.CompareAndDelete(6, "c6");
        walk.Load(6);
        walk.LoadOrStore(6, "d6");
        walk.LoadOrStore(6, "e6");

        // Enough locked misses to promote whatever dirty holds.
        for (int i = 0; i < 10; i++)
        {
            walk.Load(200 + i);
        }

        // A Range stopped early visits exactly one present pair; a Range that deletes every key it
        // visits leaves tombstones in read for all of them.
        walk.RangeStoppingAfter(1);
        walk.RangeDeletingEach();
        walk.Range();

        // One new key: the rebuild expunges every tombstone; dirty = {7}.
        walk.Store(7, "a7");
        walk.Range();

        // Clear on a non-empty amended map, then writes after it (the emptied dirty is reused), then
        // Clear on an empty map, twice.
        walk.Clear();
        walk.Load(7);
        walk.Store(8, "a8");
        walk.Load(8);
        walk.LoadOrStore(7, "b7");
        walk.Range();
        walk.Clear();
        walk.Clear();
        walk.Load(8);

        // Re-fill after Clear: keys come back through the same paths.
        for (int k = 0; k < 6; k++)
        {
            walk.LoadOrStore(k, "f" + k);
        }

        walk.Range();
        walk.Delete(2);
        walk.Store(9, "a9");
        walk.Swap(2, "g2");
        walk.Range();
    }

    /// <summary>
    /// Random churn biased toward the machinery's transitions: loads of absent keys (locked misses
    /// that promote), deletes and re-stores of a small set of reused keys (tombstones, expunges,
    /// unexpunges), brand-new keys (dirty rebuilds), CAS/CAD, Range (promotion) and rare Clears,
    /// with AssertInvariants after every call.
    /// </summary>
    [Fact]
    public void RandomChurn_PromotionsRebuildsAndExpunges_MatchReference()
    {
        var checker = new GoCallChecker(ResultMapping.Direct, invariantsEvery: 1, ReferenceMap.Locked);
        SequenceRunner.Run(
            nameof(RandomChurn_PromotionsRebuildsAndExpunges_MatchReference),
            defaultSeed: 40999,
            300 * TestEnvironment.StressScale,
            maxLength: 200,
            NextChurnCall,
            checker.FindFailure,
            checker.Trace);
    }

    private static readonly string?[] s_values = [null, "p", "q", "pq"];

    private static GoCall NextChurnCall(Random random)
    {
        int pick = random.Next(200);
        GoOp op = pick switch
        {
            0 => GoOp.Clear,
            < 60 => GoOp.Load,
            < 85 => GoOp.Store,
            < 110 => GoOp.Delete,
            < 125 => GoOp.LoadOrStore,
            < 140 => GoOp.LoadAndDelete,
            < 155 => GoOp.Swap,
            < 175 => GoOp.CompareAndSwap,
            < 195 => GoOp.CompareAndDelete,
            _ => GoOp.Range,
        };

        // Half the loads are misses on keys never stored (locked while amended, so they promote);
        // a tenth of the writes use a brand-new key (a dirty rebuild when amended is false); the
        // rest reuse twelve keys.
        string key = op == GoOp.Load && random.Next(2) == 0
            ? "miss" + random.Next(1000).ToString(CultureInfo.InvariantCulture)
            : random.Next(10) == 0
                ? "new" + random.Next(1_000_000).ToString(CultureInfo.InvariantCulture)
                : "k" + random.Next(12).ToString(CultureInfo.InvariantCulture);
        return new GoCall(op, key, s_values[random.Next(s_values.Length)], s_values[random.Next(s_values.Length)]);
    }

    // Runs each step on a SyncMap and on the reference, then checks results, Count, contents and invariants.
    private sealed class Walk
    {
        private readonly SyncMap<int, string?> _map = new();
        private readonly LockedDictionaryMap<int, string?> _reference = new();
        private readonly IGoMap<int, string?> _subject;
        private readonly StringBuilder _log = new();
        private int _step;

        public Walk() => _subject = new SyncMapAdapter<int, string?>(_map);

        public void Store(int key, string? value) => Step($"Store({key}, {GoCalls.Quote(value)})", m =>
        {
            m.Store(key, value);
            return "done";
        });

        public void Load(int key) => Step($"Load({key})", m => m.Load(key, out string? v) ? "true " + GoCalls.Quote(v) : "false");

        public void LoadOrStore(int key, string? value) => Step($"LoadOrStore({key}, {GoCalls.Quote(value)})", m =>
        {
            string? actual = m.LoadOrStore(key, value, out bool loaded);
            return $"{GoCalls.Quote(actual)} loaded={loaded}";
        });

        public void LoadAndDelete(int key) => Step($"LoadAndDelete({key})", m => m.LoadAndDelete(key, out string? v) ? "true " + GoCalls.Quote(v) : "false");

        public void Delete(int key) => Step($"Delete({key})", m =>
        {
            m.Delete(key);
            return "done";
        });

        public void Swap(int key, string? value) => Step($"Swap({key}, {GoCalls.Quote(value)})", m =>
            m.Swap(key, value, out string? previous) ? "loaded " + GoCalls.Quote(previous) : "not loaded " + GoCalls.Quote(previous));

        public void CompareAndSwap(int key, string? oldValue, string? newValue) =>
            Step($"CompareAndSwap({key}, {GoCalls.Quote(oldValue)}, {GoCalls.Quote(newValue)})", m => m.CompareAndSwap(key, oldValue, newValue).ToString());

        public void CompareAndDelete(int key, string? oldValue) =>
            Step($"CompareAndDelete({key}, {GoCalls.Quote(oldValue)})", m => m.CompareAndDelete(key, oldValue).ToString());

        public void Clear() => Step("Clear()", m =>
        {
            m.Clear();
            return "done";
        });

        public void Range() => Step("Range()", Contents);

        // The visited pairs must be present in the map with those values; their number is min(n, Count).
        public void RangeStoppingAfter(int n) => Step($"Range stopping after {n}", m =>
        {
            int visited = 0;
            var wrong = new List<string>();
            m.Range((k, v) =>
            {
                visited++;
                if (!m.Load(k, out string? current) || current != v)
                {
                    wrong.Add($"{k}={GoCalls.Quote(v)}");
                }

                return visited < n;
            });
            return $"visited {visited}" + (wrong.Count == 0 ? string.Empty : " with stale pairs " + string.Join(",", wrong));
        });

        public void RangeDeletingEach() => Step("Range deleting each key", m =>
        {
            var deleted = new List<int>();
            m.Range((k, _) =>
            {
                m.Delete(k);
                deleted.Add(k);
                return true;
            });
            deleted.Sort();
            return "deleted " + string.Join(",", deleted);
        });

        private static string Contents(IGoMap<int, string?> m)
        {
            var pairs = new SortedDictionary<int, string?>();
            var twice = new List<int>();
            m.Range((k, v) =>
            {
                if (!pairs.TryAdd(k, v))
                {
                    twice.Add(k);
                }

                return true;
            });
            return "{" + string.Join(", ", pairs.Select(p => $"{p.Key}: {GoCalls.Quote(p.Value)}")) + "}" +
                (twice.Count == 0 ? string.Empty : " visited twice: " + string.Join(",", twice));
        }

        private void Step(string description, Func<IGoMap<int, string?>, string> op)
        {
            string actual = Observe(() => op(_subject));
            string expected = op(_reference);
            _log.Append(CultureInfo.InvariantCulture, $"  #{_step} {description}: SyncMap {actual}, reference {expected}").AppendLine();
            Check(actual == expected, "results differ");

            string actualContents = Observe(() => Contents(_subject));
            string expectedContents = Contents(_reference);
            Check(actualContents == expectedContents, $"contents differ: SyncMap {actualContents}, reference {expectedContents}");

            int count = _map.Count;
            Check(count == _reference.Count && _map.IsEmpty == (_reference.Count == 0), $"SyncMap Count = {count}, IsEmpty = {_map.IsEmpty}; reference holds {_reference.Count}");

            string? broken = GoCallChecker.CheckInvariants(_map, "after this step");
            Check(broken is null, broken ?? string.Empty);
            _step++;
        }

        private void Check(bool ok, string what)
        {
            if (!ok)
            {
                Assert.Fail($"Step #{_step}: {what}.{Environment.NewLine}Steps so far:{Environment.NewLine}{_log}");
            }
        }

        private static string Observe(Func<string> f)
        {
            try
            {
                return f();
            }
#pragma warning disable CA1031 // The exception is the observed result, compared with the reference.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return $"threw {e.GetType().Name}: {e.Message}";
            }
        }
    }
}
