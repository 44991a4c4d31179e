// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace GoSync.Tests.Concurrency;

/// <summary>The single-key operations whose histories the linearizability checker judges.</summary>
internal enum OpKind : byte
{
    Load,
    Store,
    LoadOrStore,
    LoadAndDelete,
    Delete,
    Swap,
    CompareAndSwap,
    CompareAndDelete,
    TryAdd,
    TryUpdate,
    TryRemove,
    TryRemovePair,
    GetOrAddFactory,
    GetOrAddValue,
    GetOrAddArg,
    AddOrUpdateFactories,
    AddOrUpdateValue,
    AddOrUpdateArg,
    TryGetValue,
    IndexerGet,
    IndexerSet,
    ContainsKey,

    /// <summary>GetOrAdd(key, value, out added): Ok = added.</summary>
    GetOrAddValueAdded,

    /// <summary>GetOrAdd(key, factory, out added): Ok = added.</summary>
    GetOrAddFactoryAdded,

    /// <summary>GetOrAdd(key, factory, arg, out added): Ok = added.</summary>
    GetOrAddArgAdded,

    /// <summary>LoadOrCompute(key, factory returning Arg1).</summary>
    LoadOrCompute,

    /// <summary>LoadOrCompute(key, factory, Arg1).</summary>
    LoadOrComputeArg,

    /// <summary>Compute storing Arg1 when absent and UpdateFunction(current, Arg2) when present: Ok = present afterwards, Value = the value.</summary>
    ComputeStore,

    /// <summary>Compute deleting the key when present (Keep when absent): Ok = present afterwards (always false).</summary>
    ComputeDelete,

    /// <summary>Compute&lt;TArg&gt; that keeps the key as it is: Ok = present, Value = its value.</summary>
    ComputeKeepArg,

    /// <summary>Clear, recorded in the history of every checked key: it makes the key absent.</summary>
    Clear,
}

/// <summary>
/// One completed operation on one key: what was asked (<see cref="Kind"/>, <see cref="Arg1"/>,
/// <see cref="Arg2"/>), what came back (<see cref="Ok"/>, <see cref="Value"/>), and when
/// (<see cref="Invoke"/> read just before the call, <see cref="Response"/> just after it, both
/// from <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).
/// </summary>
/// <remarks>
/// Arguments per kind: the value written is <see cref="Arg1"/> (Store, LoadOrStore, Swap, TryAdd,
/// GetOrAdd*, IndexerSet, the add value of AddOrUpdate*, the new value of CompareAndSwap/TryUpdate);
/// <see cref="Arg2"/> is the expected value of CompareAndSwap/CompareAndDelete/TryUpdate/TryRemovePair
/// (CompareAndDelete and TryRemovePair use only Arg2) and the increment that AddOrUpdate*'s update
/// function adds to the current value. Results: <see cref="Ok"/> is the bool the method returned
/// (found, loaded, swapped, added, removed); <see cref="Value"/> is the value it returned or wrote
/// to its out parameter, meaningful only where the model says so.
/// </remarks>
internal struct Operation
{
    public OpKind Kind;
    public int Thread;
    public int Arg1;
    public int Arg2;
    public long Invoke;
    public long Response;
    public bool Ok;
    public int Value;

    public override readonly string ToString()
    {
        string args = Kind switch
        {
            OpKind.Load or OpKind.LoadAndDelete or OpKind.Delete or OpKind.TryRemove or OpKind.TryGetValue
                or OpKind.IndexerGet or OpKind.ContainsKey or OpKind.Clear => "()",
            OpKind.CompareAndSwap or OpKind.TryUpdate => $"(old={Arg2}, new={Arg1})",
            OpKind.CompareAndDelete or OpKind.TryRemovePair => $"(old={Arg2})",
            OpKind.AddOrUpdateFactories or OpKind.AddOrUpdateValue or OpKind.AddOrUpdateArg or OpKind.ComputeStore => $"(add={Arg1}, update=+{Arg2})",
            OpKind.ComputeDelete or OpKind.ComputeKeepArg => "()",
            _ => $"({Arg1})",
        };
        return string.Create(CultureInfo.InvariantCulture, $"T{Thread} {Kind}{args} -> ok={Ok} value={Value} [{Invoke}..{Response}]");
    }
}

/// <summary>
/// The sequential specification of one key of the map: the state is "absent" or "present with an
/// int value". <see cref="Step"/> applies one operation and says whether the results it returned
/// are the ones the sequential map would return. This is the whole specification the checker
/// holds <see cref="SyncMap{TKey, TValue}"/> to, so it is written to be obviously right rather than fast.
/// </summary>
internal static class SequentialMapModel
{
    /// <summary>The state of an absent key (outside the int range, so no value can be mistaken for it).</summary>
    public const long Absent = long.MinValue;

    /// <summary>The value AddOrUpdate's update function returns for the current value <paramref name="current"/>.</summary>
    public static int UpdateFunction(int current, int increment) => unchecked(current + increment);

    /// <summary>
    /// Applies <paramref name="op"/> to <paramref name="state"/>. Returns false when the results
    /// recorded in <paramref name="op"/> differ from the sequential map's; <paramref name="next"/>
    /// is the state after the operation.
    /// </summary>
    public static bool Step(long state, in Operation op, out long next)
    {
        bool present = state != Absent;
        int current = present ? (int)state : 0;
        next = state;
        switch (op.Kind)
        {
            case OpKind.Load:
            case OpKind.TryGetValue:
            case OpKind.IndexerGet:
                // IndexerGet records Ok=false when it threw KeyNotFoundException.
                return present ? op.Ok && op.Value == current : !op.Ok;

            case OpKind.ContainsKey:
                return op.Ok == present;

            case OpKind.Store:
            case OpKind.IndexerSet:
                next = op.Arg1;
                return true;

            case OpKind.LoadOrStore:
                // Ok = loaded; Value = the actual value returned.
                if (present)
                {
                    return op.Ok && op.Value == current;
                }

                next = op.Arg1;
                return !op.Ok && op.Value == op.Arg1;

            case OpKind.GetOrAddFactory:
            case OpKind.GetOrAddValue:
            case OpKind.GetOrAddArg:
                if (present)
                {
                    return op.Value == current;
                }

                next = op.Arg1;
                return op.Value == op.Arg1;

            case OpKind.LoadOrCompute:
            case OpKind.LoadOrComputeArg:
                if (present)
                {
                    return op.Value == current;
                }

                next = op.Arg1;
                return op.Value == op.Arg1;

            case OpKind.ComputeStore:
                next = present ? UpdateFunction(current, op.Arg2) : op.Arg1;
                return op.Ok && op.Value == (int)next;

            case OpKind.ComputeDelete:
                next = Absent;
                return !op.Ok;

            case OpKind.ComputeKeepArg:
                return present ? op.Ok && op.Value == current : !op.Ok;

            case OpKind.GetOrAddValueAdded:
            case OpKind.GetOrAddFactoryAdded:
            case OpKind.GetOrAddArgAdded:
                // Ok = added; Value = the value returned.
                if (present)
                {
                    return !op.Ok && op.Value == current;
                }

                next = op.Arg1;
                return op.Ok && op.Value == op.Arg1;

            case OpKind.LoadAndDelete:
            case OpKind.TryRemove:
                next = Absent;
                return present ? op.Ok && op.Value == current : !op.Ok;

            case OpKind.Delete:
            case OpKind.Clear:
                next = Absent;
                return true;

            case OpKind.Swap:
                // Ok = loaded; Value = previous.
                next = op.Arg1;
                return present ? op.Ok && op.Value == current : !op.Ok;

            case OpKind.CompareAndSwap:
            case OpKind.TryUpdate:
                // An absent key never matches, not even default(int) (Go's TestCompareAndSwap_NonExistingKey).
                if (present && current == op.Arg2)
                {
                    next = op.Arg1;
                    return op.Ok;
                }

                return !op.Ok;

            case OpKind.CompareAndDelete:
            case OpKind.TryRemovePair:
                if (present && current == op.Arg2)
                {
                    next = Absent;
                    return op.Ok;
                }

                return !op.Ok;

            case OpKind.TryAdd:
                if (present)
                {
                    return !op.Ok;
                }

                next = op.Arg1;
                return op.Ok;

            case OpKind.AddOrUpdateFactories:
            case OpKind.AddOrUpdateValue:
            case OpKind.AddOrUpdateArg:
                next = present ? UpdateFunction(current, op.Arg2) : op.Arg1;
                return op.Value == (int)next;

            default:
                throw new System.ArgumentOutOfRangeException(nameof(op), op.Kind, "unknown operation kind");
        }
    }
}
