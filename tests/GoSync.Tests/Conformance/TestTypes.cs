// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Threading;

namespace GoSync.Tests.Conformance;

/// <summary>A 32-byte value type (four <see cref="long"/> fields): too wide to be written atomically.</summary>
public readonly record struct Int64Quad(long A, long B, long C, long D)
{
    /// <summary>A quad whose four fields are all derived from <paramref name="seed"/>, so a torn copy is detectable.</summary>
    public static Int64Quad FromSeed(int seed) => new(seed, -(long)seed, (long)seed << 20, ~(long)seed);
}

/// <summary>
/// A reference-type value with value equality: two instances built from the same seed are equal but not the same
/// object, which is how the tests tell value equality from reference equality.
/// </summary>
public sealed class Payload : IEquatable<Payload>
{
    public Payload(int id, string name)
    {
        Id = id;
        Name = name;
    }

    public int Id { get; }

    public string Name { get; }

    public bool Equals(Payload? other) => other is not null && other.Id == Id && other.Name == Name;

    public override bool Equals(object? obj) => Equals(obj as Payload);

    public override int GetHashCode() => HashCode.Combine(Id, Name);

    public override string ToString() => $"Payload({Id}, {Name})";
}

/// <summary>A key class with value equality, used beside boxed ints and strings as keys of a map keyed by <see cref="object"/>.</summary>
public sealed record ObjectKey(int Id);

/// <summary>Wraps <see cref="EqualityComparer{T}.Default"/> in a distinct instance and counts its calls.</summary>
public sealed class CountingComparer<T> : IEqualityComparer<T>
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public bool Equals(T? x, T? y)
    {
        Interlocked.Increment(ref _calls);
        return EqualityComparer<T>.Default.Equals(x, y);
    }

    public int GetHashCode(T obj)
    {
        Interlocked.Increment(ref _calls);
        return obj is null ? 0 : EqualityComparer<T>.Default.GetHashCode(obj);
    }
}

/// <summary>A comparer under which every two values are equal: any two keys collide, any two values match.</summary>
public sealed class AllEqualComparer<T> : IEqualityComparer<T>
{
    public bool Equals(T? x, T? y) => true;

    public int GetHashCode(T obj) => 0;
}

/// <summary>Test collections that must not run beside other tests of this part.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialConformanceCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Conformance (serial)";
}
