using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>
/// A node this harness started on this machine, on 127.0.0.1, and so may fault: a redis-server process
/// (<see cref="ProcessNode"/>, local provider) or a container on the host network (<see cref="ContainerNode"/>,
/// Testcontainers provider). <see cref="ClusterFaults"/> and the failover scenario work on either.
/// </summary>
public abstract class LocalNode
{
    private protected LocalNode(int port) => Port = port;

    public string Host => "127.0.0.1";
    public int Port { get; }

    /// <summary>True while the node exists and is not killed (a paused node is running).</summary>
    public abstract bool IsRunning { get; }

    /// <summary>kill -9: the node vanishes without a goodbye, as a crashed host would.</summary>
    public abstract Task KillAsync();

    /// <summary>Freezes the node: alive but silent (a GC pause, a stuck host, a noisy neighbour).</summary>
    public abstract Task PauseAsync();

    /// <summary>Undoes <see cref="PauseAsync"/>.</summary>
    public abstract Task ResumeAsync();

    /// <summary>Kills the node if it runs, then starts it again; it rejoins using its nodes.conf. Returns once it answers PING.</summary>
    public async Task RestartAsync(TimeSpan timeout)
    {
        await KillAsync().ConfigureAwait(false);
        await StartAgainAsync().ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        while (!await RespProbe.PingAsync(Host, Port, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false))
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"Node {this} did not answer PING within {timeout.TotalSeconds:0}s after restart.");
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a killed node again with the same configuration and data folder.</summary>
    private protected abstract Task StartAgainAsync();
}

/// <summary>One redis-server process started by the local provider.</summary>
internal sealed class ProcessNode : LocalNode
{
    private readonly string _redisServer;
    private Process _process;

    internal ProcessNode(string redisServer, int port, string configPath, Process process) : base(port)
    {
        _redisServer = redisServer;
        ConfigPath = configPath;
        _process = process;
    }

    public string ConfigPath { get; }
    public int Pid => _process.Id;
    public override bool IsRunning => !_process.HasExited;
    public override string ToString() => $"{Host}:{Port} (pid {Pid})";

    /// <summary>kill -9 of the process tree.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <summary>SIGSTOP.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("CONT");

    public override Task KillAsync() { Kill(); return Task.CompletedTask; }
    public override Task PauseAsync() { Pause(); return Task.CompletedTask; }
    public override Task ResumeAsync() { Resume(); return Task.CompletedTask; }

    private protected override Task StartAgainAsync()
    {
        _process = LocalProcesses.StartRedis(_redisServer, ConfigPath);
        return Task.CompletedTask;
    }

    private void Signal(string sig)
    {
        if (_process.HasExited) return;
        using Process kill = Process.Start(new ProcessStartInfo("kill", $"-{sig} {_process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{sig} {_process.Id} failed with exit code {kill.ExitCode}.");
    }
}
