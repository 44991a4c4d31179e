// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace GoSync.Internal;

/// <summary>Throw sites kept out of hot paths so that callers stay small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowKeyNull() => throw new ArgumentNullException("key");

    [DoesNotReturn]
    internal static void ThrowArgumentNull(string paramName) => throw new ArgumentNullException(paramName);

    [DoesNotReturn]
    internal static void ThrowItemKeyNull() =>
        throw new ArgumentNullException("item", "The key of the KeyValuePair is null.");

    [DoesNotReturn]
    internal static void ThrowKeyNotFound<TKey>(TKey key) =>
        throw new KeyNotFoundException($"The given key '{key}' was not present in the dictionary.");

    [DoesNotReturn]
    internal static void ThrowComputationReentered() =>
        throw new InvalidOperationException("A LoadOrCompute or Compute function (or a comparer it called) wrote the key it is computing; it would wait for itself.");

    [DoesNotReturn]
    internal static void ThrowIncompatibleComparer() =>
        throw new InvalidOperationException("The map's comparer is not compatible with this alternate key type (it does not implement IAlternateEqualityComparer<TAlternateKey, TKey>).");

    [DoesNotReturn]
    internal static void ThrowAlternateKeyNotFound() =>
        throw new KeyNotFoundException("The given key was not present in the dictionary.");

    [DoesNotReturn]
    internal static void ThrowKeyExists() =>
        throw new ArgumentException("The key already existed in the dictionary.");

    [DoesNotReturn]
    internal static void ThrowDuplicateKeyInSource() =>
        throw new ArgumentException("The source argument contains duplicate keys.");

    [DoesNotReturn]
    internal static void ThrowConcurrencyLevel() =>
        throw new ArgumentOutOfRangeException("concurrencyLevel", "The concurrencyLevel argument must be positive, or -1 for the default.");

    [DoesNotReturn]
    internal static void ThrowCapacity() =>
        throw new ArgumentOutOfRangeException("capacity", "The capacity argument must be greater than or equal to zero.");

    [DoesNotReturn]
    internal static void ThrowIndexNegative() =>
        throw new ArgumentOutOfRangeException("index", "The index argument is less than zero.");

    [DoesNotReturn]
    internal static void ThrowArrayTooSmall() =>
        throw new ArgumentException("The index is equal to or greater than the length of the array, or the number of elements in the dictionary is greater than the available space from index to the end of the destination array.");

    [DoesNotReturn]
    internal static void ThrowArrayIncorrectType() =>
        throw new ArgumentException("The array is multidimensional, or the type parameter for the set cannot be cast automatically to the type of the destination array.", "array");

    [DoesNotReturn]
    internal static void ThrowWrongKeyType() =>
        throw new ArgumentException("The key was of an incorrect type for this dictionary.", "key");

    [DoesNotReturn]
    internal static void ThrowWrongValueType() =>
        throw new ArgumentException("The value was of an incorrect type for this dictionary.", "value");

    [DoesNotReturn]
    internal static void ThrowSyncRootNotSupported() =>
        throw new NotSupportedException("The SyncRoot property may not be used for the synchronization of concurrent collections.");

    [DoesNotReturn]
    internal static void ThrowEnumeratorNotPositioned() =>
        throw new InvalidOperationException("Enumeration has either not started or has already finished.");

    [DoesNotReturn]
    internal static void ThrowInvariant(string message) =>
        throw new InvalidOperationException("SyncMap invariant broken: " + message);
}
