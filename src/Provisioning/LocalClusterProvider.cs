using CliWrap;
using CliWrap.Buffered;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace HashtagBench.Provisioning;

/// <summary>
/// The default provider: N×(1+R) redis-server processes on loopback, joined by redis-cli --cluster create.
/// Each run gets its own temporary folder; processes are killed by PID on dispose.
/// </summary>
internal static class LocalClusterProvider
{
    public const string InstallHint = "Install Redis 7+ (Debian/Ubuntu: apt-get install redis-server), or start a Docker daemon.";

    public static bool IsAvailable(out string? redisServer, out string? redisCli)
    {
        redisServer = LocalProcesses.FindTool("redis-server", "REDIS_SERVER");
        redisCli = LocalProcesses.FindTool("redis-cli", "REDIS_CLI");
        return redisServer is not null && redisCli is not null;
    }

    public static Task<RunningCluster> StartAsync(ClusterSpec spec, Action<string>? log = null, CancellationToken ct = default) =>
        StartAsync(spec, settled: true, log, ct);

    /// <summary>
    /// The nodes and <c>redis-cli --cluster create</c>, and nothing after it: returns the moment create does, while the
    /// cluster's gossip is still young (a node may be listed without its address, a replica not yet as one), as a
    /// cluster someone formed seconds before looks to the harness. What the harness's own waits are tested against.
    /// </summary>
    public static Task<RunningCluster> StartYoungAsync(ClusterSpec spec, Action<string>? log = null, CancellationToken ct = default) =>
        StartAsync(spec, settled: false, log, ct);

    private static async Task<RunningCluster> StartAsync(ClusterSpec spec, bool settled, Action<string>? log, CancellationToken ct)
    {
        spec.Validate();
        if (!IsAvailable(out string? server, out string? cli))
            throw new ClusterProvisioningException($"redis-server and redis-cli were not found on PATH. {InstallHint}");

        int reaped = LocalProcesses.ReapOrphans();
        if (reaped > 0) log?.Invoke($"reaped {reaped} redis-server process(es) left by an earlier crashed run");

        var sw = Stopwatch.StartNew();
        string runDir = Path.Combine(LocalProcesses.RunRoot, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}"[..30]);
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "owner"), Environment.ProcessId.ToString());

        var nodes = new List<ProcessNode>();
        async ValueTask Teardown()
        {
            foreach (ProcessNode n in nodes) n.Kill();
            await Task.Yield();
            // HASHTAG_BENCH_KEEP_LOGS=1 keeps the node logs and configs for a post-mortem.
            if (Environment.GetEnvironmentVariable("HASHTAG_BENCH_KEEP_LOGS") == "1") { File.Delete(Path.Combine(runDir, "owner")); return; }
            try { Directory.Delete(runDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(spec.StartTimeout);
            int[] ports = FreePortBlock(spec.NodeCount);
            foreach (int port in ports)
            {
                string conf = WriteConfig(runDir, port, spec);
                nodes.Add(new ProcessNode(server!, port, conf, LocalProcesses.StartRedis(server!, conf)));
            }
            foreach (ProcessNode n in nodes) await WaitForPingAsync(n, timeout.Token).ConfigureAwait(false);

            string endpoints = string.Join(' ', ports.Select(p => $"127.0.0.1:{p}"));
            await RunCliAsync(cli!, $"--cluster create {endpoints} --cluster-replicas {spec.ReplicasPerShard} --cluster-yes", timeout.Token).ConfigureAwait(false);
            if (settled) await ClusterReadiness.WaitForOkAsync(nodes.Select(n => (n.Host, n.Port)).ToList(), spec, timeout.Token).ConfigureAwait(false);

            log?.Invoke($"local cluster: {spec.Shards} shards × {1 + spec.ReplicasPerShard} nodes on 127.0.0.1:{ports[0]}-{ports[^1]}, {(settled ? "ready" : "created")} in {sw.Elapsed.TotalSeconds:0.0}s");
            return new RunningCluster(ProviderKind.Local, ports.Select(p => (EndPoint)new IPEndPoint(IPAddress.Loopback, p)).ToList(),
                null, sw.Elapsed, Teardown, nodes,
                description: $"local: {nodes.Count} redis-server processes ({server}) on 127.0.0.1:{ports[0]}-{ports[^1]}");
        }
        catch (Exception ex)
        {
            string logs = TailLogs(runDir);
            await Teardown().ConfigureAwait(false);
            if (ex is OperationCanceledException && !ct.IsCancellationRequested)
                throw new ClusterProvisioningException($"The local cluster was not ready within {spec.StartTimeout.TotalSeconds:0}s.{logs}", ex);
            if (ex is ClusterProvisioningException or OperationCanceledException) throw;
            throw new ClusterProvisioningException($"Starting the local cluster failed: {ex.Message}{logs}", ex);
        }
    }

    private static string WriteConfig(string runDir, int port, ClusterSpec spec)
    {
        string dir = Path.Combine(runDir, port.ToString());
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "redis.conf");
        // No persistence: a benchmark cluster. nodes.conf stays so a restarted node rejoins with its ID.
        // No diskless-sync delay: replicas are in sync (and so able to fail over) within the start-up wait.
        // Validity factor 0: a replica that was frozen or cut off for a while (the lagged-kill fault) may still be
        // promoted; with the default, a stale replica refuses and the shard stays down.
        File.WriteAllText(path, $"""
            port {port}
            bind 127.0.0.1
            protected-mode no
            daemonize no
            dir {dir}
            logfile {Path.Combine(dir, "redis.log")}
            cluster-enabled yes
            cluster-config-file nodes.conf
            cluster-node-timeout {(int)spec.NodeTimeout.TotalMilliseconds}
            appendonly no
            save ""
            repl-diskless-sync-delay 0
            cluster-replica-validity-factor 0
            """ + "\n");
        return path;
    }

    private static async Task WaitForPingAsync(ProcessNode node, CancellationToken ct)
    {
        while (!await RespProbe.PingAsync(node.Host, node.Port, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false))
        {
            if (!node.IsRunning) throw new ClusterProvisioningException($"redis-server on port {node.Port} exited during start-up.");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    private static async Task RunCliAsync(string cli, string args, CancellationToken ct)
    {
        // The local nodes have no password: a REDISCLI_AUTH the user's shell keeps for another Redis would make redis-cli
        // send AUTH, which they refuse ("AUTH <password> called without any password configured"). A null removes it.
        BufferedCommandResult r = await CliWrap.Cli.Wrap(cli).WithArguments(args)
            .WithEnvironmentVariables(vars => vars.Set(FaultCommand.RedisCliPasswordVariable, null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(ct).ConfigureAwait(false);
        if (r.ExitCode != 0)
            throw new ClusterProvisioningException($"redis-cli {args} failed (exit {r.ExitCode}): {r.StandardError + r.StandardOutput}".Trim());
    }

    /// <summary>A block of loopback ports for a cluster (<see cref="LoopbackPorts.ClusterBlock"/>).</summary>
    internal static int[] FreePortBlock(int count) => LoopbackPorts.ClusterBlock(count);

    private static string TailLogs(string runDir)
    {
        if (!Directory.Exists(runDir)) return "";
        var sb = new StringBuilder();
        foreach (string f in Directory.GetFiles(runDir, "redis.log", SearchOption.AllDirectories).Take(2))
        {
            string[] lines = File.ReadAllLines(f);
            sb.Append($"\n--- last lines of {f}:\n").AppendJoin('\n', lines.TakeLast(5));
        }
        return sb.ToString();
    }
}
