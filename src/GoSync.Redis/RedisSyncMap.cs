// Licensed under the MIT license. See LICENSE in the repository root.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using GoSync.Redis.Internal;
using StackExchange.Redis;

namespace GoSync.Redis;

/// <summary>
/// Go's <c>sync.Map</c> operations over a Redis-protocol server (Redis, Valkey, Microsoft Garnet): a map that several
/// processes or machines share, with the names and meaning of <see cref="SyncMap{TKey, TValue}"/>.
/// </summary>
/// <typeparam name="TKey">The key type; keys are found by their serialized bytes.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <remarks>
/// <para><b>Storage.</b> One Redis hash named as the map (or <see cref="RedisSyncMapOptions{TKey, TValue}.ShardCount"/>
/// hashes <c>{name:0}</c> ... <c>{name:N-1}</c>): field = serialized key, value = serialized value.</para>
/// <para><b>Atomicity.</b> Every single-key operation is one server command (Load: HGET, Store: HSET, Delete: HDEL)
/// or one Lua script naming its hash in KEYS (Swap, LoadOrStore, LoadAndDelete, CompareAndSwap, CompareAndDelete), so
/// it is atomic on the server and linearizable. Garnet runs scripts atomically only when started with
/// <c>--lua-transaction-mode</c>. With <see cref="RedisSyncMapOptions{TKey, TValue}.UseScripts"/> off, the same
/// operations run as optimistic WATCH/MULTI/EXEC transactions, retried when a concurrent write intervenes.</para>
/// <para><b>Comparisons are on bytes.</b> <see cref="CompareAndSwap"/> and <see cref="CompareAndDelete"/> compare the
/// serialized old value with the stored bytes on the server, not with <see cref="object.Equals(object)"/>: two values
/// are equal exactly when their serializer gives the same bytes.</para>
/// <para><b>Range</b> keeps Go's contract on every server: no key twice; a key present and unchanged for the whole walk
/// is visited; each value shown was the key's value at some moment during the walk (see <see cref="RangeStrategy"/>).
/// It is not a snapshot and holds nothing on the server while the callback runs.</para>
/// <para><b>Count, IsEmpty and Clear</b> touch every shard: with one shard each is one command (atomic); with several
/// they run shard by shard.</para>
/// <para><b>Faults.</b> A null key throws <see cref="ArgumentNullException"/>; a serializer's exception is thrown before
/// anything is sent; a server that is down or slow gives StackExchange.Redis's exception
/// (<see cref="RedisConnectionException"/>, <see cref="RedisTimeoutException"/>), and since each operation is one
/// atomic step, it is applied whole or not at all (a timeout leaves which one unknown). The map works again as soon
/// as the connection is back.</para>
/// <para>The map object holds no state besides its settings: many instances, in any number of processes, may share one
/// map. It is thread-safe.</para>
/// </remarks>
[DebuggerDisplay("RedisSyncMap {Name}, {ShardKeys.Count} shard(s)")]
public sealed partial class RedisSyncMap<TKey, TValue> : ISyncMap<TKey, TValue>
    where TKey : notnull
{
    // Everything below is set by the constructor and never written again: the instance is immutable apart from
    // _serverKind, a cache.
    private readonly IDatabase _db;
    private readonly RedisKey[] _shards;          // the hash of each shard; _shards.Length == ShardCount >= 1
    private readonly RedisKey[][] _shardKeyArgs;  // _shardKeyArgs[i] = [ _shards[i] ], the KEYS array of scripts on shard i
    private readonly IRedisSerializer<TKey> _keys;
    private readonly IRedisSerializer<TValue> _values;
    private readonly bool _useScripts;
    private readonly RangeStrategy _rangeStrategy;
    private readonly int _rangePageSize;

    // Which Range strategy Auto resolved to: 0 = not asked yet, else a RangeStrategy value. Written once by whichever
    // Range asks the server first (a race asks twice and writes the same answer); plain reads and writes of an int are atomic.
    private int _serverKind;

    /// <summary>Creates a map stored in the hash (or hashes) named <paramref name="name"/> of <paramref name="database"/>.</summary>
    /// <param name="database">The database, from a connected <see cref="IConnectionMultiplexer"/>.</param>
    /// <param name="name">The map's name: the hash's key, or the stem of its shards' keys.</param>
    /// <param name="options">Serializers, shards, scripting, Range; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="database"/> is <see langword="null"/>, or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="RedisSyncMapOptions{TKey, TValue}.ShardCount"/> or <see cref="RedisSyncMapOptions{TKey, TValue}.RangePageSize"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">Several shards are asked for and <paramref name="name"/> contains a brace (it would break the hash tags).</exception>
    public RedisSyncMap(IDatabase database, RedisKey name, RedisSyncMapOptions<TKey, TValue>? options = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (name == default(RedisKey))
        {
            throw new ArgumentNullException(nameof(name));
        }

        options ??= new RedisSyncMapOptions<TKey, TValue>();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ShardCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RangePageSize, 1, nameof(options));

        _db = database;
        _keys = options.KeySerializer ?? RedisSerializer.Default<TKey>();
        _values = options.ValueSerializer ?? RedisSerializer.Default<TValue>();
        _useScripts = options.UseScripts;
        _rangeStrategy = options.RangeStrategy;
        _rangePageSize = options.RangePageSize;
        Name = name;

        if (options.ShardCount == 1)
        {
            _shards = [name];
        }
        else
        {
            string stem = name.ToString();
            if (stem.Contains('{', StringComparison.Ordinal) || stem.Contains('}', StringComparison.Ordinal))
            {
                throw new ArgumentException("A sharded map's name cannot contain '{' or '}': its shards are named {name:i}.", nameof(name));
            }

            _shards = new RedisKey[options.ShardCount];
            for (int i = 0; i < _shards.Length; i++)
            {
                _shards[i] = "{" + stem + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
            }
        }

        _shardKeyArgs = new RedisKey[_shards.Length][];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shardKeyArgs[i] = [_shards[i]];
        }
    }

    /// <summary>Gets the map's name.</summary>
    public RedisKey Name { get; }

    /// <summary>Gets the Redis keys of the map's hashes, one per shard.</summary>
    public IReadOnlyList<RedisKey> ShardKeys => _shards;

    /// <summary>Gets the database the map lives in.</summary>
    public IDatabase Database => _db;

    /// <summary>Gets the number of keys: the sum of <c>HLEN</c> over the shards.</summary>
    /// <exception cref="OverflowException">The map holds more than <see cref="int.MaxValue"/> keys (use <see cref="LongCount"/>).</exception>
    public int Count => checked((int)LongCount());

    /// <summary>Gets whether the map holds no keys.</summary>
    public bool IsEmpty => LongCount() == 0;

    /// <summary>Counts the keys: one <c>HLEN</c> per shard.</summary>
    /// <returns>The number of keys.</returns>
    public long LongCount()
    {
        long n = 0;
        foreach (RedisKey shard in _shards)
        {
            n += _db.HashLength(shard);
        }

        return n;
    }

    /// <summary>Go's <c>Load</c>: gets the value stored for <paramref name="key"/> (one <c>HGET</c>).</summary>
    /// <param name="key">The key to look up.</param>
    /// <param name="value">The value, or <see langword="default"/> when the key is absent.</param>
    /// <returns><see langword="true"/> if the key is present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool Load(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        RedisValue field = Field(key, out int shard);
        return Decode(_db.HashGet(_shards[shard], field), out value);
    }

    /// <summary>Go's <c>Store</c>: sets the value for <paramref name="key"/> (one <c>HSET</c>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public void Store(TKey key, TValue value)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        _db.HashSet(_shards[shard], field, v);
    }

    /// <summary>Go's <c>Swap</c>: stores <paramref name="value"/> and returns the previous value, if any (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <param name="previous">The value the key had, or <see langword="default"/> when it was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool Swap(TKey key, TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        RedisValue old = _useScripts
            ? (RedisValue)Script.Swap.Evaluate(_db, _shardKeyArgs[shard], [field, v])
            : SwapByTransaction(_shards[shard], field, v);
        return Decode(old, out previous);
    }

    /// <summary>Go's <c>LoadOrStore</c>: returns the existing value if present; otherwise stores <paramref name="value"/> and returns it (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store if the key is absent.</param>
    /// <param name="loaded"><see langword="true"/> if the value was loaded, <see langword="false"/> if stored.</param>
    /// <returns>The value now associated with the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public TValue LoadOrStore(TKey key, TValue value, out bool loaded)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        RedisValue present = _useScripts
            ? (RedisValue)Script.LoadOrStore.Evaluate(_db, _shardKeyArgs[shard], [field, v])
            : LoadOrStoreBySetNx(_shards[shard], field, v);
        loaded = Decode(present, out TValue? actual);
        return loaded ? actual! : value;
    }

    /// <summary>Go's <c>LoadAndDelete</c>: deletes the key and returns the value it had, if any (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The deleted value, or <see langword="default"/> when the key was absent.</param>
    /// <returns><see langword="true"/> if the key was present (Go's <c>loaded</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool LoadAndDelete(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue old = _useScripts
            ? (RedisValue)Script.LoadAndDelete.Evaluate(_db, _shardKeyArgs[shard], [field])
            : LoadAndDeleteByTransaction(_shards[shard], field);
        return Decode(old, out value);
    }

    /// <summary>Go's <c>Delete</c>: deletes the key, if present (one <c>HDEL</c>).</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public void Delete(TKey key)
    {
        RedisValue field = Field(key, out int shard);
        _db.HashDelete(_shards[shard], field);
    }

    /// <summary>Go's <c>CompareAndSwap</c>: stores <paramref name="newValue"/> if the key's value serializes to the same bytes as <paramref name="oldValue"/> (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have, compared by its serialized bytes.</param>
    /// <param name="newValue">The value to store.</param>
    /// <returns><see langword="true"/> if the value was swapped; <see langword="false"/> if it differed or the key was absent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool CompareAndSwap(TKey key, TValue oldValue, TValue newValue)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue o = _values.Serialize(oldValue);
        RedisValue n = _values.Serialize(newValue);
        return _useScripts
            ? (int)Script.CompareAndSwap.Evaluate(_db, _shardKeyArgs[shard], [field, o, n]) == 1
            : CompareAndSetByTransaction(_shards[shard], field, o, n, delete: false);
    }

    /// <summary>Go's <c>CompareAndDelete</c>: deletes the key if its value serializes to the same bytes as <paramref name="oldValue"/> (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have, compared by its serialized bytes.</param>
    /// <returns><see langword="true"/> if the key was deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public bool CompareAndDelete(TKey key, TValue oldValue)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue o = _values.Serialize(oldValue);
        return _useScripts
            ? (int)Script.CompareAndDelete.Evaluate(_db, _shardKeyArgs[shard], [field, o]) == 1
            : CompareAndSetByTransaction(_shards[shard], field, o, RedisValue.Null, delete: true);
    }

    /// <summary>Go's <c>Clear</c>: deletes every key (one <c>DEL</c> per shard).</summary>
    public void Clear()
    {
        foreach (RedisKey shard in _shards)
        {
            _db.KeyDelete(shard);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The WATCH/MULTI fallback. Each loop reads the field, then runs a transaction whose condition (checked by
    // StackExchange.Redis under WATCH) is that the field still holds what was read; EXEC fails if anything wrote the
    // hash in between, and the loop reads again. The linearization point is EXEC (or the read, when nothing is written).
    // ---------------------------------------------------------------------------------------------

    private RedisValue SwapByTransaction(RedisKey hash, RedisValue field, RedisValue value)
    {
        while (true)
        {
            RedisValue current = _db.HashGet(hash, field);
            ITransaction t = _db.CreateTransaction();
            t.AddCondition(current.IsNull ? Condition.HashNotExists(hash, field) : Condition.HashEqual(hash, field, current));
            _ = t.HashSetAsync(hash, field, value);
            if (t.Execute())
            {
                return current;
            }
        }
    }

    // HSETNX is atomic on its own; when it finds the field, HGET reads it, unless it was deleted in between (then again).
    private RedisValue LoadOrStoreBySetNx(RedisKey hash, RedisValue field, RedisValue value)
    {
        while (true)
        {
            if (_db.HashSet(hash, field, value, When.NotExists))
            {
                return RedisValue.Null;
            }

            RedisValue current = _db.HashGet(hash, field);
            if (!current.IsNull)
            {
                return current;
            }
        }
    }

    private RedisValue LoadAndDeleteByTransaction(RedisKey hash, RedisValue field)
    {
        while (true)
        {
            RedisValue current = _db.HashGet(hash, field);
            if (current.IsNull)
            {
                return current;
            }

            ITransaction t = _db.CreateTransaction();
            t.AddCondition(Condition.HashEqual(hash, field, current));
            _ = t.HashDeleteAsync(hash, field);
            if (t.Execute())
            {
                return current;
            }
        }
    }

    private bool CompareAndSetByTransaction(RedisKey hash, RedisValue field, RedisValue expected, RedisValue value, bool delete)
    {
        while (true)
        {
            ITransaction t = _db.CreateTransaction();
            ConditionResult c = t.AddCondition(Condition.HashEqual(hash, field, expected));
            _ = delete ? t.HashDeleteAsync(hash, field) : t.HashSetAsync(hash, field, value);
            if (t.Execute())
            {
                return true;
            }

            if (!c.WasSatisfied)
            {
                return false; // the value differed (or was absent) when checked under WATCH
            }

            // The condition held but EXEC was aborted by a concurrent write: check again.
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Keys, shards, values.
    // ---------------------------------------------------------------------------------------------

    // Serializes the key and picks its shard. The null check comes first: nothing is sent for a null key.
    private RedisValue Field(TKey key, out int shard)
    {
        if (key is null)
        {
            ThrowKeyNull();
        }

        RedisValue field = _keys.Serialize(key);
        if (_shards.Length == 1)
        {
            shard = 0;
            return field;
        }

        byte[] bytes = (byte[])field!; // sent as these bytes, so the string is encoded once
        shard = (int)(Fnv1a(bytes) % (uint)_shards.Length);
        return bytes;
    }

    // FNV-1a, 32 bits. Part of the storage format: every process sharing a map must place keys the same way, so this
    // function never changes.
    internal static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint h = 2166136261;
        foreach (byte b in bytes)
        {
            h = (h ^ b) * 16777619;
        }

        return h;
    }

    private bool Decode(RedisValue stored, [MaybeNullWhen(false)] out TValue value)
    {
        if (stored.IsNull)
        {
            value = default;
            return false;
        }

        value = _values.Deserialize(stored);
        return true;
    }

    [DoesNotReturn]
    private static void ThrowKeyNull() => throw new ArgumentNullException("key");
}
