// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using GoSync.Benchmarks.Harness;
using GoSync.Benchmarks.Maps;

namespace GoSync.Benchmarks;

/// <summary>One scenario against SyncMap, ConcurrentDictionary and NonBlocking: ns and bytes allocated per unit.</summary>
public sealed record ScenarioRow(string Scenario, string Unit, ScenarioCell SyncMap, ScenarioCell ConcurrentDictionary, ScenarioCell NonBlocking);

/// <summary>Median ns per unit over the repetitions, and bytes allocated per unit.</summary>
public sealed record ScenarioCell(double Nanoseconds, double Bytes);

/// <summary>Sizes of the scenarios (the issue's; <see cref="Tiny"/> for <c>--smoke</c>).</summary>
public sealed record ScenarioSizes(int Peak, int GoodKeys, int Colliders, int Repetitions, TimeSpan MinRepetition)
{
    /// <summary>The issue's sizes; five repetitions of at least 50 ms each.</summary>
    public static ScenarioSizes Issue { get; } = new(1_000_000, 200_000, 20_000, 5, TimeSpan.FromMilliseconds(50));

    /// <summary>For <c>--smoke</c>: the same scenarios with every check, at sizes that take milliseconds.</summary>
    public static ScenarioSizes Tiny { get; } = new(10_000, 2_000, 200, 1, TimeSpan.FromMilliseconds(1));
}

/// <summary>
/// Single-thread scenarios for the findings of issue 8, each against SyncMap, ConcurrentDictionary and NonBlocking:
/// a map whose peak was 1M keys and now holds 10 against one that never grew; lookups of well-hashed keys beside
/// 20,000 keys that share one hash code, against the same lookups without them; lookups under a custom key comparer.
/// </summary>
/// <remarks>
/// Each loop is generic over the map's struct wrapper (a compiled loop per map, as in the workloads) and warmed up
/// (JitWarmup) on a small map before it is measured. A measurement doubles the loop's length until one run takes at
/// least 50 ms, then runs it five times; the table gives the median repetition's time per unit and the bytes the
/// thread allocated per unit. A full blocking collection precedes each measurement, so the setup's garbage is not
/// collected inside it.
/// Setup (filling the maps) is untimed, except in the "insert" row, which times one pass of it.
/// </remarks>
public static class Scenarios
{
    public static IReadOnlyList<ScenarioRow> Measure(ScenarioSizes sizes)
    {
        s_sizes = sizes;
        var rows = new List<ScenarioRow>();
        string peak = Count(sizes.Peak);

        rows.Add(Row(
            $"TryAdd/TryGetValue/TryGetValue/TryRemove round, peak {peak} keys, now 10",
            "round",
            () => RoundOnShrunk(Sync(), sizes.Peak),
            () => RoundOnShrunk(Cd(), sizes.Peak),
            () => RoundOnShrunk(Nb(), sizes.Peak)));
        rows.Add(Row(
            "the same round, a map that never grew (10 keys)",
            "round",
            () => RoundOnShrunk(Sync(), 0),
            () => RoundOnShrunk(Cd(), 0),
            () => RoundOnShrunk(Nb(), 0)));

        string good = Count(sizes.GoodKeys);
        string colliders = Count(sizes.Colliders);
        var withColliders = new[]
        {
            CollisionCase.Create(SyncPair, sizes, withColliders: true),
            CollisionCase.Create(CdPair, sizes, withColliders: true),
            CollisionCase.Create(NbPair, sizes, withColliders: true),
        };
        rows.Add(new ScenarioRow($"insert {good} well-hashed keys after {colliders} colliders (one pass)", "key",
            withColliders[0].Insert, withColliders[1].Insert, withColliders[2].Insert));
        rows.Add(Row($"Load a present well-hashed key, {good} beside {colliders} colliders", "op",
            withColliders[0].LoadPresent, withColliders[1].LoadPresent, withColliders[2].LoadPresent));
        rows.Add(Row($"Load an absent well-hashed key, {good} beside {colliders} colliders", "op",
            withColliders[0].LoadAbsent, withColliders[1].LoadAbsent, withColliders[2].LoadAbsent));
        var without = new[]
        {
            CollisionCase.Create(SyncPair, sizes, withColliders: false),
            CollisionCase.Create(CdPair, sizes, withColliders: false),
            CollisionCase.Create(NbPair, sizes, withColliders: false),
        };
        rows.Add(Row($"Load a present well-hashed key, {good}, no colliders", "op",
            without[0].LoadPresent, without[1].LoadPresent, without[2].LoadPresent));
        rows.Add(Row($"Load an absent well-hashed key, {good}, no colliders", "op",
            without[0].LoadAbsent, without[1].LoadAbsent, without[2].LoadAbsent));

        var comparer = new PlainIntComparer();
        rows.Add(Row($"Load a present key, {good} int keys, custom IEqualityComparer<int>", "op",
            ComparerLoad(new SyncMapOps<int, int>(new SyncMap<int, int>(comparer)), sizes.GoodKeys),
            ComparerLoad(new ConcurrentDictionaryOps<int, int>(new ConcurrentDictionary<int, int>(comparer)), sizes.GoodKeys),
            ComparerLoad(new NonBlockingOps<int, int>(new global::NonBlocking.ConcurrentDictionary<int, int>(comparer)), sizes.GoodKeys)));
        rows.Add(Row($"Load a present key, {good} int keys, default comparer", "op",
            ComparerLoad(Sync(), sizes.GoodKeys),
            ComparerLoad(Cd(), sizes.GoodKeys),
            ComparerLoad(Nb(), sizes.GoodKeys)));
        return rows;
    }

    public static string ToText(IReadOnlyList<ScenarioRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("Scenarios (one thread): ns and bytes allocated per unit (median of 5 repetitions); SyncMap/CD below 1 = SyncMap faster");
        string[] header = Header();
        List<string[]> lines = [header, .. rows.Select(Cells)];
        TextTable.Append(text, lines);

        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<ScenarioRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("## Scenarios (one thread): ns and bytes allocated per unit");
        md.AppendLine();
        string[] header = Header();
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|---|---|" + string.Concat(Enumerable.Repeat("--:|", header.Length - 2)));
        foreach (ScenarioRow row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        }

        return md.ToString();
    }

    // The current Measure call's sizes (repetitions and their minimum length); single-threaded use only.
    private static ScenarioSizes s_sizes = ScenarioSizes.Issue;

    private static string[] Header() =>
        ["Scenario", "Unit", "SyncMap ns", "B", "ConcurrentDictionary ns", "B", "NonBlocking ns", "B", "SyncMap/CD"];

    private static string[] Cells(ScenarioRow row) =>
    [
        row.Scenario,
        row.Unit,
        ComparisonTable.FormatNs(row.SyncMap.Nanoseconds),
        Bytes(row.SyncMap.Bytes),
        ComparisonTable.FormatNs(row.ConcurrentDictionary.Nanoseconds),
        Bytes(row.ConcurrentDictionary.Bytes),
        ComparisonTable.FormatNs(row.NonBlocking.Nanoseconds),
        Bytes(row.NonBlocking.Bytes),
        (row.SyncMap.Nanoseconds / row.ConcurrentDictionary.Nanoseconds).ToString("0.00", CultureInfo.InvariantCulture),
    ];

    private static string Bytes(double b) => b < 10 ? b.ToString("0.#", CultureInfo.InvariantCulture) : b.ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(int n) => n % 1_000_000 == 0 ? $"{n / 1_000_000}M" : n % 1_000 == 0 ? $"{n / 1_000}K" : n.ToString(CultureInfo.InvariantCulture);

    private static SyncMapOps<int, int> Sync() => new(new SyncMap<int, int>());

    private static ConcurrentDictionaryOps<int, int> Cd() => new(new ConcurrentDictionary<int, int>());

    private static NonBlockingOps<int, int> Nb() => new(new global::NonBlocking.ConcurrentDictionary<int, int>());

    private static SyncMapOps<PairKey, int> SyncPair() => new(new SyncMap<PairKey, int>());

    private static ConcurrentDictionaryOps<PairKey, int> CdPair() => new(new ConcurrentDictionary<PairKey, int>());

    private static NonBlockingOps<PairKey, int> NbPair() => new(new global::NonBlocking.ConcurrentDictionary<PairKey, int>());

    private static ScenarioRow Row(string scenario, string unit, Func<ScenarioCell> sync, Func<ScenarioCell> cd, Func<ScenarioCell> nb)
    {
        // One map at a time: each builds its state, is measured, and is dropped before the next.
        ScenarioCell s = sync();
        ScenarioCell c = cd();
        ScenarioCell n = nb();
        return new ScenarioRow(scenario, unit, s, c, n);
    }

    private static ScenarioRow Row(string scenario, string unit, ScenarioCell sync, ScenarioCell cd, ScenarioCell nb) => new(scenario, unit, sync, cd, nb);

    /// <summary>
    /// Runs <paramref name="run"/> (which does <c>count</c> units and returns how many it did) until one repetition
    /// takes at least 50 ms, then five repetitions of that size: the median's ns per unit, and bytes per unit.
    /// </summary>
    private static ScenarioCell Time(Func<int, int> run, int initialCount)
    {
        // The untimed setup's garbage (a shrunk map's 1M deleted entries and old tables, and whatever the tables before
        // the scenarios left) is collected here, not inside the timed repetitions, as BenchmarkDotNet forces a
        // collection before each iteration. Every map's measurement starts from it.
        Heap.Settle();

        int count = Math.Max(1, initialCount);
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            run(count);
            if (Stopwatch.GetElapsedTime(start) >= s_sizes.MinRepetition || count >= 1 << 28)
            {
                break;
            }

            count *= 2;
        }

        var ns = new double[s_sizes.Repetitions];
        long allocated = 0;
        long units = 0;
        for (int r = 0; r < ns.Length; r++)
        {
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            int done = run(count);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
            units += done;
            ns[r] = elapsed.TotalNanoseconds / done;
        }

        Array.Sort(ns);
        return new ScenarioCell(ns[ns.Length / 2], allocated / (double)units);
    }

    /// <summary>
    /// Keys 0 .. <paramref name="peak"/>-1 stored and promoted (a Range), keys 9 .. peak-1 deleted, one new key stored
    /// and the map promoted again: 10 keys, after the promotion that follows the shrink. With peak 0, 10 keys stored and
    /// promoted: a map that never grew. Then rounds of TryAdd (LoadOrStore of a fresh key, which must store),
    /// TryGetValue twice (Load, which must find it) and TryRemove (LoadAndDelete, which must remove it).
    /// </summary>
    private static ScenarioCell RoundOnShrunk<TMap>(TMap map, int peak)
        where TMap : struct, IMapOps<int, int>
    {
        JitWarmup.Run(JitWarmup.Entry(typeof(RoundLoop<TMap>), nameof(RoundLoop<TMap>.Run)), () => RoundLoop<TMap>.Run(Shrink(Fresh(map), 100), 1 << 30, 200));
        Shrink(map, peak);
        int next = 1 << 30;
        return Time(count =>
        {
            RoundLoop<TMap>.Run(map, next, count);
            next += count;
            return count;
        }, 16);
    }

    // A new map of the same kind as map (so the warm-up runs the loop compiled for this map type).
    private static TMap Fresh<TMap>(TMap map)
        where TMap : struct, IMapOps<int, int>
    {
        object created = map switch
        {
            SyncMapOps<int, int> => Sync(),
            ConcurrentDictionaryOps<int, int> => Cd(),
            NonBlockingOps<int, int> => Nb(),
            _ => throw new ArgumentException("unknown map", nameof(map)),
        };
        return (TMap)created;
    }

    private static TMap Shrink<TMap>(TMap map, int peak)
        where TMap : struct, IMapOps<int, int>
    {
        if (peak <= 10)
        {
            for (int i = 0; i < 10; i++)
            {
                map.Store(i, i);
            }

            map.Range(0, static (_, _, _) => false);
            return map;
        }

        for (int i = 0; i < peak; i++)
        {
            map.Store(i, i);
        }

        map.Range(0, static (_, _, _) => false);
        for (int i = 9; i < peak; i++)
        {
            map.Delete(i);
        }

        map.Store(peak, peak);
        map.Range(0, static (_, _, _) => false);
        Check.That(map.Count == 10, $"the shrunk map holds {map.Count} keys, expected 10");
        return map;
    }

    private static class RoundLoop<TMap>
        where TMap : struct, IMapOps<int, int>
    {
        public static void Run(TMap map, int first, int rounds)
        {
            for (int r = 0; r < rounds; r++)
            {
                int k = first + r;
                map.LoadOrStore(k, k, out bool loaded);
                bool a = map.Load(k, out int v1);
                bool b = map.Load(k, out int v2);
                bool removed = map.LoadAndDelete(k, out int v3);
                if (loaded || !a || !b || !removed || v1 != k || v2 != k || v3 != k)
                {
                    Check.Fail($"round on key {k}: TryAdd loaded={loaded}, TryGetValue {a}/{v1} and {b}/{v2}, TryRemove {removed}/{v3}");
                }
            }
        }
    }

    /// <summary>Plain int comparer: the default's semantics behind an interface call, as any custom comparer adds.</summary>
    private sealed class PlainIntComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => obj;
    }

    private static ScenarioCell ComparerLoad<TMap>(TMap map, int keys)
        where TMap : struct, IMapOps<int, int>
    {
        int[] order = Permutation(keys);
        for (int i = 0; i < keys; i++)
        {
            map.Store(i, i);
        }

        map.Range(0, static (_, _, _) => false);
        JitWarmup.Run(JitWarmup.Entry(typeof(LookupLoop<int, TMap, IntKey>), nameof(LookupLoop<int, TMap, IntKey>.Run)), () => LookupLoop<int, TMap, IntKey>.Run(map, order, 0, 2_000, expectFound: true));
        int position = 0;
        return Time(count =>
        {
            LookupLoop<int, TMap, IntKey>.Run(map, order, position, count, expectFound: true);
            position = (int)((position + (long)count) % keys);
            return count;
        }, keys);
    }

    // A fixed permutation of 0 .. n-1 (seeded shuffle), so lookups do not walk the table in key order.
    private static int[] Permutation(int n)
    {
        int[] order = Enumerable.Range(0, n).ToArray();
        new Random(20_26).Shuffle(order);
        return order;
    }

    /// <summary>Turns a key number into the key a lookup loop looks up (a struct, so the loop calls it directly).</summary>
    private interface IKeyMaker<TKey>
    {
        static abstract TKey Make(int i);
    }

    private readonly struct IntKey : IKeyMaker<int>
    {
        public static int Make(int i) => i;
    }

    private readonly struct PresentPair : IKeyMaker<PairKey>
    {
        public static PairKey Make(int i) => PairKey.Good(i);
    }

    // Well-hashed keys numbered from 2^29 on: never stored (the scenarios store fewer good keys than that).
    private readonly struct AbsentPair : IKeyMaker<PairKey>
    {
        public static PairKey Make(int i) => PairKey.Good((1 << 29) + i);
    }

    private static class LookupLoop<TKey, TMap, TMaker>
        where TKey : notnull
        where TMap : struct, IMapOps<TKey, int>
        where TMaker : struct, IKeyMaker<TKey>
    {
        public static void Run(TMap map, int[] order, int position, int count, bool expectFound)
        {
            int p = position;
            for (int n = 0; n < count; n++)
            {
                int i = order[p];
                if (map.Load(TMaker.Make(i), out _) != expectFound)
                {
                    Check.Fail($"Load of key #{i} reported found={!expectFound}");
                }

                if (++p == order.Length)
                {
                    p = 0;
                }
            }
        }
    }

    /// <summary>One map (of one kind) with <c>GoodKeys</c> well-hashed keys, after <c>Colliders</c> colliders or none.</summary>
    private sealed class CollisionCase
    {
        public ScenarioCell Insert { get; private init; } = new(0, 0);

        public ScenarioCell LoadPresent { get; private init; } = new(0, 0);

        public ScenarioCell LoadAbsent { get; private init; } = new(0, 0);

        public static CollisionCase Create<TMap>(Func<TMap> newMap, ScenarioSizes sizes, bool withColliders)
            where TMap : struct, IMapOps<PairKey, int>
        {
            // The timed insert pass is one pass, so its code must be compiled (tier 1) before it starts: the same
            // stores, on smaller throwaway maps of the same type, until a round compiles nothing. Without this the
            // pass's first stores ran in tier-0 code (benchmarks.md, sixth round: the row moved little with the fix).
            int warmColliders = withColliders ? Math.Min(sizes.Colliders, 64) : 0;
            int warmGood = Math.Min(sizes.GoodKeys, 2_048);
            JitWarmup.Run(JitWarmup.Entry(typeof(InsertPass<TMap>), nameof(InsertPass<TMap>.Run)), () => InsertPass<TMap>.Run(newMap(), warmColliders, warmGood));

            TMap map = newMap();
            InsertPass<TMap>.Run(map, withColliders ? sizes.Colliders : 0, goodKeys: 0);
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            InsertPass<TMap>.Run(map, colliders: 0, sizes.GoodKeys);
            TimeSpan insert = Stopwatch.GetElapsedTime(start);
            long insertBytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
            map.Range(0, static (_, _, _) => false);
            Check.That(map.Count == sizes.GoodKeys + (withColliders ? sizes.Colliders : 0), $"map holds {map.Count} keys");

            int[] order = Permutation(sizes.GoodKeys);
            JitWarmup.Run(JitWarmup.Entry(typeof(LookupLoop<PairKey, TMap, PresentPair>), nameof(LookupLoop<PairKey, TMap, PresentPair>.Run)), () =>
            {
                LookupLoop<PairKey, TMap, PresentPair>.Run(map, order, 0, 1_000, expectFound: true);
                LookupLoop<PairKey, TMap, AbsentPair>.Run(map, order, 0, 1_000, expectFound: false);
            });

            int p1 = 0;
            int p2 = 0;
            return new CollisionCase
            {
                Insert = new ScenarioCell(insert.TotalNanoseconds / sizes.GoodKeys, insertBytes / (double)sizes.GoodKeys),
                LoadPresent = Time(count =>
                {
                    LookupLoop<PairKey, TMap, PresentPair>.Run(map, order, p1, count, expectFound: true);
                    p1 = (int)((p1 + (long)count) % order.Length);
                    return count;
                }, sizes.GoodKeys),
                LoadAbsent = Time(count =>
                {
                    LookupLoop<PairKey, TMap, AbsentPair>.Run(map, order, p2, count, expectFound: false);
                    p2 = (int)((p2 + (long)count) % order.Length);
                    return count;
                }, sizes.GoodKeys),
            };
        }
    }

    /// <summary>The stores of a <see cref="CollisionCase"/>: the colliders first, then the well-hashed keys.</summary>
    private static class InsertPass<TMap>
        where TMap : struct, IMapOps<PairKey, int>
    {
        public static void Run(TMap map, int colliders, int goodKeys)
        {
            for (int c = 0; c < colliders; c++)
            {
                map.Store(PairKey.Collider(c), c);
            }

            for (int i = 0; i < goodKeys; i++)
            {
                map.Store(PairKey.Good(i), i);
            }
        }
    }
}

/// <summary>
/// A struct key whose hash code ignores one of its fields: well-hashed keys (<see cref="Good"/>) differ in
/// <c>Group</c>, which is the hash code; colliders (<see cref="Collider"/>) share one Group and differ only in
/// <c>Member</c>, which the hash code ignores, so they all share one hash code.
/// </summary>
public readonly struct PairKey : IEquatable<PairKey>
{
    private const int ColliderGroup = -1;

    private PairKey(int group, int member)
    {
        Group = group;
        Member = member;
    }

    public int Group { get; }

    public int Member { get; }

    public static PairKey Good(int i) => new(i, 0);

    public static PairKey Collider(int i) => new(ColliderGroup, i);

    public static bool operator ==(PairKey left, PairKey right) => left.Equals(right);

    public static bool operator !=(PairKey left, PairKey right) => !left.Equals(right);

    public bool Equals(PairKey other) => Group == other.Group && Member == other.Member;

    public override bool Equals(object? obj) => obj is PairKey other && Equals(other);

    public override int GetHashCode() => Group;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group}, {Member})");
}
