using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.Reporting.Scenarios;
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

    private Task<ScenarioOutcome> RunAsync(ScenarioOptions scenario, LoadOptions o) =>
        Catalog.RunAsync(new LoadContext(fx.Cluster, fx.Mux, o), scenario, CancellationToken.None);

    [Fact]
    public async Task Strategies_reproduce_the_incident_and_match_the_prediction()
    {
        LoadOptions o = Short("strategies");
        ScenarioOutcome outcome = await RunAsync(new StrategiesOptions { Strategies = [KeyStrategy.EventTag, KeyStrategy.Bucketed(4), KeyStrategy.Legacy] }, o);

        Assert.True(outcome.Findings.ChecksPassed, string.Join("\n", ScenarioReport.Render(outcome.Report)));
        RunSummary legacy = outcome.Runs.Single(r => r.Scenario == "legacy");
        Assert.True(legacy.FailCount > 0);
        Assert.Equal(legacy.FailCount, legacy.ErrorsByKind[nameof(FailureKind.CrossSlotServer)]);
        Incident incident = Assert.Single(outcome.Findings.Data.Incidents!);
        Assert.True(incident.Reproduced);
        // A legacy join whose untagged dedupe key happens to hash to its stream's slot (about 1 in 16,384 keys) is
        // served: every spanning join failed CROSSSLOT, every shared-slot one succeeded, nothing else.
        Assert.Equal(incident.Spanning, incident.SpanningCrossSlot);
        Assert.Equal(incident.SharedSlot, incident.SharedSlotOk);
        Assert.Equal(legacy.OkCount, incident.SharedSlotOk);
        foreach (RunSummary r in outcome.Runs.Where(r => r.Scenario != "legacy"))
            Assert.Equal(0, r.FailCount);
        IReadOnlyList<ShardComparison> perShard = outcome.Findings.Data.PerShard!;
        foreach (string strategy in new[] { "event", "bucketed:4" })
        {
            var shards = perShard.Where(s => s.Strategy == strategy).ToList();
            Assert.Equal(3, shards.Count);
            foreach (ShardComparison shard in shards)
                Assert.InRange(shard.Error!.Value, -0.03, 0.03);
        }
        // Legacy's calls are refused wherever the client sent them: no prediction, and never shown as 0.
        Assert.All(perShard.Where(s => s.Strategy == "legacy"), s => Assert.Null(s.Predicted));

        // What RunOutput writes is what the run report reads back.
        LoadSummary summary = RunOutput.Summarise("strategies", outcome.Runs, outcome.Findings);
        RunOutput.Write(o.OutputDir, summary, outcome.Runs, outcome.Findings);
        LoadSummary read = ResultFiles.Read(Path.Combine(o.OutputDir, ResultFiles.Summary), ResultFiles.LoadSummaryType);
        Assert.Equal(summary.Findings.PerShard!, read.Findings.PerShard!);
        if (legacy.OkCount == 0) Assert.Null(read.Runs.Single(r => r.Name == "legacy").Ok); // no Ok response: no latency, not 0 ms
        // Latency decomposition: Redis's time per join from INFO commandstats, beside the latency from the send.
        LoadRun evt = read.Runs.Single(r => r.Name == "event");
        ServerCommandTime evalsha = Assert.Single(evt.Server!, c => c.Command == "evalsha");
        Assert.True(evalsha.Calls >= evt.OkCount, $"{evalsha.Calls} EVALSHA calls for {evt.OkCount} Ok joins");
        Assert.Equal(3, evalsha.Nodes.Count); // event IDs spread over every shard
        Assert.True(evt.Decomposition!.ServerMs > 0 && evt.Decomposition.ServerMs < evt.FromSend!.P50, $"server {evt.Decomposition.ServerMs} ms, send p50 {evt.FromSend!.P50} ms");
        Assert.NotNull(evt.Decomposition.Dominant);
        // Legacy's calls are refused before the script runs: no Ok latency, no decomposition numbers.
        if (legacy.OkCount == 0) Assert.Null(read.Runs.Single(r => r.Name == "legacy").Decomposition!.Dominant);
        Assert.Contains("Latency decomposition", File.ReadAllText(Path.Combine(o.OutputDir, "report.md")));
    }

    [Fact]
    public async Task Duplicates_audit_finds_exactly_one_entry_per_acknowledged_key()
    {
        ScenarioOutcome outcome = await RunAsync(new DuplicatesOptions { Share = 0.4 }, Short("duplicates"));
        DuplicatesFinding duplicates = outcome.Findings.Data.Duplicates!;
        StreamAuditResult audit = duplicates.Audit;
        Assert.True(outcome.Findings.ChecksPassed);
        Assert.Equal(0, audit.Lost);
        Assert.Equal(0, audit.DoubledKeys);
        Assert.True(audit.Acknowledged > 100);
        // Retries really happened: fewer keys than attempts, and every key was acknowledged once.
        Assert.True(audit.IdempotencyKeys < audit.Attempts);
        Assert.Equal(audit.IdempotencyKeys, audit.Acknowledged);
        Assert.InRange(duplicates.RetriedShare!.Value, 0.3, 0.5);
    }

    [Fact]
    public async Task Multi_event_and_hot_event_run_clean()
    {
        ScenarioOutcome multi = await RunAsync(new MultiEventOptions(), Short("multi"));
        Assert.Equal(0, multi.Runs[0].FailCount);
        Assert.True(multi.Runs[0].OkCount > 400);

        ScenarioOutcome hot = await RunAsync(new HotEventOptions { HotShare = 0.8 }, Short("hot"));
        Assert.Equal(2, hot.Runs.Count);
        Assert.All(hot.Runs, r => Assert.Equal(0, r.FailCount));
        Assert.Equal(3, hot.Findings.Data.HotEvent!.Count(u => u.Strategy == "event"));
    }

    [Fact]
    public async Task Capacity_writes_a_per_shard_rate_the_simulator_can_read()
    {
        LoadOptions o = Short("capacity", x => x with { Rate = 400, Duration = TimeSpan.FromSeconds(4) });
        ScenarioOutcome outcome = await RunAsync(new CapacityOptions { Steps = 3 }, o);
        CapacityResult result = ResultFiles.Read(Path.Combine(o.OutputDir, ResultFiles.Capacity), ResultFiles.CapacityType);
        Assert.True(result.PerShardOpsPerSec > 0);
        // The ladder (at most 3 steps) plus the closed-model ceiling run.
        Assert.InRange(result.Steps.Count, 1, 3);
        Assert.Equal(result.Steps.Count + 1, outcome.Runs.Count);
        Assert.True(result.Closed.AchievedRps > 0);
        Assert.Null(result.Closed.TargetRps);
        Assert.Null(result.RedisBenchmarkRps); // quick: no external tool
        Assert.Null(result.HarnessToRedisBenchmark);
        // The simulator reads the very file the scenario wrote.
        Assert.Equal(result.PerShardOpsPerSec, ClusterSim.CapacityInput.FromJsonFile(Path.Combine(o.OutputDir, ResultFiles.Capacity)).PerShardOpsPerSec);
    }

    [Fact]
    public async Task Failover_kills_a_primary_and_the_run_heals_audits_and_classifies_every_failure()
    {
        // Destructive: a cluster of its own, not the shared fixture.
        await using RunningCluster cluster = await ClusterProvisioner.StartAsync(ProviderKind.Local);
        await using var mux = await cluster.ConnectAsync();
        // --retry 0: this test classifies the failures themselves; the failover's default retries would recover them.
        LoadOptions o = Short("failover", x => x with { Duration = TimeSpan.FromSeconds(12) });
        var failover = new FailoverOptions { FaultAt = TimeSpan.FromSeconds(3), Fault = FaultAction.KillPrimary, WaitReplicas = 1, Retry = 0 };
        await using var sampler = await Telemetry.NodeSampler.StartAsync(cluster, TimeSpan.FromSeconds(1));
        ScenarioOutcome outcome = await FailoverScenario.RunAsync(new LoadContext(cluster, mux, o), failover, CancellationToken.None);
        NodeTelemetry nodes = await sampler.StopAsync();
        // The sampler lived through the kill: the dead primary is a gap (no value, not 0), and its replica's promotion shows.
        Assert.Contains(nodes.Nodes, n => n.Role == "master" && n.Gaps > 0);
        Assert.Contains(nodes.Nodes, n => n.Role == "replica" && n.Samples.Any(s => s.Role == "master"));
        Assert.All(nodes.Nodes.SelectMany(n => n.Samples).Where(s => !s.Ok), s => Assert.Null(s.CpuPercent ?? s.OpsPerSec ?? s.UsedMemoryBytes));

        FailoverRow row = outcome.Findings.Data.Failover![0];
        Assert.True(row.Healed, "the cluster did not heal");
        Assert.True(row.Classified, string.Join(", ", outcome.Runs[0].ErrorsByKind.Keys));
        Assert.True(row.Audit.Acknowledged > 0);
        // The hot event's primary died under load: some joins failed, and the report says when the last of them was sent.
        Assert.True(outcome.Runs[0].FailCount > 0);
        Assert.NotNull(row.LastFailingSentAfterFaultSeconds);
        Assert.NotNull(row.ErrorWindowSeconds);
        Assert.True(row.Audit.StreamsRead > 0); // the audit ran; its lost count is the finding, not a pass/fail
        Assert.DoesNotContain(outcome.Runs[0].ErrorsByKind.Keys, k => k is "Other" || k.StartsWith("exception.", StringComparison.Ordinal));
        // The promoted primary has no replica until the run ends: its WAITs were skipped, not waited out.
        Assert.True(row.WaitsSkipped > 0, $"no WAIT skipped; healed after {row.HealSeconds} s");
        Assert.True(row.WaitShortfalls >= row.WaitsSkipped);
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning)); // killed nodes were brought back
    }
}
