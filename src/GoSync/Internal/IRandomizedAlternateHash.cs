// Licensed under the MIT license. See LICENSE in the repository root.

#if NET9_0_OR_GREATER
namespace GoSync.Internal;

/// <summary>
/// For the alternate lookup of a string table that switched to the randomized hash (hash flooding): the randomized hash
/// (<c>EqualityComparer&lt;string&gt;.Default</c>'s) of the string an alternate key stands for.
/// </summary>
/// <typeparam name="TAlternate">The alternate key type.</typeparam>
internal interface IRandomizedAlternateHash<TAlternate>
    where TAlternate : allows ref struct
{
    /// <summary>The randomized hash of the string <paramref name="alternate"/> stands for.</summary>
    int RandomizedHash(TAlternate alternate);
}
#endif
