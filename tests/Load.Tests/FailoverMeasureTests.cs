using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.Reporting.Scenarios;

namespace HashtagBench.Load.Tests;

/// <summary>
/// How the failover scenario measures: back to rate and the outage latency from synthetic data, and, on a cluster of
/// its own, a user's --fault-command against the harness's own failover, and a pause's window.
/// </summary>
public sealed class FailoverMeasureTests
{
    /// <summary>A synthetic run: <paramref name="perSecond"/> joins sent in each second of [from, to), each answered after <paramref name="latency"/>(second).</summary>
    private static IEnumerable<JoinRecord> Joins(double from, double to, int perSecond, Func<double, double> latency, Func<double, bool>? ok = null)
    {
        for (double t = from; t < to - 1e-9; t += 1.0 / perSecond)
        {
            JoinResult r = ok is null || ok(t) ? new JoinResult.Enqueued("1-1", "t") : new JoinResult.Failed(FailureKind.Timeout, "timeout", "t");
            yield return new JoinRecord("e", "u", Guid.NewGuid().ToString("N"), r, AtSeconds: t + latency(t), SentAtSeconds: t);
        }
    }

    [Fact]
    public void Back_to_rate_is_judged_by_send_time_on_every_second_inside_injection()
    {
        // 100 joins/s for 15 s, fault at 5 s. Joins sent in 5-8 s hang 5 s and fail; from 8 s they are served in 2 ms.
        var recovered = Joins(0, 15, 100, _ => 0.002, ok: t => t is < 5 or >= 8).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(recovered, 0, 5, 15)); // 8-9 s is the first good second: 4 s after the fault

        // A pause's backlog, answered at once when the node resumes at 13 s: by answer time 13-14 s is a burst of Ok
        // answers, by send time those joins waited up to 8 s. Back only from the first second whose joins waited at most
        // 1 s (12-13 s): 8 s after the fault.
        var backlog = Joins(0, 15, 100, t => t is >= 5 and < 13 ? 13 - t : 0.002).ToList();
        Assert.Equal(8, FailoverScenario.BackToRate(backlog, 0, 5, 15));

        // The last second's answers arrive after the injection ended (a slow machine: 600 ms each): still sent in it,
        // still served in time. Judged by answer time this last second would have looked short and read "never".
        var lateTail = Joins(0, 15, 100, t => t >= 14 ? 0.6 : 0.002, ok: t => t is < 5 or >= 8).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(lateTail, 0, 5, 15));

        // A dip later (half of 11-12 s failing) moves it past the dip, to the end of 12-13 s; a bad last second means never.
        var dip = Joins(0, 15, 100, _ => 0.002, ok: t => t is < 5 or (>= 8 and not (>= 11 and < 11.5))).ToList();
        Assert.Equal(8, FailoverScenario.BackToRate(dip, 0, 5, 15));
        var never = Joins(0, 15, 100, _ => 0.002, ok: t => t is < 5 or (>= 8 and < 14.5)).ToList();
        Assert.Null(FailoverScenario.BackToRate(never, 0, 5, 15));

        // A starved generator whose joins took 800 ms before the fault too: in time is twice that, not 1 s.
        var starved = Joins(0, 15, 100, t => t is >= 5 and < 8 ? 5 : 0.8).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(starved, 0, 5, 15));
        // But never so loose that a join hanging into its 5 s timeout counts, however slow the run was before the fault;
        // and a slow warm-up (before the measured start at 1 s) does not loosen it.
        var crawling = Joins(0, 15, 100, t => t < 1 ? 9 : t is >= 5 and < 8 ? 5 : 3).ToList();
        Assert.Null(FailoverScenario.BackToRate(crawling, 1, 5, 15));
        var slowWarmUp = Joins(0, 15, 100, t => t < 1 ? 9 : t is >= 5 and < 8 ? 5 : 0.002).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(slowWarmUp, 1, 5, 15));
    }

    [Fact]
    public void Outage_latency_is_per_join_from_first_send_to_final_answer()
    {
        var failed = new JoinResult.Failed(FailureKind.Timeout, "timeout", "t");
        var ok = new JoinResult.Enqueued("1-1", "t2");
        var records = new List<JoinRecord>
        {
            new("e", "u", "before", ok, AtSeconds: 9.9, SentAtSeconds: 9.8),          // sent before the window: not counted
            new("e", "u", "retried", failed, AtSeconds: 15, SentAtSeconds: 10),       // timed out at 5 s...
            new("e", "u", "retried", ok, AtSeconds: 18, SentAtSeconds: 16, Attempt: 1), // ...answered 8 s after its first send
            new("e", "u", "fast", ok, AtSeconds: 12.001, SentAtSeconds: 12),
        };
        OutageLatency o = OutageLatency.Of(records, 10, 20);
        Assert.Equal(2, o.Joins);
        Assert.Equal(8000, o.P99Ms!.Value, 3);
        Assert.Null(OutageLatency.Of(records, 30, 40).P99Ms); // nothing sent: n/a, not 0

        RetryOutcomes r = RetryOutcomes.Of(records, promotionSeenAt: 17);
        Assert.Equal(1, r.Recovered);
        Assert.Equal(1, r.EnqueuedAfter);
        Assert.Equal(0, RetryOutcomes.Of(records, promotionSeenAt: 19).EnqueuedAfter);
    }

    [Fact]
    public async Task Fault_command_failover_is_seen_like_the_harness_own_and_a_pause_window_spans_the_pause()
    {
        // Destructive: a cluster of its own. Four short runs on it, one after another.
        await using RunningCluster cluster = await ClusterProvisioner.StartAsync(ProviderKind.Local);
        await using var mux = await cluster.ConnectAsync();
        var faults = new ClusterFaults(cluster);
        string dir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"fault-command-{Guid.NewGuid():N}");
        LoadOptions Options(string name, double seconds) => new()
        {
            Rate = 300, Duration = TimeSpan.FromSeconds(seconds), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true, OutputDir = Path.Combine(dir, name),
        };
        static FailoverOptions At(double faultAt) => new() { FaultAt = TimeSpan.FromSeconds(faultAt) };
        async Task<(FailoverRow Row, ScenarioOutcome Outcome, ClusterNodesSnapshot Before)> Run(LoadOptions o, FailoverOptions failover)
        {
            ClusterNodesSnapshot before = await faults.ReadNodesAsync();
            ScenarioOutcome outcome = await FailoverScenario.RunAsync(new LoadContext(cluster, mux, o), failover, CancellationToken.None);
            return (Assert.Single(outcome.Findings.Data.Failover!), outcome, before);
        }
        static void PromotedItsReplica(FailoverRow row, ClusterNodesSnapshot before, string report)
        {
            Assert.True(row.Healed, report);
            Assert.Equal(1, row.SlotOwnerChanges);
            ClusterNodeLine former = before.Nodes.Single(n => n.Endpoint == row.FormerPrimary);
            Assert.Equal(former.Id, before.Nodes.Single(n => n.Endpoint == row.PromotedTo).PrimaryId);
            Assert.InRange(row.PromotionSeenAfterFaultSeconds!.Value, 0, 30);
            Assert.Equal(0, row.Audit.Lost); // a graceful hand-over loses nothing
        }

        // The user's own fault: the script finds the hot shard's replica in the environment the harness gives it.
        // Bounded by itself: at most 150 tries of 0.2 s for the replica's link, each redis-cli at most 5 s.
        string script = "i=0; until timeout 5 redis-cli -p \"$HASHTAG_BENCH_FAULT_REPLICA_PORT\" INFO replication | grep -q master_link_status:up; do " +
                        "i=$((i+1)); [ \"$i\" -lt 150 ] || { echo \"replica $HASHTAG_BENCH_FAULT_REPLICA_PORT never in sync\" >&2; exit 9; }; sleep 0.2; done; " +
                        "echo \"failing over to $HASHTAG_BENCH_FAULT_REPLICA_HOST:$HASHTAG_BENCH_FAULT_REPLICA_PORT for slot $HASHTAG_BENCH_FAULT_SLOT\"; " +
                        "timeout 5 redis-cli -p \"$HASHTAG_BENCH_FAULT_REPLICA_PORT\" CLUSTER FAILOVER";
        var cmd = await Run(Options("command", 6), At(2) with { FaultCommand = script });
        string cmdReport = string.Join("\n", ScenarioReport.Render(cmd.Outcome.Report));
        Assert.Equal("command", cmd.Row.Fault);
        Assert.Equal(0, cmd.Row.FaultCommandExitCode);
        Assert.True(cmd.Outcome.Findings.ChecksPassed, cmdReport);
        PromotedItsReplica(cmd.Row, cmd.Before, cmdReport);
        string log = await File.ReadAllTextAsync(cmd.Row.FaultCommandLog!);
        Assert.Contains($"failing over to {cmd.Row.PromotedTo}", log);
        Assert.Contains("exit code 0", log);

        // The harness's own manual failover is seen the same way: one promotion, to the former replica.
        var own = await Run(Options("own", 6), At(2) with { Fault = FaultAction.ManualFailover, Retry = 0 });
        PromotedItsReplica(own.Row, own.Before, string.Join("\n", ScenarioReport.Render(own.Outcome.Report)));
        Assert.Null(own.Row.FaultCommandLog);
        // An explicit --retry 0 overrides the failover's default of two.
        Assert.Equal((0, 0L), (own.Row.RetryCount, own.Row.RetriesSent));

        // A command that fails fails the run, and no promotion is claimed.
        var bad = await Run(Options("bad", 2), At(1) with { FaultCommand = "echo refused >&2; exit 3" });
        Assert.Equal(3, bad.Row.FaultCommandExitCode);
        Assert.False(bad.Outcome.Findings.ChecksPassed);
        Assert.Equal(0, bad.Row.SlotOwnerChanges);
        Assert.Contains("exit code 3", string.Join("\n", ScenarioReport.Render(bad.Outcome.Report)));

        // Pause (8 s) with the failover's default two retries: the window by send time cannot end before the node is resumed, so it holds
        // most of the pause's joins; joins sent at its start time out (5 s) and are retried, so the outage's p99 is
        // at least the client's timeout.
        var pause = await Run(Options("pause", 11), At(1) with { Fault = FaultAction.PausePrimary });
        string pauseReport = string.Join("\n", ScenarioReport.Render(pause.Outcome.Report));
        Assert.Equal(FailoverScenario.DefaultRetry, pause.Row.RetryCount);
        Assert.True(pause.Row.Healed, pauseReport);
        Assert.True(pause.Row.OutageSeconds >= 8, pauseReport);
        Assert.True(pause.Row.OutageJoins >= 0.75 * 300 * 8, pauseReport);
        Assert.True(pause.Row.P99InWindowMs >= 5000, pauseReport);
        // One promotion: the resumed primary's own stale view (an older config epoch) is not counted as the slot moving back.
        Assert.Equal(1, pause.Row.SlotOwnerChanges);
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning));
    }

    [Fact]
    public async Task A_fault_command_is_never_started_without_a_replica_to_fail_over_to_and_the_run_fails_naming_it()
    {
        // No replicas at all: however long the harness reads CLUSTER NODES (10 s), the hot slot's primary lists none.
        await using RunningCluster cluster = await ClusterProvisioner.StartAsync(ProviderKind.Local, new ClusterSpec { ReplicasPerShard = 0 });
        await using var mux = await cluster.ConnectAsync();
        string dir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"fault-command-missing-{Guid.NewGuid():N}");
        string marker = Path.Combine(dir, "command-ran");
        var o = new LoadOptions { Rate = 100, Duration = TimeSpan.FromSeconds(2), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true, OutputDir = dir };
        var failover = new FailoverOptions { FaultAt = TimeSpan.FromSeconds(1), FaultCommand = $"touch '{marker}'" };

        ScenarioOutcome outcome = await FailoverScenario.RunAsync(new LoadContext(cluster, mux, o), failover, CancellationToken.None);

        FailoverRow row = Assert.Single(outcome.Findings.Data.Failover!);
        Assert.False(File.Exists(marker)); // the command never ran
        Assert.Null(row.FaultCommandLog);
        Assert.StartsWith("--fault-command not started: slot ", row.FaultError);
        Assert.EndsWith("has no healthy replica with an address (it lists none).", row.FaultError);
        Assert.False(row.Healed);
        Assert.Equal(0, row.SlotOwnerChanges);
        Assert.False(outcome.Findings.ChecksPassed);
        Assert.Contains(ScenarioReport.Render(outcome.Report), m => m.Contains(row.FaultError!, StringComparison.Ordinal) && m.Contains("Check failed", StringComparison.Ordinal));
    }
}
