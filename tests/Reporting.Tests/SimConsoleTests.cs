using HashtagBench.ClusterSim;
using HashtagBench.Keys;

namespace HashtagBench.Reporting.Tests;

public class SimConsoleTests
{
    [Fact]
    public void One_line_per_strategy_legacy_says_it_fails_and_no_plan_means_no_bucket_line()
    {
        var w = new Workload(20, Popularity.Uniform, 10_000, RateProfile.Constant(1_000, 60));
        SimResult r = new Simulator(w, Topology.EvenSplit(3), new SimOptions { Seeds = 2, Joins = 2_000 }).Run([KeyStrategy.EventTag, KeyStrategy.Legacy]);

        var lines = SimReport.ConsoleLines(r, plan: null).ToList();

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("  event        hottest shard ", lines[0]);
        Assert.DoesNotContain("FAILS", lines[0]);
        Assert.StartsWith("  legacy       hottest shard ", lines[1]);
        Assert.EndsWith("  FAILS: CROSSSLOT on every join", lines[1]);
    }
}
