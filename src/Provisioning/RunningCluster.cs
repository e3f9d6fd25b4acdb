using StackExchange.Redis;
using System.Diagnostics;
using System.Net;

namespace HashtagBench.Provisioning;

/// <summary>A cluster that is up. Dispose tears down whatever this harness started (nothing, for an external one).</summary>
public sealed class RunningCluster : IAsyncDisposable
{
    private readonly Func<ValueTask> _teardown;
    private int _disposed;

    internal RunningCluster(ProviderKind provider, IReadOnlyList<EndPoint> seeds, ExternalEndpoint? auth,
        TimeSpan startupTime, Func<ValueTask> teardown, IReadOnlyList<LocalNode>? localNodes = null,
        string? image = null, string? description = null)
    {
        Image = image;
        Provider = provider;
        Description = description ?? $"{ProviderName}: {string.Join(",", seeds.Select(ClusterConnector.Format))}";
        Seeds = seeds;
        Auth = auth;
        StartupTime = startupTime;
        _teardown = teardown;
        LocalNodes = localNodes ?? [];
    }

    /// <summary>Which provider started it (or, for <see cref="ProviderKind.External"/>, found it).</summary>
    public ProviderKind Provider { get; }

    /// <summary>The provider's name as `--provider` spells it.</summary>
    public string ProviderName => ClusterProvisioner.KindNames.First(k => k.Kind == Provider).Name;

    /// <summary>Every node's endpoint for a started cluster; the given seed endpoints for an external one.</summary>
    public IReadOnlyList<EndPoint> Seeds { get; }

    /// <summary>TLS and credentials for an external cluster; null for one started here.</summary>
    public ExternalEndpoint? Auth { get; }

    /// <summary>From the first process start to cluster_state:ok on every node.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>
    /// The nodes this harness started and owns (redis-server processes or host-network containers), empty for an
    /// external cluster: the handles fault scenarios use.
    /// </summary>
    public IReadOnlyList<LocalNode> LocalNodes { get; }

    /// <summary>The container image the nodes run (Testcontainers provider), else null.</summary>
    public string? Image { get; }

    /// <summary>One line for a report: which provider, which image or binary, which Docker Engine, which ports.</summary>
    public string Description { get; }

    /// <summary>StackExchange.Redis options for this cluster. Each call returns a fresh copy the caller may change.</summary>
    public ConfigurationOptions CreateOptions()
    {
        var o = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            ConnectRetry = 2,
            ClientName = "hashtag-bench",
            // The harness reads CLUSTER NODES, INFO commandstats and resets stats: admin commands.
            AllowAdmin = true,
        };
        foreach (EndPoint ep in Seeds) o.EndPoints.Add(ep);
        if (Auth is not null)
        {
            o.Ssl = Auth.Tls;
            o.User = Auth.User;
            o.Password = Auth.Password;
            if (Auth.CaFile is not null) o.TrustIssuer(Auth.CaFile);
        }
        return o;
    }

    /// <summary>Connects, with an error that says which cluster was unreachable and why.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions? options = null) =>
        ClusterConnector.ConnectAsync(options ?? CreateOptions(), ToString());

    /// <summary>
    /// Connects for replica reads: afresh until the connection routes every shard's reads to each of its replicas (a
    /// cluster formed seconds ago may not let it yet), at most <paramref name="patience"/> (30 s by default); if none
    /// does, one line to <paramref name="log"/> and the last connection. See <see cref="ReplicaRouting"/>.
    /// </summary>
    public Task<ConnectionMultiplexer> ConnectForReplicaReadsAsync(Action<string>? log, CancellationToken ct = default, TimeSpan? patience = null) =>
        ReplicaRouting.ConnectAsync(() => ConnectAsync(), patience ?? ReplicaRouting.DefaultPatience, log, ct);

    /// <summary>
    /// The same cluster for code that disposes what it is given (a launch rehearsal inside a run): disposing the
    /// borrowed one leaves the cluster up; its owner still tears it down.
    /// </summary>
    public RunningCluster Borrow() =>
        new(Provider, Seeds, Auth, StartupTime, () => ValueTask.CompletedTask, LocalNodes, Image, Description);

    public override string ToString() => $"{ProviderName} cluster at {string.Join(",", Seeds.Select(ClusterConnector.Format))}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _teardown().ConfigureAwait(false);
    }
}

/// <summary>Connection helper shared by every provider.</summary>
public static class ClusterConnector
{
    public static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, string description)
    {
        try
        {
            var sw = Stopwatch.StartNew();
            ConnectionMultiplexer mux = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            if (!mux.IsConnected)
            {
                await mux.DisposeAsync().ConfigureAwait(false);
                throw new ClusterProvisioningException($"Cannot connect to the {description}: not connected after {sw.ElapsedMilliseconds} ms. Is the cluster up?");
            }
            try { EnsureClusterAware(mux, description); }
            catch
            {
                await mux.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return mux;
        }
        catch (RedisConnectionException ex)
        {
            throw new ClusterProvisioningException(
                $"Cannot connect to the {description}: {FirstLine(ex.Message)} Is the cluster up, and are host, port, TLS and credentials right?", ex);
        }
    }

    /// <summary>
    /// Fails unless the client works in cluster mode: every node it reached is a cluster node to it, and it knows
    /// every primary that serves slots. The reference gateway's second incident was a client given one cluster
    /// address that silently ran standalone, sending every key to that one node.
    /// </summary>
    public static void EnsureClusterAware(IConnectionMultiplexer mux, string description)
    {
        const string Fix = "Connect in cluster mode (no proxy setting, CLUSTER allowed) to a cluster node or configuration endpoint.";
        EndPoint[] known = mux.GetEndPoints();
        IServer[] connected;
        // A client told the address is a proxy (Twemproxy, Envoy) has no per-node view at all.
        try { connected = [.. known.Select(ep => mux.GetServer(ep)).Where(s => s.IsConnected)]; }
        catch (NotSupportedException ex)
        {
            throw new ClusterProvisioningException($"The {description} is not a Redis Cluster to this client: {ex.Message.TrimEnd('.')}, so it cannot route keys by slot. {Fix}", ex);
        }
        if (connected.FirstOrDefault(s => s.ServerType != ServerType.Cluster) is IServer single)
            throw new ClusterProvisioningException(
                $"The {description} is not a Redis Cluster to this client: StackExchange.Redis runs {Format(single.EndPoint)} as a {single.ServerType} server, " +
                $"so every key would go to that one node. {Fix}");
        ClusterConfiguration? config = connected.Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null);
        var missing = (config?.Nodes ?? []).Where(n => !n.IsReplica && n.Slots.Count > 0 && n.EndPoint is not null && !known.Contains(n.EndPoint)).ToList();
        if (config is null || missing.Count > 0)
            throw new ClusterProvisioningException(
                $"The {description} is not a Redis Cluster to this client: it does not see every primary" +
                (missing.Count > 0 ? $" (missing {string.Join(",", missing.Select(n => Format(n.EndPoint!)))})" : " (it has no CLUSTER NODES view)") + $", so it cannot route keys by slot. {Fix}");
    }

    public static string Format(EndPoint ep) => ep switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => ep.ToString() ?? "?",
    };

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
