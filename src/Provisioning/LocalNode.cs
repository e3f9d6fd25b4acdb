using HashtagBench.Keys;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>
/// One redis-server process started by the local provider, with the fault actions the failover scenario uses.
/// </summary>
public sealed class LocalNode
{
    private readonly string _redisServer;
    private Process _process;

    internal LocalNode(string redisServer, int port, string configPath, Process process)
    {
        _redisServer = redisServer;
        Port = port;
        ConfigPath = configPath;
        _process = process;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string ConfigPath { get; }
    public int Pid => _process.Id;
    public bool IsRunning => !_process.HasExited;
    public override string ToString() => $"{Host}:{Port} (pid {Pid})";

    /// <summary>kill -9: the node vanishes without a goodbye, as a crashed host would.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <summary>SIGSTOP: the process is alive but silent (a GC pause, a stuck host, a noisy neighbour).</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("CONT");

    /// <summary>Kills the node if it runs, then starts it again from its config; it rejoins using its nodes.conf.</summary>
    public async Task RestartAsync(TimeSpan timeout)
    {
        Kill();
        _process = LocalProcesses.StartRedis(_redisServer, ConfigPath);
        var sw = Stopwatch.StartNew();
        while (!await RespProbe.PingAsync(Host, Port, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false))
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"Node {this} did not answer PING within {timeout.TotalSeconds:0}s after restart.");
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private void Signal(string sig)
    {
        if (_process.HasExited) return;
        using Process kill = Process.Start(new ProcessStartInfo("kill", $"-{sig} {_process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{sig} {_process.Id} failed with exit code {kill.ExitCode}.");
    }
}
