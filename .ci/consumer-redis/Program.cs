// Licensed under the MIT license. See LICENSE in the repository root.

// Uses the GoSync.Redis package the way a user's program would. With GOSYNC_REDIS=host:port it runs Go's operations
// against that server; without it, it checks what needs no server: argument checks, serializers, the ISyncMap
// interface, and that a server that is not there gives StackExchange.Redis's exception. Exit code 0 when every check
// passes. The first line names the package version and the target framework of the GoSync.Redis.dll loaded.

using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.Versioning;
using GoSync;
using GoSync.Redis;
using StackExchange.Redis;

internal static class Program
{
    private static readonly List<string> s_failures = [];
    private static int s_checks;

    private static int Main()
    {
        Assembly library = typeof(RedisSyncMap<,>).Assembly;
        string version = library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        string framework = library.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? "unknown";
        Console.WriteLine($"GoSync.Redis {version} [{framework}]");

        Check(RedisSerializer.Default<int>().Serialize(42) == "42", "the raw int serializer writes decimal text");
        Check(RedisSerializer.Default<string>().Deserialize("héllo") == "héllo", "the raw string serializer round-trips UTF-8");

        string? endpoint = Environment.GetEnvironmentVariable("GOSYNC_REDIS");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            NoServer();
        }
        else
        {
            WithServer(endpoint);
        }

        if (s_failures.Count == 0)
        {
            Console.WriteLine($"consumer-redis: {s_checks} checks passed ({(string.IsNullOrWhiteSpace(endpoint) ? "no server" : "server " + endpoint)})");
            return 0;
        }

        foreach (string failure in s_failures)
        {
            Console.Error.WriteLine("FAILED: " + failure);
        }

        return 1;
    }

    private static void NoServer()
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:1");
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 1_000;
        options.SyncTimeout = 1_000;
        using ConnectionMultiplexer connection = ConnectionMultiplexer.Connect(options);
        ISyncMap<string, int> m = new RedisSyncMap<string, int>(connection.GetDatabase(), "consumer");
        Check(Throws<ArgumentNullException>(() => m.Store(null!, 1)), "a null key throws ArgumentNullException");
        Check(Throws<RedisConnectionException>(() => m.Store("a", 1)), "no server: RedisConnectionException");
    }

    private static void WithServer(string endpoint)
    {
        using ConnectionMultiplexer connection = ConnectionMultiplexer.Connect(endpoint);
        var m = new RedisSyncMap<string, int>(connection.GetDatabase(), "gosync-consumer:" + Guid.NewGuid().ToString("N"));
        m.Store("a", 1);
        Check(m.Load("a", out int a) && a == 1, "Load after Store");
        Check(m.LoadOrStore("a", 5, out bool loaded) == 1 && loaded, "LoadOrStore of a present key");
        Check(m.Swap("a", 3, out int previous) && previous == 1, "Swap");
        Check(m.CompareAndSwap("a", 3, 4) && !m.CompareAndSwap("a", 3, 5), "CompareAndSwap");
        Check(m.LoadAndDelete("a", out int deleted) && deleted == 4 && m.IsEmpty, "LoadAndDelete");
        for (int i = 0; i < 10; i++)
        {
            m.Store("k" + i, i);
        }

        int sum = 0;
        m.Range((_, v) =>
        {
            sum += v;
            return true;
        });
        Check(sum == 45 && m.Count == 10, "Range and Count");
        m.Clear();
        Check(m.IsEmpty, "Clear");
    }

    private static bool Throws<T>(Action a)
        where T : Exception
    {
        try
        {
            a();
            return false;
        }
        catch (T)
        {
            return true;
        }
    }

    private static void Check(bool passed, string what)
    {
        s_checks++;
        if (!passed)
        {
            s_failures.Add(what);
        }
    }
}
