using HashtagBench.Keys;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Provisioning.Tests;

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

    [Fact]
    public async Task Cluster_nodes_read_through_the_client_keep_every_id_whole_over_resp3()
    {
        // Over RESP3 CLUSTER NODES is a verbatim string: left on, its "txt:" prefix becomes part of the first node's ID,
        // and that node's replicas no longer name a node of the view (a fault command then got no replica).
        Assert.Equal(RedisProtocol.Resp3, fx.Mux.GetServer(fx.Mux.GetEndPoints()[0]).Protocol);
        ClusterNodesSnapshot view = (await PromotionWatch.ReadNodesAsync(fx.Mux))!;
        Assert.Equal(6, view.Nodes.Count);
        Assert.All(view.Nodes, n => Assert.Matches("^[0-9a-f]{40}$", n.Id));
        Assert.All(view.Nodes.Where(n => n.PrimaryId is not null), r => Assert.Contains(view.Nodes, p => p.Id == r.PrimaryId));
    }
}

public sealed class ClusterNodesSnapshotTests
{
    private const string Sample = """
        07c37dfe 127.0.0.1:30004@31004 slave e7d1eecc 0 1426238317239 4 connected
        67ed2db8 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
        292f8b36 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
        6ec23923 127.0.0.1:30005@31005 slave,fail 67ed2db8 0 1426238316232 5 disconnected
        e7d1eecc 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461->-67ed2db8]
        """;

    [Fact]
    public void Parses_primaries_replicas_ranges_and_failure_flags()
    {
        var snap = Provisioning.ClusterNodesSnapshot.Parse(Sample);
        Assert.Equal(5, snap.Nodes.Count);
        Assert.Equal("127.0.0.1:30001", snap.PrimaryOf(0)!.Endpoint);
        Assert.Equal("127.0.0.1:30002", snap.PrimaryOf(5461)!.Endpoint);
        Assert.Equal("127.0.0.1:30003", snap.PrimaryOf(16383)!.Endpoint);
        var replicas = snap.ReplicasOf(snap.PrimaryOf(6000)!).ToList();
        Assert.True(Assert.Single(replicas).IsFailed);
        Assert.Equal([(0, 5460)], snap.PrimaryOf(1)!.Slots);
    }

    [Fact]
    public void Only_fail_and_pfail_flags_mark_a_node_failing_not_nofailover()
    {
        var snap = Provisioning.ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
            b2 127.0.0.1:7001@17001 master,nofailover - 0 0 2 connected 8192-16383
            c3 127.0.0.1:7002@17002 slave,fail a1 0 0 1 disconnected
            d4 127.0.0.1:7003@17003 slave,fail? b2 0 0 2 connected
            """);
        Assert.Equal(["c3", "d4"], snap.Nodes.Where(n => n.IsFailed).Select(n => n.Id).ToArray());
        Assert.Equal("b2", snap.PrimaryOf(9000)?.Id); // the nofailover primary still serves its slots
    }

    [Fact]
    public void A_node_listed_without_an_address_has_none()
    {
        // A young cluster's gossip: the replica of slot 42's primary is still ":0" (noaddr) in this node's view.
        var snap = Provisioning.ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383
            c3 :0@0 slave,noaddr a1 0 0 1 disconnected
            """);
        Assert.False(snap.Nodes.Single(n => n.Id == "c3").HasAddress);
        Assert.True(snap.Nodes.Single(n => n.Id == "a1").HasAddress);
    }
}
