// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Redis.Tests.Infrastructure;

namespace GoSync.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class SmokeTests(RedisServerFixture server)
{
    [Fact]
    public void StoreThenLoad_RoundTrips()
    {
        var m = new RedisSyncMap<string, int>(server.Database, RedisServerFixture.NewName(nameof(StoreThenLoad_RoundTrips)));
        m.Store("a", 1);
        Assert.True(m.Load("a", out int a));
        Assert.Equal(1, a);
        Assert.Equal(1, m.Count);
        Assert.Equal(server.IsGarnet ? RangeStrategy.Snapshot : RangeStrategy.Scan, m.GetRangeStrategy());
    }
}
