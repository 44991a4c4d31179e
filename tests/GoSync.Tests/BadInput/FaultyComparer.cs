// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;

namespace GoSync.Tests.BadInput;

/// <summary>The exception a <see cref="FaultyComparer"/> throws on purpose.</summary>
public sealed class ComparerFaultException : Exception
{
    public ComparerFaultException()
        : base("The key comparer failed on purpose.")
    {
    }

    public ComparerFaultException(string message)
        : base(message)
    {
    }

    public ComparerFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Which comparer calls a <see cref="FaultyComparer"/> fails at random.</summary>
public enum FaultSite
{
    GetHashCodeCalls,
    EqualsCalls,
    Both,
}

/// <summary>
/// An ordinal string comparer that misbehaves on demand: its GetHashCode or Equals throw for
/// chosen keys or at random (seeded), or GetHashCode returns a different value on every call for
/// chosen keys (an inconsistent hash). <see cref="Enabled"/> switches every fault off, so that the
/// test can inspect the map with a well-behaved comparer. Single-threaded use only.
/// </summary>
internal sealed class FaultyComparer : IEqualityComparer<string>
{
    private readonly Random _random;
    private int _drift;

    public FaultyComparer(int seed) => _random = new Random(seed);

    public bool Enabled { get; set; } = true;

    /// <summary>GetHashCode throws for these keys.</summary>
    public Func<string, bool>? HashThrowsFor { get; set; }

    /// <summary>Equals throws when either argument is one of these keys.</summary>
    public Func<string, bool>? EqualsThrowsFor { get; set; }

    /// <summary>Probability that any one call (GetHashCode or Equals, per <see cref="RandomFaultsIn"/>) throws.</summary>
    public double RandomFaultProbability { get; set; }

    /// <summary>Which calls the random faults hit.</summary>
    public FaultSite RandomFaultsIn { get; set; } = FaultSite.Both;

    /// <summary>GetHashCode returns a different value on each call for these keys.</summary>
    public Func<string, bool>? InconsistentHashFor { get; set; }

    public long HashCalls { get; private set; }

    public long EqualsCalls { get; private set; }

    public long Faults { get; private set; }

    public int GetHashCode(string obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        HashCalls++;
        if (Enabled)
        {
            if (HashThrowsFor?.Invoke(obj) == true || RandomFault(FaultSite.GetHashCodeCalls))
            {
                Faults++;
                throw new ComparerFaultException($"GetHashCode(\"{obj}\") failed on purpose.");
            }

            if (InconsistentHashFor?.Invoke(obj) == true)
            {
                return StringComparer.Ordinal.GetHashCode(obj) ^ (++_drift * 0x2545F491);
            }
        }

        return StringComparer.Ordinal.GetHashCode(obj);
    }

    public bool Equals(string? x, string? y)
    {
        EqualsCalls++;
        if (Enabled && ((x is not null && EqualsThrowsFor?.Invoke(x) == true) || (y is not null && EqualsThrowsFor?.Invoke(y) == true) || RandomFault(FaultSite.EqualsCalls)))
        {
            Faults++;
            throw new ComparerFaultException($"Equals(\"{x}\", \"{y}\") failed on purpose.");
        }

        return string.Equals(x, y, StringComparison.Ordinal);
    }

    private bool RandomFault(FaultSite where) =>
        RandomFaultProbability > 0
        && (RandomFaultsIn == FaultSite.Both || RandomFaultsIn == where)
        && _random.NextDouble() < RandomFaultProbability;
}
