// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace GoSync.Redis.Tests;

/// <summary>
/// A server that goes away mid-run: operations fail with StackExchange.Redis's exceptions and apply nothing, then work
/// again once it is back. Uses its own in-process Garnet (stopped and restarted on the same port), whatever server
/// the rest of the run uses.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class FaultTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ServerRestart_OperationsFailCleanly_ThenWork(bool scripts)
    {
        using GarnetHost garnet = GarnetHost.Start();
        var config = ConfigurationOptions.Parse(garnet.Endpoint);
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast; // fail at once while disconnected instead of queueing
        config.SyncTimeout = 3_000;
        config.AsyncTimeout = 3_000;
        config.ConnectTimeout = 3_000;
        config.ReconnectRetryPolicy = new LinearRetry(100);
        using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(config);
        var m = new RedisSyncMap<string, int>(connection.GetDatabase(), "restart", new RedisSyncMapOptions<string, int> { UseScripts = scripts });
        m.Store("a", 1);
        Assert.True(m.Swap("a", 2, out int previous) && previous == 1);

        garnet.Stop();

        // Every kind of operation fails with a Redis exception while the server is down.
        int failures = 0;
        Action[] operations =
        [
            () => m.Load("a", out _),
            () => m.Store("b", 1),
            () => m.Swap("a", 3, out _),
            () => m.LoadOrStore("c", 1, out _),
            () => m.LoadAndDelete("a", out _),
            () => m.CompareAndSwap("a", 2, 4),
            () => m.CompareAndDelete("a", 2),
            () => _ = m.Count,
            () => m.Range((_, _) => true),
        ];
        foreach (Action op in operations)
        {
            Exception? e = Record.Exception(op);
            Assert.True(e is RedisConnectionException or RedisTimeoutException, $"expected a Redis connection or timeout exception, got {e?.GetType().Name ?? "none"}: {e?.Message}");
            failures++;
        }

        Assert.Equal(operations.Length, failures);

        garnet.Restart();

        // Back: the first operations may still meet the old, broken connection; within the limit they succeed.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                m.Store("after", 1);
                break;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        // The restarted server is empty (in memory only); the map works in full, scripts included (reloaded after NOSCRIPT).
        Assert.True(m.Load("after", out int after) && after == 1);
        Assert.False(m.Swap("a", 5, out _));
        Assert.True(m.CompareAndSwap("a", 5, 6));
        Assert.Equal(6, m.LoadOrStore("a", 7, out bool loaded));
        Assert.True(loaded);
        Assert.True(m.LoadAndDelete("a", out int a) && a == 6);
        Assert.Equal(1, m.Count);
    }
}
