// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Redis.Tests.Infrastructure;
using GoSync.Tests.Reference;
using StackExchange.Redis;

namespace GoSync.Redis.Tests;

/// <summary>Properties that hold when several clients, each on its own connection, share one map.</summary>
[Collection(RedisCollection.Name)]
public sealed class MultiClientTests(RedisServerFixture server)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Uniqueness_OnlyOneLoadOrStoreWinsPerKey(bool scripts)
    {
        const int Clients = 4;
        int keys = 200 * TestEnvironment.StressScale;
        RedisKey name = RedisServerFixture.NewName(nameof(Uniqueness_OnlyOneLoadOrStoreWinsPerKey));
        var got = new int[Clients][];
        var won = new bool[Clients][];
        var connections = Enumerable.Range(0, Clients).Select(_ => server.Connect()).ToArray();
        try
        {
            Limits.RunTogether(Enumerable.Range(0, Clients).Select(c => (Action)(() =>
            {
                var m = new RedisSyncMap<int, int>(connections[c].GetDatabase(), name, new RedisSyncMapOptions<int, int> { UseScripts = scripts, ShardCount = 2 });
                got[c] = new int[keys];
                won[c] = new bool[keys];
                for (int k = 0; k < keys; k++)
                {
                    got[c][k] = m.LoadOrStore(k, c, out bool loaded);
                    won[c][k] = !loaded;
                }
            })).ToArray());

            var check = new RedisSyncMap<int, int>(server.Database, name, new RedisSyncMapOptions<int, int> { ShardCount = 2 });
            for (int k = 0; k < keys; k++)
            {
                Assert.True(check.Load(k, out int stored));
                int winners = Enumerable.Range(0, Clients).Count(c => won[c][k]);
                Assert.True(winners == 1, $"key {k}: {winners} clients stored it");
                Assert.True(won[stored][k], $"key {k}: the stored value {stored} is not the winner's");
                Assert.All(Enumerable.Range(0, Clients), c => Assert.Equal(stored, got[c][k]));
            }
        }
        finally
        {
            foreach (ConnectionMultiplexer c in connections)
            {
                c.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Continuity_CompareAndSwapIncrementsAreNotLost(bool scripts)
    {
        const int Clients = 4;
        int increments = 150 * TestEnvironment.StressScale;
        RedisKey name = RedisServerFixture.NewName(nameof(Continuity_CompareAndSwapIncrementsAreNotLost));
        var connections = Enumerable.Range(0, Clients).Select(_ => server.Connect()).ToArray();
        try
        {
            var maps = connections.Select(c => new RedisSyncMap<string, long>(c.GetDatabase(), name, new RedisSyncMapOptions<string, long> { UseScripts = scripts })).ToArray();
            maps[0].Store("n", 0);
            Task work = Task.WhenAll(maps.Select(async m =>
            {
                for (int i = 0; i < increments; i++)
                {
                    for (int attempt = 0; ; attempt++)
                    {
                        Assert.True(attempt < 10_000, "a CompareAndSwap loop never succeeded");
                        (long current, bool ok) = await m.LoadAsync("n");
                        Assert.True(ok);
                        if (await m.CompareAndSwapAsync("n", current, current + 1))
                        {
                            break;
                        }
                    }
                }
            }));
            await work.WaitAsync(Limits.Threads);
            Assert.True(maps[1].Load("n", out long n));
            Assert.Equal(Clients * increments, n);
        }
        finally
        {
            foreach (ConnectionMultiplexer c in connections)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public void AutoRange_PicksSnapshotOnGarnet_AndScanElsewhere()
    {
        var m = new RedisSyncMap<int, int>(server.Database, RedisServerFixture.NewName(nameof(AutoRange_PicksSnapshotOnGarnet_AndScanElsewhere)));
        Assert.Equal(server.IsGarnet ? RangeStrategy.Snapshot : RangeStrategy.Scan, m.GetRangeStrategy());
        var explicitly = new RedisSyncMap<int, int>(server.Database, m.Name, new RedisSyncMapOptions<int, int> { RangeStrategy = RangeStrategy.PagedSnapshot });
        Assert.Equal(RangeStrategy.PagedSnapshot, explicitly.GetRangeStrategy());
    }
}
