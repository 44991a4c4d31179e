// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Internal;

/// <summary>
/// Marker objects stored in an entry's value slot, compared by reference only.
/// They live in a non-generic class so that shared generic code reads them without a
/// generic-dictionary lookup (a static of SyncMap&lt;,&gt; would need one).
/// </summary>
internal static class Sentinels
{
    /// <summary>
    /// Go's <c>expunged</c>: the key was deleted and the entry is absent from the dirty map
    /// (or, after Clear, from both maps). Only code holding the map's lock moves an entry out of this state.
    /// </summary>
    internal static readonly object Expunged = new();

    /// <summary>A live <see langword="null"/> value of a reference-type TValue (distinct from "deleted", which is a null slot).</summary>
    internal static readonly object NullValue = new();

    /// <summary>
    /// State P0 of the reference representation: a computation (LoadOrCompute, Compute) holds an absent key; readers see
    /// it absent, writers wait for the computation. Only code holding the map's lock moves an entry into or out of it.
    /// </summary>
    internal static readonly object PendingAbsent = new();
}
