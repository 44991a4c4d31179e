// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Reflection;
using Xunit.Abstractions;

namespace GoSync.Tests.BadInput;

/// <summary>
/// Hash flooding: 100,000 string keys that all share one hash code under .NET's non-randomised
/// string hash still insert and look up with close to linear work overall, because SyncMap keeps
/// string keys in <see cref="Dictionary{TKey, TValue}"/>s built with the default (or ordinal)
/// comparer, which start with the fast non-randomised hash and switch to the randomised one after
/// 100 collisions in one bucket. A SyncMap that wrapped or replaced the comparer would lose that
/// defence, and this test would see every key in one chain.
/// </summary>
/// <remarks>
/// <para>
/// <b>The keys.</b> The non-randomised hash (string.GetNonRandomizedHashCode in dotnet/runtime)
/// keeps two 32-bit states, h1 and h2, both starting at (5381 &lt;&lt; 16) + 5381. It reads the
/// string two chars (one 32-bit word) at a time, alternately into h1 and h2:
/// h = (rotl(h, 5) + h) ^ word, and returns h1 + h2 * 1566083941. For an 8-char string, h1 takes
/// words 0 and 2 and h2 words 1 and 3. Since the last step is an xor with a freely chosen word,
/// any first word w0 can be completed into a given final state T: w2 = T ^ f(f(h0) ^ w0), where
/// f(h) = rotl(h, 5) + h. Choosing the first chars freely (printable ASCII) and computing the last
/// ones gives as many 8-char strings as wanted with the same (h1, h2), hence the same hash code;
/// those whose computed chars are UTF-16 surrogates are skipped, so every key is well-formed text.
/// The test checks each key against the runtime's own function, so a change of the runtime's hash
/// makes it fail loudly instead of silently testing nothing.
/// </para>
/// <para>
/// <b>The counted work.</b> The comparer that does the work is the Dictionary's internal one,
/// which cannot be observed from outside. But the work it does is fixed by the table: a lookup
/// compares the cached hash code of each entry in its bucket's chain and calls Equals only when
/// the codes are equal, so finding each of the m keys that share one stored hash code once costs
/// exactly 1 + 2 + ... + m = m(m+1)/2 Equals calls, whatever their order in the chain. The test
/// reads the stored hash codes of every Dictionary inside the map (reflection on SyncMap's
/// <c>_read.Map</c> and <c>_dirty</c>, and on Dictionary's <c>_entries</c>) and sums m(m+1)/2 over
/// the groups. With one shared code that sum is n(n+1)/2 = 5e9 for 100,000 keys; with randomised
/// codes it is about n. Inserting a new key costs one Equals call per entry of equal code already
/// there, so the same measure taken early (after 128 inserts) and at intervals bounds the insert
/// work too: at most 128 * 127 / 2 calls before the switch, about one per insert after it. <see cref="StructuralMeasure_EqualsCountedComparerCalls"/> shows, with a
/// comparer that can be counted, that the measure equals the Equals calls actually made; and that it
/// reports the quadratic cost when the hash cannot switch.
/// </para>
/// </remarks>
public sealed class HashFloodingTests
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly Func<string, int> s_nonRandomizedHash = CreateNonRandomizedHash();
    private readonly ITestOutputHelper _output;

    public HashFloodingTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Comparers => new() { "null", "EqualityComparer<string>.Default", "StringComparer.Ordinal" };

    [Theory]
    [MemberData(nameof(Comparers))]
    public void HashFlooding_100KCollidingKeys_InsertAndLookUpWithLinearComparerWork(string comparerName)
    {
        int n = 100_000; // fixed, not scaled: the point is the work per key, not the volume
        IEqualityComparer<string>? comparer = comparerName switch
        {
            "null" => null,
            "StringComparer.Ordinal" => StringComparer.Ordinal,
            _ => EqualityComparer<string>.Default,
        };
        string[] keys = CollidingKeys(n);
        var map = new SyncMap<string, int>(comparer);

        // Insert everything (all new keys: they go to the dirty map), checking the work on the way.
        // The check after 128 inserts shows the table already switched to randomised hashes (else
        // its 128 keys would share one code): so those first inserts cost at most 128 * 127 / 2
        // Equals calls, and every later insert compares only against keys of equal randomised
        // code, which the later checks show to be about none (a table never switches back).
        for (int i = 0; i < n; i++)
        {
            map.Store(keys[i], i);
            if (i + 1 == 128 || (i + 1) % 20_000 == 0)
            {
                AssertLinearWork(map, $"after {i + 1} inserts");
            }
        }

        // Look every key up: the misses promote the dirty map to be the read map.
        for (int i = 0; i < n; i++)
        {
            Assert.True(map.TryGetValue(keys[i], out int value) && value == i, $"key {i} lost");
        }

        AssertLinearWork(map, "after the lookups (promoted)");

        // A new key after the promotion copies the read map into a new dirty map: rebuilt with the
        // default comparer again, that copy must switch to the randomised hash too.
        map.Delete(keys[0]);
        map.Store("one more", -1);
        AssertLinearWork(map, "after the dirty rebuild");
        for (int i = 1; i < n; i++)
        {
            Assert.True(map.Load(keys[i], out int value) && value == i, $"key {i} lost after the rebuild");
        }

        Assert.Equal(n, map.Count);
        map.AssertInvariants();
    }

    [Fact]
    public void StructuralMeasure_EqualsCountedComparerCalls_AndIsQuadraticWhenTheHashCannotSwitch()
    {
        // A user comparer that uses the same non-randomised hash cannot switch, so every key
        // shares one chain. Its Equals calls can be counted: the measure must equal them exactly.
        const int N = 2_000;
        string[] keys = CollidingKeys(N);
        var comparer = new CountingNonRandomizedComparer();
        var map = new SyncMap<string, int>(comparer);
        for (int i = 0; i < N; i++)
        {
            map.Store(keys[i], i);
        }

        map.Range((_, _) => true); // promote: every key in the read map, no dirty map
        comparer.EqualsCalls = 0;
        for (int i = 0; i < N; i++)
        {
            Assert.True(map.TryGetValue(keys[i], out _));
        }

        long measured = LookupWork(ReadMap(map));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{N} keys in one chain: {comparer.EqualsCalls} Equals calls counted, {measured} by the structural measure."));
        Assert.Equal(comparer.EqualsCalls, measured);
        Assert.Equal((long)N * (N + 1) / 2, measured);
    }

    [Fact]
    public void CollidingKeys_AllShareOneNonRandomizedHashCode()
    {
        string[] keys = CollidingKeys(5_000);
        Assert.Equal(5_000, keys.Distinct(StringComparer.Ordinal).Count());
        int first = s_nonRandomizedHash(keys[0]);
        Assert.All(keys, k => Assert.Equal(first, s_nonRandomizedHash(k)));
        Assert.All(keys, k => Assert.DoesNotContain(k, char.IsSurrogate));
    }

    // Asserts that looking up every key of every Dictionary inside the map once costs at most 2n Equals calls.
    private void AssertLinearWork(SyncMap<string, int> map, string when)
    {
        foreach ((string name, int[] hashes) in Dictionaries(map))
        {
            int count = hashes.Length;
            long work = LookupWork(hashes);
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{when}: {name} holds {count} keys; looking each up once costs {work} Equals calls."));
            Assert.True(work <= 2L * Math.Max(count, 1), $"{when}: {name} holds {count} keys but looking each up once costs {work} Equals calls: its keys share hash codes (flooded).");
        }
    }

    // Sum over groups of entries sharing a stored hash code of m(m+1)/2 (see the class remarks).
    private static long LookupWork(int[] hashes)
    {
        var groups = new Dictionary<int, long>();
        foreach (int code in hashes)
        {
            groups[code] = groups.GetValueOrDefault(code) + 1;
        }

        return groups.Values.Sum(m => m * (m + 1) / 2);
    }

    private static IEnumerable<(string Name, int[] Hashes)> Dictionaries(SyncMap<string, int> map)
    {
        SyncMap<string, int>.ProbeState state = map.GetProbeState();
        yield return ("the read map", state.ReadHashes);
        if (state.DirtyHashes is not null)
        {
            yield return ("the dirty map", state.DirtyHashes);
        }
    }

    private static int[] ReadMap(SyncMap<string, int> map) => map.GetProbeState().ReadHashes;

    /// <summary>n distinct 8-char strings with one non-randomised hash code (method in the class remarks).</summary>
    internal static string[] CollidingKeys(int n)
    {
        const uint Start = (5381u << 16) + 5381u;
        static uint F(uint h) => BitOperations.RotateLeft(h, 5) + h;

        // The target states: those of the first candidate, so that it is a key itself.
        const uint FirstWord = 'A' | ('A' << 16);
        uint target1 = F(F(Start) ^ FirstWord) ^ ('B' | ('B' << 16));
        uint target2 = F(F(Start) ^ FirstWord) ^ ('C' | ('C' << 16));
        var keys = new string[n];
        var chars = new char[8];
        int found = 0;
        for (long i = 0; found < n; i++)
        {
            // Chars 0, 1, 2, 3 from the digits of i in base 94 (printable ASCII '!'..'~').
            long rest = i;
            for (int c = 0; c < 4; c++)
            {
                chars[c] = (char)('!' + (rest % 94));
                rest /= 94;
            }

            uint word0 = chars[0] | ((uint)chars[1] << 16); // into h1
            uint word1 = chars[2] | ((uint)chars[3] << 16); // into h2
            uint word2 = target1 ^ F(F(Start) ^ word0);     // into h1: reaches target1
            uint word3 = target2 ^ F(F(Start) ^ word1);     // into h2: reaches target2
            chars[4] = (char)word2;
            chars[5] = (char)(word2 >> 16);
            chars[6] = (char)word3;
            chars[7] = (char)(word3 >> 16);
            if (char.IsSurrogate(chars[4]) || char.IsSurrogate(chars[5]) || char.IsSurrogate(chars[6]) || char.IsSurrogate(chars[7]))
            {
                continue;
            }

            string key = new(chars);
            if (found < 64 || found % 997 == 0)
            {
                Assert.Equal(s_nonRandomizedHash(keys.Length > 0 && found > 0 ? keys[0] : key), s_nonRandomizedHash(key));
            }

            keys[found++] = key;
        }

        return keys;
    }

    // The runtime's internal string.GetNonRandomizedHashCode(), to check the generated keys against.
    private static Func<string, int> CreateNonRandomizedHash()
    {
        MethodInfo method = typeof(string).GetMethod("GetNonRandomizedHashCode", Private, Type.EmptyTypes)
            ?? throw new InvalidOperationException("string.GetNonRandomizedHashCode() is gone from this runtime; the hash-flooding keys need a new generator.");
        return method.CreateDelegate<Func<string, int>>();
    }

    /// <summary>An ordinal comparer with the non-randomised hash and counted Equals calls (it cannot switch hashes).</summary>
    private sealed class CountingNonRandomizedComparer : IEqualityComparer<string>
    {
        public long EqualsCalls { get; set; }

        public bool Equals(string? x, string? y)
        {
            EqualsCalls++;
            return string.Equals(x, y, StringComparison.Ordinal);
        }

        public int GetHashCode(string obj) => s_nonRandomizedHash(obj);
    }
}
