// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using GoSync.Tests.BadInput;

namespace GoSync.Tests.Core;

/// <summary>
/// The alternate-key lookup (string keys through ReadOnlySpan&lt;char&gt;): every member, with the default, ordinal and
/// ordinal-ignore-case comparers, on read-map, dirty-only and randomized (flooded) tables; hits allocate nothing; an
/// add creates the key once.
/// </summary>
public sealed class AlternateLookupTests
{
    public static TheoryData<string> Comparers => new() { "default", "ordinal", "ignore-case" };

    private static SyncMap<string, int> NewMap(string comparer) => comparer switch
    {
        "default" => new SyncMap<string, int>(),
        "ordinal" => new SyncMap<string, int>(StringComparer.Ordinal),
        _ => new SyncMap<string, int>(StringComparer.OrdinalIgnoreCase),
    };

    [Theory]
    [MemberData(nameof(Comparers))]
    public void EveryMember_ReadsAndWritesTheMap(string comparer)
    {
        SyncMap<string, int> map = NewMap(comparer);
        Assert.True(map.TryGetAlternateLookup(out SyncMap<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup));
        Assert.Same(map, lookup.Dictionary);
        string stored = "alpha";
        map.Store(stored, 1);
        string probe = comparer == "ignore-case" ? "ALPHA" : "alpha";

        for (int pass = 0; pass < 2; pass++)
        {
            // Pass 0: key 'alpha' only in the dirty map (locked path); pass 1: promoted to the read map.
            Assert.True(lookup.TryGetValue(probe.AsSpan(), out int value));
            Assert.Equal(1, value);
            Assert.True(lookup.TryGetValue(probe.AsSpan(), out string? actual, out value));
            Assert.Same(stored, actual);
            Assert.True(lookup.ContainsKey(probe.AsSpan()));
            Assert.Equal(1, lookup[probe.AsSpan()]);
            Assert.False(lookup.TryAdd(probe.AsSpan(), 2));
            Assert.Equal(1, lookup.GetOrAdd(probe.AsSpan(), 3));
            Assert.Equal(1, lookup.LoadOrStore(probe.AsSpan(), 4, out bool loaded));
            Assert.True(loaded);
            Assert.Equal(1, lookup.LoadOrCompute(probe.AsSpan(), static _ => throw new InvalidOperationException("must not run")));
            Assert.False(lookup.ContainsKey("beta".AsSpan()));
            Assert.Throws<KeyNotFoundException>(() => lookup["beta".AsSpan()]);
            map.Range((_, _) => true); // promote
        }

        lookup[probe.AsSpan()] = 5;
        Assert.Equal(5, map[stored]);
        lookup.Store("gamma".AsSpan(), 6);
        Assert.Equal(6, map["gamma"]);
        Assert.True(lookup.TryAdd("delta".AsSpan(), 7));
        Assert.Equal(8, lookup.GetOrAdd("epsilon".AsSpan(), 8));
        Assert.Equal(9, lookup.LoadOrStore("zeta".AsSpan(), 9, out bool zetaLoaded));
        Assert.False(zetaLoaded);
        Assert.Equal(10, lookup.LoadOrCompute("eta".AsSpan(), static k => k.Length + 7));
        Assert.Equal(6, map.Count);

        Assert.True(lookup.TryRemove(probe.AsSpan(), out string? removedKey, out int removed));
        Assert.Same(stored, removedKey);
        Assert.Equal(5, removed);
        Assert.True(lookup.TryRemove("gamma".AsSpan(), out removed));
        Assert.Equal(6, removed);
        Assert.True(lookup.LoadAndDelete("delta".AsSpan(), out removed));
        Assert.Equal(7, removed);
        Assert.False(lookup.LoadAndDelete("delta".AsSpan(), out _));
        Assert.False(lookup.TryRemove("nothing".AsSpan(), out _, out _));
        Assert.Equal(3, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void IgnoreCase_FindsTheStoredSpelling()
    {
        var map = new SyncMap<string, int>(StringComparer.OrdinalIgnoreCase);
        var lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
        lookup["Key"] = 1;
        lookup["KEY"] = 2;
        Assert.Equal(1, map.Count);
        Assert.True(lookup.TryGetValue("key".AsSpan(), out string? actual, out int value));
        Assert.Equal("Key", actual);
        Assert.Equal(2, value);
    }

    [Fact]
    public void AComparerWithoutAlternateSupport_GivesNoLookup()
    {
        var map = new SyncMap<string, int>(new PlainComparer());
        Assert.False(map.TryGetAlternateLookup<ReadOnlySpan<char>>(out _));
        Assert.Throws<InvalidOperationException>(() => map.GetAlternateLookup<ReadOnlySpan<char>>());
        var intMap = new SyncMap<int, int>();
        Assert.False(intMap.TryGetAlternateLookup<ReadOnlySpan<char>>(out _));
    }

    [Fact]
    public void AnAdd_CreatesTheKeyOnce_AndAHitCreatesNone()
    {
        var comparer = new CountingComparer();
        var map = new SyncMap<string, int>(comparer);
        var lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
        Assert.True(lookup.TryAdd("a".AsSpan(), 1));
        Assert.Equal(1, comparer.Created);
        lookup.Store("b".AsSpan(), 2);
        lookup.GetOrAdd("c".AsSpan(), 3);
        lookup.LoadOrStore("d".AsSpan(), 4, out _);
        lookup.LoadOrCompute("e".AsSpan(), static _ => 5);
        Assert.Equal(5, comparer.Created);
        foreach (string key in new[] { "a", "b", "c", "d", "e" })
        {
            lookup.Store(key.AsSpan(), 9);
            lookup.TryAdd(key.AsSpan(), 9);
            lookup.GetOrAdd(key.AsSpan(), 9);
            lookup.LoadOrCompute(key.AsSpan(), static _ => 9);
        }

        Assert.Equal(5, comparer.Created);
        Assert.Equal(5, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void ARandomizedTable_StillFindsEveryKeyByItsCharacters()
    {
        // Colliding keys switch the table to the randomized hash; the alternate lookup must bucket the same way.
        var map = new SyncMap<string, int>();
        string[] keys = HashFloodingTests.CollidingKeys(150);
        for (int i = 0; i < keys.Length; i++)
        {
            map.Store(keys[i], i);
        }

        map.Range((_, _) => true); // promote: the read table is the randomized one
        map.Store("fresh", -1); // and a dirty map rebuilt from it
        Assert.True(map.GetProbeState().Read.Randomized);
        var lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.True(lookup.TryGetValue(keys[i].ToCharArray(), out int value));
            Assert.Equal(i, value);
        }

        Assert.Equal(-1, lookup["fresh".AsSpan()]);
        Assert.True(lookup.TryAdd("new".AsSpan(), 7));
        Assert.Equal(7, map["new"]);
        map.AssertInvariants();
    }

    [Theory]
    [MemberData(nameof(Comparers))]
    public void EveryReadPath_OnAHit_AllocatesNothing(string comparer)
    {
        SyncMap<string, int> map = NewMap(comparer);
        string[] keys = new string[64];
        char[][] probes = new char[64][];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = "key" + i;
            probes[i] = keys[i].ToCharArray();
            map.Store(keys[i], i);
        }

        var lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
        int sum = Round(); // warm up every call site; the dirty-only hits promote the map
        sum += Round();
        // Some window of 50 rounds, out of at most three, allocates 0 bytes: an allocation made by every call shows in
        // every window; a one-off of the runtime's on this thread (JIT tiering, seen once in a full run) does not recur.
        long bytes = long.MaxValue;
        for (int window = 0; window < 3 && bytes != 0; window++)
        {
            sum = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int r = 0; r < 50; r++)
            {
                sum += Round();
            }

            bytes = Math.Min(bytes, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(50 * 9 * (63 * 64 / 2), sum);
        }

        Assert.Equal(0, bytes);

        int Round()
        {
            int total = 0;
            for (int i = 0; i < probes.Length; i++)
            {
                ReadOnlySpan<char> k = probes[i];
                total += lookup.TryGetValue(k, out int v) ? v : -1000;
                total += lookup.TryGetValue(k, out _, out v) ? v : -1000;
                total += lookup.ContainsKey(k) ? i : -1000;
                total += lookup[k];
                total += lookup.GetOrAdd(k, -1);
                total += lookup.LoadOrStore(k, -1, out _);
                total += lookup.LoadOrCompute(k, static _ => -1);
                total += lookup.TryAdd(k, -1) ? -1000 : i;
                lookup.Store(k, i); // an int value is stored inline: no box
                total += i;
            }

            return total;
        }
    }

    private sealed class PlainComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => obj.Length;
    }

    private sealed class CountingComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<char>, string>
    {
        public int Created { get; private set; }

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => string.GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<char> alternate, string other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

        public string Create(ReadOnlySpan<char> alternate)
        {
            Created++;
            return alternate.ToString();
        }
    }
}
