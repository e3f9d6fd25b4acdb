using HashtagBench.Statistics;

namespace HashtagBench.Reporting.Tests;

public class LoadCompareReportTests
{
    private static RunComparison Run(ShiftVerdict shift, params string[] regressions) => new("event",
        [new PercentileDelta("p50", 1, 1.1), new PercentileDelta("p99", 2, null)], 30, 29, shift, 0, null, regressions);

    [Fact]
    public void A_pass_names_the_limits_each_percentile_and_says_pass_last()
    {
        var c = new LoadComparison("base", "diff", [Run(ShiftVerdict.Same)], [new ShardDrift("event", 0, 33.3, 35.5)], []);

        string md = LoadCompareReport.Render(c, LoadCompareSettings.Default);

        Assert.StartsWith("## Load regression gate\n\nBase `base` vs diff `diff`. Limits: exact p99 +10%, with the per-second p99 series higher by at least half that (Mann-Whitney, α 0.05, noise floor 0.05 ms), fail rate +0.5 pp, shard share ±5 pp.", md);
        Assert.Contains("| event | p50 | 1.000 | 1.100 | +10.0% |", md);
        Assert.Contains("| event | p99 | 2.000 | n/a | n/a |", md); // no diff latency: no change, not -100%
        Assert.Contains("| event | 30/29 | same | 0 | n/a |", md);
        Assert.Contains("| event | 0 | 33.3 | 35.5 | +2.2 |", md);
        Assert.EndsWith("load compare: PASS\n", md);
    }

    [Fact]
    public void A_fail_lists_every_regression_and_counts_them()
    {
        var c = new LoadComparison("base", "diff", [Run(ShiftVerdict.Higher, "event: p99 up")], [], ["event: p99 up", "legacy: in the base result, missing from the diff"]);

        string md = LoadCompareReport.Render(c, LoadCompareSettings.Default);

        Assert.Contains("| event | 30/29 | **higher** | 0 | n/a |", md);
        Assert.Contains("Per-shard shares: n/a (neither result measured them; the strategies scenario does).", md);
        Assert.Contains("- event: p99 up\n- legacy: in the base result, missing from the diff\n", md);
        Assert.EndsWith("load compare: FAIL, 2 regression(s)\n", md);
        Assert.Contains("too few seconds to judge", LoadCompareReport.Render(c with { Runs = [Run(ShiftVerdict.Unknown)] }, LoadCompareSettings.Default));
    }
}
