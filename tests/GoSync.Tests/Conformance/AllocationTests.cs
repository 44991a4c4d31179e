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
/// The claims are about optimized code (Go's TestMapRangeNoAllocations is skipped when optimizations are off).
/// When GoSync itself is built without optimizations (a Debug build, which plain <c>dotnet test</c> produces), the
/// JIT does not fold the null-key check <c>key is null</c> for a value-type key, which then boxes the key once per
/// call; only that one box is allowed in that case, and nothing else (reference-type keys: nothing at all).
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

    /// <summary>Whether the GoSync assembly was compiled with JIT optimizations disabled (a Debug build).</summary>
    private static bool LibraryIsUnoptimized { get; } =
        typeof(SyncMap<,>).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;

    /// <summary>Bytes per call allowed beyond the claim: one box of a value-type key, and only in an unoptimized build of GoSync.</summary>
    private static long KeyBoxAllowance<TKey>()
    {
        if (!LibraryIsUnoptimized || !typeof(TKey).IsValueType)
        {
            return 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        object box = default(TKey)!;
        long size = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(box);
        return size;
    }

    private void AssertNoAllocation<TKey>(string what, Action<int> body)
    {
        long bytes = Measure(what, MeasuredCalls, body);
        long allowance = KeyBoxAllowance<TKey>() * MeasuredCalls;
        string build = allowance == 0 ? "" : $" (GoSync is unoptimized: {allowance} bytes allowed for boxing the {typeof(TKey).Name} key in the null check)";
        Assert.True(bytes <= allowance, $"{what}: {bytes} bytes allocated over {MeasuredCalls} calls, expected none{build}");
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
        Assert.Equal((WarmUpCalls + MeasuredCalls) * 256, counter[0]);
    }

    [Fact]
    public void Store_OverALiveKey_AllocatesOnlyAValueTypeBox()
    {
        SyncMap<int, int> ints = PromotedMap(Enumerable.Range(0, 64).ToArray(), Enumerable.Range(0, 64).ToArray());
        long intBytes = Measure("Store over a live key, SyncMap<int, int>", MeasuredCalls, i => ints.Store(i & 63, i));
        double perStore = (double)intBytes / MeasuredCalls;

        // One box for the int value: 24 bytes on 64-bit (header, method table, payload); nothing else.
        long bound = 32 + KeyBoxAllowance<int>();
        Assert.True(perStore <= bound, $"Store over a live key of SyncMap<int, int> allocated {perStore:F1} bytes per call, expected at most one value box (<= {bound})");

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
