// Licensed under the MIT license. See LICENSE in the repository root.

using GoSync.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace GoSync.Redis.Tests;

/// <summary>Null keys, values a serializer rejects, failing serializers, bad options: each throws before anything is sent.</summary>
[Collection(RedisCollection.Name)]
public sealed class BadInputTests(RedisServerFixture server)
{
    [Theory]
    [MemberData(nameof(MapConfigs.ShardsAndScripts), MemberType = typeof(MapConfigs))]
    public async Task NullKey_ThrowsArgumentNullException_AndChangesNothing(int shards, bool scripts)
    {
        var m = MapConfigs.Create<string, string>(server.Database, nameof(NullKey_ThrowsArgumentNullException_AndChangesNothing), shards, scripts);
        m.Store("a", "1");
        string key = null!;
        Assert.Throws<ArgumentNullException>("key", () => m.Load(key, out _));
        Assert.Throws<ArgumentNullException>("key", () => m.Store(key, "x"));
        Assert.Throws<ArgumentNullException>("key", () => m.LoadOrStore(key, "x", out _));
        Assert.Throws<ArgumentNullException>("key", () => m.LoadAndDelete(key, out _));
        Assert.Throws<ArgumentNullException>("key", () => m.Delete(key));
        Assert.Throws<ArgumentNullException>("key", () => m.Swap(key, "x", out _));
        Assert.Throws<ArgumentNullException>("key", () => m.CompareAndSwap(key, "1", "x"));
        Assert.Throws<ArgumentNullException>("key", () => m.CompareAndDelete(key, "1"));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.LoadAsync(key));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.StoreAsync(key, "x"));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.LoadOrStoreAsync(key, "x"));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.LoadAndDeleteAsync(key));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.DeleteAsync(key));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.SwapAsync(key, "x"));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.CompareAndSwapAsync(key, "1", "x"));
        await Assert.ThrowsAsync<ArgumentNullException>("key", () => m.CompareAndDeleteAsync(key, "1"));
        Assert.Throws<ArgumentNullException>("f", () => m.Range(null!));
        Assert.Equal(1, m.Count);
        Assert.True(m.Load("a", out string? a) && a == "1");
    }

    [Fact]
    public void NullValue_WithTheRawStringSerializer_ThrowsBeforeAnythingIsSent()
    {
        var m = MapConfigs.Create<string, string>(server.Database, nameof(NullValue_WithTheRawStringSerializer_ThrowsBeforeAnythingIsSent), 1, scripts: true);
        m.Store("a", "1");
        Assert.Throws<ArgumentNullException>(() => m.Store("b", null!));
        Assert.Throws<ArgumentNullException>(() => m.Swap("a", null!, out _));
        Assert.Throws<ArgumentNullException>(() => m.LoadOrStore("c", null!, out _));
        Assert.Throws<ArgumentNullException>(() => m.CompareAndSwap("a", "1", null!));
        Assert.Equal(1, m.Count);
        Assert.True(m.Load("a", out string? a) && a == "1");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FailingSerializer_ThrowsItsException_AndTheMapIsUntouched(bool scripts)
    {
        var options = new RedisSyncMapOptions<string, int> { ValueSerializer = new FailingSerializer(), UseScripts = scripts };
        var m = new RedisSyncMap<string, int>(server.Database, RedisServerFixture.NewName(nameof(FailingSerializer_ThrowsItsException_AndTheMapIsUntouched)), options);
        m.Store("a", 1);
        Assert.Throws<FormatException>(() => m.Store("a", FailingSerializer.Bad));
        Assert.Throws<FormatException>(() => m.Store("b", FailingSerializer.Bad));
        Assert.Throws<FormatException>(() => m.Swap("a", FailingSerializer.Bad, out _));
        Assert.Throws<FormatException>(() => m.LoadOrStore("b", FailingSerializer.Bad, out _));
        Assert.Throws<FormatException>(() => m.CompareAndSwap("a", 1, FailingSerializer.Bad)); // old value fine, new one not
        Assert.Throws<FormatException>(() => m.CompareAndDelete("a", FailingSerializer.Bad));
        Assert.Equal(1, m.Count);
        Assert.True(m.Load("a", out int a) && a == 1);
    }

    [Fact]
    public void FailingKeySerializer_ThrowsItsException()
    {
        var options = new RedisSyncMapOptions<string, int> { KeySerializer = new FailingKeySerializer() };
        var m = new RedisSyncMap<string, int>(server.Database, RedisServerFixture.NewName(nameof(FailingKeySerializer_ThrowsItsException)), options);
        Assert.Throws<FormatException>(() => m.Store("bad", 1));
        Assert.True(m.IsEmpty);
    }

    [Fact]
    public void UnreadableStoredValue_ThrowsOnLoad_AndLeavesTheValue()
    {
        var m = MapConfigs.Create<string, int>(server.Database, nameof(UnreadableStoredValue_ThrowsOnLoad_AndLeavesTheValue), 1, scripts: true);
        server.Database.HashSet(m.Name, "k", "not a number");
        Assert.ThrowsAny<Exception>(() => m.Load("k", out _));
        Assert.Equal("not a number", (string?)server.Database.HashGet(m.Name, "k"));
    }

    [Fact]
    public void BadOptions_AreRejected()
    {
        IDatabase db = server.Database;
        Assert.Throws<ArgumentNullException>(() => new RedisSyncMap<string, int>(null!, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisSyncMap<string, int>(db, "x", new() { ShardCount = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisSyncMap<string, int>(db, "x", new() { RangePageSize = 0 }));
        Assert.Throws<ArgumentException>(() => new RedisSyncMap<string, int>(db, "a{b}", new() { ShardCount = 2 }));
        Assert.Throws<ArgumentNullException>(() => RedisSerializer.Json<int>((System.Text.Json.Serialization.Metadata.JsonTypeInfo<int>)null!));
    }

    private sealed class FailingSerializer : IRedisSerializer<int>
    {
        public const int Bad = -1;

        public RedisValue Serialize(int value) => value == Bad ? throw new FormatException("cannot serialize -1") : value;

        public int Deserialize(RedisValue value) => (int)value;
    }

    private sealed class FailingKeySerializer : IRedisSerializer<string>
    {
        public RedisValue Serialize(string value) => value == "bad" ? throw new FormatException("bad key") : value;

        public string Deserialize(RedisValue value) => value.ToString();
    }
}
