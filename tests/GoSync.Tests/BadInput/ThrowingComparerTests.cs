// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Linq;
using GoSync.Tests.Concurrency;

namespace GoSync.Tests.BadInput;

/// <summary>
/// A key comparer whose GetHashCode or Equals throws: the exception reaches the caller, the call
/// changes nothing (no half-written state), the lock is released, and the map stays consistent
/// and usable. A comparer with inconsistent hashes cannot corrupt the keys it hashes correctly.
/// </summary>
public sealed class ThrowingComparerTests
{
    [Theory]
    [InlineData(FaultSite.GetHashCodeCalls)]
    [InlineData(FaultSite.EqualsCalls)]
    public void DirtyRebuild_CallsNoComparerOnStoredKeys_SoAFaultyComparerCannotBreakIt(FaultSite which)
    {
        // The rebuild (first new key after a promotion) walks the read map, expunges deleted entries and
        // copies the live ones into the new dirty map using the hashes stored in the buckets: it calls the
        // comparer for no stored key. So a comparer that throws for stored keys ("b", "d") cannot make the
        // rebuild fail half-way; only the new key itself is hashed.
        var comparer = new FaultyComparer(1);
        var map = new SyncMap<string, string>(comparer);
        foreach (string k in new[] { "a", "b", "c", "d", "e" })
        {
            map.Store(k, k.ToUpperInvariant());
        }

        map.Range((_, _) => true); // promote: every key in the read map, no dirty map
        map.Delete("b");
        map.Delete("d");
        if (which == FaultSite.GetHashCodeCalls)
        {
            comparer.HashThrowsFor = k => k is "b" or "d";
        }
        else
        {
            comparer.EqualsThrowsFor = k => k is "b" or "d";
        }

        map.Store("new", "NEW"); // rebuilds the dirty map: must not call the comparer on "b" or "d"
        Assert.Equal(2, map.GetInternalState().ExpungedInRead); // "b" and "d" were expunged by the rebuild

        comparer.Enabled = false;
        MapChecks.AssertConsistentAndUsable(map, "probe");
        Assert.Equal(new[] { "a", "c", "e", "new" }, map.Keys.Order(StringComparer.Ordinal));

        // The deleted keys behave as deleted keys: absent, and writable again (unexpunge).
        Assert.False(map.Load("b", out _));
        map.Store("b", "B2");
        map.Store("d", "D2");
        Assert.Equal("B2", map["b"]);
        Assert.Equal("D2", map["d"]);
        Assert.Equal(6, map.Count);
        MapChecks.AssertConsistentAndUsable(map, "probe");
    }

    [Fact]
    public void ComparerThrowsOnTheLockedPath_ForEveryOperation_ExceptionReachesCaller_LockReleased()
    {
        // "x" lives only in the dirty map, so every operation on it takes the lock and looks it
        // up there; Equals throws for it, under the lock.
        for (int kind = 0; kind < SingleKeyOps.Kinds - 2; kind++)
        {
            var comparer = new FaultyComparer(2);
            var map = new SyncMap<string, string>(comparer);
            map.Store("a", "A");
            map.Range((_, _) => true);
            map.Store("x", "X");
            KeyValuePair<string, string>[] before = MapChecks.Contents(map, StringComparer.Ordinal);
            comparer.EqualsThrowsFor = k => k == "x";

            Assert.True(
                Throws(() => SingleKeyOps.OnMap(map, kind, "x", "new", "X")),
                $"{SingleKeyOps.Name(kind)}: the comparer's exception did not reach the caller");

            comparer.Enabled = false;
            Assert.Equal(before, MapChecks.Contents(map, StringComparer.Ordinal));
            MapChecks.AssertConsistentAndUsable(map, "probe");
            Assert.Equal("X", map["x"]);
        }
    }

    [Theory]
    [InlineData(FaultSite.GetHashCodeCalls)]
    [InlineData(FaultSite.EqualsCalls)]
    [InlineData(FaultSite.Both)]
    public void RandomComparerFaults_AFailedCallChangesNothing_TheOthersMatchTheSequentialMap(FaultSite faultsIn)
    {
        int steps = StressEnvironment.Scaled(20_000);
        int seed = StressEnvironment.Seed(808);
        var comparer = new FaultyComparer(seed) { RandomFaultProbability = 0.05, RandomFaultsIn = faultsIn };
        var map = new SyncMap<string, string>(comparer);
        var model = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(seed);
        int faulted = 0;
        for (int step = 0; step < steps; step++)
        {
            (int kind, string key, string value, string old) = NextOperation(random, model, step, "k", 24);
            comparer.Enabled = true;
            (bool, string?) actual = default;
            bool threw = false;
            try
            {
                actual = SingleKeyOps.OnMap(map, kind, key, value, old);
            }
            catch (ComparerFaultException)
            {
                threw = true;
                faulted++;
            }

            comparer.Enabled = false;
            string where = $"step {step}, {SingleKeyOps.Name(kind)}(\"{key}\", \"{value}\", old \"{old}\"), threw={threw} (seed={seed})";
            if (!threw)
            {
                Assert.True(actual == SingleKeyOps.OnModel(model, kind, key, value, old), $"{where}: result {actual} differs from the sequential map's");
            }

            Assert.True(
                MapChecks.Contents(map, StringComparer.Ordinal).SequenceEqual(model.OrderBy(p => p.Key, StringComparer.Ordinal)),
                $"{where}: contents differ from the sequential map's");
            Assert.True(map.Count == model.Count, $"{where}: Count {map.Count}, expected {model.Count}");
            MapChecks.AssertLockNotHeld(map);
            if (step % 16 == 0)
            {
                map.AssertInvariants();
            }
        }

        MapChecks.AssertConsistentAndUsable(map, "probe");
        Assert.True(faulted > steps / 50, $"only {faulted} calls failed (seed={seed})");
    }

    [Fact]
    public void InconsistentHashes_KeysHashedConsistentlyStillMatchTheSequentialMap_AndTheMapStaysUsable()
    {
        // "bad*" keys get a different hash code on every call, so the map may lose or duplicate
        // them, as any hash table would. What must hold: nothing throws, every result for the
        // "good*" keys is the sequential map's, and Count agrees with what Range visits.
        int steps = StressEnvironment.Scaled(20_000);
        int seed = StressEnvironment.Seed(909);
        var comparer = new FaultyComparer(seed) { InconsistentHashFor = k => k.StartsWith("bad", StringComparison.Ordinal) };
        var map = new SyncMap<string, string>(comparer);
        var model = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(seed);
        for (int step = 0; step < steps; step++)
        {
            bool bad = random.Next(3) == 0;
            (int kind, string key, string value, string old) = NextOperation(random, model, step, bad ? "bad" : "good", bad ? 8 : 16);
            string where = $"step {step}, {SingleKeyOps.Name(kind)}(\"{key}\") (seed={seed})";
            (bool, string?) actual;
            try
            {
                actual = SingleKeyOps.OnMap(map, kind, key, value, old);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{where} threw", e);
            }

            if (kind is 22 or 23)
            {
                // Range's count includes the bad keys; Clear empties the model too.
                if (kind == 23)
                {
                    model.Clear();
                }

                continue;
            }

            if (!bad)
            {
                Assert.True(actual == SingleKeyOps.OnModel(model, kind, key, value, old), $"{where}: result {actual} differs from the sequential map's");
            }
        }

        comparer.Enabled = false;
        MapChecks.AssertLockNotHeld(map);
        KeyValuePair<string, string>[] good = map.ToArray().Where(p => p.Key.StartsWith("good", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        Assert.Equal(model.OrderBy(p => p.Key, StringComparer.Ordinal), good);
        int ranged = 0;
        map.Range((_, _) =>
        {
            ranged++;
            return true;
        });
        Assert.Equal(ranged, map.Count);
        map.Clear();
        MapChecks.AssertConsistentAndUsable(map, "probe");
    }

    [Fact]
    public void InconsistentHash_KeyRehashedDifferentlyBetweenDeleteAndRebuild_MapStaysConsistentAndUsable()
    {
        // A key whose hash code changes while it is in the map (a mutable key, or a comparer whose
        // GetHashCode is not stable) must not break the map for that key or any other. Here the
        // hash of "bad" changes between its Delete and the next dirty rebuild: the rebuild expunges
        // the tombstone and tries to remove it from the new dirty map by key, which now hashes
        // elsewhere. Found by this test: the expunged entry stays in the dirty map (invariant 3
        // broken), and after the next promotion the read map holds an expunged entry with no dirty
        // map, so Store and LoadOrStore of "bad" throw NullReferenceException (`_dirty![key] = e`
        // in SwapSlow / LoadOrStoreSlow) until some other new key triggers a rebuild.
        var comparer = new MutableHashComparer { BadHash = 1 };
        var map = new SyncMap<string, int>(comparer);
        map.Store("bad", 1);
        map.Store("other", 2);
        map.Range((_, _) => true); // promote
        map.Delete("bad");         // tombstone (N) in the read map, filed under hash 1
        comparer.BadHash = 2;
        map.Store("new", 3);       // rebuild: expunges "bad", removes it from the new dirty map by key (hash 2)
        comparer.BadHash = 1;
        map.Range((_, _) => true); // promote the dirty map

        Exception? store = Record.Exception(() => map.Store("bad", 5));
        Assert.True(store is null, $"Store of a key whose hash changed threw {store?.GetType().Name}: {store?.Message}");
        Exception? loadOrStore = Record.Exception(() => map.LoadOrStore("bad", 6, out _));
        Assert.True(loadOrStore is null, $"LoadOrStore of a key whose hash changed threw {loadOrStore?.GetType().Name}: {loadOrStore?.Message}");
        Assert.True(map.Load("bad", out int value) && value == 5, $"\"bad\" holds {value}, expected 5");
        map.AssertInvariants();
        Assert.Equal(3, map.Count);
        Assert.Equal(2, map["other"]);
        Assert.Equal(3, map["new"]);
    }

    // A random operation on one of `keys` keys named prefix + i. Clear is rare; compare values are
    // the current value half of the time.
    private static (int Kind, string Key, string Value, string Old) NextOperation(Random random, Dictionary<string, string> model, int step, string prefix, int keys)
    {
        int kind = random.Next(SingleKeyOps.Kinds);
        if (kind == SingleKeyOps.Kinds - 1 && random.Next(10) != 0)
        {
            kind = 0;
        }

        string key = prefix + random.Next(keys).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string value = "v" + step.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string old = random.Next(2) == 0 && model.TryGetValue(key, out string? current) ? current : "v-none";
        return (kind, key, value, old);
    }

    /// <summary>Ordinal, except that the hash code of "bad" is whatever the test sets.</summary>
    private sealed class MutableHashComparer : IEqualityComparer<string>
    {
        public int BadHash { get; set; }

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => obj == "bad" ? BadHash : StringComparer.Ordinal.GetHashCode(obj);
    }

    private static bool Throws(Func<(bool, string?)> call)
    {
        try
        {
            call();
            return false;
        }
        catch (ComparerFaultException)
        {
            return true;
        }
    }
}
