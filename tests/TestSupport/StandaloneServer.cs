using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HashtagBench.TestSupport;

/// <summary>
/// One redis-server in standalone mode (cluster support off), as a client pointed at the wrong endpoint would
/// find: the reference gateway's client, given one address, silently ran standalone. Killed on dispose.
/// </summary>
public sealed class StandaloneServer : IAsyncDisposable
{
    private readonly Process _process;

    private StandaloneServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<StandaloneServer> StartAsync()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) psi.ArgumentList.Add(a);
        var server = new StandaloneServer(Process.Start(psi)!, port);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        await server.DisposeAsync();
        throw new TimeoutException($"standalone redis-server on {port} did not start");
    }

    public ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } } catch (InvalidOperationException) { }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
