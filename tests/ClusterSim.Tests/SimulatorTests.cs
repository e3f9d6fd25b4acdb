using HashtagBench.Keys;

namespace HashtagBench.ClusterSim.Tests;

public sealed class SimulatorTests
{
    private static readonly RateProfile Rate = RateProfile.Constant(30_000, 600);

    [Fact]
    public void Uniform_popularity_mean_matches_the_balls_into_bins_expectation()
    {
        var w = new Workload(100, Popularity.Uniform, 10_000, Rate);
        SimResult r = Simulator.Run(w, [KeyStrategy.EventTag], Topology.EvenSplit(3), new SimOptions { Seeds = 400, Joins = 100_000 });
        StrategyResult s = r.Strategies[0];
        AnalyticExpectation a = s.Analytic!;
        Assert.Equal(100, a.BallCount);
        // Hottest shard of 100 events over 3 shards ≈ 38.3% (Monte Carlo of the multinomial); per-seed sd ≈ 3.5%,
        // so the mean of 400 seeds has a standard error near 0.18%.
        Assert.InRange(a.HottestShardShare, 0.380, 0.386);
        Assert.InRange(s.Skew.HottestShardShare.Mean, a.HottestShardShare - 0.006, a.HottestShardShare + 0.006);
        for (int j = 0; j < 3; j++)
            Assert.InRange(s.Shards[j].Share, a.ShardShares[j] - 0.006, a.ShardShares[j] + 0.006);
    }

    [Theory]
    [InlineData(1, 2, 1.0)]
    [InlineData(2, 2, 1.5)]             // same bin with probability 1/2
    [InlineData(2, 3, 4.0 / 3)]         // same bin with probability 1/3
    [InlineData(2, 16384, 1 + 1.0 / 16384)]
    public void Few_balls_are_computed_exactly(int balls, int bins, double expected) =>
        Assert.Equal(expected, BallsIntoBins.ExpectedMaxLoad(balls, Enumerable.Repeat(1.0 / bins, bins).ToArray()), 9);

    [Theory]
    [InlineData(20, 3)]
    [InlineData(1000, 3)]
    [InlineData(100, 16384)]
    public void Analytic_expected_max_agrees_with_brute_force_balls_into_bins(int balls, int bins)
    {
        const int trials = 20_000;
        var rng = new Random(7);
        var counts = new int[bins];
        long sum = 0;
        for (int t = 0; t < trials; t++)
        {
            Array.Clear(counts);
            int max = 0;
            for (int b = 0; b < balls; b++) max = Math.Max(max, ++counts[rng.Next(bins)]);
            sum += max;
        }
        double expected = BallsIntoBins.ExpectedMaxLoad(balls, Enumerable.Repeat(1.0 / bins, bins).ToArray());
        Assert.InRange(sum / (double)trials, expected * 0.99, expected * 1.01);
    }

    [Fact]
    public void Legacy_is_flagged_as_failing_and_the_others_are_not()
    {
        var w = new Workload(10, Popularity.Uniform, 1000, Rate);
        SimResult r = Simulator.Run(w, StrategyList.Parse(StrategyList.Default), Topology.EvenSplit(3), new SimOptions { Seeds = 2, Joins = 10_000 });
        StrategyResult legacy = r.Strategies.Single(s => s.Strategy == KeyStrategy.Legacy);
        Assert.False(legacy.CoLocated);
        Assert.True(legacy.CrossSlotFailureRate > 0.9999);
        Assert.True(ShardPrediction.Fails(KeyStrategy.Legacy));
        Assert.All(r.Strategies.Where(s => s.Strategy != KeyStrategy.Legacy), s => Assert.Equal(0, s.CrossSlotFailureRate));
        // Its stream keys would still land where event-tagged ones do.
        Assert.Equal(r.Strategies.Single(s => s.Strategy == KeyStrategy.EventTag).Shards.Select(x => x.Share), legacy.Shards.Select(x => x.Share));

        CapacityPlan plan = CapacityPlanner.Plan(new Simulator(w, Topology.EvenSplit(3), new SimOptions { Seeds = 2, Joins = 10_000 }), r, new CapacityInput(50_000));
        Assert.True(plan.Strategies.Single(s => s.Strategy == KeyStrategy.Legacy).Fails);
        Assert.Null(plan.Strategies.Single(s => s.Strategy == KeyStrategy.Legacy).SmallestShardCount);
    }

    [Fact]
    public void More_buckets_lower_the_hottest_shard_share()
    {
        var w = new Workload(10, Popularity.SingleHot(0.5), 50_000, Rate);
        KeyStrategy[] strategies = [KeyStrategy.Bucketed(1), KeyStrategy.Bucketed(4), KeyStrategy.Bucketed(16), KeyStrategy.Bucketed(64)];
        SimResult r = Simulator.Run(w, strategies, Topology.EvenSplit(3), new SimOptions { Seeds = 60, Joins = 200_000 });
        double[] hottest = r.Strategies.Select(s => s.Skew.HottestShardShare.Mean).ToArray();
        double[] slot = r.Strategies.Select(s => s.Skew.HottestSlotShare.Mean).ToArray();
        for (int i = 1; i < hottest.Length; i++)
        {
            Assert.True(hottest[i] < hottest[i - 1], $"bucketed:{strategies[i]} {hottest[i]:P2} is not below {strategies[i - 1]} {hottest[i - 1]:P2}");
            Assert.True(slot[i] < slot[i - 1]);
        }
        Assert.True(hottest[0] >= 0.5); // one bucket: the hot event sits whole on one shard
    }

    [Fact]
    public void The_same_seed_gives_the_same_result_and_another_seed_moves_events()
    {
        var w = new Workload(5, Popularity.Uniform, 1000, Rate);
        var o = new SimOptions { Seeds = 3, Joins = 20_000 };
        double[] Shares(SimOptions opt) => Simulator.Run(w, [KeyStrategy.EventTag], Topology.EvenSplit(3), opt).Strategies[0].Shards.Select(s => s.Share).ToArray();
        Assert.Equal(Shares(o), Shares(o));
        Assert.NotEqual(Shares(o), Shares(o with { Seed = 2 }));
    }

    [Fact]
    public void Ops_keys_and_memory_scale_with_the_workload()
    {
        var w = new Workload(50, Popularity.Uniform, 10_000, RateProfile.Constant(12_000, 100), DuplicateRatio: 0.25);
        SimResult r = Simulator.Run(w, [KeyStrategy.UserTag], Topology.EvenSplit(3), new SimOptions { Seeds = 2, Joins = 50_000 });
        var shards = r.Strategies[0].Shards;
        Assert.Equal(12_000, shards.Sum(s => s.OpsPerSecAtPeak), 6);
        // 1.2M attempts, a quarter of them retries: 900k joins, 2 keys each.
        Assert.Equal(1_800_000, shards.Sum(s => s.Keys), 3);
        Assert.Equal(900_000 * new MemoryModel().BytesPerJoin, shards.Sum(s => s.MemoryBytes), 1);
    }

    [Fact]
    public void Predicted_shares_follow_the_stream_keys_slots()
    {
        Topology t = Topology.EvenSplit(3);
        var joins = Enumerable.Range(0, 300).Select(i => ("evt-42", $"user-{i}")).ToList();
        double[] eventShares = ShardPrediction.PredictShares(KeyStrategy.EventTag, joins, t);
        Assert.Equal(1.0, eventShares[t.ShardOf(HashSlot.Of("evt-42"))]);
        double[] userShares = ShardPrediction.PredictShares(KeyStrategy.UserTag, joins, t);
        for (int j = 0; j < 3; j++)
            Assert.Equal(joins.Count(x => t.ShardOf(HashSlot.Of(x.Item2)) == j) / 300.0, userShares[j], 12);
        Assert.Equal(eventShares, ShardPrediction.PredictShares(KeyStrategy.Legacy, joins, t));
        Assert.Throws<InvalidKeyInputException>(() => ShardPrediction.PredictShares(KeyStrategy.EventTag, [("evt{1}", "u")], t));
    }
}
