// Licensed under the MIT license. See LICENSE in the repository root.

using StackExchange.Redis;

namespace GoSync.Redis;

/// <summary>
/// Turns keys or values into the bytes a Redis hash stores, and back.
/// </summary>
/// <typeparam name="T">The type serialized.</typeparam>
/// <remarks>
/// <para>Implementations must be deterministic: equal values give equal bytes, every time and in every process that
/// shares the map. Keys are found by their bytes, and <see cref="RedisSyncMap{TKey, TValue}.CompareAndSwap"/> and
/// <see cref="RedisSyncMap{TKey, TValue}.CompareAndDelete"/> compare values by their bytes on the server.</para>
/// <para><see cref="Serialize"/> runs before anything is sent: an exception it throws leaves the map untouched.
/// Implementations must be thread-safe.</para>
/// </remarks>
public interface IRedisSerializer<T>
{
    /// <summary>Serializes <paramref name="value"/>.</summary>
    /// <param name="value">The key or value.</param>
    /// <returns>The bytes (or text, sent as UTF-8) to store.</returns>
    RedisValue Serialize(T value);

    /// <summary>Deserializes what <see cref="Serialize"/> produced.</summary>
    /// <param name="value">The stored bytes; never <see cref="RedisValue.Null"/>.</param>
    /// <returns>The key or value.</returns>
    T Deserialize(RedisValue value);
}
