using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Tests;

public sealed class SimReportTests
{
    private static readonly SimBand Band = new(0.4, 0.35, 0.5);

    private static SimSummary Summary() => new(
        DateTimeOffset.UnixEpoch, 1.5,
        new SimWorkload(50, "zipf:1.1", 1000, 1000, [new SimRatePoint(0, 20_000)], 20_000, 20_000, 60, 1.2e6, 0.1, 1.08e6),
        new SimTopology("3 shards", [new SimShard(0, "A", 16384, ["0-16383"])]),
        new SimSettings(1000, 2, 1UL, 1, 2, 1, 1, new SimMemory(4441, 152, 4593)),
        [new SimStrategy("event", true, 0, [new SimShardLoad(0, "A", 16384, 1, 1, 20_000, 20_000, 1e6, 4.6e9)], new SimSkew(Band, Band, Band, Band, Band), null),
         new SimStrategy("legacy", false, 0.99994, [], new SimSkew(Band, Band, Band, Band, Band), null)],
        new SimCapacityPlan(40_000, 0.7, "capacity.json", 20_000,
            [new SimStrategyCapacity("event", false, [0.5], Band, 100_000, 90_000, 1, "as many as a perfectly even spread needs"),
             new SimStrategyCapacity("legacy", true, [0.1], Band, 0, 0, null, "every join fails (CROSSSLOT): no shard count helps")],
            new SimBucketPlan(null, "none", [])),
        [new SimSweepSeries("event", [new SimSweepPoint(10, Band)]), new SimSweepSeries("user", [new SimSweepPoint(10, Band with { Mean = 0.34 })])],
        ["shard-load.png"]);

    // Invariant culture writes percentages as "12.3 %", as the report always has.
    [Fact]
    public void Markdown_comes_from_the_summary_record()
    {
        string md = SimReport.ToMarkdown(Summary());
        Assert.Contains("| legacy | **fail: CROSSSLOT (99.99 %)** |", md);
        Assert.Contains("| event | A | 16,384 | 100.00 % | 100.00 % | 20,000 | 20,000 | 1,000,000 | 4.28 GiB |", md);
        // A strategy whose every join fails has no saturation rate: n/a, never 0/s.
        Assert.Contains("| legacy | n/a: every join fails | 10 % | n/a | n/a | every join fails (CROSSSLOT): no shard count helps |", md);
        Assert.Contains("| events | event | user |", md);
        Assert.Contains("| 10 | 40.0 % (50.0 %) | 34.0 % (50.0 %) |", md);
        Assert.Contains("![shard-load](shard-load.png)", md);
    }
}
