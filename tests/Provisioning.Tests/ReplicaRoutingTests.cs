using HashtagBench.Contracts;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace HashtagBench.Provisioning.Tests;

/// <summary>
/// Where a connection's replica reads really go, on clusters of their own: one formed the moment before (young gossip),
/// and one with a replica the client cannot log in to, which no wait can fix.
/// </summary>
public sealed class ReplicaRoutingTests(ITestOutputHelper output)
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
        // machine's slower connections add beside it. Each message carries the line.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(line, $@"\(.*{System.Text.RegularExpressions.Regex.Escape(replica)}(, replica of | is )"), $"{replica} not named: {line}");
        Assert.True(line.Contains($"{locked.Primary}'s on {locked.Primary}", StringComparison.Ordinal), line);
        // Where the view says each shard's replica reads go is where they run, by each node's own commandstats. The
        // other shards' replicas may be read or not: a client beside a node refusing its login may take its time to
        // connect them (StackExchange.Redis's doing, not the harness's), and the run predicts the reads wherever they go.
        // So the view is read again after the reads, and a count is kept only when the view did not move meanwhile.
        for (int attempt = 1; ; attempt++)
        {
            ReplicaReadView before = await ReplicaRouting.ReadAsync(mux);
            IReadOnlyList<string[]> served = await ServedAsync(admin, mux, before);
            ReplicaReadView after = await ReplicaRouting.ReadAsync(mux);
            if (!SameRoutes(before, after) && attempt < 20) { await Task.Delay(250); continue; }
            output.WriteLine($"attempt {attempt}: {Describe(before)}");
            Assert.True(SameRoutes(before, after), $"the routing never held still: {Describe(before)} then {Describe(after)}");
            for (int i = 0; i < before.Routes.Count; i++)
                Assert.True(before.Routes[i].ReadsOn.SequenceEqual(served[i]),
                    $"{before.Routes[i].Primary}'s reads ran on [{string.Join(",", served[i])}]: {Describe(before)}");
            Assert.True(before.Routes.Single(r => r.Primary == locked.Primary).ReadsOn.SequenceEqual([locked.Primary]), Describe(before));
            Assert.All(before.Routes, r => Assert.Subset(r.Replicas.Append(r.Primary).ToHashSet(), r.ReadsOn.ToHashSet()));
            break;
        }
    }

    /// <summary>
    /// Per route, the nodes that ran eight PreferReplica STRLENs of a key in its first slot, read from every node's
    /// cmdstat_strlen through <paramref name="admin"/> (its connections predate the lock).
    /// </summary>
    private static async Task<IReadOnlyList<string[]>> ServedAsync(IConnectionMultiplexer admin, IConnectionMultiplexer mux, ReplicaReadView view)
    {
        string[] nodes = [.. view.Routes.SelectMany(r => r.Replicas.Append(r.Primary)).Order(StringComparer.Ordinal)];
        async Task<long[]> Calls() => await Task.WhenAll(nodes.Select(async n =>
            (await NodeInfo.ReadAsync(admin.GetServer(n), ["commandstats"])).Commands().GetValueOrDefault("strlen").Calls));
        var served = new List<string[]>();
        foreach (ReplicaReadRoute route in view.Routes)
        {
            // A key of the shard by the cluster's own word (its primary's first slot), as the view itself picks one.
            ClusterConfiguration config = (await admin.GetServer(route.Primary).ClusterNodesAsync())!;
            RedisKey key = ReplicaRouting.KeyIn(config.Nodes.Single(n => n.IsMyself).Slots.Min(r => r.From));
            long[] before = await Calls();
            for (int i = 0; i < 8; i++) await mux.GetDatabase().StringLengthAsync(key, CommandFlags.PreferReplica);
            long[] after = await Calls();
            served.Add([.. nodes.Where((_, i) => after[i] > before[i])]);
        }
        return served;
    }

    private static bool SameRoutes(ReplicaReadView a, ReplicaReadView b) =>
        a.Routes.Count == b.Routes.Count && a.Routes.Zip(b.Routes).All(p =>
            p.First.Primary == p.Second.Primary && p.First.Replicas.SequenceEqual(p.Second.Replicas) && p.First.ReadsOn.SequenceEqual(p.Second.ReadsOn));

    private static string Describe(ReplicaReadView view) =>
        $"{string.Join("; ", view.Routes.Select(r => $"{r.Primary} replicas [{string.Join(",", r.Replicas)}] reads on [{string.Join(",", r.ReadsOn)}]"))} ({view.Problem})";
}
