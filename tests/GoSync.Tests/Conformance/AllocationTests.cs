// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;
using System.Linq;
using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace GoSync.Tests.Conformance;

/// <summary>
/// Allocation claims, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> over many calls after a
/// warm-up (so JIT tiering and lazy type initialisation are out of the way): reads allocate nothing, hit or miss,
/// on a promoted map and on an amended one (where misses take the lock); <c>foreach</c> over a promoted map uses the
/// struct enumerator and allocates nothing; a Store over a live key allocates only a value-type value's box.
/// </summary>
/// <remarks>
/// The claims hold in Debug builds of GoSync too (plain <c>dotnet test</c> builds Debug): the null-key check is
/// written so that it never boxes a value-type key, even where the JIT does not optimise.
/// The counter is per thread, so other tests' threads cannot disturb it; the collection is serial only to keep
/// background JIT and GC activity of parallel tests away from these loops.
/// </remarks>
[Collection(SerialConformanceCollection.Name)]
public sealed class AllocationTests
{
    private const int MapSize = 4096;
    private const int WarmUpCalls = 100;
    private const int MeasuredCalls = 1000;

    private readonly ITestOutputHelper _output;

    public AllocationTests(ITestOutputHelper output) => _output = output;

    /// <summary>Bytes allocated by <paramref name="calls"/> calls of <paramref name="body"/>, after <see cref="WarmUpCalls"/> unmeasured calls.</summary>
    private long Measure(string what, int calls, Action<int> body)
    {
        for (int i = 0; i < WarmUpCalls; i++)
        {
            body(i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            body(i);
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        _output.WriteLine($"{what}: {bytes} bytes over {calls} calls");
        return bytes;
    }

    /// <summary>
    /// Asserts that <paramref name="body"/> allocates nothing per call: some window of <see cref="MeasuredCalls"/> calls,
    /// out of at most three, allocates 0 bytes. An allocation made by every call shows in every window (at least
    /// <see cref="MeasuredCalls"/> bytes each); a one-off of the runtime's on this thread (JIT tiering, a lazily
    /// initialised static, seen once as 6,880 bytes while another test assembly loaded the machine) does not recur.
    /// </summary>
    private void AssertNoAllocation<TKey>(string what, Action<int> body)
    {
        long bytes = Measure(what, MeasuredCalls, body);
        for (int window = 1; window < 3 && bytes != 0; window++)
        {
            bytes = Math.Min(bytes, Measure(what + " (again)", MeasuredCalls, body));
        }

        Assert.True(bytes == 0, $"{what} ({typeof(TKey).Name} keys): {bytes} bytes allocated over {MeasuredCalls} calls, expected none");
    }

    private static string Text(string prefix, int i) => prefix + i.ToString(CultureInfo.InvariantCulture);

    private static SyncMap<TKey, TValue> PromotedMap<TKey, TValue>(TKey[] keys, TValue[] values)
        where TKey : notnull
    {
        var map = new SyncMap<TKey, TValue>();
        for (int i = 0; i < keys.Length; i++)
        {
            map.Store(keys[i], values[i]);
        }

        MapStates.Promote(map);
        return map;
    }

    /// <summary>
    /// A promoted map plus one new key, which makes it amended (a dirty map of <c>MapSize + 1</c> entries). Go
    /// promotes after as many locked lookups as the dirty map has entries; a fresh map is built for each measured
    /// operation and each sees <c>WarmUpCalls + MeasuredCalls</c> &lt; <c>MapSize</c> locked lookups, so it stays
    /// amended throughout and every miss really takes the lock.
    /// </summary>
    private static SyncMap<TKey, TValue> AmendedMap<TKey, TValue>(TKey[] keys, TValue[] values, TKey dirtyKey, TValue dirtyValue)
        where TKey : notnull
    {
        SyncMap<TKey, TValue> map = PromotedMap(keys, values);
        map.Store(dirtyKey, dirtyValue);
        return map;
    }

    private void AssertReadsDoNotAllocate<TKey, TValue>(string types, TKey[] keys, TValue[] values, TKey[] absent, TKey dirtyKey, TValue dirtyValue)
        where TKey : notnull
    {
        SyncMap<TKey, TValue> promoted = PromotedMap(keys, values);
        AssertNoAllocation<TKey>($"{types} promoted: Load hit", i => promoted.Load(keys[i % keys.Length], out _));
        AssertNoAllocation<TKey>($"{types} promoted: Load miss", i => promoted.Load(absent[i % absent.Length], out _));
        AssertNoAllocation<TKey>($"{types} promoted: TryGetValue hit", i => promoted.TryGetValue(keys[i % keys.Length], out _));
        AssertNoAllocation<TKey>($"{types} promoted: TryGetValue miss", i => promoted.TryGetValue(absent[i % absent.Length], out _));
        AssertNoAllocation<TKey>($"{types} promoted: ContainsKey hit", i => promoted.ContainsKey(keys[i % keys.Length]));
        AssertNoAllocation<TKey>($"{types} promoted: ContainsKey miss", i => promoted.ContainsKey(absent[i % absent.Length]));

        SyncMap<TKey, TValue> amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: Load hit in the read map", i => amended.Load(keys[i % keys.Length], out _));
        AssertNoAllocation<TKey>($"{types} amended: TryGetValue hit in the read map", i => amended.TryGetValue(keys[i % keys.Length], out _));
        AssertNoAllocation<TKey>($"{types} amended: ContainsKey hit in the read map", i => amended.ContainsKey(keys[i % keys.Length]));

        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: Load miss (locked)", i => amended.Load(absent[i % absent.Length], out _));
        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: Load hit in the dirty map (locked)", i => amended.Load(dirtyKey, out _));
        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: TryGetValue miss (locked)", i => amended.TryGetValue(absent[i % absent.Length], out _));
        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: TryGetValue hit in the dirty map (locked)", i => amended.TryGetValue(dirtyKey, out _));
        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: ContainsKey miss (locked)", i => amended.ContainsKey(absent[i % absent.Length]));
        amended = AmendedMap(keys, values, dirtyKey, dirtyValue);
        AssertNoAllocation<TKey>($"{types} amended: ContainsKey hit in the dirty map (locked)", i => amended.ContainsKey(dirtyKey));

        // Still amended after all those locked lookups: none of them was served by a promoted map.
        SyncMap<TKey, TValue>.InternalState state = amended.GetInternalState();
        Assert.True(state.Amended && state.Misses >= WarmUpCalls + MeasuredCalls, $"{types}: the amended map was promoted during the measurement ({state})");
        amended.AssertInvariants();
    }

    [Fact]
    public void Reads_DoNotAllocate_IntInt()
    {
        int[] keys = Enumerable.Range(0, MapSize).ToArray();
        int[] absent = Enumerable.Range(MapSize * 2, 64).ToArray();
        AssertReadsDoNotAllocate("(int, int)", keys, keys, absent, -1, -1);
    }

    [Fact]
    public void Reads_DoNotAllocate_StringString()
    {
        string[] keys = Enumerable.Range(0, MapSize).Select(i => Text("k", i)).ToArray();
        string[] values = Enumerable.Range(0, MapSize).Select(i => Text("v", i)).ToArray();
        string[] absent = Enumerable.Range(0, 64).Select(i => Text("absent", i)).ToArray();
        AssertReadsDoNotAllocate("(string, string)", keys, values, absent, "dirty", "dirty value");
    }

    [Fact]
    public void CountAndIsEmpty_DoNotAllocate()
    {
        SyncMap<int, int> map = PromotedMap(Enumerable.Range(0, 64).ToArray(), Enumerable.Range(0, 64).ToArray());
        map.Store(-1, -1);
        int sink = 0;
        AssertNoAllocation<int>("(int, int) Count", _ => sink += map.Count);
        AssertNoAllocation<int>("(int, int) IsEmpty", _ => sink += map.IsEmpty ? 1 : 0);
        Assert.NotEqual(0, sink);
    }

    [Fact]
    public void Foreach_OverAPromotedMap_DoesNotAllocate()
    {
        SyncMap<int, int> ints = PromotedMap(Enumerable.Range(0, 256).ToArray(), Enumerable.Range(0, 256).ToArray());
        string[] keys = Enumerable.Range(0, 256).Select(i => Text("k", i)).ToArray();
        SyncMap<string, string> strings = PromotedMap(keys, keys);
        long sum = 0;
        AssertNoAllocation<int>("foreach over a promoted SyncMap<int, int> (256 pairs)", _ =>
        {
            foreach (var pair in ints)
            {
                sum += pair.Value;
            }
        });
        AssertNoAllocation<string>("foreach over a promoted SyncMap<string, string> (256 pairs)", _ =>
        {
            foreach (var pair in strings)
            {
                sum += pair.Value.Length;
            }
        });
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void Range_OverAPromotedMap_AllocatesNothingBeyondTheDelegate()
    {
        SyncMap<int, int> ints = PromotedMap(Enumerable.Range(0, 256).ToArray(), Enumerable.Range(0, 256).ToArray());
        string[] keys = Enumerable.Range(0, 256).Select(i => Text("k", i)).ToArray();
        SyncMap<string, string> strings = PromotedMap(keys, keys);
        var counter = new int[1];

        // Static lambdas: the compiler caches each delegate in a static field, so Range itself is what is measured.
        AssertNoAllocation<int>("Range over a promoted SyncMap<int, int> (static lambda)", _ => ints.Range(static (k, v) => k >= 0));
        AssertNoAllocation<string>("Range over a promoted SyncMap<string, string> (static lambda)", _ => strings.Range(static (k, v) => k.Length > 0));
        AssertNoAllocation<int>("Range<TState> over a promoted SyncMap<int, int>", _ => ints.Range(counter, static (c, k, v) =>
        {
            c[0]++;
            return true;
        }));
        AssertNoAllocation<string>("Range stopped at the first pair", _ => strings.Range(static (k, v) => false));
        // Every call visited all 256 pairs (a measuring window may have been repeated, see AssertNoAllocation).
        Assert.True(counter[0] >= (WarmUpCalls + MeasuredCalls) * 256 && counter[0] % 256 == 0, $"Range<TState> visited {counter[0]} pairs");
    }

    [Fact]
    public void Store_OverALiveKey_AllocatesOnlyAValueTypeBox()
    {
        // A value of at most 4 bytes lives inline in the entry's state word: no box at all.
        SyncMap<int, int> ints = PromotedMap(Enumerable.Range(0, 64).ToArray(), Enumerable.Range(0, 64).ToArray());
        AssertNoAllocation<int>("Store over a live key, SyncMap<int, int>", i => ints.Store(i & 63, i));

        // A wider struct sits in an immutable box (so it cannot tear): one box of a Guid is 32 bytes on 64-bit
        // (header, method table, 16-byte payload); nothing else.
        SyncMap<int, Guid> guids = PromotedMap(Enumerable.Range(0, 64).ToArray(), Enumerable.Range(0, 64).Select(_ => Guid.NewGuid()).ToArray());
        Guid g = Guid.NewGuid();
        long guidBytes = Measure("Store over a live key, SyncMap<int, Guid>", MeasuredCalls, i => guids.Store(i & 63, g));
        double perStore = (double)guidBytes / MeasuredCalls;
        Assert.True(perStore <= 32, $"Store over a live key of SyncMap<int, Guid> allocated {perStore:F1} bytes per call, expected at most one value box (<= 32)");

        string[] keys = Enumerable.Range(0, 64).Select(i => Text("k", i)).ToArray();
        string[] values = Enumerable.Range(0, 64).Select(i => Text("v", i)).ToArray();
        SyncMap<string, string> strings = PromotedMap(keys, values);
        AssertNoAllocation<string>("Store over a live key, SyncMap<string, string>", i => strings.Store(keys[i & 63], values[(i * 7) & 63]));

        // The same through the indexer, the ConcurrentDictionary-style spelling.
        AssertNoAllocation<string>("indexer set over a live key, SyncMap<string, string>", i => strings[keys[i & 63]] = values[(i * 5) & 63]);
        strings.AssertInvariants();
        ints.AssertInvariants();
    }
}
