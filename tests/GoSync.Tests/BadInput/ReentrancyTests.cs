// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace GoSync.Tests.BadInput;

/// <summary>
/// Comparers that call back into the map from under its (re-entrant) lock (issue 8, finding 7; design.md, "Re-entrancy").
/// For every locked slow path, a key comparer (and, for CompareAndSwap, a value comparer) runs one of Range (which
/// promotes), Load (which counts a miss and may promote), Store of a new key (which may rebuild the dirty map) and Clear
/// the first time it is called with the lock held. The operation must then behave as if the nested call ran wholly
/// before it or wholly after it: same result and same final contents as one of the two orders applied to a reference
/// dictionary; and the map's invariants must hold.
/// </summary>
public sealed class ReentrancyTests
{
    /// <summary>The nested calls a comparer makes.</summary>
    public static TheoryData<string> Actions => new() { "Range", "Load", "Store", "Clear" };

    /// <summary>Every operation whose lookup reaches a locked slow path, with the key it uses (10: dirty-only; 20: new; 99: absent).</summary>
    public static TheoryData<string, string> OperationsAndActions
    {
        get
        {
            var data = new TheoryData<string, string>();
            string[] operations =
            [
                "Load 99", // FindEntrySlow (a dirty-only key's Load takes no lock: KeyComparer_ReenteringALockFreeLoad_...)
                "Store 10", "Store 20", // SwapSlow
                "LoadOrStore 20", // LoadOrStoreSlow (a dirty-only key's LoadOrStore takes no lock: KeyComparer_ReenteringALockFreeLoad_...)
                "LoadAndDelete 10", "LoadAndDelete 99", // TakeFromDirty
                "CompareAndSwap 10", "CompareAndSwap 99", // CompareAndSwapSlow (key comparer)
                "CompareAndDelete 10", // FindEntrySlow through CompareAndDelete
                "AddOrUpdate 10", // FindEntrySlow through AddOrUpdate, then LoadOrStore or a replace
            ];
            foreach (string operation in operations)
            {
                foreach (string action in new[] { "Range", "Load", "Store", "Clear" })
                {
                    data.Add(operation, action);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(OperationsAndActions))]
    public void KeyComparer_ReenteringALockedPath_LeavesAResultOfOneOrder_AndTheInvariants(string operation, string action)
    {
        var keyComparer = new ReentrantKeyComparer();
        var map = new SyncMap<int, int>(keyComparer);
        keyComparer.Map = map;
        Dictionary<int, int> model = Setup(map);

        keyComparer.Arm(action);
        string result = Apply(operation, map);
        Assert.True(keyComparer.Fired, $"{operation}: the comparer never ran under the lock, so this case tests nothing");
        map.AssertInvariants();
        AssertOneOrder(map, model, operation, action, result);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void KeyComparer_ReenteringALockFreeLoadOfADirtyOnlyKey_LeavesAResultOfOneOrder_AndTheInvariants(string action)
    {
        // Load and LoadOrStore of 10 (dirty-only) find its live entry without the lock (LoadDirtyHit): the comparer runs
        // on the lock-free walks of the read and dirty tables, and its nested call may promote, store or clear under them.
        foreach (string operation in new[] { "Load 10", "LoadOrStore 10" })
        {
            var keyComparer = new ReentrantKeyComparer();
            var map = new SyncMap<int, int>(keyComparer);
            keyComparer.Map = map;
            Dictionary<int, int> model = Setup(map);

            keyComparer.Arm(action, evenWithoutTheLock: true);
            string result = Apply(operation, map);
            Assert.True(keyComparer.Fired, $"{operation}: the comparer never ran, so this case tests nothing");
            Assert.False(keyComparer.FiredUnderTheLock, $"{operation} of a live dirty-only key ran the comparer under the lock");
            map.AssertInvariants();
            AssertOneOrder(map, model, operation, action, result);
        }
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void ValueComparer_ReenteringCompareAndSwapsLockedPath_LeavesAResultOfOneOrder_AndTheInvariants(string action)
    {
        // 10 holds 100 (the compared value: a swap), 11 holds 110 (compared with 110 too: a swap); each on a fresh map.
        foreach (string operation in new[] { "CompareAndSwap 10", "CompareAndSwap 11" })
        {
            var valueComparer = new ReentrantValueComparer();
            var map = new SyncMap<int, int>(comparer: null, valueComparer);
            valueComparer.Map = map;
            Dictionary<int, int> model = Setup(map);
            valueComparer.Arm(action);
            string result = Apply(operation, map);
            Assert.True(valueComparer.Fired, $"{operation}: the value comparer never ran under the lock, so this case tests nothing");
            map.AssertInvariants();
            AssertOneOrder(map, model, operation, action, result);
        }
    }

    [Fact]
    public void ValueComparer_ThatPromotesDuringCompareAndSwap_SwapsOnce_AndCountsNoStaleMiss()
    {
        // Finding 7 as reported: the value comparer runs a Range (promotion) inside CompareAndSwap's locked path; the
        // swap happened, then the miss was counted against a dirty map that no longer existed.
        var valueComparer = new ReentrantValueComparer();
        var map = new SyncMap<int, int>(comparer: null, valueComparer);
        valueComparer.Map = map;
        Setup(map);
        valueComparer.Arm("Range");
        Assert.True(map.CompareAndSwap(10, 100, 101));
        Assert.True(valueComparer.Fired);
        map.AssertInvariants();
        Assert.Equal(new SyncMap<int, int>.InternalState(6, false, null, 0, 0), map.GetInternalState());
        Assert.True(map.Load(10, out int value));
        Assert.Equal(101, value);
    }

    // Keys 0..3 promoted to the read map, then 10 and 11 added to the dirty map (amended): every key hashes alike under
    // the re-entrant comparer, so each lookup calls Equals and every miss-filter bit is the same one (set).
    private static Dictionary<int, int> Setup(SyncMap<int, int> map)
    {
        for (int k = 0; k < 4; k++)
        {
            map.Store(k, k * 10);
        }

        map.Range(static (_, _) => true);
        map.Store(10, 100);
        map.Store(11, 110);
        Assert.Equal(new SyncMap<int, int>.InternalState(4, true, 6, 0, 0), map.GetInternalState());
        return new Dictionary<int, int> { [0] = 0, [1] = 10, [2] = 20, [3] = 30, [10] = 100, [11] = 110 }; // not ToArray: a Range would promote
    }

    // Runs an operation on the map or the model; returns its result as text.
    private static string Apply(string operation, SyncMap<int, int> map)
    {
        string[] parts = operation.Split(' ');
        int key = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return parts[0] switch
        {
            "Load" => map.Load(key, out int v) ? "found " + v : "absent",
            "Store" => Done(() => map.Store(key, 7)),
            "LoadOrStore" => map.LoadOrStore(key, 7, out bool loaded) + (loaded ? " loaded" : " stored"),
            "LoadAndDelete" => map.LoadAndDelete(key, out int d) ? "deleted " + d : "absent",
            "CompareAndSwap" => map.CompareAndSwap(key, key * 10, 7) ? "swapped" : "not swapped",
            "CompareAndDelete" => map.CompareAndDelete(key, key * 10) ? "deleted" : "not deleted",
            "AddOrUpdate" => map.AddOrUpdate(key, 7, static (_, old) => old + 1).ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException(operation),
        };
    }

    private static string Apply(string operation, Dictionary<int, int> model)
    {
        string[] parts = operation.Split(' ');
        int key = int.Parse(parts[1], CultureInfo.InvariantCulture);
        bool present = model.TryGetValue(key, out int current);
        switch (parts[0])
        {
            case "Load":
                return present ? "found " + current : "absent";
            case "Store":
                model[key] = 7;
                return "done";
            case "LoadOrStore":
                if (present)
                {
                    return current + " loaded";
                }

                model[key] = 7;
                return "7 stored";
            case "LoadAndDelete":
                model.Remove(key);
                return present ? "deleted " + current : "absent";
            case "CompareAndSwap":
                if (present && current == key * 10)
                {
                    model[key] = 7;
                    return "swapped";
                }

                return "not swapped";
            case "CompareAndDelete":
                if (present && current == key * 10)
                {
                    model.Remove(key);
                    return "deleted";
                }

                return "not deleted";
            case "AddOrUpdate":
                model[key] = present ? current + 1 : 7;
                return model[key].ToString(CultureInfo.InvariantCulture);
            default:
                throw new ArgumentException(operation);
        }
    }

    // The nested call's effect on the model (Range and Load change nothing).
    private static void ApplyAction(string action, Dictionary<int, int> model)
    {
        if (action == "Store")
        {
            model[ReentrantKeyComparer.StoredKey] = ReentrantKeyComparer.StoredKey;
        }
        else if (action == "Clear")
        {
            model.Clear();
        }
    }

    // Asserts the map's result and contents are those of "action, then operation" or "operation, then action"; returns the matching model.
    private static Dictionary<int, int> AssertOneOrder(SyncMap<int, int> map, Dictionary<int, int> model, string operation, string action, string result)
    {
        var actionFirst = new Dictionary<int, int>(model);
        ApplyAction(action, actionFirst);
        string actionFirstResult = Apply(operation, actionFirst);

        var operationFirst = new Dictionary<int, int>(model);
        string operationFirstResult = Apply(operation, operationFirst);
        ApplyAction(action, operationFirst);

        string contents = Describe(map.ToArray().ToDictionary(p => p.Key, p => p.Value));
        bool matchesActionFirst = result == actionFirstResult && contents == Describe(actionFirst);
        bool matchesOperationFirst = result == operationFirstResult && contents == Describe(operationFirst);
        Assert.True(
            matchesActionFirst || matchesOperationFirst,
            $"{operation} with a nested {action}: got '{result}' and {{{contents}}}; {action} first gives '{actionFirstResult}' and {{{Describe(actionFirst)}}}, " +
            $"{operation} first gives '{operationFirstResult}' and {{{Describe(operationFirst)}}}.");
        Assert.Equal(map.ToArray().Length, map.Count);
        return matchesActionFirst ? actionFirst : operationFirst;
    }

    private static string Describe(Dictionary<int, int> contents) =>
        string.Join(", ", contents.OrderBy(p => p.Key).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));

    private static string Done(Action action)
    {
        action();
        return "done";
    }

    // Runs the armed nested call once, the first time it is invoked with the map's lock held by this thread.
    private abstract class Reentrant
    {
        private string? _armed;
        private bool _evenWithoutTheLock;

        public SyncMap<int, int>? Map { get; set; }

        public bool Fired { get; private set; }

        public bool FiredUnderTheLock { get; private set; }

        // Armed, the next call of the comparer under the map's lock (or, evenWithoutTheLock, the next call at all) runs the action.
        public void Arm(string action, bool evenWithoutTheLock = false)
        {
            _armed = action;
            _evenWithoutTheLock = evenWithoutTheLock;
            Fired = false;
            FiredUnderTheLock = false;
        }

        protected void MaybeReenter()
        {
            SyncMap<int, int> map = Map!;
            if (_armed is null || (!_evenWithoutTheLock && !map.IsLockHeldByCurrentThread))
            {
                return;
            }

            string action = _armed;
            _armed = null; // before the nested call, which runs this comparer again
            Fired = true;
            FiredUnderTheLock = map.IsLockHeldByCurrentThread;
            switch (action)
            {
                case "Range":
                    map.Range(static (_, _) => true);
                    break;
                case "Load":
                    map.Load(11, out _);
                    map.Load(98, out _);
                    break;
                case "Store":
                    map.Store(ReentrantKeyComparer.StoredKey, ReentrantKeyComparer.StoredKey);
                    break;
                case "Clear":
                    map.Clear();
                    break;
                default:
                    throw new ArgumentException(action);
            }
        }
    }

    // Every key hashes to 0, so every lookup calls Equals on each key of the chain.
    private sealed class ReentrantKeyComparer : Reentrant, IEqualityComparer<int>
    {
        public const int StoredKey = 50;

        public bool Equals(int x, int y)
        {
            MaybeReenter();
            return x == y;
        }

        public int GetHashCode(int obj) => 0;
    }

    private sealed class ReentrantValueComparer : Reentrant, IEqualityComparer<int>
    {
        public bool Equals(int x, int y)
        {
            MaybeReenter();
            return x == y;
        }

        public int GetHashCode(int obj) => obj;
    }
}
