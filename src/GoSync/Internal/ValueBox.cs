// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Internal;

/// <summary>
/// Immutable heap box for a value-type TValue. An entry's value slot points at one box and is
/// replaced by a compare-and-swap of the reference, so a value wider than a machine word is never
/// read half-written: readers see either the whole old box or the whole new one (Go's pointer to a boxed value).
/// </summary>
internal sealed class ValueBox<T>
{
    /// <summary>The boxed value; never written after construction.</summary>
    internal readonly T Value;

    internal ValueBox(T value) => Value = value;
}
