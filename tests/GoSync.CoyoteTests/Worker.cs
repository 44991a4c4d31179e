// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using GoSync.Tests.Concurrency;

namespace GoSync.CoyoteTests;

/// <summary>
/// The operations one task of a <see cref="Scenario"/> performs. Single-key operations on checked keys are
/// recorded as they are; whole-map reads (Range, enumeration, ToArray, Keys, Values) are recorded as one
/// read of every checked key spanning the whole call: a visited pair is a Load that found that value, a
/// key not visited is a Load that found nothing (Go's contract: a full Range reflects, for each key, its
/// mapping at some point during the call). Operations on unchecked keys drive the map's machinery.
/// </summary>
internal sealed class Worker
{
    private readonly Scenario _scenario;
    private readonly int _id;

    internal Worker(Scenario scenario, int id)
    {
        _scenario = scenario;
        _id = id;
    }

    /// <summary>Recorded operations: the key, or -1 for Clear (part of every key's history).</summary>
    public List<(int Key, Operation Op)> Records { get; } = [];

    /// <summary>Unrecorded driver operations, for the failure report.</summary>
    public List<string> Notes { get; } = [];

    private SyncMap<int, int> Map => _scenario.Map;

    /// <summary>
    /// A checked single-key operation. <paramref name="arg1"/> is the value written (the add value of
    /// AddOrUpdate); <paramref name="arg2"/> the expected value of the compare operations, or the increment
    /// AddOrUpdate's update function adds.
    /// </summary>
    public Operation Op(OpKind kind, int key, int arg1 = 0, int arg2 = 0)
    {
        var op = new Operation { Kind = kind, Thread = _id, Arg1 = arg1, Arg2 = arg2 };
        Scenario.Cover(Member(kind));
        op.Invoke = _scenario.Tick();
        MapOperations.Apply(Map, key, ref op);
        op.Response = _scenario.Tick();
        Records.Add((kind == OpKind.Clear ? -1 : key, op));
        return op;
    }

    /// <summary>Clear, recorded in every checked key's history.</summary>
    public void Clear() => Op(OpKind.Clear, -1);

    /// <summary>A full <c>Range(f)</c>.</summary>
    public void Range()
    {
        Scenario.Cover("Range(Func`3)");
        var seen = new List<KeyValuePair<int, int>>();
        long invoke = _scenario.Tick();
        Map.Range((k, v) =>
        {
            seen.Add(new(k, v));
            return true;
        });
        RecordWholeMapRead("Range", invoke, _scenario.Tick(), seen, keysOnly: false);
    }

    /// <summary>A <c>Range(state, f)</c> that stops after <paramref name="limit"/> pairs: only the visited pairs are checked.</summary>
    public void RangeWithState(int limit)
    {
        Scenario.Cover("Range(TState,Func`4)");
        var seen = new List<KeyValuePair<int, int>>();
        long invoke = _scenario.Tick();
        Map.Range(seen, (list, k, v) =>
        {
            list.Add(new(k, v));
            return list.Count < limit;
        });
        RecordWholeMapRead("Range(state)", invoke, _scenario.Tick(), seen, keysOnly: false, partial: true);
    }

    /// <summary>A foreach over the map's struct enumerator, after one step and a Reset.</summary>
    public void Enumerate()
    {
        Scenario.Cover("GetEnumerator()");
        var seen = new List<KeyValuePair<int, int>>();
        long invoke = _scenario.Tick();
        SyncMap<int, int>.Enumerator e = Map.GetEnumerator();
        try
        {
            e.MoveNext();
            e.Reset();
            while (e.MoveNext())
            {
                seen.Add(e.Current);
            }
        }
        finally
        {
            e.Dispose();
        }

        RecordWholeMapRead("enumeration", invoke, _scenario.Tick(), seen, keysOnly: false);
    }

    /// <summary>ToArray.</summary>
    public void ToArray()
    {
        Scenario.Cover("ToArray()");
        long invoke = _scenario.Tick();
        KeyValuePair<int, int>[] pairs = Map.ToArray();
        RecordWholeMapRead("ToArray", invoke, _scenario.Tick(), pairs, keysOnly: false);
    }

    /// <summary>Keys: each checked key is a ContainsKey over the call.</summary>
    public void Keys()
    {
        Scenario.Cover("get_Keys()");
        long invoke = _scenario.Tick();
        ICollection<int> keys = Map.Keys;
        var pairs = new List<KeyValuePair<int, int>>();
        foreach (int k in keys)
        {
            pairs.Add(new(k, 0));
        }

        RecordWholeMapRead("Keys", invoke, _scenario.Tick(), pairs, keysOnly: true);
    }

    /// <summary>Values: a checked key's values lie in its own band, so each value names its key.</summary>
    public void Values()
    {
        Scenario.Cover("get_Values()");
        long invoke = _scenario.Tick();
        ICollection<int> values = Map.Values;
        var pairs = new List<KeyValuePair<int, int>>();
        foreach (int v in values)
        {
            // Unchecked key k holds -k; a checked key's values lie in (1000 (key + 1), 1000 (key + 2)).
            pairs.Add(new(v > 0 ? (v / 1000) - 1 : -v, v));
        }

        RecordWholeMapRead("Values", invoke, _scenario.Tick(), pairs, keysOnly: false);
    }

    /// <summary>Count and IsEmpty while others run: checked only against the number of keys ever stored.</summary>
    public void CountRead()
    {
        Scenario.Cover("get_Count()");
        Scenario.Cover("get_IsEmpty()");
        int count = Map.Count;
        _ = Map.IsEmpty;
        int bound = _scenario.CheckedKeys + 10;
        if (count < 0 || count > bound)
        {
            throw new ScenarioFailure($"T{_id}: Count read {count}, outside [0, {bound}].");
        }

        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"T{_id} Count -> {count}"));
    }

    /// <summary>Stores unchecked key <see cref="Scenario.OtherKeyBase"/> + <paramref name="n"/>: a new key rebuilds the dirty map when the map is not amended.</summary>
    public void StoreOther(int n)
    {
        int key = Scenario.OtherKeyBase + n;
        _scenario.Touch(key);
        Map.Store(key, -key);
        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"T{_id} Store(other key {key})"));
    }

    /// <summary>Deletes unchecked key <see cref="Scenario.OtherKeyBase"/> + <paramref name="n"/>.</summary>
    public void DeleteOther(int n)
    {
        int key = Scenario.OtherKeyBase + n;
        Map.Delete(key);
        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"T{_id} Delete(other key {key})"));
    }

    /// <summary>Looks up a key never stored: counts a miss while the map is amended (enough misses promote the dirty map).</summary>
    public void LoadMissing(int n)
    {
        int key = Scenario.MissingKeyBase + n;
        if (Map.Load(key, out int value))
        {
            throw new ScenarioFailure($"T{_id}: Load of never-stored key {key} found {value}.");
        }

        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"T{_id} Load(missing key {key}) -> false"));
    }

    // The member each single-key operation calls, named as ApiCoverageTests names the public methods.
    private static string Member(OpKind kind) => kind switch
    {
        OpKind.Load => "Load(TKey,TValue&)",
        OpKind.Store => "Store(TKey,TValue)",
        OpKind.LoadOrStore => "LoadOrStore(TKey,TValue,Boolean&)",
        OpKind.LoadAndDelete => "LoadAndDelete(TKey,TValue&)",
        OpKind.Delete => "Delete(TKey)",
        OpKind.Swap => "Swap(TKey,TValue,TValue&)",
        OpKind.CompareAndSwap => "CompareAndSwap(TKey,TValue,TValue)",
        OpKind.CompareAndDelete => "CompareAndDelete(TKey,TValue)",
        OpKind.TryAdd => "TryAdd(TKey,TValue)",
        OpKind.TryUpdate => "TryUpdate(TKey,TValue,TValue)",
        OpKind.TryRemove => "TryRemove(TKey,TValue&)",
        OpKind.TryRemovePair => "TryRemove(KeyValuePair`2)",
        OpKind.GetOrAddFactory => "GetOrAdd(TKey,Func`2)",
        OpKind.GetOrAddValue => "GetOrAdd(TKey,TValue)",
        OpKind.GetOrAddArg => "GetOrAdd(TKey,Func`3,TArg)",
        OpKind.AddOrUpdateFactories => "AddOrUpdate(TKey,Func`2,Func`3)",
        OpKind.AddOrUpdateValue => "AddOrUpdate(TKey,TValue,Func`3)",
        OpKind.AddOrUpdateArg => "AddOrUpdate(TKey,Func`3,Func`4,TArg)",
        OpKind.TryGetValue => "TryGetValue(TKey,TValue&)",
        OpKind.IndexerGet => "get_Item(TKey)",
        OpKind.IndexerSet => "set_Item(TKey,TValue)",
        OpKind.ContainsKey => "ContainsKey(TKey)",
        OpKind.GetOrAddValueAdded => "GetOrAdd(TKey,TValue,Boolean&)",
        OpKind.GetOrAddFactoryAdded => "GetOrAdd(TKey,Func`2,Boolean&)",
        OpKind.GetOrAddArgAdded => "GetOrAdd(TKey,Func`3,TArg,Boolean&)",
        OpKind.LoadOrCompute => "LoadOrCompute(TKey,Func`2)",
        OpKind.LoadOrComputeArg => "LoadOrCompute(TKey,Func`3,TArg)",
        OpKind.ComputeStore => "Compute(TKey,Func`4,TValue&)",
        OpKind.ComputeDelete => "Compute(TKey,Func`4,TValue&)",
        OpKind.ComputeKeepArg => "Compute(TKey,Func`5,TArg,TValue&)",
        OpKind.Clear => "Clear()",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    // Records a whole-map read as one read per checked key over [invoke, response]. No key may appear
    // twice; when the read stopped early (partial), keys it did not reach are not recorded.
    private void RecordWholeMapRead(string what, long invoke, long response, IReadOnlyList<KeyValuePair<int, int>> seen, bool keysOnly, bool partial = false)
    {
        var found = new Dictionary<int, int>();
        foreach (KeyValuePair<int, int> pair in seen)
        {
            if (!found.TryAdd(pair.Key, pair.Value))
            {
                throw new ScenarioFailure($"T{_id}: {what} returned key {pair.Key} twice.");
            }
        }

        Notes.Add(string.Create(CultureInfo.InvariantCulture, $"T{_id} {what} [{invoke}..{response}] -> {{{string.Join(", ", seen.Select(p => keysOnly ? $"{p.Key}" : $"{p.Key}={p.Value}"))}}}"));
        for (int key = 0; key < _scenario.CheckedKeys; key++)
        {
            bool present = found.TryGetValue(key, out int value);
            if (partial && !present)
            {
                continue;
            }

            var op = new Operation
            {
                Kind = keysOnly ? OpKind.ContainsKey : OpKind.Load,
                Thread = _id,
                Invoke = invoke,
                Response = response,
                Ok = present,
                Value = value,
            };
            Records.Add((key, op));
        }
    }
}
