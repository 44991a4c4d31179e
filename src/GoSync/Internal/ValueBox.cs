// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Internal;

/// <summary>
/// Immutable heap box for a value-type TValue. An entry's value slot points at one box and is
/// replaced by a compare-and-swap of the reference, so a value wider than a machine word is never
/// read half-written: readers see either the whole old box or the whole new one (Go's pointer to a boxed value).
/// </summary>
internal class ValueBox<T>
{
    /// <summary>The boxed value; never written after construction.</summary>
    internal readonly T Value;

    internal ValueBox(T value) => Value = value;
}

/// <summary>
/// State Pv of the reference representation for a value-type TValue: a box holding the same value as the V state it
/// covers, so readers (which read any box the same way, with no type test) still see the value; writers tell it from a
/// plain box by its type and wait for the computation. One per computation.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class PendingValueBox<T> : ValueBox<T>
{
    internal PendingValueBox(T value)
        : base(value)
    {
    }
}
