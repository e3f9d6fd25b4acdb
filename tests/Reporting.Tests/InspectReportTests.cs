using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Tests;

public class InspectReportTests
{
    [Fact]
    public void Health_nodes_and_events_read_n_a_where_the_cluster_gave_nothing()
    {
        var health = new ClusterHealth("fail", 16000, 384, ["42 migrating to abc"], []);
        var primary = new InspectedNode("127.0.0.1:7000", "a", 0, "master", "master", true, "0-5460", 5461, 12, 2 * 1048576, 300, 12.5, 1000, null, 4, 0, null);
        var down = new InspectedNode("127.0.0.1:7003", "b", 0, "replica", "slave,fail", false, null, 0, null, null, null, null, null, null, null, null, "no answer");
        var placed = new EventPlacement("evt_1", "bucketed:2", [new SlotPlacement(100, 0, 0, "127.0.0.1:7000", 3), new SlotPlacement(200, 1, null, null, null)], null);
        var byUser = new EventPlacement("evt_1", "user", [], "the slot depends on the user");
        var x = new ClusterInspection(DateTime.UnixEpoch, "local", health, [primary, down], [placed, byUser], null, 1);

        string md = InspectReport.Render(x);

        Assert.StartsWith("# Cluster local\n\nHealth: **NOT OK** — cluster_state fail, slots covered 16000/16384, open slots: 42 migrating to abc, failing nodes: none", md);
        Assert.Contains("CROSSSLOT errors (errorstat_CROSSSLOT, all nodes): n/a", md);
        Assert.Contains("| 0 | 127.0.0.1:7000 | master | 0-5460 | 12 | 2.0 | 300 | 12.5 | 1000 | - | 4 | 0 |  |", md);
        Assert.Contains("| 0 | 127.0.0.1:7003 | replica | - | n/a | n/a | n/a | n/a | n/a | - | n/a | n/a | no answer |", md);
        Assert.Contains("| evt_1 | bucketed:2 | 0 | 100 | 0 (127.0.0.1:7000) | 3 |  |", md);
        Assert.Contains("| evt_1 | bucketed:2 | 1 | 200 | unassigned | n/a |  |", md);
        Assert.Contains("| evt_1 | user | - | - | - | - | the slot depends on the user |", md);
        Assert.DoesNotContain("Events (keys in slot", InspectReport.Render(x with { Events = [] }));
    }
}
