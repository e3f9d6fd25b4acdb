using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ProvisioningTests(ClusterFixture fx)
{
    [Fact]
    public async Task Cluster_has_three_primaries_each_with_one_replica_and_all_slots()
    {
        var nodes = fx.Mux.GetServer(fx.Mux.GetEndPoints()[0]).ClusterNodes()!;
        var primaries = nodes.Nodes.Where(n => !n.IsReplica).ToList();
        Assert.True(primaries.Count == 3, "primaries: " + string.Join(" | ", nodes.Nodes.Select(n => n.Raw)));
        Assert.Equal(3, nodes.Nodes.Count(n => n.IsReplica));
        Assert.All(primaries, p => Assert.Single(p.Children));
        Assert.Equal(HashSlot.SlotCount, primaries.Sum(p => p.Slots.Sum(r => r.To - r.From + 1)));
        string info = (string)(await fx.Mux.GetServer(fx.Mux.GetEndPoints()[0]).ExecuteAsync("CLUSTER", "INFO"))!;
        Assert.Contains("cluster_state:ok", info);
    }
}
