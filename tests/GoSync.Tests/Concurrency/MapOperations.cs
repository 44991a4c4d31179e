// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;

namespace GoSync.Tests.Concurrency;

/// <summary>
/// Calls the <see cref="SyncMap{TKey, TValue}"/> method that an <see cref="Operation"/> names and writes
/// its results into the operation. Shared by the real-thread <see cref="HistoryRecorder"/> and the
/// Coyote scenarios (tests/GoSync.CoyoteTests links this file), which stamp Invoke and Response
/// around the call with their own clocks.
/// </summary>
internal static class MapOperations
{
    /// <summary>Runs <paramref name="op"/> on <paramref name="key"/>; sets its Ok and Value (not its timestamps).</summary>
    public static void Apply(SyncMap<int, int> map, int key, ref Operation op)
    {
        int a1 = op.Arg1;
        int a2 = op.Arg2;
        switch (op.Kind)
        {
            case OpKind.Load:
                op.Ok = map.Load(key, out op.Value);
                break;
            case OpKind.Store:
                map.Store(key, a1);
                break;
            case OpKind.LoadOrStore:
                op.Value = map.LoadOrStore(key, a1, out op.Ok);
                break;
            case OpKind.LoadAndDelete:
                op.Ok = map.LoadAndDelete(key, out op.Value);
                break;
            case OpKind.Delete:
                map.Delete(key);
                break;
            case OpKind.Swap:
                op.Ok = map.Swap(key, a1, out op.Value);
                break;
            case OpKind.CompareAndSwap:
                op.Ok = map.CompareAndSwap(key, a2, a1);
                break;
            case OpKind.CompareAndDelete:
                op.Ok = map.CompareAndDelete(key, a2);
                break;
            case OpKind.TryAdd:
                op.Ok = map.TryAdd(key, a1);
                break;
            case OpKind.TryUpdate:
                op.Ok = map.TryUpdate(key, a1, a2);
                break;
            case OpKind.TryRemove:
                op.Ok = map.TryRemove(key, out op.Value);
                break;
            case OpKind.TryRemovePair:
                op.Ok = map.TryRemove(new KeyValuePair<int, int>(key, a2));
                break;
            case OpKind.GetOrAddFactory:
                op.Value = map.GetOrAdd(key, _ => a1);
                break;
            case OpKind.GetOrAddValue:
                op.Value = map.GetOrAdd(key, a1);
                break;
            case OpKind.GetOrAddArg:
                op.Value = map.GetOrAdd(key, static (_, arg) => arg, a1);
                break;
            case OpKind.LoadOrCompute:
                op.Value = map.LoadOrCompute(key, _ => a1);
                break;
            case OpKind.LoadOrComputeArg:
                op.Value = map.LoadOrCompute(key, static (_, arg) => arg, a1);
                break;
            case OpKind.ComputeStore:
                op.Ok = map.Compute(
                    key,
                    (_, current, exists) => new ComputeResult<int>(ComputeAction.Store, exists ? SequentialMapModel.UpdateFunction(current, a2) : a1),
                    out op.Value);
                break;
            case OpKind.ComputeDelete:
                op.Ok = map.Compute(key, static (_, _, exists) => new ComputeResult<int>(exists ? ComputeAction.Delete : ComputeAction.Keep, 0), out op.Value);
                break;
            case OpKind.ComputeKeepArg:
                op.Ok = map.Compute(key, static (_, current, _, arg) => new ComputeResult<int>(ComputeAction.Keep, current + arg), 1, out op.Value);
                break;
            case OpKind.GetOrAddValueAdded:
                op.Value = map.GetOrAdd(key, a1, out op.Ok);
                break;
            case OpKind.GetOrAddFactoryAdded:
                op.Value = map.GetOrAdd(key, _ => a1, out op.Ok);
                break;
            case OpKind.GetOrAddArgAdded:
                op.Value = map.GetOrAdd(key, static (_, arg) => arg, a1, out op.Ok);
                break;
            case OpKind.AddOrUpdateFactories:
                op.Value = map.AddOrUpdate(key, _ => a1, (_, current) => SequentialMapModel.UpdateFunction(current, a2));
                break;
            case OpKind.AddOrUpdateValue:
                op.Value = map.AddOrUpdate(key, a1, (_, current) => SequentialMapModel.UpdateFunction(current, a2));
                break;
            case OpKind.AddOrUpdateArg:
                op.Value = map.AddOrUpdate(
                    key,
                    static (_, arg) => arg.Add,
                    static (_, current, arg) => SequentialMapModel.UpdateFunction(current, arg.Increment),
                    (Add: a1, Increment: a2));
                break;
            case OpKind.TryGetValue:
                op.Ok = map.TryGetValue(key, out op.Value);
                break;
            case OpKind.IndexerGet:
                try
                {
                    op.Value = map[key];
                    op.Ok = true;
                }
                catch (KeyNotFoundException)
                {
                    op.Ok = false;
                }

                break;
            case OpKind.IndexerSet:
                map[key] = a1;
                break;
            case OpKind.ContainsKey:
                op.Ok = map.ContainsKey(key);
                break;
            case OpKind.Clear:
                map.Clear();
                break;
            default:
                throw new InvalidOperationException($"Unknown operation {op.Kind}");
        }
    }
}
