using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Provisioning.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterInspectorTests(ClusterFixture fx)
{
    private static readonly KeyStrategy[] Strategies = [KeyStrategy.Legacy, KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(4)];

    private IServer[] AllNodes() => fx.Mux.GetEndPoints().Select(ep => fx.Mux.GetServer(ep)).Where(s => s.IsConnected).ToArray();

    [Fact]
    public async Task Inspect_places_an_event_on_its_slot_and_shard_counts_its_keys_and_sends_neither_KEYS_nor_SCAN()
    {
        IServer[] nodes = AllNodes();
        Assert.Equal(6, nodes.Length);
        foreach (IServer s in nodes) await s.ExecuteAsync("CONFIG", "RESETSTAT");
        string ev = $"evt_insp_{Guid.NewGuid():N}"[..20];
        IDatabase db = fx.Mux.GetDatabase();
        for (int i = 0; i < 5; i++) await db.StringSetAsync($"inspect-test:{{{ev}}}:{i}", "x");
        try
        {
            ClusterInspection x = await ClusterInspector.InspectAsync(fx.Mux, "fixture", ["evt_2025_1001", ev], Strategies, TimeSpan.FromMilliseconds(200), CancellationToken.None);

            // evt_2025_1001 under event: slot 3998, which the server itself computes too, on the shard the live map says.
            EventPlacement known = x.Events.Single(e => e.EventId == "evt_2025_1001" && e.Strategy == "event");
            SlotPlacement slot = Assert.Single(known.Slots);
            Assert.Equal(3998, slot.Slot);
            Assert.Equal(3998L, (long)(await nodes[0].ExecuteAsync("CLUSTER", "KEYSLOT", "evt_2025_1001"))!);
            IReadOnlyList<SlotOwner> owners = LiveSlotMap.Read(fx.Mux);
            Assert.Equal(SlotOwner.Find(owners, 3998), $"{slot.Shard} ({slot.Node})");

            // The keys written under the new event's tag are counted in its slot (COUNTKEYSINSLOT), bucketed lists every bucket.
            Assert.Equal(5, x.Events.Single(e => e.EventId == ev && e.Strategy == "event").Slots[0].Keys);
            Assert.Equal(4, x.Events.Single(e => e.EventId == ev && e.Strategy == "bucketed:4").Slots.Count);
            Assert.Empty(x.Events.Single(e => e.EventId == ev && e.Strategy == "user").Slots);

            // Every node: 3 primaries and 3 replicas, each replica on its primary's shard with a lag; health as --cluster check says.
            Assert.Equal(6, x.Nodes.Count);
            Assert.All(x.Nodes, n => Assert.True(n.Reachable, n.Error));
            Assert.Equal([0, 0, 1, 1, 2, 2], x.Nodes.Select(n => n.Shard ?? -1).Order().ToArray());
            Assert.All(x.Nodes.Where(n => n.Role == "replica"), n => Assert.NotNull(n.ReplicationLagBytes));
            Assert.True(x.Health.Ok, $"{x.Health}");
            Assert.Equal(HashSlot.SlotCount, x.Health.SlotsCovered);
            Assert.NotNull(x.CrossSlotErrors); // Redis 7 keeps errorstats

            // Bounded commands only: what the inspection sent is counted, KEYS and SCAN are not there at all.
            foreach (IServer s in nodes)
            {
                string stats = (string)(await s.ExecuteAsync("INFO", "commandstats"))!;
                Assert.Contains("cmdstat_info:", stats);
                Assert.DoesNotContain("cmdstat_keys:", stats);
                Assert.DoesNotContain("cmdstat_scan:", stats);
            }
        }
        finally
        {
            for (int i = 0; i < 5; i++) await db.KeyDeleteAsync($"inspect-test:{{{ev}}}:{i}");
        }
    }
}

public sealed class InspectParsingTests
{
    [Fact]
    public void Open_slots_are_read_from_cluster_nodes_brackets()
    {
        const string nodes = """
            e7d1eecc 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461->-67ed2db8aa]
            67ed2db8aa 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5462-10922 [5461-<-e7d1eecc]
            """;
        IReadOnlyList<string> open = ClusterInspector.OpenSlots(nodes);
        Assert.Equal(["5461 migrating from 127.0.0.1:30001 to 67ed2db8", "5461 importing into 127.0.0.1:30002 from e7d1eecc"], open);
    }

    [Fact]
    public void A_verbatim_reply_loses_its_format_prefix_so_the_first_node_keeps_its_ID()
    {
        string text = NodeInfo.Text(RedisResult.Create((RedisValue)"txt:1ff9d8cb 127.0.0.1:21009@31009 myself,master - 0 0 1 connected 0-5460\n"));
        Assert.Equal("1ff9d8cb", ClusterNodesSnapshot.Parse(text).Nodes[0].Id);
        Assert.Equal("cluster_state:ok", NodeInfo.Text(RedisResult.Create((RedisValue)"cluster_state:ok")));
    }

    [Fact]
    public void Info_fields_the_server_did_not_send_are_null_not_zero()
    {
        NodeInfo old = NodeInfo.Parse("# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:0.5\r\n# Commandstats\r\ncmdstat_info:calls=3,usec=24,usec_per_call=8.00,rejected_calls=0\r\n");
        Assert.Null(old.CrossSlotErrors); // no errorstats section at all (Redis < 6.2)
        Assert.Null(old.UsedMemory);
        Assert.Equal(2.0, old.CpuSeconds);
        Assert.Equal(new CommandStat(3, 24), old.Commands()["info"]);

        NodeInfo quiet = NodeInfo.Parse("# Errorstats\r\n");
        Assert.Equal(0, quiet.CrossSlotErrors); // errorstats kept, no CROSSSLOT yet
        NodeInfo seen = NodeInfo.Parse("# Errorstats\r\nerrorstat_CROSSSLOT:count=7\r\n");
        Assert.Equal(7, seen.CrossSlotErrors);
    }
}
