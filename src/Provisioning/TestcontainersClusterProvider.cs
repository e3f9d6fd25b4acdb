using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
// Docker.DotNet.Models has a Version of its own (the daemon's build).
using Version = System.Version;

namespace HashtagBench.Provisioning;

/// <summary>
/// Cluster in Docker via Testcontainers, used where a Docker daemon answers. Each node is a container on the host
/// network, on its own port, bound to and announcing 127.0.0.1, so the nodes, the cluster bus and the harness all
/// see the same loopback addresses (with bridge networking the announced address cannot suit both sides).
/// <para>
/// Host networking has no port bindings, so the containers are built from the generic <see cref="ContainerBuilder"/>:
/// Testcontainers.Redis's builder adds a binding for 6379 (which Testcontainers then waits to see mapped, and with
/// host networking never does: that was the TimeoutException from StartAsync) and a <c>redis-cli ping</c> wait
/// on 6379 (where none of these nodes listens). Readiness is a PING from the host to the node's own port.
/// </para>
/// <para>
/// The Docker API version is negotiated (<see cref="DockerDaemon.ProbeAsync"/>) or taken from DOCKER_API_VERSION and
/// handed to Testcontainers per container, so a Docker 20.10 daemon (API 1.41) works with nothing set. Ryuk is not
/// used (its image may not be pullable): every container carries this run's labels, teardown force-removes them by
/// label, a handler does the same on Ctrl-C and process exit, and each start removes the containers of runs whose
/// owning process is gone.
/// </para>
/// </summary>
internal static class TestcontainersClusterProvider
{
    public const string DefaultImage = "redis:7.2";

    /// <summary>Label on every container: the run it belongs to.</summary>
    public const string RunLabel = "hashtag-bench.run";
    /// <summary>Label on every container: the PID of the process that started it.</summary>
    public const string OwnerLabel = "hashtag-bench.owner-pid";
    /// <summary>Label on every container: the machine that started it (orphans are reaped only there).</summary>
    public const string HostLabel = "hashtag-bench.host";

    /// <summary>How long a quick availability check may wait for the daemon.</summary>
    public static readonly TimeSpan QuickProbeTimeout = TimeSpan.FromSeconds(2);

    private static readonly ConcurrentDictionary<string, DockerDaemon> LiveRuns = new();

    static TestcontainersClusterProvider()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAllLiveRuns();
        Console.CancelKeyPress += (_, _) => RemoveAllLiveRuns();
    }

    /// <summary>True when a Docker daemon answers (within 2 s) with an API version this harness can speak.</summary>
    public static bool IsDockerAvailable(out string? reason)
    {
        DockerProbe probe = DockerDaemon.ProbeAsync(QuickProbeTimeout).GetAwaiter().GetResult();
        reason = probe.Problem;
        return probe.Ok;
    }

    /// <summary>
    /// True when a daemon answers and <paramref name="image"/> is present locally, so a cluster can start without a
    /// registry. The reason says which of the two is missing.
    /// </summary>
    public static async Task<(bool Usable, string? Reason)> CheckUsableAsync(string image = DefaultImage, TimeSpan? timeout = null)
    {
        DockerProbe probe = await DockerDaemon.ProbeAsync(timeout ?? QuickProbeTimeout).ConfigureAwait(false);
        if (!probe.Ok) return (false, probe.Problem);
        using DockerDaemon daemon = DockerDaemon.Connect(probe);
        try
        {
            using var cts = new CancellationTokenSource(timeout ?? QuickProbeTimeout);
            return await daemon.ImageExistsAsync(image, cts.Token).ConfigureAwait(false)
                ? (true, null)
                : (false, $"image {image} is not present (tests/docker/prepare.sh pulls it or builds it from the installed redis-server)");
        }
        catch (Exception ex) when (DockerDaemon.IsDaemonFailure(ex))
        {
            return (false, $"the Docker daemon did not answer an image query ({DockerDaemon.Reason(ex)})");
        }
    }

    /// <param name="labels">Extra labels for every container (e.g. a test's own, to find them afterwards).</param>
    public static async Task<RunningCluster> StartAsync(ClusterSpec spec, Action<string>? log = null, string image = DefaultImage, CancellationToken ct = default,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        spec.Validate();
        var sw = Stopwatch.StartNew();
        DockerProbe probe = await DockerDaemon.ProbeAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        if (!probe.Ok)
            throw new ClusterProvisioningException(probe.Problem!.StartsWith("API version mismatch", StringComparison.Ordinal)
                ? $"Testcontainers: {probe.Problem}."
                : $"Testcontainers: {probe.Problem}. Start a daemon (tests/docker/prepare.sh does) or use --provider local.");

        DockerDaemon daemon = DockerDaemon.Connect(probe);
        string runId = $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20];
        var containers = new List<IContainer>();
        var nodes = new List<ContainerNode>();
        int torn = 0;
        async ValueTask Teardown()
        {
            if (Interlocked.Exchange(ref torn, 1) == 1) return;
            try { await RemoveRunAsync(daemon, runId).ConfigureAwait(false); }
            finally
            {
                LiveRuns.TryRemove(runId, out _);
                // The containers are gone; disposing the Testcontainers handles only releases their streams.
                foreach (IContainer c in containers)
                {
                    try { await c.DisposeAsync().ConfigureAwait(false); }
                    catch (Exception ex) when (ex is InvalidOperationException || DockerDaemon.IsDaemonFailure(ex)) { }
                }
                daemon.Dispose();
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(spec.StartTimeout);
        string stage = "checking the image";
        int[] ports = [];
        try
        {
            int reaped = await ReapOrphansAsync(daemon, timeout.Token).ConfigureAwait(false);
            if (reaped > 0) log?.Invoke($"removed {reaped} container(s) left by an earlier crashed run");

            if (!await daemon.ImageExistsAsync(image, timeout.Token).ConfigureAwait(false))
            {
                stage = $"pulling {image}";
                log?.Invoke($"image {image} is not present; pulling it");
                using var pullTimeout = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                pullTimeout.CancelAfter(TimeSpan.FromSeconds(30));
                string? pullError;
                try { pullError = await daemon.PullAsync(image, pullTimeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!timeout.IsCancellationRequested) { pullError = "no answer from the registry within 30s"; }
                if (pullError is not null)
                    throw new ClusterProvisioningException(
                        $"Testcontainers: image {image} is not present and could not be pulled ({pullError}). tests/docker/prepare.sh builds it from the installed redis-server.");
            }

            stage = "starting the containers";
            LiveRuns[runId] = daemon;
            ports = LocalClusterProvider.FreePortBlock(spec.NodeCount);
            var endpointConfig = new NegotiatedDockerEndpoint(probe);
            foreach (int port in ports)
                containers.Add(Build(image, port, spec, runId, endpointConfig, daemon, labels));
            // Started together: each start is mostly waiting on the daemon.
            await Task.WhenAll(containers.Select(c => c.StartAsync(timeout.Token))).ConfigureAwait(false);
            for (int i = 0; i < ports.Length; i++) nodes.Add(new ContainerNode(daemon, containers[i].Id, containers[i].Name.TrimStart('/'), ports[i]));

            stage = "forming the cluster";
            var create = new List<string> { "redis-cli", "--cluster", "create" };
            create.AddRange(ports.Select(p => $"127.0.0.1:{p}"));
            create.AddRange(["--cluster-replicas", spec.ReplicasPerShard.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
            ExecResult result = await containers[0].ExecAsync(create, timeout.Token).ConfigureAwait(false);
            if (result.ExitCode != 0)
                throw new ClusterProvisioningException($"Testcontainers: redis-cli --cluster create failed in Docker (exit {result.ExitCode}): {OneLine(result.Stderr + result.Stdout)}");

            stage = "waiting for cluster_state:ok";
            await ClusterReadiness.WaitForOkAsync(ports.Select(p => ("127.0.0.1", p)).ToList(), spec, timeout.Token).ConfigureAwait(false);
            string description = $"testcontainers: {ports.Length} containers of {image} on Docker Engine {probe.EngineVersion} (API {probe.ApiVersion}), host network, 127.0.0.1:{ports[0]}-{ports[^1]}";
            log?.Invoke($"testcontainers cluster: {spec.Shards} shards × {1 + spec.ReplicasPerShard} nodes ({image}, Docker Engine {probe.EngineVersion}, API {probe.ApiVersion}), ready in {sw.Elapsed.TotalSeconds:0.0}s");
            return new RunningCluster(ProviderKind.Testcontainers, ports.Select(p => (EndPoint)new IPEndPoint(IPAddress.Loopback, p)).ToList(), null, sw.Elapsed,
                Teardown, nodes, image, description);
        }
        catch (Exception ex)
        {
            string logs = await FirstFailedLogsAsync(daemon, runId).ConfigureAwait(false);
            try { await Teardown().ConfigureAwait(false); }
            catch (Exception tex) when (DockerDaemon.IsDaemonFailure(tex))
            {
                log?.Invoke($"teardown after the failed start did not finish: {DockerDaemon.Reason(tex)}");
            }
            if (ex is ClusterProvisioningException cpe) throw new ClusterProvisioningException(cpe.Message + logs, cpe.InnerException);
            if (ex is OperationCanceledException && ct.IsCancellationRequested) throw;
            throw new ClusterProvisioningException(Explain(ex, stage, spec, probe) + logs, ex);
        }
    }

    private static IContainer Build(string image, int port, ClusterSpec spec, string runId, NegotiatedDockerEndpoint endpoint, DockerDaemon daemon,
        IReadOnlyDictionary<string, string>? labels)
    {
        string p = port.ToString(CultureInfo.InvariantCulture);
        return new ContainerBuilder(image)
            .WithLabel(labels ?? new Dictionary<string, string>())
            .WithDockerEndpoint(endpoint)
            // The provider logs one line of its own; Testcontainers' per-container chatter would drown a run's output.
            .WithLogger(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            .WithName($"hashtag-bench-{runId}-{p}")
            .WithLabel(RunLabel, runId)
            .WithLabel(OwnerLabel, Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            .WithLabel(HostLabel, Environment.MachineName)
            // No Ryuk: this provider removes its own containers (see the class comment).
            .WithCleanUp(false)
            .WithCreateParameterModifier(c =>
            {
                c.HostConfig ??= new HostConfig();
                c.HostConfig.NetworkMode = "host";
            })
            .WithEntrypoint("redis-server")
            .WithCommand("--port", p, "--bind", "127.0.0.1", "--protected-mode", "no",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", ((int)spec.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--cluster-announce-ip", "127.0.0.1", "--appendonly", "no", "--save", "", "--repl-diskless-sync-delay", "0",
                "--cluster-replica-validity-factor", "0")
            .WithWaitStrategy(Wait.ForUnixContainer().AddCustomWaitStrategy(new PingFromHost(port, daemon),
                w => w.WithInterval(TimeSpan.FromMilliseconds(100))))
            .Build();
    }

    /// <summary>One line for each way a start can fail.</summary>
    private static string Explain(Exception ex, string stage, ClusterSpec spec, DockerProbe probe)
    {
        string first = OneLine(ex.Message);
        if (ex is OperationCanceledException || ex is TimeoutException)
            return $"Testcontainers: the cluster was not ready within {spec.StartTimeout.TotalSeconds:0}s ({stage}: {first}).";
        if (ex is DockerUnavailableException)
            return $"Testcontainers: no Docker daemon answers at {probe.Endpoint} ({first}).";
        if (first.Contains("API version", StringComparison.OrdinalIgnoreCase) || first.Contains("client version", StringComparison.OrdinalIgnoreCase))
            return $"Testcontainers: Docker API version mismatch at {probe.Endpoint}: {first} (spoke {probe.ApiVersion}; unset DOCKER_API_VERSION to negotiate).";
        if (ex is DockerApiException && first.Contains("No such image", StringComparison.OrdinalIgnoreCase))
            return $"Testcontainers: image missing: {first}. tests/docker/prepare.sh builds it from the installed redis-server.";
        return $"Testcontainers: {stage} failed: {ex.GetType().Name}: {first}";
    }

    /// <summary>The last lines of the first container of the run that exited, for the error message.</summary>
    private static async Task<string> FirstFailedLogsAsync(DockerDaemon daemon, string runId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            foreach (ContainerListResponse c in await daemon.ListContainersAsync(RunLabel, runId, cts.Token).ConfigureAwait(false))
            {
                if (c.State is "running" or "created" or "paused") continue;
                string tail = await daemon.LogTailAsync(c.ID, 3, cts.Token).ConfigureAwait(false);
                if (tail.Length > 0) return $" Container {c.ID[..12]} exited; its last lines: {OneLine(tail.Replace('\n', ' '))}";
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException || DockerDaemon.IsDaemonFailure(ex)) { }
        return "";
    }

    /// <summary>Force-removes every container of a run; waits until the daemon lists none.</summary>
    private static async Task RemoveRunAsync(DockerDaemon daemon, string runId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (int attempt = 0; ; attempt++)
        {
            IList<ContainerListResponse> left = await daemon.ListContainersAsync(RunLabel, runId, cts.Token).ConfigureAwait(false);
            if (left.Count == 0) return;
            await Task.WhenAll(left.Select(c => daemon.RemoveAsync(c.ID, cts.Token))).ConfigureAwait(false);
            if (attempt > 0) await Task.Delay(200, cts.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes the containers of runs started on this machine by processes that no longer exist (a harness killed
    /// with -9 cannot clean up, and there is no Ryuk to do it). Returns how many were removed.
    /// </summary>
    private static async Task<int> ReapOrphansAsync(DockerDaemon daemon, CancellationToken ct)
    {
        int removed = 0;
        foreach (ContainerListResponse c in await daemon.ListContainersAsync(OwnerLabel, null, ct).ConfigureAwait(false))
        {
            if (!c.Labels.TryGetValue(HostLabel, out string? host) || host != Environment.MachineName) continue;
            if (!c.Labels.TryGetValue(OwnerLabel, out string? pidText) || !int.TryParse(pidText, out int pid)) continue;
            if (IsAlive(pid)) continue;
            await daemon.RemoveAsync(c.ID, ct).ConfigureAwait(false);
            removed++;
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using Process p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static void RemoveAllLiveRuns()
    {
        foreach ((string runId, DockerDaemon daemon) in LiveRuns)
        {
            try { RemoveRunAsync(daemon, runId).Wait(TimeSpan.FromSeconds(10)); }
            catch (Exception) { /* exiting: the next start reaps what is left */ }
        }
    }

    private static string OneLine(string s)
    {
        string t = s.Trim();
        int nl = t.IndexOf('\n');
        return (nl < 0 ? t : t[..nl]).Trim();
    }

    /// <summary>Ready when the node answers PING on its own port from the host; fails fast when the container exited.</summary>
    private sealed class PingFromHost(int port, DockerDaemon daemon) : IWaitUntil
    {
        public async Task<bool> UntilAsync(IContainer container)
        {
            if (await RespProbe.PingAsync("127.0.0.1", port, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false)) return true;
            string? state = await daemon.StateAsync(container.Id).ConfigureAwait(false);
            if (state is "exited" or "dead" or null)
            {
                string tail = await daemon.LogTailAsync(container.Id, 3).ConfigureAwait(false);
                throw new ClusterProvisioningException(
                    $"Testcontainers: the redis-server container for port {port} {(state is null ? "vanished" : "exited")} during start-up: {OneLine(tail.Replace('\n', ' '))}");
            }
            return false;
        }
    }

    /// <summary>
    /// The daemon's endpoint with the API version negotiated for it. Testcontainers reads DOCKER_API_VERSION once per
    /// process into a static (default 1.44); a per-container endpoint configuration is the one way to speak the
    /// daemon's own version without the user setting anything.
    /// </summary>
    private sealed class NegotiatedDockerEndpoint(DockerProbe probe) : IDockerEndpointAuthenticationConfiguration
    {
        public Version Version { get; } = probe.ApiVersion!;
        public Uri Endpoint { get; } = probe.Endpoint;
        public Docker.DotNet.Handler.Abstractions.IAuthProvider AuthProvider => null!;

        public DockerClientBuilder GetDockerClientBuilder(Guid sessionId = default) =>
            new DockerEndpointAuthenticationConfiguration(Endpoint).GetDockerClientBuilder(sessionId).WithApiVersion(Version);
    }
}

/// <summary>One node of a Testcontainers cluster: a container on the host network. Faults go through the Docker API.</summary>
internal sealed class ContainerNode : LocalNode
{
    private readonly DockerDaemon _daemon;

    internal ContainerNode(DockerDaemon daemon, string containerId, string name, int port) : base(port)
    {
        _daemon = daemon;
        ContainerId = containerId;
        Name = name;
    }

    public string ContainerId { get; }
    public string Name { get; }

    /// <summary>Asks the daemon; a paused container is running.</summary>
    public override bool IsRunning
    {
        get
        {
            try { return _daemon.StateAsync(ContainerId).GetAwaiter().GetResult() is "running" or "paused" or "restarting"; }
            catch (Exception ex) when (ex is ObjectDisposedException || DockerDaemon.IsDaemonFailure(ex)) { return false; }
        }
    }

    public override string ToString() => $"{Host}:{Port} (container {Name})";

    /// <summary>SIGKILL to the container's redis-server (docker kill).</summary>
    public override Task KillAsync() => _daemon.KillAsync(ContainerId);

    /// <summary>docker pause: the cgroup freezer stops every process of the container.</summary>
    public override Task PauseAsync() => _daemon.PauseAsync(ContainerId);

    public override Task ResumeAsync() => _daemon.UnpauseAsync(ContainerId);

    /// <summary>docker start of the killed container: same command, same file system, so the same nodes.conf.</summary>
    private protected override Task StartAgainAsync() => _daemon.StartAsync(ContainerId);
}
