namespace HashtagBench.Provisioning.Tests;

public sealed class PromotionWatchTests
{
    // a1 served slot 42 at epoch 1 and was paused; its replica b2 won the election at epoch 7.
    private static readonly ClusterNodesSnapshot AfterPromotion = ClusterNodesSnapshot.Parse("""
        a1 127.0.0.1:7000@17000 slave b2 0 0 1 connected
        b2 127.0.0.1:7003@17003 myself,master - 0 0 7 connected 0-16383
        """);

    // a1 resumed and answered before it heard of the election: its own view still gives it the slot, at its old epoch.
    private static readonly ClusterNodesSnapshot StaleFormerPrimary = ClusterNodesSnapshot.Parse("""
        a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383
        b2 127.0.0.1:7003@17003 slave a1 0 0 1 connected
        """);

    [Fact]
    public void The_config_epoch_is_read_from_each_line()
    {
        Assert.Equal([1L, 7L], AfterPromotion.Nodes.Select(n => n.ConfigEpoch));
    }

    [Fact]
    public void A_promotion_with_a_newer_epoch_is_a_change_and_a_stale_view_of_the_former_primary_is_not()
    {
        ClusterNodeLine? promoted = PromotionWatch.Successor(AfterPromotion, 42, "127.0.0.1:7000", ownerEpoch: 1);
        Assert.Equal(("127.0.0.1:7003", 7L), (promoted?.Endpoint, promoted?.ConfigEpoch));

        // Owner b2 at epoch 7: a1's stale claim (epoch 1) is not a change back.
        Assert.Null(PromotionWatch.Successor(StaleFormerPrimary, 42, "127.0.0.1:7003", ownerEpoch: 7));
        // The owner's epoch not yet known: the first view naming another primary is taken.
        Assert.Equal("127.0.0.1:7000", PromotionWatch.Successor(StaleFormerPrimary, 42, "127.0.0.1:7003", ownerEpoch: -1)?.Endpoint);
        // The owner itself, or no primary for the slot (it failed), is no change.
        Assert.Null(PromotionWatch.Successor(AfterPromotion, 42, "127.0.0.1:7003", ownerEpoch: 7));
        var failed = ClusterNodesSnapshot.Parse("a1 127.0.0.1:7000@17000 master,fail - 0 0 1 connected 0-16383");
        Assert.Null(PromotionWatch.Successor(failed, 42, "127.0.0.1:7003", ownerEpoch: 7));
    }

    [Fact]
    public void Failing_back_at_a_yet_newer_epoch_is_a_second_change()
    {
        var failedBack = ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 9 connected 0-16383
            b2 127.0.0.1:7003@17003 slave a1 0 0 7 connected
            """);
        Assert.Equal("127.0.0.1:7000", PromotionWatch.Successor(failedBack, 42, "127.0.0.1:7003", ownerEpoch: 7)?.Endpoint);
    }
}
