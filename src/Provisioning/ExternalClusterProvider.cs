using StackExchange.Redis;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>Attaches to a cluster someone else runs (staging, ElastiCache). Nothing is started or torn down.</summary>
internal static class ExternalClusterProvider
{
    public static async Task<RunningCluster> AttachAsync(ExternalEndpoint endpoint, Action<string>? log = null)
    {
        if (string.IsNullOrWhiteSpace(endpoint.Endpoints))
            throw new ClusterProvisioningException("The cluster endpoint is empty. Give host:port, e.g. --cluster my-cluster.xxxx.cache.amazonaws.com:6379.");
        ConfigurationOptions parsed;
        try { parsed = ConfigurationOptions.Parse(endpoint.Endpoints); }
        catch (ArgumentException ex) { throw new ClusterProvisioningException($"Cannot parse cluster endpoint '{endpoint.Endpoints}': {ex.Message}", ex); }
        if (parsed.EndPoints.Count == 0)
            throw new ClusterProvisioningException($"No host:port found in cluster endpoint '{endpoint.Endpoints}'.");

        var sw = Stopwatch.StartNew();
        ExternalEndpoint auth = endpoint with { Tls = endpoint.Tls || parsed.Ssl };
        // The description is what reports print: ExternalEndpoint.ToString names TLS and the user, never the password.
        var cluster = new RunningCluster(ProviderKind.External, parsed.EndPoints.ToList(), auth,
            TimeSpan.Zero, static () => ValueTask.CompletedTask, description: $"external: {auth}");
        // Connect once to prove the endpoint is a healthy cluster, so a bad endpoint fails here with a clear message.
        await using ConnectionMultiplexer mux = await cluster.ConnectAsync().ConfigureAwait(false);
        IServer any = mux.GetServer(mux.GetEndPoints()[0]);
        string info;
        try { info = NodeInfo.Text(await any.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false)); }
        catch (RedisServerException ex)
        {
            // A standalone server answers "ERR This instance has cluster support disabled": a client pointed at it
            // would silently run in standalone mode, which is how the reference gateway's second incident shipped.
            throw new ClusterProvisioningException($"{cluster} is not a Redis Cluster ({ex.Message.Split('\n')[0].Trim()}). Point --cluster at a cluster node or configuration endpoint.", ex);
        }
        if (!info.Contains("cluster_state:ok"))
            throw new ClusterProvisioningException($"{cluster} is reachable but not a healthy cluster: {info.Split('\n')[0].Trim()}");
        log?.Invoke($"attached to {cluster} ({mux.GetEndPoints().Length} nodes) in {sw.Elapsed.TotalSeconds:0.0}s");
        return cluster;
    }
}
