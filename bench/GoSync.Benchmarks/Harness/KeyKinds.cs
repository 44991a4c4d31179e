// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace GoSync.Benchmarks.Harness;

/// <summary>
/// How a workload turns Go's integer <c>i</c> into a key and a value. Go's benchmarks use <c>int</c> keys and values
/// boxed in <c>any</c>; the variants keep Go's key ranges and change only the types.
/// </summary>
public interface IKeyKind<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Text for the result table, e.g. "string keys".</summary>
    static abstract string Label { get; }

    /// <summary>The key standing for Go's integer key <paramref name="i"/>.</summary>
    static abstract TKey Key(int i);

    /// <summary>The value standing for Go's integer value <paramref name="i"/>.</summary>
    static abstract TValue Value(int i);

    /// <summary>The integer a key stands for (the inverse of <see cref="Key"/>); used by checks only.</summary>
    static abstract int IndexOf(TKey key);
}

/// <summary>Go's own shape: <c>int</c> keys and <c>int</c> values.</summary>
public readonly struct IntKeys : IKeyKind<int, int>
{
    public static string Label => "int keys";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Key(int i) => i;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Value(int i) => i;

    public static int IndexOf(int key) => key;
}

/// <summary>
/// <c>string</c> keys (decimal text of Go's integer), <c>int</c> values. Keys 0..1023, the only ones the fixed-key
/// workloads use, come from a table built once, so a lookup costs hashing and comparing a string, not building one;
/// workloads that insert fresh keys format them on the fly, as a real caller would.
/// </summary>
public readonly struct StringKeys : IKeyKind<string, int>
{
    private const int TableSize = 1024;
    private static readonly string[] s_table = BuildTable();

    public static string Label => "string keys";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static string Key(int i) => (uint)i < TableSize ? s_table[i] : i.ToString(CultureInfo.InvariantCulture);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Value(int i) => i;

    public static int IndexOf(string key) => int.Parse(key, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string[] BuildTable()
    {
        var table = new string[TableSize];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return table;
    }
}

/// <summary><c>int</c> keys, 32-byte struct values (<see cref="Struct32"/>).</summary>
public readonly struct StructValues : IKeyKind<int, Struct32>
{
    public static string Label => "32-byte struct values";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Key(int i) => i;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Struct32 Value(int i) => new(i, i, i, i);

    public static int IndexOf(int key) => key;
}

/// <summary>A 32-byte value type: too wide for an atomic write, so maps must not expose it torn.</summary>
public readonly struct Struct32 : IEquatable<Struct32>
{
    public Struct32(long a, long b, long c, long d)
    {
        A = a;
        B = b;
        C = c;
        D = d;
    }

    public long A { get; }

    public long B { get; }

    public long C { get; }

    public long D { get; }

    public static bool operator ==(Struct32 left, Struct32 right) => left.Equals(right);

    public static bool operator !=(Struct32 left, Struct32 right) => !left.Equals(right);

    public bool Equals(Struct32 other) => A == other.A && B == other.B && C == other.C && D == other.D;

    public override bool Equals(object? obj) => obj is Struct32 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(A, B, C, D);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({A}, {B}, {C}, {D})");
}
