using HashtagBench.Provisioning;
using StackExchange.Redis;
using Xunit;

namespace HashtagBench.TestSupport;

/// <summary>
/// One real 3-shard / 6-node cluster per test assembly, started through the same <see cref="ClusterProvisioner"/>
/// the harness uses (Auto: Docker if it answers, else local redis-server). Use it as an xunit collection fixture.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private RunningCluster? _cluster;
    private ConnectionMultiplexer? _mux;

    public RunningCluster Cluster => _cluster ?? throw new InvalidOperationException("Cluster not started.");
    public ConnectionMultiplexer Mux => _mux ?? throw new InvalidOperationException("Cluster not started.");

    public async Task InitializeAsync()
    {
        _cluster = await ClusterProvisioner.StartAsync(ProviderKind.Auto, new ClusterSpec(), log: Console.WriteLine);
        _mux = await _cluster.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        if (_mux is not null) await _mux.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>Each primary's server handle (what a per-shard measurement reads).</summary>
    public IServer[] Primaries() => Mux.GetEndPoints().Select(ep => Mux.GetServer(ep)).Where(s => s.IsConnected && !s.IsReplica).ToArray();
}
