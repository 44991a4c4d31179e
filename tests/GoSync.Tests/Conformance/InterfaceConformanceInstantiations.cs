// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Globalization;

namespace GoSync.Tests.Conformance;

/// <summary>Interface conformance for <c>SyncMap&lt;int, int&gt;</c>: value-type key and value (the value is boxed inside the map).</summary>
public sealed class IntIntInterfaceConformanceTests : InterfaceConformanceTests<int, int>
{
    protected override object KeyOfAnotherType => "not an int";

    protected override object ValueOfAnotherType => "not an int";

    protected override int CreateKey(int seed) => seed * 7919;

    protected override int CreateValue(int seed) => -seed - 1;
}

/// <summary>Interface conformance for <c>SyncMap&lt;string, string&gt;</c>: reference key and value.</summary>
public sealed class StringStringInterfaceConformanceTests : InterfaceConformanceTests<string, string>
{
    protected override object KeyOfAnotherType => 42;

    protected override object ValueOfAnotherType => 42;

    // string.Concat allocates a fresh instance each call: equal strings, never the same object.
    protected override string CreateKey(int seed) => string.Concat("key-", seed.ToString(CultureInfo.InvariantCulture));

    protected override string CreateValue(int seed) => string.Concat("value-", seed.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Interface conformance for <c>SyncMap&lt;Guid, Int64Quad&gt;</c>: a 16-byte key and a 32-byte struct value.</summary>
public sealed class GuidQuadInterfaceConformanceTests : InterfaceConformanceTests<Guid, Int64Quad>
{
    protected override object KeyOfAnotherType => 42;

    protected override object ValueOfAnotherType => Guid.Empty;

    protected override Guid CreateKey(int seed) => new(seed, 0x1234, 0x5678, 0, 1, 2, 3, 4, 5, 6, (byte)(seed & 0xFF));

    protected override Int64Quad CreateValue(int seed) => Int64Quad.FromSeed(seed);

    [Fact]
    public void Int64Quad_Is32Bytes()
    {
        Assert.Equal(32, System.Runtime.CompilerServices.Unsafe.SizeOf<Int64Quad>());
    }
}

/// <summary>
/// Interface conformance for <c>SyncMap&lt;object, Payload&gt;</c>: keys of mixed runtime types (boxed ints,
/// strings, records) and a class value with value equality.
/// </summary>
public sealed class ObjectPayloadInterfaceConformanceTests : InterfaceConformanceTests<object, Payload>
{
    // Every object is a valid key here, so this one is checked to be treated like any other key.
    protected override object KeyOfAnotherType => new Version(1, 2, 3);

    protected override object ValueOfAnotherType => "not a payload";

    protected override object CreateKey(int seed) => (seed % 3) switch
    {
        0 => seed,
        1 => string.Concat("o", seed.ToString(CultureInfo.InvariantCulture)),
        _ => new ObjectKey(seed),
    };

    protected override Payload CreateValue(int seed) => new(seed, string.Concat("p", seed.ToString(CultureInfo.InvariantCulture)));
}
