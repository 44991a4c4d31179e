// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StackExchange.Redis;

namespace GoSync.Redis;

/// <summary>The serializers GoSync.Redis ships: raw fast paths and System.Text.Json.</summary>
/// <remarks>
/// <para>Raw encodings (no JSON, no quotes): <see cref="string"/> as UTF-8; <see cref="T:byte[]"/> as is;
/// <see cref="bool"/> as <c>1</c>/<c>0</c>; integers as invariant decimal text; <see cref="double"/> and
/// <see cref="float"/> as round-trip decimal text; <see cref="Guid"/> as its 36-character "D" text. These are also
/// what a hand-written StackExchange.Redis program stores, so such programs can share a map with this library.</para>
/// <para>A <see langword="null"/> string or byte array cannot be told apart from an empty one in a hash, so the raw
/// serializers reject it (<see cref="ArgumentNullException"/>, thrown before anything is sent). Use a JSON serializer
/// for maps whose values may be null.</para>
/// </remarks>
public static class RedisSerializer
{
    /// <summary>
    /// Gets the default serializer of <typeparamref name="T"/>: a raw one for string, byte[], bool, byte, short, int, long,
    /// ushort, uint, ulong, float, double and Guid; otherwise System.Text.Json with <see cref="JsonSerializerOptions.Default"/>.
    /// </summary>
    /// <typeparam name="T">The type serialized.</typeparam>
    /// <returns>A thread-safe serializer.</returns>
    /// <remarks>
    /// The JSON fallback uses reflection, which trimmed and NativeAOT applications turn off: there it throws
    /// <see cref="InvalidOperationException"/> on first use. Pass <see cref="Json{T}(JsonTypeInfo{T})"/> with a
    /// source-generated <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>'s type info instead.
    /// </remarks>
    public static IRedisSerializer<T> Default<T>()
    {
        object? raw = Raw.For(typeof(T));
        return raw is not null ? (IRedisSerializer<T>)raw : ReflectionJson<T>();
    }

    // The reflection-based JSON fallback, behind System.Text.Json's own feature switch: trimmed and NativeAOT
    // applications turn JsonSerializer.IsReflectionEnabledByDefault off, the trimmer then removes the reflection path,
    // and the call throws instead (System.Text.Json guards its own reflection resolver the same way).
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only while JsonSerializer.IsReflectionEnabledByDefault is on, which trimming turns off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only while JsonSerializer.IsReflectionEnabledByDefault is on, which NativeAOT turns off.")]
    private static IRedisSerializer<T> ReflectionJson<T>()
    {
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw new InvalidOperationException(
                $"No serializer for {typeof(T)}: reflection-based System.Text.Json is off in this application (trimmed or NativeAOT). " +
                "Set RedisSyncMapOptions.KeySerializer/ValueSerializer to RedisSerializer.Json(<a source-generated JsonTypeInfo>).");
        }

        return new JsonRedisSerializer<T>(JsonSerializerOptions.Default);
    }

    /// <summary>Gets a System.Text.Json serializer driven by <paramref name="typeInfo"/> (for example a source-generated context's property).</summary>
    /// <typeparam name="T">The type serialized.</typeparam>
    /// <param name="typeInfo">The type's JSON contract; source-generated ones keep the application trim- and AOT-safe.</param>
    /// <returns>A thread-safe serializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    public static IRedisSerializer<T> Json<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonRedisSerializer<T>(typeInfo);
    }

    /// <summary>Gets a System.Text.Json serializer that takes <typeparamref name="T"/>'s contract from <paramref name="options"/> (its <c>TypeInfoResolver</c> may be a source-generated context).</summary>
    /// <typeparam name="T">The type serialized.</typeparam>
    /// <param name="options">The options; the contract is resolved on first use.</param>
    /// <returns>A thread-safe serializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static IRedisSerializer<T> Json<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonRedisSerializer<T>(options);
    }

    private sealed class JsonRedisSerializer<T> : IRedisSerializer<T>
    {
        // Either given (typeInfo) or resolved from _options on first use and cached; a race resolves it twice, harmlessly.
        private readonly JsonSerializerOptions? _options;
        private JsonTypeInfo<T>? _typeInfo;

        public JsonRedisSerializer(JsonTypeInfo<T> typeInfo) => _typeInfo = typeInfo;

        public JsonRedisSerializer(JsonSerializerOptions options) => _options = options;

        private JsonTypeInfo<T> TypeInfo => _typeInfo ??= (JsonTypeInfo<T>)_options!.GetTypeInfo(typeof(T));

        public RedisValue Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo);

        public T Deserialize(RedisValue value) => JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)value).Span, TypeInfo)!;
    }

    // The raw serializers: one sealed class per type, picked by typeof tests (no reflection, trim-safe).
    private static class Raw
    {
        public static object? For(Type t) =>
            t == typeof(string) ? new StringSerializer()
            : t == typeof(byte[]) ? new BytesSerializer()
            : t == typeof(bool) ? new BoolSerializer()
            : t == typeof(byte) ? new ByteSerializer()
            : t == typeof(short) ? new Int16Serializer()
            : t == typeof(int) ? new Int32Serializer()
            : t == typeof(long) ? new Int64Serializer()
            : t == typeof(ushort) ? new UInt16Serializer()
            : t == typeof(uint) ? new UInt32Serializer()
            : t == typeof(ulong) ? new UInt64Serializer()
            : t == typeof(float) ? new SingleSerializer()
            : t == typeof(double) ? new DoubleSerializer()
            : t == typeof(Guid) ? new GuidSerializer()
            : null;
    }

    private sealed class StringSerializer : IRedisSerializer<string>
    {
        public RedisValue Serialize(string value) => value ?? throw new ArgumentNullException(nameof(value), "The raw string serializer cannot store null (a hash cannot tell it from \"\"); use a JSON serializer.");

        public string Deserialize(RedisValue value) => (string)value!;
    }

    private sealed class BytesSerializer : IRedisSerializer<byte[]>
    {
        public RedisValue Serialize(byte[] value) => value ?? throw new ArgumentNullException(nameof(value), "The raw byte[] serializer cannot store null (a hash cannot tell it from an empty array); use a JSON serializer.");

        public byte[] Deserialize(RedisValue value) => (byte[])value!;
    }

    private sealed class BoolSerializer : IRedisSerializer<bool>
    {
        public RedisValue Serialize(bool value) => value ? 1 : 0;

        public bool Deserialize(RedisValue value) => (bool)value;
    }

    private sealed class ByteSerializer : IRedisSerializer<byte>
    {
        public RedisValue Serialize(byte value) => (int)value;

        public byte Deserialize(RedisValue value) => checked((byte)(int)value);
    }

    private sealed class Int16Serializer : IRedisSerializer<short>
    {
        public RedisValue Serialize(short value) => (int)value;

        public short Deserialize(RedisValue value) => checked((short)(int)value);
    }

    private sealed class Int32Serializer : IRedisSerializer<int>
    {
        public RedisValue Serialize(int value) => value;

        public int Deserialize(RedisValue value) => (int)value;
    }

    private sealed class Int64Serializer : IRedisSerializer<long>
    {
        public RedisValue Serialize(long value) => value;

        public long Deserialize(RedisValue value) => (long)value;
    }

    private sealed class UInt16Serializer : IRedisSerializer<ushort>
    {
        public RedisValue Serialize(ushort value) => (int)value;

        public ushort Deserialize(RedisValue value) => checked((ushort)(int)value);
    }

    private sealed class UInt32Serializer : IRedisSerializer<uint>
    {
        public RedisValue Serialize(uint value) => value;

        public uint Deserialize(RedisValue value) => (uint)value;
    }

    private sealed class UInt64Serializer : IRedisSerializer<ulong>
    {
        public RedisValue Serialize(ulong value) => value;

        public ulong Deserialize(RedisValue value) => (ulong)value;
    }

    private sealed class SingleSerializer : IRedisSerializer<float>
    {
        public RedisValue Serialize(float value) => value.ToString("R", CultureInfo.InvariantCulture);

        public float Deserialize(RedisValue value) => float.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private sealed class DoubleSerializer : IRedisSerializer<double>
    {
        public RedisValue Serialize(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        public double Deserialize(RedisValue value) => double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private sealed class GuidSerializer : IRedisSerializer<Guid>
    {
        public RedisValue Serialize(Guid value) => value.ToString("D");

        public Guid Deserialize(RedisValue value) => Guid.Parse((string)value!);
    }
}
