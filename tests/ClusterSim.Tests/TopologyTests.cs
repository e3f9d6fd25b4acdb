using HashtagBench.Keys;

namespace HashtagBench.ClusterSim.Tests;

public sealed class TopologyTests
{
    // "Master[i] -> Slots a - b" as printed by redis-cli 7.0.15 --cluster create for 3..10 primaries.
    public static TheoryData<int, string> RedisCliSplits => new()
    {
        { 3, "0-5460,5461-10922,10923-16383" },
        { 4, "0-4095,4096-8191,8192-12287,12288-16383" },
        { 5, "0-3276,3277-6553,6554-9829,9830-13106,13107-16383" },
        { 6, "0-2730,2731-5460,5461-8191,8192-10922,10923-13652,13653-16383" },
        { 7, "0-2340,2341-4680,4681-7021,7022-9361,9362-11702,11703-14042,14043-16383" },
        { 8, "0-2047,2048-4095,4096-6143,6144-8191,8192-10239,10240-12287,12288-14335,14336-16383" },
        { 9, "0-1819,1820-3640,3641-5460,5461-7281,7282-9101,9102-10922,10923-12742,12743-14563,14564-16383" },
        { 10, "0-1637,1638-3276,3277-4914,4915-6553,6554-8191,8192-9829,9830-11468,11469-13106,13107-14745,14746-16383" },
    };

    [Theory]
    [MemberData(nameof(RedisCliSplits))]
    public void Even_split_matches_redis_cli_cluster_create(int shards, string expected)
    {
        Topology t = Topology.EvenSplit(shards);
        Assert.Equal(shards, t.ShardCount);
        Assert.Equal(expected, string.Join(",", Enumerable.Range(0, shards).Select(j => string.Join(",", t.RangesOf(j)))));
    }

    [Fact]
    public void Shard_of_slot_follows_the_ranges()
    {
        Topology t = Topology.EvenSplit(3);
        Assert.Equal(0, t.ShardOf(0));
        Assert.Equal(0, t.ShardOf(5460));
        Assert.Equal(1, t.ShardOf(5461));
        Assert.Equal(2, t.ShardOf(16383));
        Assert.Equal(5462, t.SlotCountOf(1));
    }

    [Fact]
    public void Arbitrary_and_live_maps_are_read()
    {
        Topology parsed = Topology.Parse("0-99:1, 100-16383:0\n# comment");
        Assert.Equal(2, parsed.ShardCount);
        Assert.Equal(1, parsed.ShardOf(42));
        Assert.Equal(16284, parsed.SlotCountOf(0));

        Topology live = Topology.FromSlotOwners([
            new SlotOwner("127.0.0.1:7001", [(0, 8000)]),
            new SlotOwner("127.0.0.1:7002", [(8001, 10000), (12000, 16383)]),
            new SlotOwner("127.0.0.1:7003", [(10001, 11999)]),
        ]);
        Assert.Equal(["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"], live.Names);
        Assert.Equal(1, live.ShardOf(13000));
        Assert.Equal(2, live.ShardOf(11000));
        Assert.Equal(["8001-10000", "12000-16383"], live.RangesOf(1));
    }

    [Fact]
    public void Aggregate_sums_slot_loads_per_shard()
    {
        var slots = new double[Topology.Slots];
        slots[0] = 1; slots[5461] = 2; slots[16383] = 3;
        Assert.Equal([1.0, 2.0, 3.0], Topology.EvenSplit(3).Aggregate(slots));
    }
}
