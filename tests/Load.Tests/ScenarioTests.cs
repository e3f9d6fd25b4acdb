using HashtagBench.Keys;
using System.CommandLine;
using System.Text.Json.Nodes;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;

namespace HashtagBench.Load.Tests;

/// <summary>Short runs of each scenario against the real local cluster, with real assertions.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class ScenarioTests(ClusterFixture fx)
{
    private static LoadOptions Short(string name, Func<LoadOptions, LoadOptions>? tweak = null)
    {
        var o = new LoadOptions
        {
            Rate = 300, Duration = TimeSpan.FromSeconds(2), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true,
            OutputDir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"{name}-{Guid.NewGuid():N}"),
        };
        return tweak is null ? o : tweak(o);
    }

    private Task<ScenarioOutcome> RunAsync(string scenario, LoadOptions o) =>
        Catalog.Scenarios[scenario](new LoadContext(fx.Cluster, fx.Mux, o), CancellationToken.None);

    [Fact]
    public async Task Strategies_reproduce_the_incident_and_match_the_prediction()
    {
        LoadOptions o = Short("strategies", x => x with { Strategies = [KeyStrategy.EventTag, KeyStrategy.Bucketed(4), KeyStrategy.Legacy] });
        ScenarioOutcome outcome = await RunAsync("strategies", o);

        Assert.True(outcome.Findings.ChecksPassed, string.Join("\n", outcome.Findings.Markdown));
        RunSummary legacy = outcome.Runs.Single(r => r.Scenario == "legacy");
        Assert.True(legacy.FailCount > 0);
        Assert.Equal(legacy.FailCount, legacy.ErrorsByKind[nameof(FailureKind.CrossSlotServer)]);
        Assert.True((bool)outcome.Findings.Json["incident_legacy"]!["reproduced"]!);
        foreach (RunSummary r in outcome.Runs.Where(r => r.Scenario != "legacy"))
            Assert.Equal(0, r.FailCount);
        foreach (string strategy in new[] { "event", "bucketed:4" })
            foreach (JsonNode? shard in outcome.Findings.Json["perShard"]![strategy]!.AsArray())
                Assert.InRange((double)shard!["measured"]! - (double)shard["predicted"]!, -0.03, 0.03);
    }

    [Fact]
    public async Task Duplicates_audit_finds_exactly_one_entry_per_acknowledged_key()
    {
        ScenarioOutcome outcome = await RunAsync("duplicates", Short("duplicates", x => x with { DuplicateShare = 0.4 }));
        JsonNode audit = outcome.Findings.Json["audit"]!;
        Assert.True(outcome.Findings.ChecksPassed);
        Assert.Equal(0, (int)audit["lost"]!);
        Assert.Equal(0, (int)audit["doubledKeys"]!);
        Assert.True((int)audit["acknowledged"]! > 100);
        // Retries really happened: fewer keys than attempts, and every key was acknowledged once.
        Assert.True((int)audit["idempotencyKeys"]! < (int)audit["attempts"]!);
        Assert.Equal((int)audit["idempotencyKeys"]!, (int)audit["acknowledged"]!);
        Assert.InRange((double)outcome.Findings.Json["retriedShare"]!, 0.3, 0.5);
    }

    [Fact]
    public async Task Multi_event_and_hot_event_run_clean()
    {
        ScenarioOutcome multi = await RunAsync("multi-event", Short("multi"));
        Assert.Equal(0, multi.Runs[0].FailCount);
        Assert.True(multi.Runs[0].OkCount > 400);

        ScenarioOutcome hot = await RunAsync("hot-event", Short("hot", x => x with { HotShare = 0.8 }));
        Assert.Equal(2, hot.Runs.Count);
        Assert.All(hot.Runs, r => Assert.Equal(0, r.FailCount));
        Assert.Equal(3, hot.Findings.Json["utilisation_event"]!.AsArray().Count);
    }

    [Fact]
    public async Task Capacity_writes_a_per_shard_rate_the_simulator_can_read()
    {
        LoadOptions o = Short("capacity", x => x with { Rate = 400, Duration = TimeSpan.FromSeconds(4), CapacitySteps = 3 });
        ScenarioOutcome outcome = await RunAsync("capacity", o);
        JsonNode json = JsonNode.Parse(File.ReadAllText(Path.Combine(o.OutputDir, "capacity.json")))!;
        Assert.True((double)json["perShardOpsPerSec"]! > 0);
        // The ladder (at most 3 steps) plus the closed-model ceiling run.
        int steps = json["steps"]!.AsArray().Count;
        Assert.InRange(steps, 1, 3);
        Assert.Equal(steps + 1, outcome.Runs.Count);
        Assert.True((double)json["closedRps"]! > 0);
        Assert.Null(json["redisBenchmarkRps"]); // quick: no external tool
    }

    [Fact]
    public async Task Failover_kills_a_primary_and_the_run_heals_audits_and_classifies_every_failure()
    {
        // Destructive: a cluster of its own, not the shared fixture.
        await using RunningCluster cluster = await ClusterProvisioner.StartAsync(ProviderKind.Local);
        await using var mux = await cluster.ConnectAsync();
        LoadOptions o = Short("failover", x => x with { Duration = TimeSpan.FromSeconds(12), FaultAt = TimeSpan.FromSeconds(3), Fault = "kill", WaitReplicas = 1 });
        ScenarioOutcome outcome = await Catalog.Scenarios["failover"](new LoadContext(cluster, mux, o), CancellationToken.None);

        JsonNode row = outcome.Findings.Json["failover"]![0]!;
        Assert.True((bool)row["healed"]!, "the cluster did not heal");
        Assert.True((bool)row["classified"]!, string.Join(", ", outcome.Runs[0].ErrorsByKind.Keys));
        Assert.True((int)row["acknowledged"]! > 0);
        // The hot event's primary died under load: some joins failed, and the report says when the last of them was sent.
        Assert.True(outcome.Runs[0].FailCount > 0);
        Assert.NotNull(row["lastFailingSentAfterFaultSeconds"]);
        Assert.NotNull(row["lost"]); // the audit ran; its count is the finding, not a pass/fail
        Assert.DoesNotContain(outcome.Runs[0].ErrorsByKind.Keys, k => k is "Other" || k.StartsWith("exception.", StringComparison.Ordinal));
        // The promoted primary has no replica until the run ends: its WAITs were skipped, not waited out.
        Assert.True((long)row["waitsSkipped"]! > 0, $"no WAIT skipped; healed after {row["healSeconds"]} s");
        Assert.True((long)row["waitShortfalls"]! >= (long)row["waitsSkipped"]!);
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning)); // killed nodes were brought back
    }
}
