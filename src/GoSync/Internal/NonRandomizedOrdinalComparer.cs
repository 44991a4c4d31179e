// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GoSync.Internal;

/// <summary>
/// Ordinal string equality with a fast hash that is the same in every process (modelled on the one .NET's Dictionary
/// uses internally for string keys: two interleaved djb2-style lanes over 32-bit pairs of chars; same results, but
/// an odd last char is read on its own instead of together with the string's terminator). Not randomized, so
/// crafted keys can collide: a table using it switches to <see cref="EqualityComparer{T}.Default"/> (randomized)
/// as soon as one probe sequence grows too long, as Dictionary does.
/// </summary>
internal sealed class NonRandomizedOrdinalComparer : IEqualityComparer<string>
#if NET9_0_OR_GREATER
    , IAlternateEqualityComparer<ReadOnlySpan<char>, string>, IRandomizedAlternateHash<ReadOnlySpan<char>>
#endif
{
    /// <summary>The only instance (tables recognise it by type).</summary>
    internal static readonly NonRandomizedOrdinalComparer Instance = new();

    private NonRandomizedOrdinalComparer()
    {
    }

    public bool Equals(string? x, string? y) => string.Equals(x, y);

    public int GetHashCode(string obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Hash(obj.AsSpan());
    }

#if NET9_0_OR_GREATER
    /// <summary>The same hash as <see cref="GetHashCode(string)"/> of a string with these characters (alternate lookup).</summary>
    public int GetHashCode(ReadOnlySpan<char> alternate) => Hash(alternate);

    /// <summary>Ordinal equality of the characters.</summary>
    public bool Equals(ReadOnlySpan<char> alternate, string other) => other is not null && alternate.SequenceEqual(other.AsSpan());

    /// <summary>A new string with these characters.</summary>
    public string Create(ReadOnlySpan<char> alternate) => alternate.ToString();

    /// <summary>The randomized hash of a string with these characters (<c>string.GetHashCode</c>), for tables that switched.</summary>
    public int RandomizedHash(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);
#endif

    private static int Hash(ReadOnlySpan<char> chars)
    {
        ReadOnlySpan<uint> pairs = MemoryMarshal.Cast<char, uint>(chars);
        ref uint p = ref MemoryMarshal.GetReference(pairs);
        uint hash1 = (5381 << 16) + 5381;
        uint hash2 = hash1;
        int i = 0;
        for (; i + 1 < pairs.Length; i += 2)
        {
            hash1 = (BitOperations.RotateLeft(hash1, 5) + hash1) ^ Unsafe.Add(ref p, i);
            hash2 = (BitOperations.RotateLeft(hash2, 5) + hash2) ^ Unsafe.Add(ref p, i + 1);
        }

        if (i < pairs.Length)
        {
            // One pair left: length 4k+2 hashes it into the second lane, 4k+3 into the first (the second lane then
            // takes the last char below), as the runtime's loop does.
            if ((chars.Length & 1) == 0)
            {
                hash2 = (BitOperations.RotateLeft(hash2, 5) + hash2) ^ Unsafe.Add(ref p, i);
            }
            else
            {
                hash1 = (BitOperations.RotateLeft(hash1, 5) + hash1) ^ Unsafe.Add(ref p, i);
            }
        }

        if ((chars.Length & 1) != 0)
        {
            hash2 = (BitOperations.RotateLeft(hash2, 5) + hash2) ^ chars[^1];
        }

        return (int)(hash1 + (hash2 * 1566083941));
    }
}
