using HashtagBench.Provisioning;

namespace HashtagBench.Provisioning.Tests;

public class ClusterNodesSnapshotTests
{
    private const string Nodes =
        "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191\n" +
        "b2 127.0.0.1:7001@17001 master,nofailover - 0 0 2 connected 8192-16383\n" +
        "c3 127.0.0.1:7002@17002 slave,fail a1 0 0 1 disconnected\n" +
        "d4 127.0.0.1:7003@17003 slave,fail? b2 0 0 2 connected\n";

    [Fact]
    public void Only_fail_and_pfail_flags_mark_a_node_failing_not_nofailover()
    {
        var snap = ClusterNodesSnapshot.Parse(Nodes);
        Assert.Equal(["c3", "d4"], snap.Nodes.Where(n => n.IsFailed).Select(n => n.Id).ToArray());
        // The nofailover primary still serves its slots.
        Assert.Equal("b2", snap.PrimaryOf(9000)?.Id);
    }
}
