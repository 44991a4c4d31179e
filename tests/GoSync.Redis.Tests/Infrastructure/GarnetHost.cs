// Licensed under the MIT license. See LICENSE in the repository root.

using System.Net;
using System.Net.Sockets;
using Garnet;

namespace GoSync.Redis.Tests.Infrastructure;

/// <summary>
/// Microsoft Garnet hosted in this process on a loopback port: in memory only (no files), Lua on, and
/// <c>--lua-transaction-mode</c> so that each script runs atomically (without it Garnet interleaves scripts).
/// </summary>
public sealed class GarnetHost : IDisposable
{
    private GarnetServer? _server;

    private GarnetHost(int port) => Port = port;

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on a free loopback port.</summary>
    public static GarnetHost Start(int? port = null)
    {
        var host = new GarnetHost(port ?? FreePort());
        host.StartServer();
        return host;
    }

    /// <summary>Stops the server (its data is lost); <see cref="Restart"/> starts it again on the same port.</summary>
    public void Stop()
    {
        _server?.Dispose();
        _server = null;
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public void Restart()
    {
        Stop();
        StartServer();
    }

    public void Dispose() => Stop();

    private void StartServer()
    {
        string[] args =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--lua", "--lua-transaction-mode",
            "--index", "1m", "--memory", "64m",
            "--no-pubsub",
        ];

        // The port was free a moment ago; a freshly closed one may linger, so retry a few times.
        for (int attempt = 1; ; attempt++)
        {
            var server = new GarnetServer(args);
            try
            {
                server.Start();
                _server = server;
                return;
            }
            catch (Exception) when (attempt < 20)
            {
                server.Dispose();
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>A loopback port that was free when asked.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
