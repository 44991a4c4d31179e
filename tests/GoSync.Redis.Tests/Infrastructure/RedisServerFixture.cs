// Licensed under the MIT license. See LICENSE in the repository root.

using StackExchange.Redis;

namespace GoSync.Redis.Tests.Infrastructure;

/// <summary>
/// The server every test of the run talks to: the one named by <c>GOSYNC_REDIS=host:port</c> when set (Redis,
/// Valkey, Garnet...), otherwise a Garnet started in this process once per run. Tests use fresh, unique hash names,
/// so they never see each other's data, and never flush the server.
/// </summary>
public sealed class RedisServerFixture : IDisposable
{
    private readonly GarnetHost? _garnet;

    public RedisServerFixture()
    {
        string? external = Environment.GetEnvironmentVariable("GOSYNC_REDIS");
        if (string.IsNullOrWhiteSpace(external))
        {
            _garnet = GarnetHost.Start();
            Endpoint = _garnet.Endpoint;
        }
        else
        {
            Endpoint = external.Trim();
        }

        Connection = Connect();
        Database = Connection.GetDatabase();
        IsGarnet = Connection.GetServers().Any(s => s.GetProductVariant(out _) == ProductVariant.Garnet);
    }

    /// <summary>host:port of the server.</summary>
    public string Endpoint { get; }

    /// <summary>Whether the server is Garnet (in-process or external).</summary>
    public bool IsGarnet { get; }

    /// <summary>A connection shared by the tests that need only one client.</summary>
    public ConnectionMultiplexer Connection { get; }

    /// <summary>The database of <see cref="Connection"/>.</summary>
    public IDatabase Database { get; }

    /// <summary>A new connection: one per client in the multi-client tests.</summary>
    public ConnectionMultiplexer Connect() => Connect(Endpoint);

    /// <summary>A connection to <paramref name="endpoint"/> that keeps retrying in the background when the server is down.</summary>
    public static ConnectionMultiplexer Connect(string endpoint)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.SyncTimeout = 10_000;
        options.AsyncTimeout = 10_000;
        options.ConnectRetry = 3;
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>A hash name no other test uses.</summary>
    public static RedisKey NewName(string test) => $"gosync-test:{test}:{Guid.NewGuid():N}";

    public void Dispose()
    {
        Connection.Dispose();
        _garnet?.Dispose();
    }
}

/// <summary>All Redis tests share one server and run one class at a time (the restart test stops a server).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
