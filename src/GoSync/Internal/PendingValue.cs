// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Internal;

/// <summary>
/// State Pv of the reference representation: a computation (Compute) holds a present key. Readers see the value it
/// covers (<see cref="Previous"/>); writers wait for the computation. Immutable; one per computation.
/// </summary>
internal sealed class PendingValue
{
    /// <summary>The value object (a box, the value itself, or the null-value sentinel) of the V state this covers.</summary>
    internal readonly object Previous;

    internal PendingValue(object previous) => Previous = previous;
}
