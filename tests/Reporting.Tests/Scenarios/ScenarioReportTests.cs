using HashtagBench.Contracts;
using HashtagBench.Reporting.Scenarios;

namespace HashtagBench.Reporting.Tests.Scenarios;

public class ScenarioReportTests
{
    private static readonly StreamAuditResult CleanAudit = new(1200, 1000, 1000, 0, 0, 0, 0, 20);

    [Fact]
    public void Strategies_put_each_incident_before_the_per_shard_table_and_the_chart_last()
    {
        var reproduced = new IncidentFinding(new Incident("legacy", 600, 600, 1, 1, true), 99.8, 601, new Dictionary<string, long> { ["CrossSlotServer"] = 600 });
        var missed = new IncidentFinding(new Incident("user", 10, 7, 0, 0, false), 70, 10, new Dictionary<string, long> { ["CrossSlotServer"] = 7, ["Timeout"] = 3 });
        var f = new StrategiesFindings([reproduced, missed],
            [new ShardComparison("event", 0, "127.0.0.1:7000", 0.25, 0.275, 165, 0), new ShardComparison("legacy", 1, "127.0.0.1:7001", null, 1, 0, 600)],
            "per-shard-ops.png");

        IReadOnlyList<string> sections = ScenarioReport.Render(f);

        Assert.Equal(4, sections.Count);
        Assert.StartsWith("**legacy: 600 of 600 joins sent (warm-up included) with keys on different slots failed with the server's CROSSSLOT (100%).** 1 join(s) whose keys happened to share a slot", sections[0]);
        Assert.EndsWith("Measured part: 99.8% of 601 joins failed.", sections[0]);
        Assert.Equal("**user: expected every slot-spanning join to fail with CROSSSLOT; 7 of 10 did (CrossSlotServer=7, Timeout=3).**", sections[1]);
        Assert.Contains("| event | 0 (127.0.0.1:7000) | 25.0 | 27.5 | +2.5 | 165 | 0 |", sections[2]);
        Assert.Contains("| legacy | 1 (127.0.0.1:7001) | n/a | 100.0 | n/a | 0 | 600 |", sections[2]); // no prediction for refused joins, never 0
        Assert.Equal("![per-shard ops](per-shard-ops.png)", sections[3]);
    }

    [Fact]
    public void Duplicates_render_the_audit_with_the_retried_share()
    {
        string md = Assert.Single(ScenarioReport.Render(new DuplicatesFindings(new DuplicatesFinding(0.4, 0.4, CleanAudit))));
        Assert.StartsWith("Stream audit (40.0 % of attempts (asked: 40 %) retried one of the 1,024 most recent idempotency keys): 1,200 attempts over 1,000 idempotency keys", md);
        Assert.Contains("| 0 | 0 | 0 | 0 | pass: exactly one entry per acknowledged key |", md);

        string lost = StreamAuditReport.Render(new DuplicatesFinding(null, 0.4, CleanAudit with { Lost = 3 }));
        Assert.StartsWith("Stream audit (n/a of attempts", lost); // nothing sent: no share, not 0%
        Assert.Contains("| 3 | 0 | 0 | 0 | **FAIL** |", lost);
    }

    [Fact]
    public void Multi_and_hot_event_name_their_workload()
    {
        Assert.Equal(["20 events, popularity zipf:1.0, 100,000 users, EventTag keys."], ScenarioReport.Render(new MultiEventFindings(20, "zipf:1.0", 100_000)));

        var hot = new HotEventFindings(0.8, 2000, [new HotShardRow(new ShardUtilisation("event", 0, 0.912, 9000), 3.456), new HotShardRow(new ShardUtilisation("bucketed:8", 0, 0.3, 3000), null)], "hot-shard-utilisation.png");
        IReadOnlyList<string> sections = ScenarioReport.Render(hot);
        Assert.StartsWith("One event takes 80 % of 2000 joins/s.", sections[0]);
        Assert.Contains("| event | 0 | 0.91 | 9000 | 3.46 |", sections[0]);
        Assert.Contains("| bucketed:8 | 0 | 0.30 | 3000 | n/a |", sections[0]);
        Assert.Equal("![hot shard](hot-shard-utilisation.png)", sections[1]);
    }

    [Fact]
    public void Capacity_says_how_the_per_shard_rate_was_found()
    {
        var step = new CapacityStep("1", 500, 498, 2.5, 0, 0.55, false);
        var closed = new CapacityStep("closed, 50 in flight", null, 1800, 9, 0, 0.7, false);
        var measured = new CapacityResult(1200, 498, 0.9, false, false, false, 42, "shard 0 (127.0.0.1:7000)", [step], closed, 2000);
        var f = new CapacityFindings(measured, "run-capacity", 50, 1, 500, 12, 50, "", "capacity-steps.png");

        IReadOnlyList<string> sections = CapacityReport.Render(f);
        Assert.StartsWith("All joins tagged {run-capacity} → slot 42, shard shard 0 (127.0.0.1:7000). Saturated when p99 > 50 ms, fail% > 1", sections[0]);
        Assert.Contains("| closed, 50 in flight | — | 1800 | 9.00 | 0 | 0.70 | harness ceiling |", sections[0]);
        Assert.Equal("**Per-shard capacity for the Lua join: 1200 joins/s** (measured: sustained 498/s with the shard's thread at 0.90 CPU s/s).", sections[1]);
        Assert.Contains("so harness / redis-benchmark = **0.90**", sections[2]);
        Assert.Contains("(open-model sustained rate within the limits / redis-benchmark = 0.25)", sections[2]);
        Assert.Equal("![capacity](capacity-steps.png)", sections[3]);

        var exhausted = measured with { ClientBound = true, LadderExhausted = true, FirstStepSaturated = true, RedisBenchmarkRps = null };
        sections = CapacityReport.Render(f with { Result = exhausted, RedisBenchmarkNotRun = "quick mode" });
        Assert.Equal("**Even the first step (500/s) crossed a limit; the figure below extrapolates from it. Lower --rate or raise --saturation-p99 for a proper ladder.**", sections[1]);
        Assert.Contains("(extrapolated: the load generator sustained 498/s with the shard at 0.90 CPU s/s; all 12 steps kept up, so raise --rate to push further)", sections[2]);
        Assert.Equal("redis-benchmark was not run: quick mode.", sections[3]);

        sections = CapacityReport.Render(f with { Result = measured with { PerShardOpsPerSec = null } });
        Assert.Equal("**No step of the ladder completed: no per-shard capacity was measured.**", sections[1]);
    }

    [Fact]
    public void A_merge_lists_its_agents_then_the_joined_audit_then_the_per_shard_caveat()
    {
        var slice = new AgentSlice("r1", 0, 2, new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc)) { ClockOffsetMs = -1.25 };
        var summary = new LoadSummary("duplicates", [], false, true, new LoadFindings());
        var agents = new[] { new AgentResult("a0", summary, slice), new AgentResult("a1", summary with { ChecksPassed = true }, slice with { Index = 1 }) };

        IReadOnlyList<string> sections = ScenarioReport.Render(new AgentMergeFindings(agents, CleanAudit, PerShardSeen: true));

        Assert.StartsWith("Merged from 2 load agents of run `r1`, started at 2026-01-02T03:04:05.678Z:", sections[0]);
        Assert.Contains("| 0/2 | a0 | -1.3 | 0 | 0 | **FAIL** |", sections[0]);
        Assert.Contains("| 1/2 | a1 | -1.3 | 0 | 0 | pass |", sections[0]);
        Assert.StartsWith("Stream audit (joined across 2 agents,", sections[1]);
        Assert.StartsWith("Per-shard counters", sections[2]);
        Assert.Single(ScenarioReport.Render(new AgentMergeFindings(agents, null, PerShardSeen: false)));
    }

    private sealed record Unrendered : ScenarioReportFindings;

    [Fact]
    public void A_finding_type_without_a_renderer_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ScenarioReport.Render(new Unrendered()));
    }
}
