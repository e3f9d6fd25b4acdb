namespace HashtagBench.Reporting.Tests;

/// <summary>--check-live's verdict: legacy's CROSSSLOT is informational; anything else failing fails the run.</summary>
public sealed class LiveCheckTests
{
    private static LiveCheck Of(params (string Strategy, string Standalone, string Cluster)[] rows) =>
        LiveCheck.Of("standalone", "cluster", [.. rows.Select(r => new LiveCheckRow(r.Strategy, "Join", r.Standalone, r.Cluster))]);

    [Fact]
    public void Legacy_failing_on_the_cluster_alone_passes_and_says_why_the_incident_shipped()
    {
        LiveCheck c = Of(("legacy", "ok", "CROSSSLOT"), ("event", "ok", "ok"));
        Assert.True(c.Passed);
        Assert.Equal(LiveCheck.IncidentSentence, c.Verdict);
    }

    [Theory]
    [InlineData("event", "ok", "CROSSSLOT", "event Join cluster: CROSSSLOT")]
    [InlineData("legacy", "fail: Timeout", "CROSSSLOT", "legacy Join standalone: fail: Timeout")]
    [InlineData("bucketed:4", "ok", "fail: Timeout", "bucketed:4 Join cluster: fail: Timeout")]
    public void Another_strategy_failing_on_the_cluster_or_any_failing_standalone_fails(string strategy, string standalone, string cluster, string failure)
    {
        LiveCheck c = Of(("legacy", "ok", "CROSSSLOT"), (strategy, standalone, cluster));
        Assert.False(c.Passed);
        Assert.Contains(failure, c.Failed);
        Assert.Contains("FAILED: " + failure, c.ToMarkdown());
    }
}
