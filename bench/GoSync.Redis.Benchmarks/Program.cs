// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;
using GoSync.Redis;
using GoSync.Redis.Benchmarks;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

// A measured harness rather than BenchmarkDotNet: each figure is operations per second over a fixed time with 1 or 64
// operations in flight at once (async, one connection, as a service would run them), which BenchmarkDotNet's
// one-invocation-at-a-time model does not express; one round trip dwarfs what BenchmarkDotNet's overhead corrections
// are for. Each case: a warm-up per target, then `rounds` timed runs taken in turn; each target's median is reported.
//
// Usage: dotnet run -c Release --project bench/GoSync.Redis.Benchmarks [-- options]
//   --smoke             every workload on every target, 200 operations each, with the workloads' checks; no timing
//   --seconds S         length of one timed run (default 0.3)
//   --rounds N          timed runs per case and target (default 5)
//   --filter TEXT       only workloads whose name contains TEXT
//   --redis host:port   use that server instead of an in-process Garnet
var culture = CultureInfo.InvariantCulture;
bool smoke = args.Contains("--smoke");
double seconds = double.Parse(Option("--seconds") ?? "0.3", culture);
int rounds = int.Parse(Option("--rounds") ?? "5", culture);
string? filter = Option("--filter");
string? endpoint = Option("--redis");

if (!smoke && typeof(RedisSyncMap<,>).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
        .OfType<DebuggableAttribute>().Any(a => a.IsJITOptimizerDisabled))
{
    Console.Error.WriteLine("GoSync.Redis was built in Debug: run with -c Release.");
    return 2;
}

GarnetServer? garnet = null;
if (endpoint is null)
{
    int port = FreePort();
    garnet = new GarnetServer(["--port", port.ToString(culture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode", "--index", "16m", "--memory", "256m"]);
    garnet.Start();
    endpoint = $"127.0.0.1:{port}";
}

try
{
    using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(endpoint);
    IDatabase db = connection.GetDatabase();
    using var cache = new RedisCache(new RedisCacheOptions
    {
        ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(connection),
        InstanceName = "gosync-bench-cache:",
    });

    Console.WriteLine($"server {endpoint}{(garnet is null ? "" : " (Garnet 2.2.8 in-process, --lua-transaction-mode)")}; " +
        $"{Environment.ProcessorCount} CPUs; .NET {Environment.Version}; {(smoke ? "smoke" : $"{rounds} x {seconds} s per case, median")}");
    Console.WriteLine();
    string unit = smoke ? "ops run" : "ops/s";
    Console.WriteLine($"| Workload | In flight | RedisSyncMap {unit} | StackExchange.Redis {unit} | IDistributedCache {unit} | RedisSyncMap / SE.Redis |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    int failures = 0;
    if (!smoke)
    {
        // Warm the JIT up on every path of every target (and of the in-process server) before anything is timed, so
        // the first workload measured does not pay for tiering that the later ones get for free.
        foreach (Workload w in Workload.All)
        {
            string run = Guid.NewGuid().ToString("N");
            Target[] warm = [new RedisSyncMapTarget(db, $"gosync-bench:warm:map:{run}"), new HandWrittenTarget(db, $"gosync-bench:warm:se:{run}"), new DistributedCacheTarget(cache, $"warm:{run}:")];
            foreach (Target target in warm.Where(t => t.Supports(w)))
            {
                await w.Setup(target);
                await RunCount(w, target, 1, 500);
                await RunCount(w, target, 64, 2_000);
                await target.ClearAsync();
            }
        }
    }

    foreach (Workload w in Workload.All.Where(w => filter is null || w.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
    {
        foreach (int inFlight in new[] { 1, 64 })
        {
            string run = Guid.NewGuid().ToString("N");
            Target[] targets =
            [
                new RedisSyncMapTarget(db, $"gosync-bench:{w.Name}:map:{run}"),
                new HandWrittenTarget(db, $"gosync-bench:{w.Name}:se:{run}"),
                new DistributedCacheTarget(cache, $"{w.Name}:{run}:"),
            ];
            var figures = new double?[targets.Length];
            var samples = targets.Select(_ => new List<double>()).ToArray();
            Target[] used = targets.Where(t => t.Supports(w)).ToArray();
            foreach (Target target in used)
            {
                await w.Setup(target);
            }

            if (smoke)
            {
                foreach (Target target in used)
                {
                    (long ops, long falses) = await RunCount(w, target, inFlight, 200);
                    if (ops != 200 || (w.AllTrue && falses != 0))
                    {
                        Console.Error.WriteLine($"FAILED: {w.Name} on {target.Name} with {inFlight} in flight: {ops} ops, {falses} unexpected results");
                        failures++;
                    }

                    figures[Array.IndexOf(targets, target)] = ops;
                }
            }
            else
            {
                // Warm every target up, then take the rounds in turn (A B C A B C ...), so that a slow moment of a
                // shared machine falls on all of them alike; the median of each target's rounds is reported.
                foreach (Target target in used)
                {
                    await RunTimed(w, target, inFlight, Math.Min(0.3, seconds));
                }

                for (int r = 0; r < rounds; r++)
                {
                    foreach (Target target in used)
                    {
                        samples[Array.IndexOf(targets, target)].Add(await RunTimed(w, target, inFlight, seconds));
                    }
                }

                for (int t = 0; t < targets.Length; t++)
                {
                    if (samples[t].Count > 0)
                    {
                        samples[t].Sort();
                        figures[t] = samples[t][samples[t].Count / 2];
                    }
                }
            }

            foreach (Target target in used)
            {
                await target.ClearAsync();
            }

            string Cell(double? f) => f is null ? "n/a" : f.Value.ToString("N0", culture);
            string ratio = figures[0] is double a && figures[1] is double b && b > 0 ? (a / b).ToString("0.00", culture) : "n/a";
            Console.WriteLine($"| {w.Name} | {inFlight} | {Cell(figures[0])} | {Cell(figures[1])} | {Cell(figures[2])} | {ratio} |");
        }
    }

    Console.WriteLine();
    Console.WriteLine("n/a: IDistributedCache has only Get, Set, Refresh and Remove (no LoadOrStore, LoadAndDelete, Swap, CompareAndSwap, nor enumeration).");
    if (smoke)
    {
        Console.WriteLine(failures == 0 ? "smoke: every workload ran on every target with the expected results" : $"smoke: {failures} failure(s)");
    }

    return failures == 0 ? 0 : 1;
}
finally
{
    garnet?.Dispose();
}

// Runs `count` operations with `inFlight` at a time; returns how many ran and how many returned false.
static async Task<(long Ops, long Falses)> RunCount(Workload w, Target target, int inFlight, long count)
{
    long next = -1, falses = 0, ops = 0;
    await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
    {
        long i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            if (!await w.Op(target, i))
            {
                Interlocked.Increment(ref falses);
            }

            Interlocked.Increment(ref ops);
        }
    }));
    return (ops, falses);
}

// Runs the operation with `inFlight` at a time for `seconds`; returns operations per second.
static async Task<double> RunTimed(Workload w, Target target, int inFlight, double seconds)
{
    long next = -1;
    int stop = 0;
    var clock = Stopwatch.StartNew();
    Task[] loops = Enumerable.Range(0, inFlight).Select(async _ =>
    {
        while (Volatile.Read(ref stop) == 0)
        {
            await w.Op(target, Interlocked.Increment(ref next));
        }
    }).ToArray();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    Volatile.Write(ref stop, 1);
    await Task.WhenAll(loops);
    return (next + 1) / clock.Elapsed.TotalSeconds;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
