// Licensed under the MIT license. See LICENSE in the repository root.

using System.Security.Cryptography;
using System.Text;
using GoSync.Redis;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace GoSync.Redis.Benchmarks;

/// <summary>One way of running Go's operations against the server. A target lacking an operation says so (null).</summary>
/// <remarks>
/// The workloads call targets through this class's virtual methods. In-process benchmarks give every map its own
/// loop so the JIT's guarded devirtualization cannot favour one; here one operation is a network round trip
/// (tens of microseconds), against which a virtual call (about a nanosecond) does not register.
/// </remarks>
internal abstract class Target
{
    public abstract string Name { get; }

    /// <summary>Whether the target has every operation <paramref name="workload"/> uses.</summary>
    public abstract bool Supports(Workload workload);

    public abstract Task<bool> LoadAsync(int key);

    public abstract Task StoreAsync(int key, int value);

    public virtual Task<bool> LoadOrStoreAsync(int key, int value) => throw new NotSupportedException();

    public virtual Task<bool> LoadAndDeleteAsync(int key) => throw new NotSupportedException();

    public virtual Task DeleteAsync(int key) => throw new NotSupportedException();

    public virtual Task<bool> SwapAsync(int key, int value) => throw new NotSupportedException();

    public virtual Task<bool> CompareAndSwapAsync(int key, int oldValue, int newValue) => throw new NotSupportedException();

    public virtual Task<int> RangeAsync() => throw new NotSupportedException();

    /// <summary>Removes everything the target stored.</summary>
    public abstract Task ClearAsync();
}

/// <summary>GoSync.Redis: one hash, scripts, Range by the server's Auto strategy.</summary>
internal sealed class RedisSyncMapTarget(IDatabase db, RedisKey name) : Target
{
    private readonly RedisSyncMap<int, int> _map = new(db, name);

    public override string Name => "RedisSyncMap";

    public override bool Supports(Workload workload) => true;

    public override async Task<bool> LoadAsync(int key) => (await _map.LoadAsync(key)).Ok;

    public override Task StoreAsync(int key, int value) => _map.StoreAsync(key, value);

    public override async Task<bool> LoadOrStoreAsync(int key, int value) => (await _map.LoadOrStoreAsync(key, value)).Loaded;

    public override async Task<bool> LoadAndDeleteAsync(int key) => (await _map.LoadAndDeleteAsync(key)).Loaded;

    public override Task DeleteAsync(int key) => _map.DeleteAsync(key);

    public override async Task<bool> SwapAsync(int key, int value) => (await _map.SwapAsync(key, value)).Loaded;

    public override Task<bool> CompareAndSwapAsync(int key, int oldValue, int newValue) => _map.CompareAndSwapAsync(key, oldValue, newValue);

    public override async Task<int> RangeAsync()
    {
        int n = 0;
        await foreach (KeyValuePair<int, int> _ in _map.RangeAsync())
        {
            n++;
        }

        return n;
    }

    public override Task ClearAsync() => _map.ClearAsync();
}

/// <summary>
/// What a user writes today with StackExchange.Redis: the same hash commands, the same Lua scripts run by EVALSHA
/// (loaded once), HGETALL for a walk.
/// </summary>
internal sealed class HandWrittenTarget : Target
{
    private const string SwapLua = "local p = redis.call('HGET', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return p";
    private const string LoadOrStoreLua = "local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then return v end redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return false";
    private const string LoadAndDeleteLua = "local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then redis.call('HDEL', KEYS[1], ARGV[1]) end return v";
    private const string CasLua = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0";

    private readonly IDatabase _db;
    private readonly RedisKey _hash;
    private readonly RedisKey[] _keys;
    private readonly byte[] _swap, _loadOrStore, _loadAndDelete, _cas;

    public HandWrittenTarget(IDatabase db, RedisKey name)
    {
        _db = db;
        _hash = name;
        _keys = [name];
        _swap = Load(db, SwapLua);
        _loadOrStore = Load(db, LoadOrStoreLua);
        _loadAndDelete = Load(db, LoadAndDeleteLua);
        _cas = Load(db, CasLua);
    }

    public override string Name => "StackExchange.Redis";

    public override bool Supports(Workload workload) => true;

    public override async Task<bool> LoadAsync(int key) => !(await _db.HashGetAsync(_hash, key)).IsNull;

    public override Task StoreAsync(int key, int value) => _db.HashSetAsync(_hash, key, value);

    public override async Task<bool> LoadOrStoreAsync(int key, int value) =>
        !(await _db.ScriptEvaluateAsync(_loadOrStore, _keys, [key, value])).IsNull;

    public override async Task<bool> LoadAndDeleteAsync(int key) =>
        !(await _db.ScriptEvaluateAsync(_loadAndDelete, _keys, [key])).IsNull;

    public override Task DeleteAsync(int key) => _db.HashDeleteAsync(_hash, key);

    public override async Task<bool> SwapAsync(int key, int value) =>
        !(await _db.ScriptEvaluateAsync(_swap, _keys, [key, value])).IsNull;

    public override async Task<bool> CompareAndSwapAsync(int key, int oldValue, int newValue) =>
        (int)await _db.ScriptEvaluateAsync(_cas, _keys, [key, oldValue, newValue]) == 1;

    public override async Task<int> RangeAsync()
    {
        int n = 0;
        foreach (HashEntry e in await _db.HashGetAllAsync(_hash))
        {
            n += (int)e.Name >= 0 && (int)e.Value >= 0 ? 1 : 0; // parsed, as a program that uses them would
        }

        return n;
    }

    public override Task ClearAsync() => _db.KeyDeleteAsync(_hash);

    // EVAL once (the server caches the script), then EVALSHA by its SHA-1.
    private static byte[] Load(IDatabase db, string script)
    {
        db.ScriptEvaluate(script, [(RedisKey)"gosync-bench:warm"], [0, 0, 0]);
#pragma warning disable CA5350 // SHA-1 names scripts for EVALSHA; no security use.
        return SHA1.HashData(Encoding.UTF8.GetBytes(script));
#pragma warning restore CA5350
    }
}

/// <summary>Microsoft.Extensions.Caching.StackExchangeRedis's IDistributedCache: Get, Set and Remove only.</summary>
internal sealed class DistributedCacheTarget(IDistributedCache cache, string prefix) : Target
{
    private static readonly DistributedCacheEntryOptions s_noExpiry = new();

    public override string Name => "IDistributedCache";

    // It has no LoadOrStore, LoadAndDelete, Swap, CompareAndSwap nor any way to enumerate entries.
    public override bool Supports(Workload workload) => workload.Name == "LoadMostlyHits";

    public override async Task<bool> LoadAsync(int key) => await cache.GetAsync(prefix + key) is not null;

    public override Task StoreAsync(int key, int value) =>
        cache.SetAsync(prefix + key, BitConverter.GetBytes(value), s_noExpiry);

    public override async Task ClearAsync()
    {
        for (int k = 0; k < 1024; k++)
        {
            await cache.RemoveAsync(prefix + k);
        }
    }
}
