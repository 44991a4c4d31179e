// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Tests.Reference;
using Xunit.Abstractions;

namespace GoSync.Tests.Properties;

/// <summary>
/// Drives the read/dirty machinery on purpose (Go 1.23's rules, go-syncmap.md §1): promotion by
/// misses and by Range, the dirty rebuild that expunges deleted entries, every path that brings an
/// expunged entry back (Store/Swap, LoadOrStore), dirty-only keys deleted, CAS'd and CAD'd under the
/// lock, and Clear. After every single step the results and Count must match
/// <see cref="LockedDictionaryMap{TKey, TValue}"/> and <c>AssertInvariants()</c> must pass; Range
/// steps compare the contents.
/// </summary>
public sealed class PromotionAndExpungeWalks
{
    private readonly ITestOutputHelper _output;

    /// <summary>Creates the test class with xunit's output sink.</summary>
    public PromotionAndExpungeWalks(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// A scripted walk through every entry state and transition. After each group of steps the
    /// map's machinery (read size, amended, dirty size, misses, expunged read entries, read through
    /// the internal GetInternalState()) must be exactly where Go 1.23's rules put it: the port
    /// promises Go's miss accounting, promotion, dirty rebuild and Range promotion, and this proves
    /// the walk really drives them.
    /// </summary>
    [Fact]
    public void ScriptedWalk_ThroughEveryEntryState_MatchesReference()
    {
        var walk = new Walk();

        // New keys go to dirty; the first one builds dirty from the empty read map.
        for (int k = 0; k < 4; k++)
        {
            walk.Store(k, "a" + k);
        }

        walk.Expect(read: 0, amended: true, dirty: 4, misses: 0, expunged: 0);

        // Loads of a key absent from both maps take the lock and count a miss, as in Go 1.23, until the map keeps a miss
        // filter: the first one makes it want one, and the next new key builds it (design.md, "Misses without the
        // lock"); none comes here, so Load(101) is locked too.
        walk.Load(100);
        walk.Expect(read: 0, amended: true, dirty: 4, misses: 1, expunged: 0);
        walk.Load(101);
        walk.Expect(read: 0, amended: true, dirty: 4, misses: 2, expunged: 0);

        // Load(1) is a locked hit in dirty (miss 3); one more locked hit brings the miss count to len(dirty) = 4:
        // promotion.
        walk.Load(1);
        walk.Expect(read: 0, amended: true, dirty: 4, misses: 3, expunged: 0);
        walk.Load(0);
        walk.Expect(read: 4, amended: false, dirty: null, misses: 0, expunged: 0);

        // Hits in read; loads of absent keys are lock-free now (not amended) and count nothing.
        for (int k = 0; k < 4; k++)
        {
            walk.Load(k);
        }

        walk.Load(103);
        walk.Expect(read: 4, amended: false, dirty: null, misses: 0, expunged: 0);

        // Lock-free writes on read entries: V -> N (Delete) and V -> V (Swap to a null value).
        walk.Delete(1);
        walk.Swap(2, null);

        // A brand-new key with amended = false rebuilds dirty from read: entry 1 (N) is expunged (X).
        walk.Store(4, "a4");
        walk.Expect(read: 4, amended: true, dirty: 4, misses: 0, expunged: 1);

        // Every path must treat X as absent, and none of these counts a miss (the key is in read).
        walk.Load(1);
        walk.CompareAndSwap(1, null, "z");
        walk.CompareAndDelete(1, null);
        walk.LoadAndDelete(1);
        walk.Delete(1);
        walk.Expect(read: 4, amended: true, dirty: 4, misses: 0, expunged: 1);

        // LoadOrStore brings X back (X -> N -> V) and re-adds it to dirty.
        walk.LoadOrStore(1, "b1");
        walk.Expect(read: 4, amended: true, dirty: 5, misses: 0, expunged: 0);

        // Range on an amended map promotes first.
        walk.Range();
        walk.Expect(read: 5, amended: false, dirty: null, misses: 0, expunged: 0);

        // Two more tombstones in read, then a brand-new key through LoadOrStore rebuilds dirty and
        // expunges both.
        walk.Delete(3);
        walk.Delete(0);
        walk.LoadOrStore(5, "a5");
        walk.Expect(read: 5, amended: true, dirty: 4, misses: 0, expunged: 2);

        // Store (Swap's slow path) and Swap bring expunged entries back.
        walk.Store(3, "b3");
        walk.Swap(0, "b0");
        walk.Expect(read: 5, amended: true, dirty: 6, misses: 0, expunged: 0);

        // A dirty-only key: LoadAndDelete removes it from dirty at once (Go's issue 40999) and
        // counts a miss. A Load of it then finds its bit still set in the miss filter (bits are never
        // cleared) and a lock-free walk of the dirty table without it: absent, no lock, no miss (Go 1.23
        // counts one; design.md, "Filter false positives without the lock"). A Delete of it is another
        // locked miss.
        walk.LoadAndDelete(5);
        walk.Load(5);
        walk.Expect(read: 5, amended: true, dirty: 5, misses: 1, expunged: 0);
        walk.Delete(5);
        walk.Expect(read: 5, amended: true, dirty: 5, misses: 2, expunged: 0);

        // CAS on a read entry is lock-free; CAS/CAD on a dirty-only key are locked and count misses
        // whether or not they succeed; the sixth miss (= len(dirty)) promotes, and CAD then deletes
        // the promoted entry (N in read), which LoadOrStore revives lock-free.
        walk.CompareAndSwap(4, "a4", "c4");
        walk.Store(6, "a6");
        walk.CompareAndSwap(6, "wrong", "x6");
        walk.CompareAndSwap(6, "a6", "c6");
        walk.CompareAndDelete(6, "wrong");
        walk.Expect(read: 5, amended: true, dirty: 6, misses: 5, expunged: 0);
        walk.CompareAndDelete(6, "c6");
        walk.Expect(read: 6, amended: false, dirty: null, misses: 0, expunged: 0);
        walk.Load(6);
        walk.LoadOrStore(6, "d6");
        walk.LoadOrStore(6, "e6");
        walk.Expect(read: 6, amended: false, dirty: null, misses: 0, expunged: 0);

        // CAD on a dirty-only key leaves an N entry in dirty (the key is not removed); a locked
        // LoadOrStore revives it in place and counts a miss; locked misses then promote.
        walk.Store(7, "a7");
        walk.CompareAndDelete(7, "a7");
        walk.Load(7);
        walk.Expect(read: 6, amended: true, dirty: 7, misses: 2, expunged: 0);
        walk.LoadOrStore(7, "b7");
        walk.Expect(read: 6, amended: true, dirty: 7, misses: 3, expunged: 0);
        for (int i = 0; i < 4; i++)
        {
            walk.Load(7); // a locked hit in dirty counts; an absent key (filtered) would not
        }

        walk.Expect(read: 7, amended: false, dirty: null, misses: 0, expunged: 0);

        // A Range stopped early visits exactly one present pair; a Range that deletes every key it
        // visits leaves tombstones in read for all of them.
        walk.RangeStoppingAfter(1);
        walk.RangeDeletingEach();
        walk.Range();
        walk.Expect(read: 7, amended: false, dirty: null, misses: 0, expunged: 0);

        // One new key: the rebuild expunges all seven tombstones; the next promotion drops them.
        walk.Store(8, "a8");
        walk.Expect(read: 7, amended: true, dirty: 1, misses: 0, expunged: 7);
        walk.Range();
        walk.Expect(read: 1, amended: false, dirty: null, misses: 0, expunged: 0);

        // Clear on an amended map keeps the emptied dirty map while it is small (a large one is dropped), so the next
        // new key copies nothing.
        walk.Store(9, "a9");
        walk.Expect(read: 1, amended: true, dirty: 2, misses: 0, expunged: 0);
        walk.Clear();
        walk.Expect(read: 0, amended: false, dirty: 0, misses: 0, expunged: 0);
        walk.Load(9);
        walk.Store(10, "a10");
        walk.Expect(read: 0, amended: true, dirty: 1, misses: 0, expunged: 0);
        walk.Load(10);
        walk.Expect(read: 1, amended: false, dirty: null, misses: 0, expunged: 0);

        // Clear on an unamended map with no dirty map; Clear on an empty map, twice.
        walk.LoadOrStore(9, "b9");
        walk.Range();
        walk.Clear();
        walk.Expect(read: 0, amended: false, dirty: null, misses: 0, expunged: 0);
        walk.Clear();
        walk.Clear();
        walk.Load(10);

        // Refill after Clear; keys come back through the same paths.
        for (int k = 0; k < 6; k++)
        {
            walk.LoadOrStore(k, "f" + k);
        }

        walk.Expect(read: 0, amended: true, dirty: 6, misses: 0, expunged: 0);
        walk.Range();
        walk.Delete(2);
        walk.Store(11, "a11");
        walk.Expect(read: 6, amended: true, dirty: 6, misses: 0, expunged: 1);
        walk.Swap(2, "g2");
        walk.Range();
        walk.Expect(read: 7, amended: false, dirty: null, misses: 0, expunged: 0);
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
        var coverage = new TransitionCoverage();
        var checker = new GoCallChecker(ResultMapping.Direct, invariantsEvery: 1, ReferenceMap.Locked)
        {
            AfterEachCall = coverage.Observe,
        };
        int sequences = 300 * TestEnvironment.StressScale;
        SequenceRunner.Run(
            nameof(RandomChurn_PromotionsRebuildsAndExpunges_MatchReference),
            defaultSeed: 40999,
            sequences,
            maxLength: 200,
            NextChurnCall,
            checker.FindFailure,
            checker.Trace);

        _output.WriteLine($"{sequences} sequences: {coverage}");

        // The generator must really drive the machinery, or the test proves little: each kind of
        // transition at least once per two sequences on average (the default seed gives several
        // times that; see the test output).
        Assert.True(coverage.Promotions >= sequences / 2, $"only {coverage.Promotions} promotions: {coverage}");
        Assert.True(coverage.DirtyRebuilds >= sequences / 2, $"only {coverage.DirtyRebuilds} dirty rebuilds: {coverage}");
        Assert.True(coverage.Expunges >= sequences / 2, $"only {coverage.Expunges} expunges: {coverage}");
        Assert.True(coverage.Unexpunges >= sequences / 2, $"only {coverage.Unexpunges} unexpunges: {coverage}");
    }

    private static readonly string?[] s_values = [null, "p", "q", "pq"];

    private static GoCall NextChurnCall(Random random)
    {
        int pick = random.Next(200);
        GoOp op = pick switch
        {
            0 => GoOp.Clear,
            < 45 => GoOp.Load,
            < 80 => GoOp.Store,
            < 110 => GoOp.Delete,
            < 130 => GoOp.LoadOrStore,
            < 140 => GoOp.LoadAndDelete,
            < 160 => GoOp.Swap,
            < 178 => GoOp.CompareAndSwap,
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

    // Counts the machinery's transitions seen between consecutive calls (via GetInternalState).
    private sealed class TransitionCoverage
    {
        private SyncMap<string, string?>? _map;
        private SyncMap<string, string?>.InternalState _last;

        public int Promotions { get; private set; }

        public int DirtyRebuilds { get; private set; }

        public int Expunges { get; private set; }

        public int Unexpunges { get; private set; }

        public void Observe(SyncMap<string, string?> map)
        {
            SyncMap<string, string?>.InternalState state = map.GetInternalState();
            if (!ReferenceEquals(map, _map))
            {
                _map = map;
                _last = default;
            }

            if (_last.DirtyCount is not null && state.DirtyCount is null && state.ReadCount > 0)
            {
                Promotions++;
            }

            if (_last.DirtyCount is null && state.DirtyCount is not null)
            {
                DirtyRebuilds++;
            }

            if (state.ExpungedInRead > _last.ExpungedInRead)
            {
                Expunges++;
            }

            if (state.ExpungedInRead < _last.ExpungedInRead && state.DirtyCount is not null)
            {
                Unexpunges++;
            }

            _last = state;
        }

        public override string ToString() =>
            $"promotions {Promotions}, dirty rebuilds {DirtyRebuilds}, expunges {Expunges}, unexpunges {Unexpunges}";
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

        // The machinery must be where Go 1.23's rules put it (GetInternalState is the map's test hook).
        public void Expect(int read, bool amended, int? dirty, int misses, int expunged)
        {
            var expected = new SyncMap<int, string?>.InternalState(read, amended, dirty, misses, expunged);
            SyncMap<int, string?>.InternalState actual = _map.GetInternalState();
            _log.Append(CultureInfo.InvariantCulture, $"  (state {actual})").AppendLine();
            Check(actual == expected, $"internal state is {actual}; Go 1.23's rules give {expected}");
        }

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

            // Only observations that leave the machinery alone: Count and IsEmpty read a counter,
            // AssertInvariants only reads under the lock. (A Range would promote and a Load would
            // count a miss; the contents are compared by the walk's own Range steps.)
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
