// Licensed under the MIT license. See LICENSE in the repository root.

using System;

namespace GoSync;

/// <summary>What <see cref="SyncMap{TKey, TValue}.Compute(TKey, Func{TKey, TValue, bool, ComputeResult{TValue}}, out TValue)"/> does with its function's result.</summary>
public enum ComputeAction
{
    /// <summary>Leave the key as it was (present with its value, or absent). Go xsync's <c>CancelOp</c>.</summary>
    Keep = 0,

    /// <summary>Store <see cref="ComputeResult{TValue}.Value"/>, adding the key if it was absent. Go xsync's <c>UpdateOp</c>.</summary>
    Store = 1,

    /// <summary>Delete the key (nothing happens if it was absent). Go xsync's <c>DeleteOp</c>.</summary>
    Delete = 2,
}

/// <summary>The result of a Compute function: an action and, for <see cref="ComputeAction.Store"/>, the value to store.</summary>
/// <typeparam name="TValue">The map's value type.</typeparam>
/// <param name="Action">What to do with the key.</param>
/// <param name="Value">The value to store (ignored unless <paramref name="Action"/> is <see cref="ComputeAction.Store"/>).</param>
public readonly record struct ComputeResult<TValue>(ComputeAction Action, TValue Value);
