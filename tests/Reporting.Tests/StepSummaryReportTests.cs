using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Tests;

public class StepSummaryReportTests
{
    private static LoadRun Run(string name) => new(name, DateTime.UnixEpoch, 10, 100, 990, 10, 100, 1, new Latency(990, 1.5, 2, 3, 4.25, 6, 9, 1.7), null,
        new Dictionary<string, long>(), new Dictionary<string, string>(), [], "completed", []);

    [Fact]
    public void Banners_come_before_the_run_table_and_each_finding_is_its_own_block_in_order()
    {
        var audit = new StreamAuditResult(1000, 900, 900, 2, 0, 0, 0, 20);
        var findings = new LoadFindings
        {
            PerShard = [new ShardComparison("event", 0, "a", 0.25, 0.275, 165, 0), new ShardComparison("legacy", 0, "a", null, 1, 0, 600)],
            Incidents = [new Incident("legacy", 600, 590, 0, 0, false)],
            Duplicates = new DuplicatesFinding(null, 0.4, audit),
            HotEvent = [new ShardUtilisation("event", 0, 0.91, 9000), new ShardUtilisation("event", 1, 0.2, 100), new ShardUtilisation("bucketed:8", 0, 0.4, 3000)],
        };
        var summary = new LoadSummary("strategies", [Run("event")], false, true, findings);

        var blocks = StepSummaryReport.Load(summary, ["**interrupted**: stopped"], "Latency decomposition\n").ToList();

        Assert.StartsWith("**Load `strategies`**\n\n**interrupted**: stopped\n\n| run | rps |", blocks[0]);
        Assert.Contains("| event | 100 | 1.50 | 4.25 | 1 | 0 | n/a | n/a | no | completed |", blocks[0]);
        Assert.Equal("Latency decomposition", blocks[1]);
        Assert.Contains("| event | 0 | 25.0 | 27.5 | +2.5 |", blocks[2]);
        Assert.DoesNotContain("| legacy |", blocks[2]); // no prediction for refused joins: nothing to compare
        Assert.Equal("**Incident (legacy)**: 590 of 600 slot-spanning joins failed with CROSSSLOT; reproduced: **no**.", blocks[3]);
        Assert.Equal("**Duplicates audit**: 900 acknowledged, 2 lost, 0 doubled (n/a of attempts were retries) → FAIL.", blocks[4]);
        Assert.Equal("**Hot event**: hottest shard's CPU utilisation per strategy: event 0.91, bucketed:8 0.40 CPU s/s.", blocks[5]);
        Assert.Equal(6, blocks.Count);
    }

    [Fact]
    public void No_banner_no_breakdown_and_no_finding_leave_the_run_table_alone()
    {
        string only = Assert.Single(StepSummaryReport.Load(new LoadSummary("multi-event", [Run("multi-event")], true, true, new LoadFindings()), [], ""));
        Assert.StartsWith("**Load `multi-event`**\n\n| run |", only);
    }
}
