// Licensed under the MIT license. See LICENSE in the repository root.

// Two workers, each with its own connection (as two processes would have), share one map on a Redis-protocol
// server through RedisSyncMap, with Go's operations:
//
//   - LoadOrStore claims jobs: both workers try every job, and exactly one wins each;
//   - a CompareAndSwap loop counts the jobs each worker ran, so no increment is lost;
//   - Range lists the claims at the end; Clear removes them.
//
// Usage: dotnet run --project samples/RedisSyncMap [-- --redis host:port]
// Without --redis it starts Microsoft Garnet in this process, on a free loopback port, with
// --lua-transaction-mode (Garnet runs Lua scripts atomically only with it).
// Exit code: 0 when every job was claimed exactly once and the counts add up; 1 otherwise.

using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Garnet;
using GoSync;
using GoSync.Redis;
using StackExchange.Redis;

internal static class Program
{
    private const int Jobs = 200;

    private static async Task<int> Main(string[] args)
    {
        int at = Array.IndexOf(args, "--redis");
        string? endpoint = at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        GarnetServer? garnet = null;
        if (endpoint is null)
        {
            int port = FreePort();
            garnet = new GarnetServer(["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode", "--index", "1m", "--memory", "64m"]);
            garnet.Start();
            endpoint = $"127.0.0.1:{port}";
            Console.WriteLine($"started Garnet in this process on {endpoint}");
        }

        try
        {
            return await RunAsync(endpoint);
        }
        finally
        {
            garnet?.Dispose();
        }
    }

    private static async Task<int> RunAsync(string endpoint)
    {
        // One connection per worker: what two processes (or two machines) would each open.
        using ConnectionMultiplexer first = await ConnectionMultiplexer.ConnectAsync(endpoint);
        using ConnectionMultiplexer second = await ConnectionMultiplexer.ConnectAsync(endpoint);
        string name = "sample:claims:" + Guid.NewGuid().ToString("N");
        var claimsA = new RedisSyncMap<int, string>(first.GetDatabase(), name);
        var claimsB = new RedisSyncMap<int, string>(second.GetDatabase(), name);
        var counts = new RedisSyncMap<string, long>(first.GetDatabase(), name + ":counts");

        await Task.WhenAll(Worker("A", claimsA, counts), Worker("B", claimsB, new RedisSyncMap<string, long>(second.GetDatabase(), counts.Name)));

        // Both workers see the same map: every job claimed once, by one of them.
        int claimed = 0, byA = 0;
        claimsB.Range((job, worker) =>
        {
            claimed++;
            byA += worker == "A" ? 1 : 0;
            return true;
        });
        counts.Load("A", out long ranA);
        counts.Load("B", out long ranB);
        Console.WriteLine($"{claimed} of {Jobs} jobs claimed: {byA} by A, {claimed - byA} by B; counters A={ranA} B={ranB}");

        // The same code runs on an in-process SyncMap through ISyncMap: switch by configuration.
        ISyncMap<int, string> local = new SyncMap<int, string>();
        ISyncMap<int, string> shared = claimsA;
        Console.WriteLine($"ISyncMap: in-process Count={local.Count}, shared Count={shared.Count}");

        bool ok = claimed == Jobs && ranA == byA && ranB == claimed - byA && claimsA.Count == Jobs;
        claimsA.Clear();
        counts.Clear();
        ok &= claimsB.IsEmpty && counts.IsEmpty;
        Console.WriteLine(ok ? "ok" : "FAILED");
        return ok ? 0 : 1;
    }

    private static async Task Worker(string me, RedisSyncMap<int, string> claims, RedisSyncMap<string, long> counts)
    {
        for (int job = 0; job < Jobs; job++)
        {
            (string owner, bool loaded) = await claims.LoadOrStoreAsync(job, me);
            if (loaded || owner != me)
            {
                continue; // the other worker has it
            }

            // Count the job: a CompareAndSwap loop, as with Go's sync.Map.
            while (true)
            {
                (long current, bool present) = await counts.LoadOrStoreAsync(me, 1);
                if (!present || await counts.CompareAndSwapAsync(me, current, current + 1))
                {
                    break;
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
