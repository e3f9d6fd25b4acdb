using HashtagBench.Contracts;
using HashtagBench.Keys;

namespace HashtagBench.ClusterSim.Tests;

public sealed class CapacityTests
{
    [Fact]
    public void Capacity_is_read_from_the_load_tools_json()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cap-{Guid.NewGuid():N}.json");
        try
        {
            // Written the way the capacity scenario writes it: the same record through the same context.
            var step = new CapacityStep("1", 500, 499, 1.2, 0, 0.4, false);
            ResultFiles.Write(path, new CapacityResult(41250.5, 20_000, 0.48, true, false, false, 42, "0 (127.0.0.1:7000)", [step], step with { Name = "closed", TargetRps = null }, null),
                ResultFiles.CapacityType);
            CapacityInput c = CapacityInput.FromJsonFile(path, 0.8);
            Assert.Equal(41250.5, c.PerShardOpsPerSec);
            Assert.Equal(0.8, c.TargetUtilisation);
            Assert.Equal(path, c.Source);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Plan_reports_utilisation_saturation_and_sizing()
    {
        // 60k joins/s against 20k ops/s shards at a 70% target: a perfect spread needs ceil(60/14) = 5 shards.
        var w = new Workload(200, Popularity.Uniform, 100_000, RateProfile.Constant(60_000, 300));
        var sim = new Simulator(w, Topology.EvenSplit(3), new SimOptions { Seeds = 10, Joins = 500_000 });
        SimResult r = sim.Run([KeyStrategy.UserTag, KeyStrategy.EventTag]);
        CapacityPlan plan = CapacityPlanner.Plan(sim, r, new CapacityInput(20_000, 0.7));

        StrategyCapacity user = plan.Strategies.Single(s => s.Strategy == KeyStrategy.UserTag);
        Assert.Equal(20_000 / r.Strategies[0].Skew.HottestShardShare.P95, user.SaturationRate, 6);
        Assert.InRange(user.HottestUtilisation.Mean, 0.99, 1.02); // ~1/3 of 60k on a 20k shard
        Assert.Equal(5, user.SmallestShardCount);
        Assert.True(plan.Strategies.Single(s => s.Strategy == KeyStrategy.EventTag).SmallestShardCount >= 5);

        // 3 shards cannot hold 60k at 70% of 20k whatever the buckets: the plan says to add shards.
        Assert.Null(plan.Buckets.SmallestBuckets);
        Assert.Contains("add shards", plan.Buckets.Note);
    }

    [Fact]
    public void Bucket_search_finds_the_smallest_count_that_fits()
    {
        var w = new Workload(20, Popularity.SingleHot(0.6), 50_000, RateProfile.Constant(30_000, 300));
        var sim = new Simulator(w, Topology.EvenSplit(3), new SimOptions { Seeds = 10, Joins = 100_000 });
        SimResult r = sim.Run([KeyStrategy.EventTag]);
        var cap = new CapacityInput(25_000, 0.7); // allowed 17.5k ops/s: hottest share must stay under 58%
        CapacityPlan plan = CapacityPlanner.Plan(sim, r, cap);

        int n = Assert.IsType<int>(plan.Buckets.SmallestBuckets);
        Assert.True(n > 1); // the hot event alone is 60% of joins
        BucketTrial chosen = plan.Buckets.Trials.Single(t => t.Buckets == n);
        Assert.True(chosen.HottestShareP95 * 30_000 <= 17_500);
        Assert.All(plan.Buckets.Trials.Where(t => t.Buckets == n - 1), t => Assert.True(t.HottestShareP95 * 30_000 > 17_500));
    }
}
