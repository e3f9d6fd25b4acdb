using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Provisioning.Tests;

/// <summary>
/// Where a connection's replica reads really go, on clusters of their own: one formed the moment before (young gossip),
/// and one with a replica the client cannot log in to, which no wait can fix.
/// </summary>
public sealed class ReplicaRoutingTests
{
    [Fact]
    public async Task A_connection_made_as_create_returns_is_replaced_until_it_reads_every_replica()
    {
        await using RunningCluster young = await LocalClusterProvider.StartYoungAsync(new ClusterSpec());
        var lines = new List<string>();

        await using ConnectionMultiplexer mux = await young.ConnectForReplicaReadsAsync(lines.Add);

        ReplicaReadView view = await ReplicaRouting.ReadAsync(mux);
        Assert.True(view.Problem is null, view.Problem);
        Assert.Empty(lines);
        Assert.Equal(3, view.Routes.Count);
        // Each shard's one replica takes its reads, and it is a node of this cluster, not its primary.
        Assert.All(view.Routes, r => Assert.Equal(Assert.Single(r.Replicas), Assert.Single(r.ReadsOn)));
        Assert.Equal(6, view.Routes.SelectMany(r => r.Replicas.Append(r.Primary)).Distinct().Count());
    }

    [Fact]
    public async Task A_replica_the_client_cannot_reach_is_named_in_one_line_and_its_reads_are_routed_to_where_the_client_sends_them()
    {
        await using RunningCluster cluster = await LocalClusterProvider.StartAsync(new ClusterSpec());
        await using ConnectionMultiplexer admin = await cluster.ConnectAsync();
        ReplicaReadView whole = await ReplicaRouting.ReadAsync(admin);
        Assert.True(whole.Problem is null, whole.Problem);
        ReplicaReadRoute locked = whole.Routes[0];
        string replica = Assert.Single(locked.Replicas);
        // The replica now asks a password of new clients; its primary and its replication link are untouched.
        await admin.GetServer(replica).ExecuteAsync("CONFIG", "SET", "requirepass", "pw-" + Guid.NewGuid().ToString("N"));

        // Attached through the primary alone, as an external cluster: the replica is found through CLUSTER NODES and refuses the login.
        RunningCluster external = await ExternalClusterProvider.AttachAsync(new ExternalEndpoint(locked.Primary));
        var lines = new List<string>();
        await using ConnectionMultiplexer mux = await external.ConnectForReplicaReadsAsync(lines.Add, patience: TimeSpan.FromSeconds(2));

        string line = Assert.Single(lines);
        // The replica is named as the client sees it (not connected, or dropped as unknown), whatever else a busy
        // machine's slower connections add beside it.
        Assert.Matches($@"\(.*{System.Text.RegularExpressions.Regex.Escape(replica)}(, replica of | is )", line);
        Assert.Contains($"{locked.Primary}'s on {locked.Primary}", line);
        // The other shards still read their replicas: on a busy machine the client may take a few more seconds to
        // connect them beside the one refusing its login, so the view is read again until they do (15 s at most).
        ReplicaReadView view = await ReplicaRouting.ReadAsync(mux);
        for (int i = 0; i < 60 && !view.Routes.Where(r => r.Primary != locked.Primary).All(r => r.Replicas.SequenceEqual(r.ReadsOn)); i++)
        {
            await Task.Delay(250);
            view = await ReplicaRouting.ReadAsync(mux);
        }
        Assert.Equal([locked.Primary], view.Routes.Single(r => r.Primary == locked.Primary).ReadsOn);
        Assert.All(view.Routes.Where(r => r.Primary != locked.Primary), r => Assert.Equal(r.Replicas, r.ReadsOn));
    }
}
