using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests.WaitingRoom;

/// <summary>The waiting room's keys and client against the real 3-shard / 6-node cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WaitingRoomClusterTests(ClusterFixture fx)
{
    public static TheoryData<string> Schemas => new() { "legacy", "event", "event-all", "user", "bucketed:4" };

    private static readonly KeyArgs Args = new("evt_2025_1001", "user-42", "0f8c2d1e-7b1a-4c55-9d0e-2a1b3c4d5e6f", "wt-7", "rt-9", "10.0.0.1", "A-12");

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task Every_key_class_lands_on_the_slot_the_server_computes(string schemaName)
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Parse(schemaName);
        IServer server = fx.Primaries()[0];
        foreach (KeyClass keyClass in Enum.GetValues<KeyClass>())
        {
            KeyTemplate template = schema.Template(keyClass);
            for (int bucket = 0; bucket < schema.Buckets; bucket++)
            {
                string key = schema.Key(keyClass, Args, "run1:", bucket);
                Assert.Equal(HashSlot.Of(key), await KeySlotAsync(server, key));
                // What the template says the slot does not depend on must not move it, on the server's word.
                foreach (SlotInputs input in Enum.GetValues<SlotInputs>().Where(i => i != SlotInputs.None && !template.SlotDependsOn.HasFlag(i)))
                    Assert.Equal(await KeySlotAsync(server, key), await KeySlotAsync(server, schema.Key(keyClass, Changed(input), "run1:", bucket)));
            }
        }
    }

    [Fact]
    public async Task The_standalone_check_passes_every_schema_standalone_and_fails_only_legacys_join_on_the_cluster()
    {
        await using StandaloneServer standalone = await StandaloneServer.StartAsync();
        await using ConnectionMultiplexer single = await ConnectionMultiplexer.ConnectAsync(standalone.Endpoint);
        foreach (string name in Schemas)
        {
            var options = new WaitingRoomOptions { Schema = WaitingRoomSchema.Parse(name), KeyPrefix = JoinChecks.Unique("chk") + ":" };
            SchemaCheckResult alone = await SchemaCheck.RunAsync(single.GetDatabase(), options);
            Assert.True(alone.Ok, $"{name} standalone: {string.Join("; ", alone.Failed)}");
            Assert.Equal([Step.Join, Step.Status, Step.Enter, Step.StatusExpired, Step.HoldSeat, Step.Leave], alone.Steps.Select(s => s.Step));
            Assert.Equal([StepOutcome.Joined, StepOutcome.Waiting, StepOutcome.Granted, StepOutcome.Expired, StepOutcome.SoldOut, StepOutcome.Left], alone.Steps.Select(s => s.Outcome));

            SchemaCheckResult cluster = await SchemaCheck.RunAsync(fx.Mux.GetDatabase(), options);
            if (name == "legacy")
            {
                // The join script's untagged dedupe key and tagged stream key span two slots: the incident.
                StepCheck join = Assert.Single(cluster.Failed);
                Assert.Equal(Step.Join, join.Step);
                Assert.True(join.CrossSlot, join.ToString());
            }
            else Assert.True(cluster.Ok, $"{name} on the cluster: {string.Join("; ", cluster.Failed)}");
        }
    }

    [Fact]
    public async Task Replica_reads_send_the_readable_commands_to_replicas_and_only_then()
    {
        IServer[] replicas = [.. fx.Mux.GetEndPoints().Select(ep => fx.Mux.GetServer(ep)).Where(s => s.IsConnected && s.IsReplica)];
        Assert.NotEmpty(replicas);

        long before = await ReadsOnAsync(replicas);
        await VisitAsync(replicaReads: false);
        Assert.Equal(before, await ReadsOnAsync(replicas));

        await VisitAsync(replicaReads: true);
        Assert.True(await ReadsOnAsync(replicas) > before, "ZRANK/ZCOUNT/GET/EXISTS/XRANGE never reached a replica with ReplicaReads on");
    }

    [Fact]
    public async Task A_cluster_aware_client_given_one_address_passes_the_connection_check()
    {
        ConfigurationOptions one = fx.Cluster.CreateOptions();
        while (one.EndPoints.Count > 1) one.EndPoints.RemoveAt(1);
        await using ConnectionMultiplexer mux = await ClusterConnector.ConnectAsync(one, "test cluster");
        ClusterConnector.EnsureClusterAware(mux, "test cluster");
        Assert.Equal(3, LiveSlotMap.Read(mux).Count);
    }

    [Theory]
    [InlineData("cluster-commands-off")]
    [InlineData("envoy")]
    [InlineData("twemproxy")]
    public async Task A_client_running_standalone_against_the_cluster_is_refused_with_a_clear_error(string how)
    {
        ConfigurationOptions options = fx.Cluster.CreateOptions();
        // Two ways a client ends up standalone against a cluster: it never asks CLUSTER NODES, or it is told the
        // address is a proxy. Either way, every key would go to the node it reached.
        if (how == "envoy") options.Proxy = Proxy.Envoyproxy;
        else if (how == "twemproxy") options.Proxy = Proxy.Twemproxy;
        else options.CommandMap = CommandMap.Create(new HashSet<string> { "CLUSTER" }, available: false);
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => ClusterConnector.ConnectAsync(options, "test cluster"));
        Assert.Contains("is not a Redis Cluster to this client", ex.Message);
        Assert.Contains("cluster mode", ex.Message);
    }

    private async Task VisitAsync(bool replicaReads)
    {
        var client = new WaitingRoomClient(fx.Mux.GetDatabase(), new WaitingRoomOptions { ReplicaReads = replicaReads, KeyPrefix = JoinChecks.Unique("rr") + ":" });
        for (int u = 0; u < 6; u++)
        {
            JoinStepResult join = await client.JoinAsync(JoinChecks.Unique("evt"), $"user-{u}");
            Assert.Equal(StepOutcome.Joined, join.Outcome);
            await join.Background;
            Assert.Equal(StepOutcome.Waiting, (await client.StatusAsync(join.User)).Outcome);
        }
    }

    // Calls of the commands the model marks replica-readable, summed over the replicas.
    private static async Task<long> ReadsOnAsync(IServer[] replicas)
    {
        string[] reads = ["cmdstat_zrank", "cmdstat_zcount", "cmdstat_get", "cmdstat_exists", "cmdstat_xrange"];
        long total = 0;
        foreach (IServer r in replicas)
            foreach (var group in await r.InfoAsync("commandstats"))
                foreach (var (name, value) in group)
                    if (reads.Contains(name)) total += long.Parse(value.Split(',')[0]["calls=".Length..]);
        return total;
    }

    private static async Task<int> KeySlotAsync(IServer server, string key) => (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key);

    private static KeyArgs Changed(SlotInputs input) => input switch
    {
        SlotInputs.Event => Args with { EventId = "evt_other" },
        SlotInputs.Bucket => Args, // the bucket is an argument of Key, varied by the loop
        SlotInputs.User => Args with { UserId = "user-other" },
        SlotInputs.IdempotencyKey => Args with { IdempotencyKey = "idem-other" },
        SlotInputs.WaitingToken => Args with { WaitingToken = "wt-other" },
        SlotInputs.ReservationToken => Args with { ReservationToken = "rt-other" },
        SlotInputs.ClientIp => Args with { ClientIp = "10.9.9.9" },
        _ => Args with { Seat = "Z-99" },
    };
}
