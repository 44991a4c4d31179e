// Licensed under the MIT license. See LICENSE in the repository root.

namespace GoSync.Redis;

/// <summary>Settings of a <see cref="RedisSyncMap{TKey, TValue}"/>; read once, by its constructor.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <remarks>Every process that shares a map must use the same serializers and the same <see cref="ShardCount"/>.</remarks>
public sealed class RedisSyncMapOptions<TKey, TValue>
{
    /// <summary>
    /// Gets or sets the key serializer. <see langword="null"/> (the default) means <see cref="RedisSerializer.Default{T}"/>:
    /// raw bytes for string, byte[] and primitive types, System.Text.Json otherwise.
    /// </summary>
    public IRedisSerializer<TKey>? KeySerializer { get; set; }

    /// <summary>Gets or sets the value serializer; <see langword="null"/> (the default) means <see cref="RedisSerializer.Default{T}"/>.</summary>
    public IRedisSerializer<TValue>? ValueSerializer { get; set; }

    /// <summary>
    /// Gets or sets the number of Redis hashes the map spreads over (default 1: one hash named as the map). With N &gt; 1,
    /// shard i is the hash <c>{name:i}</c> (a hash tag, so each shard lives on one cluster slot) and a key goes to the
    /// shard given by a stable hash (FNV-1a, 32 bits) of its serialized bytes.
    /// </summary>
    public int ShardCount { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether the read-modify-write operations run as Lua scripts (the default, one round trip each).
    /// <see langword="false"/> uses optimistic transactions (<c>WATCH</c>/<c>MULTI</c>/<c>EXEC</c>, retried when a
    /// concurrent write intervenes) with the same meaning, for servers where scripting is off.
    /// </summary>
    public bool UseScripts { get; set; } = true;

    /// <summary>Gets or sets how Range walks each shard (default <see cref="RangeStrategy.Auto"/>).</summary>
    public RangeStrategy RangeStrategy { get; set; } = RangeStrategy.Auto;

    /// <summary>Gets or sets how many fields Range asks for per round trip (default 1,024).</summary>
    public int RangePageSize { get; set; } = 1024;
}
