using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Bench;

/// <summary>A local cluster for a suite's GlobalSetup (via the provisioning code) and its connection; disposing stops both.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private BenchCluster(RunningCluster cluster, ConnectionMultiplexer mux)
    {
        Cluster = cluster;
        Mux = mux;
    }

    public RunningCluster Cluster { get; }
    public ConnectionMultiplexer Mux { get; }

    public static async Task<BenchCluster> StartAsync()
    {
        // "// " marks the line as a comment in BenchmarkDotNet's log. `hashtag-bench bench` and `run` hand their
        // cluster down through the environment (TLS, user and password included), so every suite attaches to that
        // one cluster instead of starting another.
        ExternalEndpoint? external = ExternalEndpoint.FromEnvironment();
        RunningCluster cluster = await ClusterProvisioner.StartAsync(external is null ? ProviderKind.Auto : ProviderKind.External,
            new ClusterSpec(), external, log: m => Console.WriteLine($"// {m}"));
        try
        {
            return new BenchCluster(cluster, await cluster.ConnectAsync());
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Mux.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
