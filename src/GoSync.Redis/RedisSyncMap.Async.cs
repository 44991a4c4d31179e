// Licensed under the MIT license. See LICENSE in the repository root.

using System.Threading.Tasks;
using GoSync.Redis.Internal;
using StackExchange.Redis;

namespace GoSync.Redis;

// The asynchronous operations: the same commands and scripts as the synchronous ones (see there for each meaning).
public sealed partial class RedisSyncMap<TKey, TValue>
{
    /// <summary>Counts the keys: one <c>HLEN</c> per shard.</summary>
    /// <returns>The number of keys.</returns>
    public async Task<long> CountAsync()
    {
        long n = 0;
        foreach (RedisKey shard in _shards)
        {
            n += await _db.HashLengthAsync(shard).ConfigureAwait(false);
        }

        return n;
    }

    /// <summary>Gets whether the map holds no keys.</summary>
    /// <returns><see langword="true"/> when every shard is empty.</returns>
    public async Task<bool> IsEmptyAsync() => await CountAsync().ConfigureAwait(false) == 0;

    /// <summary>Go's <c>Load</c> (one <c>HGET</c>).</summary>
    /// <param name="key">The key to look up.</param>
    /// <returns>(<c>Value</c>, <c>Ok</c>): the value and whether the key was present, as Go's <c>value, ok</c>.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<(TValue? Value, bool Ok)> LoadAsync(TKey key)
    {
        RedisValue field = Field(key, out int shard);
        bool ok = Decode(await _db.HashGetAsync(_shards[shard], field).ConfigureAwait(false), out TValue? value);
        return (value, ok);
    }

    /// <summary>Go's <c>Store</c> (one <c>HSET</c>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <returns>A task that completes when the server has applied the write.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public Task StoreAsync(TKey key, TValue value)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        return _db.HashSetAsync(_shards[shard], field, v);
    }

    /// <summary>Go's <c>Swap</c> (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store.</param>
    /// <returns>(<c>Previous</c>, <c>Loaded</c>): the previous value and whether the key was present.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<(TValue? Previous, bool Loaded)> SwapAsync(TKey key, TValue value)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        RedisValue old = _useScripts
            ? (RedisValue)await Script.Swap.EvaluateAsync(_db, _shardKeyArgs[shard], [field, v]).ConfigureAwait(false)
            : await SwapByTransactionAsync(_shards[shard], field, v).ConfigureAwait(false);
        bool loaded = Decode(old, out TValue? previous);
        return (previous, loaded);
    }

    /// <summary>Go's <c>LoadOrStore</c> (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value to store if the key is absent.</param>
    /// <returns>(<c>Actual</c>, <c>Loaded</c>): the value now associated with the key, and whether it was loaded (not stored).</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<(TValue Actual, bool Loaded)> LoadOrStoreAsync(TKey key, TValue value)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue v = _values.Serialize(value);
        RedisValue present = _useScripts
            ? (RedisValue)await Script.LoadOrStore.EvaluateAsync(_db, _shardKeyArgs[shard], [field, v]).ConfigureAwait(false)
            : await LoadOrStoreBySetNxAsync(_shards[shard], field, v).ConfigureAwait(false);
        bool loaded = Decode(present, out TValue? actual);
        return (loaded ? actual! : value, loaded);
    }

    /// <summary>Go's <c>LoadAndDelete</c> (one script).</summary>
    /// <param name="key">The key.</param>
    /// <returns>(<c>Value</c>, <c>Loaded</c>): the deleted value and whether the key was present.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<(TValue? Value, bool Loaded)> LoadAndDeleteAsync(TKey key)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue old = _useScripts
            ? (RedisValue)await Script.LoadAndDelete.EvaluateAsync(_db, _shardKeyArgs[shard], [field]).ConfigureAwait(false)
            : await LoadAndDeleteByTransactionAsync(_shards[shard], field).ConfigureAwait(false);
        bool loaded = Decode(old, out TValue? value);
        return (value, loaded);
    }

    /// <summary>Go's <c>Delete</c> (one <c>HDEL</c>).</summary>
    /// <param name="key">The key.</param>
    /// <returns>A task that completes when the server has applied the delete.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public Task DeleteAsync(TKey key)
    {
        RedisValue field = Field(key, out int shard);
        return _db.HashDeleteAsync(_shards[shard], field);
    }

    /// <summary>Go's <c>CompareAndSwap</c>, comparing serialized bytes (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have, compared by its serialized bytes.</param>
    /// <param name="newValue">The value to store.</param>
    /// <returns><see langword="true"/> if the value was swapped.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<bool> CompareAndSwapAsync(TKey key, TValue oldValue, TValue newValue)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue o = _values.Serialize(oldValue);
        RedisValue n = _values.Serialize(newValue);
        return _useScripts
            ? (int)await Script.CompareAndSwap.EvaluateAsync(_db, _shardKeyArgs[shard], [field, o, n]).ConfigureAwait(false) == 1
            : await CompareAndSetByTransactionAsync(_shards[shard], field, o, n, delete: false).ConfigureAwait(false);
    }

    /// <summary>Go's <c>CompareAndDelete</c>, comparing serialized bytes (one script).</summary>
    /// <param name="key">The key.</param>
    /// <param name="oldValue">The value the key must have, compared by its serialized bytes.</param>
    /// <returns><see langword="true"/> if the key was deleted.</returns>
    /// <exception cref="System.ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public async Task<bool> CompareAndDeleteAsync(TKey key, TValue oldValue)
    {
        RedisValue field = Field(key, out int shard);
        RedisValue o = _values.Serialize(oldValue);
        return _useScripts
            ? (int)await Script.CompareAndDelete.EvaluateAsync(_db, _shardKeyArgs[shard], [field, o]).ConfigureAwait(false) == 1
            : await CompareAndSetByTransactionAsync(_shards[shard], field, o, RedisValue.Null, delete: true).ConfigureAwait(false);
    }

    /// <summary>Go's <c>Clear</c> (one <c>DEL</c> per shard).</summary>
    /// <returns>A task that completes when every shard is deleted.</returns>
    public async Task ClearAsync()
    {
        foreach (RedisKey shard in _shards)
        {
            await _db.KeyDeleteAsync(shard).ConfigureAwait(false);
        }
    }

    private async Task<RedisValue> SwapByTransactionAsync(RedisKey hash, RedisValue field, RedisValue value)
    {
        while (true)
        {
            RedisValue current = await _db.HashGetAsync(hash, field).ConfigureAwait(false);
            ITransaction t = _db.CreateTransaction();
            t.AddCondition(current.IsNull ? Condition.HashNotExists(hash, field) : Condition.HashEqual(hash, field, current));
            _ = t.HashSetAsync(hash, field, value);
            if (await t.ExecuteAsync().ConfigureAwait(false))
            {
                return current;
            }
        }
    }

    private async Task<RedisValue> LoadOrStoreBySetNxAsync(RedisKey hash, RedisValue field, RedisValue value)
    {
        while (true)
        {
            if (await _db.HashSetAsync(hash, field, value, When.NotExists).ConfigureAwait(false))
            {
                return RedisValue.Null;
            }

            RedisValue current = await _db.HashGetAsync(hash, field).ConfigureAwait(false);
            if (!current.IsNull)
            {
                return current;
            }
        }
    }

    private async Task<RedisValue> LoadAndDeleteByTransactionAsync(RedisKey hash, RedisValue field)
    {
        while (true)
        {
            RedisValue current = await _db.HashGetAsync(hash, field).ConfigureAwait(false);
            if (current.IsNull)
            {
                return current;
            }

            ITransaction t = _db.CreateTransaction();
            t.AddCondition(Condition.HashEqual(hash, field, current));
            _ = t.HashDeleteAsync(hash, field);
            if (await t.ExecuteAsync().ConfigureAwait(false))
            {
                return current;
            }
        }
    }

    private async Task<bool> CompareAndSetByTransactionAsync(RedisKey hash, RedisValue field, RedisValue expected, RedisValue value, bool delete)
    {
        while (true)
        {
            ITransaction t = _db.CreateTransaction();
            ConditionResult c = t.AddCondition(Condition.HashEqual(hash, field, expected));
            _ = delete ? t.HashDeleteAsync(hash, field) : t.HashSetAsync(hash, field, value);
            if (await t.ExecuteAsync().ConfigureAwait(false))
            {
                return true;
            }

            if (!c.WasSatisfied)
            {
                return false;
            }
        }
    }
}
