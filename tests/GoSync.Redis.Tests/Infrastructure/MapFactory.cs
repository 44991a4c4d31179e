// Licensed under the MIT license. See LICENSE in the repository root.

using StackExchange.Redis;

namespace GoSync.Redis.Tests.Infrastructure;

/// <summary>The map configurations every semantic test runs on: one hash or three shards, scripts or WATCH/MULTI.</summary>
public static class MapConfigs
{
    public static TheoryData<int, bool> ShardsAndScripts => new()
    {
        { 1, true },
        { 3, true },
        { 1, false },
        { 3, false },
    };

    public static RedisSyncMap<TKey, TValue> Create<TKey, TValue>(IDatabase db, string test, int shards, bool scripts, RangeStrategy range = RangeStrategy.Auto)
        where TKey : notnull =>
        new(db, RedisServerFixture.NewName(test), new RedisSyncMapOptions<TKey, TValue>
        {
            ShardCount = shards,
            UseScripts = scripts,
            RangeStrategy = range,
        });
}
