using HashtagBench.Keys;
using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace HashtagBench.Provisioning;

/// <summary>A cluster that is up. Dispose tears down whatever this harness started (nothing, for an external one).</summary>
public sealed class RunningCluster : IAsyncDisposable
{
    private readonly Func<ValueTask> _teardown;
    private int _disposed;

    internal RunningCluster(string providerName, IReadOnlyList<EndPoint> seeds, ExternalEndpoint? auth,
        TimeSpan startupTime, Func<ValueTask> teardown, IReadOnlyList<LocalNode>? localNodes = null,
        string? image = null, string? description = null)
    {
        Image = image;
        Description = description ?? $"{providerName}: {string.Join(",", seeds.Select(ClusterConnector.Format))}";
        ProviderName = providerName;
        Seeds = seeds;
        Auth = auth;
        StartupTime = startupTime;
        _teardown = teardown;
        LocalNodes = localNodes ?? [];
    }

    /// <summary>local, testcontainers or external.</summary>
    public string ProviderName { get; }

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
            return mux;
        }
        catch (RedisConnectionException ex)
        {
            throw new ClusterProvisioningException(
                $"Cannot connect to the {description}: {FirstLine(ex.Message)} Is the cluster up, and are host, port, TLS and credentials right?", ex);
        }
    }

    public static string Format(EndPoint ep) => ep switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => ep.ToString() ?? "?",
    };

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
