// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Numerics;
using System.Reflection;
using GoSync.Internal;
using GoSync.Tests.Concurrency;
using GoSync.Tests.Conformance;
using Xunit.Sdk;

namespace GoSync.Tests.Core;

/// <summary>
/// The chained hash table behind the read and dirty maps, and the inline value representation
/// (design.md §2, "The tables" and "Values"): random operation sequences checked against
/// <see cref="Dictionary{TKey, TValue}"/> for every value representation and for key comparers that force long
/// chains (the "mod" and "wrap-around" comparers, written for the earlier open-addressing tables, now make few
/// distinct hashes, hence long chains and many removals from them); the fast modulo; bit patterns of
/// inline values; the switch of string tables from the non-randomized to the randomized hash under flooding,
/// including a rebuild that merges two chains past the bound; a throwing comparer; concurrent inline swaps and
/// deletes; the probe hook.
/// </summary>
/// <remarks>
/// Seeds are fixed per case and printed in every failure message; <c>GOSYNC_SEED</c> replaces them all.
/// </remarks>
public sealed class HashTableTests
{
    /// <summary>
    /// A hash whose home is the last bucket at every table size: the table's home bucket is
    /// <c>(uint)(hash * 0x9E3779B9) &gt;&gt; (32 - log2(length))</c>, and this value is minus the multiplicative inverse
    /// of 0x9E3779B9 modulo 2^32, so the product is 0xFFFFFFFF, whose top bits are all ones whatever the shift.
    /// (<see cref="CraftedHashes_HaveTheirHomesInTheLastAndFirstBucket_AtEveryTableSize"/> checks this against the
    /// library's own functions, so the crafted comparer below cannot silently stop doing its job.)
    /// </summary>
    private const int LastBucketHash = -340573321;

    /// <summary>The non-randomized hash shared by every key of <see cref="s_floodingKeys"/>.</summary>
    private const uint FloodingHash = 0x12345678;

    /// <summary>
    /// How many colliding keys the flooding tests insert: 200 times the probe limit of 100. Without the switch, inserting
    /// them would cost 2 * 10^8 probes; the tests check the switch itself through the stored hashes.
    /// </summary>
    private const int FloodingKeyCount = 20_000;

    /// <summary>The multiplicative inverse of the table's Fibonacci multiplier 0x9E3779B9 modulo 2^32 (minus <see cref="LastBucketHash"/>).</summary>
    private const uint InverseOfFibonacciMultiplier = 340573321;

    private static readonly Lazy<List<string>> s_floodingKeys = new(() => KeysWithNonRandomizedHash(FloodingHash, FloodingKeyCount));

    /// <summary>Names of the value kinds the differential test runs (see <see cref="RunValueKind"/>).</summary>
    private static readonly string[] s_valueKinds =
    [
        "int", "bool", "byte", "short", "char", "byte enum", "float", // inline: no references, at most 4 bytes
        "long", "double", "int?", "32-byte struct", "string", "nullable string", // reference: boxed or a reference type
    ];

    /// <summary>Names of the key comparers (see <see cref="KeyComparer"/>).</summary>
    private static readonly string[] s_keyComparers = ["default", "mod 7", "mod 1", "wrap-around"];

    /// <summary>Every (value kind, key comparer, seed) the differential test runs.</summary>
    public static TheoryData<string, string, int> DifferentialCases
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (string values in s_valueKinds)
            {
                foreach (string keys in s_keyComparers)
                {
                    for (int seed = 1; seed <= 4; seed++)
                    {
                        data.Add(values, keys, seed);
                    }
                }
            }

            return data;
        }
    }

    /// <summary>
    /// The comparers and seeds of the removal test: the default hash (clusters wrap around now and then), the crafted
    /// wrap-around hash (a cluster always crosses the end of the array), and two long clusters inside the array.
    /// </summary>
    public static TheoryData<string, int> RemovalCases
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string keys in new[] { "default", "wrap-around", "mod 2" })
            {
                for (int seed = 1; seed <= 5; seed++)
                {
                    data.Add(keys, seed);
                }
            }

            return data;
        }
    }

    /// <summary>The user comparers for string keys under which the table starts with the non-randomized hash.</summary>
    public static TheoryData<string> FloodableComparers => new() { "null", "StringComparer.Ordinal" };

    [Theory]
    [MemberData(nameof(DifferentialCases))]
    public void RandomOperations_AgreeWithDictionary_ForEveryValueRepresentationAndKeyComparer(string values, string keys, int defaultSeed)
    {
        int seed = TestEnvironment.Seed(defaultSeed);
        IEqualityComparer<int>? keyComparer = KeyComparer(keys);

        // All keys colliding ("mod 1") or sharing two crafted homes ("wrap-around") make every probe long: fewer operations.
        // With 64 keys (300 for bytes) the table is full after a few hundred operations, and Clear comes every ~450.
        int operations = keys is "mod 1" or "wrap-around" ? 1000 : 3000;
        RunValueKind(values, keyComparer, seed, operations);
    }

    [Theory]
    [MemberData(nameof(RemovalCases))]
    public void DirtyOnlyRemovals_AcrossTheArrayWrapAround_KeepEveryKeyReachable(string keys, int defaultSeed)
    {
        int seed = TestEnvironment.Seed(defaultSeed);
        var random = new Random(seed);
        for (int size = 3; size < 200; size += 7)
        {
            // A fresh map's first stores all go to the dirty map (the read map stays empty and amended), so
            // LoadAndDelete removes each key from the dirty table itself by backward-shift deletion.
            var map = new SyncMap<int, int>(KeyComparer(keys));
            List<int> stored = Enumerable.Range(0, size).Select(_ => random.Next(1000)).Distinct().ToList();
            foreach (int key in stored)
            {
                map.Store(key, key);
            }

            map.AssertInvariants();
            List<int> order = stored.OrderBy(_ => random.Next()).ToList();

            // Fewer than half: each LoadAndDelete counts a miss, and the misses stay below the dirty map's size,
            // so no promotion happens and every removal is a dirty-only one.
            int removals = (stored.Count - 1) / 2;
            for (int i = 0; i < removals; i++)
            {
                string where = $"seed {seed}, comparer {keys}, {stored.Count} keys, removal {i} (key {order[i]})";
                Assert.True(map.LoadAndDelete(order[i], out int value), where);
                Assert.True(order[i] == value, $"{where}: loaded {value}");
                map.AssertInvariants();
                Assert.True(map.GetInternalState().DirtyCount is not null, $"{where}: the dirty map was promoted");
            }

            // Every key left is still found from its home bucket, and no removed key comes back.
            for (int i = 0; i < order.Count; i++)
            {
                bool found = map.Load(order[i], out int value);
                string where = $"seed {seed}, comparer {keys}, {stored.Count} keys, key {order[i]}";
                Assert.True(found == i >= removals, $"{where}: found {found}");
                Assert.True(!found || value == order[i], $"{where}: loaded {value}");
            }

            Assert.Equal(stored.Count - removals, map.Count);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void BucketIndex_IsTheHashModuloTheBucketCount_ForExtremeAndRandomHashes_AtManyPrimeSizes()
    {
        // The fast modulo (one multiply-high) against the % operator, checked through the library's own private functions.
        Type table = typeof(SyncMap<int, int>);
        MethodInfo bucketIndex = table.GetMethod("BucketIndex", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new XunitException("SyncMap has no BucketIndex(int hash, ulong multiplier, int count): update this test.");
        MethodInfo multiplierFor = table.GetMethod("FastModMultiplier", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new XunitException("SyncMap has no FastModMultiplier(int count): update this test.");
        MethodInfo primeAtLeast = table.GetMethod("PrimeAtLeast", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new XunitException("SyncMap has no PrimeAtLeast(int n): update this test.");
        var random = new Random(8);
        int[] hashes = [0, 1, -1, int.MaxValue, int.MinValue, 12345, -12345];
        foreach (int n in new[] { 0, 3, 4, 100, 1_000, 65_536, 1_000_000, 50_000_000 })
        {
            var count = (int)primeAtLeast.Invoke(null, [n])!;
            Assert.True(count >= Math.Max(n, 3), $"PrimeAtLeast({n}) = {count}");
            for (int d = 2; (long)d * d <= count; d++)
            {
                Assert.True(count % d != 0, $"PrimeAtLeast({n}) = {count} is divisible by {d}");
            }

            var multiplier = (ulong)multiplierFor.Invoke(null, [count])!;
            foreach (int hash in hashes.Concat(Enumerable.Range(0, 200).Select(_ => random.Next(int.MinValue, int.MaxValue))))
            {
                Assert.Equal((int)((uint)hash % (uint)count), (int)bucketIndex.Invoke(null, [hash, multiplier, count])!);
            }
        }
    }

    [Fact]
    public void ValueRepresentation_IsInline_ExactlyForValuesWithoutReferencesOfAtMostFourBytes()
    {
        // The differential test claims to cover both representations: check which one each of its value types gets.
        Assert.Equal("InlineEntry", EntryClassFor(1));
        Assert.Equal("InlineEntry", EntryClassFor(true));
        Assert.Equal("InlineEntry", EntryClassFor((byte)1));
        Assert.Equal("InlineEntry", EntryClassFor((short)1));
        Assert.Equal("InlineEntry", EntryClassFor('a'));
        Assert.Equal("InlineEntry", EntryClassFor(Small.C));
        Assert.Equal("InlineEntry", EntryClassFor(1f));
        Assert.Equal("InlineEntry", EntryClassFor(1u));
        Assert.Equal("RefEntry", EntryClassFor(1L));
        Assert.Equal("RefEntry", EntryClassFor(1d));
        Assert.Equal("RefEntry", EntryClassFor((int?)1));
        Assert.Equal("RefEntry", EntryClassFor(new S32 { A = 1 }));
        Assert.Equal("RefEntry", EntryClassFor("a"));
    }

    [Fact]
    public void InlineValues_ExtremeBitPatterns_RoundTripThroughDirtyAndReadMaps()
    {
        AssertRoundTrip([0, 1, -1, int.MinValue, int.MaxValue], EqualityComparer<int>.Default);
        AssertRoundTrip([uint.MaxValue, 0u, 1u << 31], EqualityComparer<uint>.Default);
        AssertRoundTrip([short.MinValue, (short)-1, short.MaxValue, (short)0], EqualityComparer<short>.Default);
        AssertRoundTrip([byte.MaxValue, (byte)0, (byte)0x80], EqualityComparer<byte>.Default);
        AssertRoundTrip([char.MaxValue, '\0', '\uD800'], EqualityComparer<char>.Default);
        AssertRoundTrip([Small.A, Small.C, (Small)255], EqualityComparer<Small>.Default);

        // Float bits compared exactly: NaN (the default one and one with a payload), -0.0 next to +0.0, infinities.
        AssertRoundTrip(
            [float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), -0.0f, 0.0f, float.NegativeInfinity, float.Epsilon],
            SameBits.Instance);
    }

    [Fact]
    public void InlineFloatValues_CompareByValueEquality_NegativeZeroMatchesZeroAndNaNMatchesNaN()
    {
        var map = new SyncMap<int, float>();
        map.Store(1, float.NaN);
        map.Store(2, -0.0f);

        // The default value comparer is float.Equals: -0.0 equals +0.0, and NaN equals NaN.
        Assert.True(map.CompareAndSwap(2, 0.0f, 5f));
        Assert.True(map.Load(2, out float swapped));
        Assert.Equal(5f, swapped);
        Assert.True(map.CompareAndDelete(1, BitConverter.Int32BitsToSingle(0x7FC0_1234)));
        Assert.False(map.Load(1, out _));
        map.AssertInvariants();
    }

    [Fact]
    public void CraftedFloodingKeys_AreDistinct_AndShareOneNonRandomizedHashCode()
    {
        List<string> keys = s_floodingKeys.Value;
        Assert.Equal(FloodingKeyCount, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, key => Assert.Equal((int)FloodingHash, NonRandomizedOrdinalComparer.Instance.GetHashCode(key)));
    }

    [Theory]
    [MemberData(nameof(FloodableComparers))]
    public void StringFlooding_SwitchesTheTableToTheRandomizedComparer_AndEveryKeyStaysReachable(string comparer)
    {
        IEqualityComparer<string>? userComparer = comparer == "null" ? null : StringComparer.Ordinal;
        List<string> keys = s_floodingKeys.Value;
        var map = new SyncMap<string, int>(userComparer);
        for (int i = 0; i < keys.Count; i++)
        {
            map.Store(keys[i], i);
        }

        map.AssertInvariants();
        SyncMap<string, int>.ProbeState stored = map.GetProbeState();
        Assert.True(stored.Dirty!.Value.Randomized, "the flooded dirty table still buckets by the non-randomized hash");
        Assert.Equal(RandomizedHashes(keys), stored.DirtyHashes!.Order());
        AssertEveryKeyHoldsItsIndex(map, keys);

        // Promote (Range), then a new key rebuilds the dirty map from the read table, with the read table's comparer.
        int visited = 0;
        map.Range((_, _) =>
        {
            visited++;
            return true;
        });
        Assert.Equal(keys.Count, visited);
        Assert.Equal(RandomizedHashes(keys), map.GetProbeState().ReadHashes.Order());
        map.Store("fresh", -1);
        map.AssertInvariants();
        SyncMap<string, int>.ProbeState rebuilt = map.GetProbeState();
        Assert.True(rebuilt.Dirty!.Value.Randomized, "the dirty table rebuilt from a randomized read table is not randomized");
        Assert.Equal(RandomizedHashes(keys.Append("fresh")), rebuilt.DirtyHashes!.Order());

        for (int i = 0; i < keys.Count; i += 3)
        {
            map.Delete(keys[i]);
        }

        map.AssertInvariants();
        int deleted = (keys.Count + 2) / 3;
        Assert.Equal(keys.Count - deleted + 1, map.Count);
        Assert.Same(userComparer ?? EqualityComparer<string>.Default, map.Comparer);
    }

    [Theory]
    [MemberData(nameof(FloodableComparers))]
    public void StringFlooding_AfterAPromotion_SwitchesOnlyTheDirtyTable_AndEveryKeyStaysReachable(string comparer)
    {
        IEqualityComparer<string>? userComparer = comparer == "null" ? null : StringComparer.Ordinal;
        List<string> keys = s_floodingKeys.Value;
        var map = new SyncMap<string, int>(userComparer);

        // 50 colliding keys make one chain of 50: the promoted read table keeps the non-randomized hash.
        const int Early = 50;
        for (int i = 0; i < Early; i++)
        {
            map.Store(keys[i], i);
        }

        map.Range(static (_, _) => true);
        Assert.All(map.GetProbeState().ReadHashes, hash => Assert.Equal((int)FloodingHash, hash));

        // The dirty table rebuilt from it floods and switches; the read table it came from does not change.
        for (int i = Early; i < keys.Count; i++)
        {
            map.Store(keys[i], i);
        }

        map.AssertInvariants();
        SyncMap<string, int>.ProbeState state = map.GetProbeState();
        Assert.All(state.ReadHashes, hash => Assert.Equal((int)FloodingHash, hash));
        Assert.Equal(RandomizedHashes(keys), state.DirtyHashes!.Order());
        Assert.True(state.Dirty!.Value.Randomized);
        Assert.False(state.Read.Randomized);
        AssertEveryKeyHoldsItsIndex(map, keys);

        // Promoted, the switched table serves every key from the read map.
        map.Range(static (_, _) => true);
        Assert.Null(map.GetInternalState().DirtyCount);
        Assert.Equal(RandomizedHashes(keys), map.GetProbeState().ReadHashes.Order());
        AssertEveryKeyHoldsItsIndex(map, keys);
        map.AssertInvariants();
    }

    [Fact]
    public void DirtyRebuild_IntoASmallerTable_ThatMergesTwoChainsPastTheLimit_SwitchesToTheRandomizedHash()
    {
        // Two groups of 60 string keys: one non-randomized hash H per group, H2 = H1 + 137. In the read table (sized for
        // 2,120 keys, a prime bucket count above 137) they form two chains of 60, under the limit of 100. Deleting the
        // 2,000 fillers and storing a new key rebuilds the dirty map sized from the 120 live keys: 137 buckets, where
        // the two hashes share a bucket, so the copy makes one chain of 120, which no insert walked. The rebuild must
        // check its chains and switch: the bound is on chain length however the chain came about.
        const int RebuiltBuckets = 137;
        List<string> group1 = KeysWithNonRandomizedHash(FloodingHash, 60);
        List<string> group2 = KeysWithNonRandomizedHash(FloodingHash + RebuiltBuckets, 60);
        List<string> fillers = Enumerable.Range(0, 2_000).Select(i => "filler" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        List<string> keys = [.. group1, .. group2];
        var map = new SyncMap<string, int>(keys.Concat(fillers).Select((key, index) => KeyValuePair.Create(key, index)).ToList());
        SyncMap<string, int>.ProbeState before = map.GetProbeState();
        Assert.False(before.Read.Randomized);
        Assert.True(before.Read.LongestChain <= 100, $"the read table has a chain of {before.Read.LongestChain}");
        foreach (string filler in fillers)
        {
            map.Delete(filler);
        }

        map.Store("fresh", -1);
        map.AssertInvariants();
        SyncMap<string, int>.ProbeState rebuilt = map.GetProbeState();
        Assert.True(rebuilt.Dirty!.Value.Buckets == RebuiltBuckets, $"premise: the rebuilt table has {rebuilt.Dirty.Value.Buckets} buckets, not {RebuiltBuckets}: choose the second hash again");
        Assert.True(rebuilt.Dirty.Value.Randomized, "the rebuilt table holds a chain of 120 non-randomized keys");
        Assert.True(rebuilt.Dirty.Value.LongestChain <= 100, $"longest chain {rebuilt.Dirty.Value.LongestChain}");

        // Promoted, the rebuilt table answers every lookup: each key is found, and storing one again adds nothing.
        map.Range(static (_, _) => true);
        AssertEveryKeyHoldsItsIndex(map, keys);
        map.Store(group2[1], 61);
        Assert.Equal(keys.Count + 1, map.Count);
        map.AssertInvariants();
    }

    [Theory]
    [MemberData(nameof(RemovalCases))]
    public void DirtyRebuild_DroppingDeletedKeys_AcrossTheArrayWrapAround_KeepsEveryKeyReachable(string keys, int defaultSeed)
    {
        int seed = TestEnvironment.Seed(defaultSeed);
        var random = new Random(seed);
        for (int size = 3; size < 200; size += 7)
        {
            // Promote a table, delete a random subset of its keys (N entries, still in the read table), then store a
            // new key: the rebuilt dirty table expunges the deleted entries and drops them from its buckets.
            var map = new SyncMap<int, int>(KeyComparer(keys));
            List<int> stored = Enumerable.Range(0, size).Select(_ => random.Next(1000)).Distinct().ToList();
            foreach (int key in stored)
            {
                map.Store(key, key);
            }

            map.Range(static (_, _) => true);
            var deleted = stored.Where(_ => random.Next(3) != 0).ToHashSet();
            foreach (int key in deleted)
            {
                map.Delete(key);
            }

            const int NewKey = 5000;
            map.Store(NewKey, NewKey);
            string where = $"seed {seed}, comparer {keys}, {stored.Count} keys, {deleted.Count} deleted";
            WithContext(where, map.AssertInvariants);
            Assert.True(map.GetInternalState().DirtyCount == stored.Count - deleted.Count + 1, $"{where}: dirty count");

            // Every key is looked up twice: through the read map (deleted keys expunged there), then, after the
            // promotion, through the rebuilt table alone.
            for (int pass = 0; pass < 2; pass++)
            {
                foreach (int key in stored)
                {
                    bool found = map.Load(key, out int value);
                    Assert.True(found != deleted.Contains(key), $"{where}, pass {pass}, key {key}: found {found}");
                    Assert.True(!found || value == key, $"{where}, pass {pass}, key {key}: loaded {value}");
                }

                Assert.True(map.Load(NewKey, out _), $"{where}, pass {pass}: the new key is missing");
                map.Range(static (_, _) => true);
            }

            Assert.Equal(stored.Count - deleted.Count + 1, map.Count);
            map.AssertInvariants();
        }
    }

    [Fact]
    public void ThrowingComparer_LeavesTheMapUnchangedAndConsistent()
    {
        var comparer = new ModComparer(5);
        var map = new SyncMap<int, int>(comparer);
        for (int i = 0; i < 40; i++)
        {
            map.Store(i, i);
        }

        map.Range(static (_, _) => true); // promote: the read map holds every key
        for (int i = 0; i < 40; i += 2)
        {
            map.Delete(i); // deleted (N) entries, expunged by the next dirty rebuild
        }

        (string Name, Action Run)[] operations =
        [
            ("Store(new key)", () => map.Store(100, 1)),
            ("Store(live key)", () => map.Store(3, 1)),
            ("Store(deleted key)", () => map.Store(2, 5)),
            ("Load(new key)", () => map.Load(100, out _)),
            ("LoadOrStore(new key)", () => map.LoadOrStore(101, 1, out _)),
            ("LoadOrStore(deleted key)", () => map.LoadOrStore(4, 4, out _)),
            ("Delete(live key)", () => map.Delete(3)),
            ("CompareAndSwap(live key)", () => map.CompareAndSwap(3, 3, 4)),
            ("CompareAndDelete(live key)", () => map.CompareAndDelete(5, 5)),
        ];

        // Round 0 runs with no dirty map; rounds 1 and 2 after a new key rebuilt it (expunging the deleted keys).
        for (int round = 0; round < 3; round++)
        {
            foreach ((string name, Action run) in operations)
            {
                KeyValuePair<int, int>[] before = SortedContents(map);
                comparer.Throws = true;
                InvalidOperationException thrown = Assert.Throws<InvalidOperationException>(run);
                comparer.Throws = false;
                Assert.StartsWith("comparer", thrown.Message, StringComparison.Ordinal);
                WithContext($"round {round}, {name}", map.AssertInvariants);
                Assert.Equal(before, SortedContents(map));
            }

            map.Store(200 + round, round);
            map.AssertInvariants();
        }
    }

    [Theory]
    [InlineData(1)]
    public void ConcurrentInlineStoresAndDeletes_LoseNothing_AndKeepCountExact(int defaultSeed)
    {
        int seed = TestEnvironment.Seed(defaultSeed);
        const int Threads = 4;
        const int SharedKeys = 128;

        // GOSYNC_STRESS_SCALE (see StressEnvironment) multiplies the operations for a soak run.
        int operations = StressEnvironment.Scaled(50_000);
        var map = new SyncMap<int, int>();

        // Shared keys 0..127 take racing Store/Delete/Load. Each thread also owns keys PrivateBase(t)+0..127, which only
        // it touches (LoadOrStore, LoadAndDelete), so it can predict every result exactly.
        var models = new Dictionary<int, int>[Threads];
        WithContext($"seed {seed}", () => Gate.Run(Threads, thread =>
        {
            var random = new Random(seed + thread);
            var model = new Dictionary<int, int>();
            models[thread] = model;
            for (int n = 0; n < operations; n++)
            {
                int k = random.Next(SharedKeys);
                int own = PrivateBase(thread) + k;
                switch (random.Next(5))
                {
                    case 0:
                        map.Store(k, n);
                        break;
                    case 1:
                        map.Delete(k);
                        break;
                    case 2:
                    {
                        int actual = map.LoadOrStore(own, n, out bool loaded);
                        bool had = model.TryGetValue(own, out int expected);
                        Assert.Equal(had, loaded);
                        Assert.Equal(had ? expected : n, actual);
                        model.TryAdd(own, n);
                        break;
                    }

                    case 3:
                    {
                        if (map.Load(k, out int seen))
                        {
                            Assert.InRange(seen, 0, operations - 1); // a value some thread stored, never a torn word
                        }

                        break;
                    }

                    default:
                    {
                        bool removed = map.LoadAndDelete(own, out int value);
                        bool present = model.Remove(own, out int modelled);
                        Assert.Equal(present, removed);
                        Assert.Equal(present ? modelled : 0, value);
                        break;
                    }
                }
            }
        }));

        map.AssertInvariants();
        KeyValuePair<int, int>[] contents = map.ToArray();
        Assert.Equal(contents.Length, map.Count);
        var expectedPrivate = models.SelectMany(model => model).OrderBy(pair => pair.Key);
        Assert.Equal(expectedPrivate, contents.Where(pair => pair.Key >= SharedKeys).OrderBy(pair => pair.Key));
        Assert.All(contents.Where(pair => pair.Key < SharedKeys), pair => Assert.InRange(pair.Value, 0, operations - 1));
    }

    [Fact]
    public void ProbeState_ShowsPromotionRebuildAndExpunge()
    {
        var map = new SyncMap<int, int>();
        SyncMap<int, int>.ProbeState empty = map.GetProbeState();

        // New keys go to a new dirty table; the read map stays the shared empty one.
        map.Store(1, 1);
        map.Store(2, 2);
        SyncMap<int, int>.ProbeState amended = map.GetProbeState();
        Assert.NotNull(amended.DirtyTable);
        Assert.Same(empty.ReadTable, amended.ReadTable);
        Assert.Same(amended.EmptyReadTable, amended.ReadTable);

        // Promotion: the read map takes over the dirty table's arrays (O(1), nothing copied), so its identity is that
        // dirty table.
        map.Range(static (_, _) => true);
        SyncMap<int, int>.ProbeState promoted = map.GetProbeState();
        Assert.Null(promoted.DirtyTable);
        Assert.NotSame(amended.ReadTable, promoted.ReadTable);
        Assert.Same(amended.DirtyTable, promoted.ReadTable);
        Assert.Equal(2, promoted.ReadEntries.Length);
        Assert.Equal(new[] { 1, 2 }, promoted.ReadHashes.Order());

        // A new key after a delete: a new dirty table without the deleted key, whose read entry is expunged.
        map.Delete(1);
        map.Store(3, 3);
        SyncMap<int, int>.ProbeState rebuilt = map.GetProbeState();
        Assert.Same(promoted.ReadTable, rebuilt.ReadTable);
        Assert.NotNull(rebuilt.DirtyTable);
        Assert.NotSame(amended.DirtyTable, rebuilt.DirtyTable);
        Assert.Single(rebuilt.ReadEntries, entry => entry.Expunged);
        Assert.Equal(new[] { 2, 3 }, rebuilt.DirtyHashes!.Order());

        // Storing the expunged key again un-expunges its entry (and puts it back in the dirty table).
        map.Store(1, 5);
        SyncMap<int, int>.ProbeState restored = map.GetProbeState();
        Assert.DoesNotContain(restored.ReadEntries, entry => entry.Expunged);
        Assert.Equal(new[] { 1, 2, 3 }, restored.DirtyHashes!.Order());
        map.AssertInvariants();
    }

    [Fact]
    public void NonRandomizedOrdinalComparer_MatchesTheRuntimesNonRandomizedHash_ForEveryLengthUpTo99()
    {
        // string.GetNonRandomizedHashCode is what Dictionary<string, T> starts with; ours must give the same results.
        MethodInfo runtimeHash = typeof(string).GetMethod("GetNonRandomizedHashCode", BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes)
            ?? throw new XunitException("This runtime has no string.GetNonRandomizedHashCode(): compare against its replacement.");
        const int Seed = 5;
        var random = new Random(Seed);
        for (int length = 0; length < 100; length++)
        {
            for (int sample = 0; sample < 20; sample++)
            {
                var text = new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(1, 65536)).ToArray());
                var expected = (int)runtimeHash.Invoke(text, null)!;
                int actual = NonRandomizedOrdinalComparer.Instance.GetHashCode(text);
                Assert.True(expected == actual, $"seed {Seed}, length {length}, sample {sample}: runtime {expected}, ours {actual}");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The differential run

    private static void RunValueKind(string values, IEqualityComparer<int>? keyComparer, int seed, int operations)
    {
        switch (values)
        {
            case "int":
                Differential(i => (i - 500) * 4_000_000, EqualityComparer<int>.Default, keyComparer, seed, 64, operations);
                break;
            case "bool":
                Differential(i => i % 2 == 0, EqualityComparer<bool>.Default, keyComparer, seed, 64, operations);
                break;
            case "byte":
                // More keys than the others: the table grows to 1024 buckets.
                Differential(i => (byte)i, EqualityComparer<byte>.Default, keyComparer, seed, 300, operations);
                break;
            case "short":
                Differential(i => (short)-i, EqualityComparer<short>.Default, keyComparer, seed, 64, operations);
                break;
            case "char":
                Differential(i => (char)(i * 64), EqualityComparer<char>.Default, keyComparer, seed, 64, operations);
                break;
            case "byte enum":
                Differential(i => (Small)(i % 3 == 2 ? 200 : i % 3), EqualityComparer<Small>.Default, keyComparer, seed, 64, operations);
                break;
            case "float":
                Differential(FloatValue, SameBits.Instance, keyComparer, seed, 64, operations);
                break;
            case "long":
                Differential(i => ((long)i << 40) - i, EqualityComparer<long>.Default, keyComparer, seed, 64, operations);
                break;
            case "double":
                Differential(DoubleValue, SameBits.Instance, keyComparer, seed, 64, operations);
                break;
            case "int?":
                Differential(i => i % 4 == 0 ? (int?)null : i, EqualityComparer<int?>.Default, keyComparer, seed, 64, operations);
                break;
            case "32-byte struct":
                Differential(StructValue, EqualityComparer<S32>.Default, keyComparer, seed, 64, operations);
                break;
            case "string":
                Differential(StringValue, StringComparer.Ordinal, keyComparer, seed, 64, operations);
                break;
            case "nullable string":
                Differential(NullableStringValue, StringComparer.Ordinal, keyComparer, seed, 64, operations);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(values), values, "unknown value kind");
        }
    }

    // Mostly ordinary floats, and one in ten each of: NaN with varying payloads, -0.0 and +0.0, whose bits must survive.
    private static float FloatValue(int i) => (i % 10) switch
    {
        0 => BitConverter.Int32BitsToSingle(0x7FC0_0000 | i),
        1 => -0.0f,
        2 => 0.0f,
        _ => i / 3f,
    };

    private static double DoubleValue(int i) => (i % 10) switch
    {
        0 => BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000 | (uint)i),
        1 => -0.0,
        2 => 0.0,
        _ => i / 3.0,
    };

    // All four fields distinct, so a value mixed from two stores would not compare equal to either.
    private static S32 StructValue(int i) => new() { A = i, B = ~i, C = (long)i << 33, D = -i };

    private static string StringValue(int i) => i.ToString(CultureInfo.InvariantCulture);

    // One in five is null, which the map stores as a value distinct from absence.
    private static string? NullableStringValue(int i) => i % 5 == 0 ? null : StringValue(i);

    /// <summary>
    /// Runs <paramref name="operations"/> random operations on a SyncMap and a Dictionary and checks that every result
    /// agrees. Results (loaded values) are compared with <paramref name="sameValue"/>, which for floating point compares
    /// the bits, so a value must come back exactly as it was stored; CompareAndSwap/CompareAndDelete expectations use
    /// the map's own value semantics (EqualityComparer&lt;TValue&gt;.Default).
    /// </summary>
    private static void Differential<TValue>(
        Func<int, TValue> valueOf,
        IEqualityComparer<TValue> sameValue,
        IEqualityComparer<int>? keyComparer,
        int seed,
        int keyRange,
        int operations)
    {
        var random = new Random(seed);
        var map = new SyncMap<int, TValue>(keyComparer);
        var reference = new Dictionary<int, TValue>();
        EqualityComparer<TValue> mapEquality = EqualityComparer<TValue>.Default;
        int step = 0;
        int operation = -1;
        try
        {
            for (; step < operations; step++)
            {
                int key = random.Next(keyRange);
                TValue value = valueOf(random.Next(1000));
                operation = random.Next(9);
                switch (operation)
                {
                    case 0:
                    {
                        bool found = map.Load(key, out TValue? loaded);
                        bool expected = reference.TryGetValue(key, out TValue? current);
                        Assert.Equal(expected, found);
                        Assert.True(!found || sameValue.Equals(current, loaded), "Load returned another value");
                        break;
                    }

                    case 1:
                        map.Store(key, value);
                        reference[key] = value;
                        break;
                    case 2:
                    {
                        TValue actual = map.LoadOrStore(key, value, out bool loaded);
                        Assert.Equal(reference.ContainsKey(key), loaded);
                        reference.TryAdd(key, value);
                        Assert.True(sameValue.Equals(reference[key], actual), "LoadOrStore returned another value");
                        break;
                    }

                    case 3:
                    {
                        bool deleted = map.LoadAndDelete(key, out TValue? loaded);
                        bool expected = reference.Remove(key, out TValue? current);
                        Assert.Equal(expected, deleted);
                        Assert.True(!deleted || sameValue.Equals(current, loaded), "LoadAndDelete returned another value");
                        break;
                    }

                    case 4:
                    {
                        bool loaded = map.Swap(key, value, out TValue? previous);
                        bool expected = reference.TryGetValue(key, out TValue? current);
                        reference[key] = value;
                        Assert.Equal(expected, loaded);
                        Assert.True(!loaded || sameValue.Equals(current, previous), "Swap returned another previous value");
                        break;
                    }

                    case 5:
                    {
                        TValue old = OldValue(random, reference, key, valueOf);
                        bool expected = reference.TryGetValue(key, out TValue? current) && mapEquality.Equals(current, old);
                        Assert.Equal(expected, map.CompareAndSwap(key, old, value));
                        if (expected)
                        {
                            reference[key] = value;
                        }

                        break;
                    }

                    case 6:
                    {
                        TValue old = OldValue(random, reference, key, valueOf);
                        bool expected = reference.TryGetValue(key, out TValue? current) && mapEquality.Equals(current, old);
                        Assert.Equal(expected, map.CompareAndDelete(key, old));
                        if (expected)
                        {
                            reference.Remove(key);
                        }

                        break;
                    }

                    case 7:
                        if (random.Next(50) == 0)
                        {
                            map.Clear();
                            reference.Clear();
                        }
                        else
                        {
                            AssertRangeVisitsExactly(map, reference, sameValue);
                        }

                        break;
                    default:
                    {
                        bool present = reference.TryGetValue(key, out TValue? current);
                        bool updated = false;
                        TValue result = map.AddOrUpdate(key, value, (_, old) =>
                        {
                            Assert.True(present && sameValue.Equals(current, old), "AddOrUpdate's update factory saw another value");
                            updated = true;
                            return value;
                        });
                        Assert.Equal(present, updated);
                        reference[key] = value;
                        Assert.True(sameValue.Equals(value, result), "AddOrUpdate returned another value");
                        break;
                    }
                }

                Assert.Equal(reference.Count, map.Count);
                if (step % 50 == 0)
                {
                    map.AssertInvariants();
                }
            }

            map.AssertInvariants();
            KeyValuePair<int, TValue>[] contents = map.ToArray().OrderBy(pair => pair.Key).ToArray();
            Assert.Equal(reference.Keys.Order(), contents.Select(pair => pair.Key));
            Assert.All(contents, pair => Assert.True(sameValue.Equals(reference[pair.Key], pair.Value), $"key {pair.Key} holds another value"));
        }
        catch (Exception failure)
        {
            throw new XunitException(
                $"{typeof(TValue).Name} values, seed {seed} (replay: GOSYNC_SEED={seed}): step {step} (operation {operation}) failed.",
                failure);
        }
    }

    // The comparand of CompareAndSwap/CompareAndDelete: half the time the current value (when there is one), else random.
    private static TValue OldValue<TValue>(Random random, Dictionary<int, TValue> reference, int key, Func<int, TValue> valueOf)
    {
        TValue old = valueOf(random.Next(1000));
        return random.Next(2) == 0 && reference.TryGetValue(key, out TValue? current) ? current : old;
    }

    // Range visits every key of the reference once, with its value.
    private static void AssertRangeVisitsExactly<TValue>(
        SyncMap<int, TValue> map,
        Dictionary<int, TValue> reference,
        IEqualityComparer<TValue> sameValue)
    {
        var visited = new HashSet<int>();
        map.Range((key, value) =>
        {
            Assert.True(visited.Add(key), $"Range visited key {key} twice");
            Assert.True(reference.TryGetValue(key, out TValue? expected), $"Range visited absent key {key}");
            Assert.True(sameValue.Equals(expected, value), $"Range gave key {key} another value");
            return true;
        });
        Assert.Equal(reference.Count, visited.Count);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    private static IEqualityComparer<int>? KeyComparer(string name) => name switch
    {
        "default" => null,
        "mod 7" => new ModComparer(7),
        "mod 2" => new ModComparer(2),
        "mod 1" => new ModComparer(1),
        "wrap-around" => new WrapAroundComparer(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown key comparer"),
    };

    private static int PrivateBase(int thread) => 1000 * (thread + 1);

    // Which Entry subclass holds a value of type TValue, read from a promoted map's only entry.
    private static string EntryClassFor<TValue>(TValue value)
    {
        var map = new SyncMap<int, TValue>();
        map.Store(0, value);
        map.Range(static (_, _) => true);
        return map.GetProbeState().ReadEntries.Single().Entry.GetType().Name;
    }

    // Each value stored under its index comes back bit for bit from the dirty map, from the read map after a
    // promotion, and as the previous value of a Swap.
    private static void AssertRoundTrip<TValue>(TValue[] values, IEqualityComparer<TValue> sameValue)
    {
        var map = new SyncMap<int, TValue>();
        for (int i = 0; i < values.Length; i++)
        {
            map.Store(i, values[i]);
        }

        AssertHolds(map, values, sameValue, "dirty map");
        map.Range(static (_, _) => true);
        Assert.Null(map.GetInternalState().DirtyCount);
        AssertHolds(map, values, sameValue, "read map");
        for (int i = 0; i < values.Length; i++)
        {
            TValue next = values[(i + 1) % values.Length];
            Assert.True(map.Swap(i, next, out TValue? previous));
            Assert.True(sameValue.Equals(values[i], previous), $"{typeof(TValue).Name} #{i}: Swap returned another previous value");
        }

        AssertHolds(map, [.. values.Skip(1), values[0]], sameValue, "after Swap");
        map.AssertInvariants();
    }

    private static void AssertHolds<TValue>(SyncMap<int, TValue> map, TValue[] values, IEqualityComparer<TValue> sameValue, string where)
    {
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(map.Load(i, out TValue? loaded), $"{typeof(TValue).Name} #{i} missing ({where})");
            Assert.True(sameValue.Equals(values[i], loaded), $"{typeof(TValue).Name} #{i}: stored {values[i]}, loaded {loaded} ({where})");
        }
    }

    private static KeyValuePair<int, int>[] SortedContents(SyncMap<int, int> map) => map.ToArray().OrderBy(pair => pair.Key).ToArray();

    private static void WithContext(string context, Action check)
    {
        try
        {
            check();
        }
        catch (Exception failure)
        {
            throw new XunitException($"{context}: {failure.Message}", failure);
        }
    }

    // The hashes the randomized comparer gives the keys, sorted (tables store hashes in bucket order).
    private static IEnumerable<int> RandomizedHashes(IEnumerable<string> keys) =>
        keys.Select(EqualityComparer<string>.Default.GetHashCode).Order();

    private static void AssertEveryKeyHoldsItsIndex(SyncMap<string, int> map, List<string> keys)
    {
        for (int i = 0; i < keys.Count; i++)
        {
            Assert.True(map.Load(keys[i], out int value), $"colliding key #{i} not found");
            Assert.True(value == i, $"colliding key #{i} holds {value}");
        }
    }

    /// <summary>
    /// <paramref name="count"/> distinct length-4 strings whose non-randomized hash code is <paramref name="hash"/>.
    /// A length-4 string is two 32-bit pairs p0 and p1 of chars, and the hash is <c>(A ^ p0) + (A ^ p1) * 1566083941</c>
    /// with the constant <c>A = rotl(K, 5) + K</c>, <c>K = (5381 &lt;&lt; 16) + 5381</c> (both lanes start from K).
    /// Choosing p1 = 1, 2, 3, ... and solving for p0 gives as many distinct keys as needed.
    /// </summary>
    private static List<string> KeysWithNonRandomizedHash(uint hash, int count)
    {
        const uint K = (5381u << 16) + 5381u;
        uint a = BitOperations.RotateLeft(K, 5) + K;
        var keys = new List<string>(count);
        for (uint p1 = 1; keys.Count < count; p1++)
        {
            uint p0 = unchecked(hash - ((a ^ p1) * 1566083941u)) ^ a;
            keys.Add(new string([(char)(p0 & 0xFFFF), (char)(p0 >> 16), (char)(p1 & 0xFFFF), (char)(p1 >> 16)]));
        }

        return keys;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Test types

    /// <summary>A one-byte enum (inline), with a value above 127 to catch sign extension.</summary>
    private enum Small : byte
    {
        A,
        B,
        C = 200,
    }

    /// <summary>A 32-byte struct: boxed, replaced as a whole.</summary>
    private struct S32 : IEquatable<S32>
    {
        public long A;
        public long B;
        public long C;
        public long D;

        public readonly bool Equals(S32 other) => A == other.A && B == other.B && C == other.C && D == other.D;

        public override readonly bool Equals(object? obj) => obj is S32 other && Equals(other);

        public override readonly int GetHashCode() => HashCode.Combine(A, B, C, D);
    }

    /// <summary>
    /// Integer keys hashing to <c>key % modulus</c>: with modulus 1 every key collides (one cluster holds the whole
    /// table), with 2 there are two clusters, with 7 many collisions; key equality stays ordinary. Can be made to throw.
    /// </summary>
    private sealed class ModComparer(int modulus) : IEqualityComparer<int>
    {
        public bool Throws { get; set; }

        public bool Equals(int x, int y) => Throws ? throw new InvalidOperationException("comparer Equals") : x == y;

        public int GetHashCode(int obj) => Throws ? throw new InvalidOperationException("comparer GetHashCode") : obj % modulus;
    }

    /// <summary>
    /// Keys divisible by 3 hash to <see cref="LastBucketHash"/>, whose home is the last bucket at every table size, so
    /// their cluster wraps around to bucket 0, where the keys with remainder 1 live (hash 0, whose home is bucket 0 at
    /// every size). Removing any of them must shift keys back across the end of the array. Other keys hash to themselves.
    /// </summary>
    private sealed class WrapAroundComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => (obj % 3) switch
        {
            0 => LastBucketHash,
            1 => 0,
            _ => obj,
        };
    }

    /// <summary>Floating-point equality by bits: -0.0 differs from +0.0, and NaNs are equal only with the same payload.</summary>
    private sealed class SameBits : IEqualityComparer<float>, IEqualityComparer<double>
    {
        public static readonly SameBits Instance = new();

        public bool Equals(float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y);

        public int GetHashCode(float obj) => BitConverter.SingleToInt32Bits(obj);

        public bool Equals(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);

        public int GetHashCode(double obj) => BitConverter.DoubleToInt64Bits(obj).GetHashCode();
    }
}
