using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace HashtagBench.Provisioning;

/// <summary>
/// One redis-server in standalone mode (cluster support off) on loopback, no persistence: what the incident's
/// "test both standalone and cluster mode" checklist item runs against, and what a client pointed at the wrong
/// endpoint would find. Tracked like the local cluster's processes (killed on exit) and killed on dispose.
/// </summary>
public sealed class StandaloneRedis : IAsyncDisposable
{
    private readonly Process _process;

    private StandaloneRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public static async Task<StandaloneRedis> StartAsync(CancellationToken ct = default)
    {
        string server = LocalProcesses.FindTool("redis-server", "REDIS_SERVER")
            ?? throw new ClusterProvisioningException($"redis-server was not found on PATH. {LocalClusterProvider.InstallHint}");
        int port = FreePort();
        var instance = new StandaloneRedis(LocalProcesses.StartRedis(server,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]), port);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (!await RespProbe.PingAsync("127.0.0.1", port, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false))
            {
                if (instance._process.HasExited) throw new ClusterProvisioningException($"standalone redis-server on port {port} exited during start-up.");
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
            }
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public ValueTask DisposeAsync()
    {
        LocalProcesses.Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
