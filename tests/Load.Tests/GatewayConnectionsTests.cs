using HashtagBench.Keys;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load.Tests;

/// <summary>The gateway's client shapes on the shared cluster: connections per node, one command per read, replica reads.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class GatewayConnectionsTests(ClusterFixture fx)
{
    // 2 pods × 40 idle: 80 connections on every node (64 leasable multiplexers, 16 idle holders).
    private static readonly ClientShape Shape = new() { Mode = ClientMode.Pooled, Pods = 2, PoolSize = 50, MinIdleConns = 40 };

    private async Task<IReadOnlyList<SampledNode>> NodesAsync() =>
        [.. (await ClusterCounters.NodesAsync(fx.Mux)).Select(n => new SampledNode(n.Endpoint, n.Shard, n.Primary ? "master" : "replica"))];

    // The gateway's connections on one node, each with its CLIENT LIST flags.
    private async Task<IReadOnlyList<string>> GatewayClientsAsync(string endpoint)
    {
        string list = (string?)await fx.Mux.GetServer(endpoint).ExecuteAsync("CLIENT", "LIST", "TYPE", "normal") ?? "";
        return [.. list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains($" name={GatewayConnections.ClientName} ", StringComparison.Ordinal))];
    }

    private static string Flags(string clientLine) => clientLine.Split(' ').First(f => f.StartsWith("flags=", StringComparison.Ordinal))[6..];

    private async Task<(long Commands, long Reads)> StatsAsync(string endpoint)
    {
        NodeInfo info = await NodeInfo.ReadAsync(fx.Mux.GetServer(endpoint), ["stats"]);
        return (info.Long("total_commands_processed")!.Value, info.Long("total_reads_processed")!.Value);
    }

    // 32 tasks, each 40 GETs back to back on one slot's keys, through the pool's leases.
    private static async Task DriveGetsAsync(GatewayConnections pool, string tag, CommandFlags flags = CommandFlags.None)
    {
        await Task.WhenAll(Enumerable.Range(0, 32).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++)
            {
                IDatabase db = await pool.LeaseAsync();
                try { await db.StringGetAsync($"{{{tag}}}:k{t}", flags); }
                finally { pool.Return(db); }
            }
        })));
    }

    [Fact]
    public async Task Pooled_opens_the_shapes_connections_on_every_node_and_each_read_holds_one_command()
    {
        IReadOnlyList<SampledNode> nodes = await NodesAsync();
        string tag = JoinChecks.Unique("gw");
        string hot = ClusterConnector.Format(fx.Mux.GetDatabase().IdentifyEndpoint($"{{{tag}}}:k0")!);

        await using (GatewayConnections pool = await GatewayConnections.OpenAsync(fx.Cluster, fx.Mux, Shape, 1, nodes, replicaReads: true))
        {
            Assert.Equal((2, 80, 64, 16), (pool.Pods, pool.PlannedPerNode, pool.ActiveConnections, pool.IdleConnectionsPerNode));
            foreach (SampledNode n in nodes)
            {
                IReadOnlyList<string> clients = await GatewayClientsAsync(n.Endpoint);
                Assert.Equal(80, clients.Count);
                // READONLY as go-redis sends it for replica reads: every idle holder on a replica, none on a primary.
                int readOnly = clients.Count(c => Flags(c).Contains('r', StringComparison.Ordinal));
                if (n.Role == "replica") Assert.True(readOnly >= 16, $"{n.Endpoint}: {readOnly} READONLY connection(s)");
                else Assert.Equal(0, readOnly);
            }

            (long c0, long r0) = await StatsAsync(hot);
            await DriveGetsAsync(pool, tag);
            (long c1, long r1) = await StatsAsync(hot);
            long commands = c1 - c0, reads = r1 - r0;
            // 1,280 GETs and the second INFO: every command came in a read of its own (a read may even hold none of them).
            Assert.True(commands >= 1_281, $"{commands} commands");
            Assert.True(reads >= commands, $"{commands} commands in {reads} reads");
            Assert.Equal(1_280, pool.Leases);
            Assert.InRange(pool.PeakLeased, 1, 32);
        }

        // The same traffic on one multiplexed connection per node: reads carry several commands each.
        var multiplexed = Shape with { Mode = ClientMode.Multiplexed, Pods = 1 };
        await using (GatewayConnections pool = await GatewayConnections.OpenAsync(fx.Cluster, fx.Mux, multiplexed, 1, nodes, replicaReads: true))
        {
            Assert.Single(await GatewayClientsAsync(hot));
            (long c0, long r0) = await StatsAsync(hot);
            await DriveGetsAsync(pool, tag);
            (long c1, long r1) = await StatsAsync(hot);
            Assert.True(r1 - r0 < c1 - c0, $"{c1 - c0} commands in {r1 - r0} reads: the multiplexer did not pipeline");
        }

        // Disposed: every connection is gone from every node (the server notices a closed socket at once; bounded wait).
        foreach (SampledNode n in nodes)
        {
            IReadOnlyList<string> left = await GatewayClientsAsync(n.Endpoint);
            for (int i = 0; i < 50 && left.Count > 0; i++) { await Task.Delay(100); left = await GatewayClientsAsync(n.Endpoint); }
            Assert.Empty(left);
        }
    }

    [Fact]
    public async Task Pooled_replica_reads_go_to_the_replica_and_writes_to_the_primary()
    {
        IReadOnlyList<SampledNode> nodes = await NodesAsync();
        string tag = JoinChecks.Unique("gr");
        int slot = HashSlot.Of($"{{{tag}}}:k0");
        IReadOnlyList<TestNode> all = await ClusterCounters.NodesAsync(fx.Mux);
        string primary = ClusterConnector.Format(fx.Mux.GetDatabase().IdentifyEndpoint($"{{{tag}}}:k0")!);
        int shard = all.Single(n => n.Endpoint == primary).Shard;
        string replica = all.Single(n => n.Shard == shard && !n.Primary).Endpoint;

        await using GatewayConnections pool = await GatewayConnections.OpenAsync(fx.Cluster, fx.Mux, Shape, 1, nodes, replicaReads: true);
        long Get(IReadOnlyDictionary<string, CommandStat> s, string c) => s.GetValueOrDefault(c).Calls;
        var p0 = (await NodeInfo.ReadAsync(fx.Mux.GetServer(primary), ["commandstats"])).Commands();
        var q0 = (await NodeInfo.ReadAsync(fx.Mux.GetServer(replica), ["commandstats"])).Commands();
        await DriveGetsAsync(pool, tag, CommandFlags.PreferReplica);
        IDatabase db = await pool.LeaseAsync();
        try { await db.StringSetAsync($"{{{tag}}}:w", "1", TimeSpan.FromSeconds(30)); }
        finally { pool.Return(db); }
        var p1 = (await NodeInfo.ReadAsync(fx.Mux.GetServer(primary), ["commandstats"])).Commands();
        var q1 = (await NodeInfo.ReadAsync(fx.Mux.GetServer(replica), ["commandstats"])).Commands();

        Assert.Equal(1_280, Get(q1, "get") - Get(q0, "get"));
        Assert.Equal(0, Get(p1, "get") - Get(p0, "get"));
        Assert.True(Get(p1, "set") + Get(p1, "setex") > Get(p0, "set") + Get(p0, "setex"), $"no write reached the primary of slot {slot.ToString(CultureInfo.InvariantCulture)}");
        await fx.Mux.GetDatabase().KeyDeleteAsync($"{{{tag}}}:w");
    }

    [Fact]
    public async Task A_shape_over_a_nodes_maxclients_is_refused_before_a_connection_opens()
    {
        IReadOnlyList<SampledNode> nodes = await NodesAsync();
        var huge = new ClientShape { Mode = ClientMode.Pooled, Pods = 108, PoolSize = 1000, MinIdleConns = 1000 }; // 108,000 per node
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => GatewayConnections.OpenAsync(fx.Cluster, fx.Mux, huge, 1, nodes, replicaReads: false));
        Assert.Contains("maxclients", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await GatewayClientsAsync(nodes[0].Endpoint));
    }
}
