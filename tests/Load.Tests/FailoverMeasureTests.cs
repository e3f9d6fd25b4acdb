using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;

namespace HashtagBench.Load.Tests;

/// <summary>
/// How the failover scenario measures: back to rate and the outage latency from synthetic data, and, on a cluster of
/// its own, a user's --fault-command against the harness's own failover, and a pause's window.
/// </summary>
public sealed class FailoverMeasureTests
{
    private static IntervalStats Interval(double second, long ok, double length = 1) =>
        new(second, length, ok, 0, ok / length, Percentiles.Empty, new Dictionary<string, long>());

    [Fact]
    public void Back_to_rate_is_the_first_interval_after_the_fault_from_which_every_one_inside_injection_serves_the_target()
    {
        // Target 1000/s, fault at 5 s, injection ends at 15 s: served 200/s for three seconds, then back from the
        // interval ending at 9 s. A late tick makes the last interval run 14-15.3 s: 1000 served, 769/s, because no
        // arrivals came after 15 s; it and the drain after it (nothing served) may not be judged, or a recovered run
        // would read "never".
        var timeline = Enumerable.Range(1, 5).Select(s => Interval(s, 1000))
            .Concat([Interval(6, 200), Interval(7, 200), Interval(8, 200), Interval(9, 950)])
            .Concat(Enumerable.Range(10, 5).Select(s => Interval(s, 1000)))
            .Concat([Interval(15.3, 1000, 1.3), Interval(16.3, 0)]).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(timeline, 5, 15, 1000));

        // A later dip below 90% moves it past the dip.
        var dip = timeline.Select(t => t.Second == 12 ? Interval(12, 850) : t).ToList();
        Assert.Equal(8, FailoverScenario.BackToRate(dip, 5, 15, 1000));

        // Still short in the last interval inside injection: never back.
        var never = timeline.Select(t => t.Second == 14 ? Interval(14, 500) : t).ToList();
        Assert.Null(FailoverScenario.BackToRate(never, 5, 15, 1000));

        // A load generator that drove only 1400/s of a 2000/s target before the fault: recovery is judged against
        // what it served then (back once it serves 1260/s again), not against a target it never reached.
        var starved = timeline.Select(t => t.Second > 15 ? t : Interval(t.Second, t.Ok * 14 / 10, t.Length)).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(starved, 5, 15, 2000));
        Assert.Null(FailoverScenario.BackToRate(starved.Select(t => t.Second == 14 ? Interval(14, 1200) : t).ToList(), 5, 15, 2000));

        // Rates, not counts: a late tick makes a 1.4 s interval; 1300 served in it is 929/s, enough.
        var late = timeline.Select(t => t.Second == 9 ? Interval(9, 1300, 1.4) : t).ToList();
        Assert.Equal(4, FailoverScenario.BackToRate(late, 5, 15, 1000));
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
        LoadOptions Options(string name, double seconds, double faultAt) => new()
        {
            Rate = 300, Duration = TimeSpan.FromSeconds(seconds), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true,
            FaultAt = TimeSpan.FromSeconds(faultAt), OutputDir = Path.Combine(dir, name),
        };
        async Task<(FailoverRow Row, ScenarioOutcome Outcome, ClusterNodesSnapshot Before)> Run(LoadOptions o)
        {
            ClusterNodesSnapshot before = await faults.ReadNodesAsync();
            ScenarioOutcome outcome = await Catalog.Scenarios["failover"](new LoadContext(cluster, mux, o), CancellationToken.None);
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
        string script = "until redis-cli -p \"$HASHTAG_BENCH_FAULT_REPLICA_PORT\" INFO replication | grep -q master_link_status:up; do sleep 0.2; done; " +
                        "echo \"failing over to $HASHTAG_BENCH_FAULT_REPLICA_HOST:$HASHTAG_BENCH_FAULT_REPLICA_PORT for slot $HASHTAG_BENCH_FAULT_SLOT\"; " +
                        "redis-cli -p \"$HASHTAG_BENCH_FAULT_REPLICA_PORT\" CLUSTER FAILOVER";
        var cmd = await Run(Options("command", 6, 2) with { FaultCommand = script });
        string cmdReport = string.Join("\n", cmd.Outcome.Findings.Markdown);
        Assert.Equal("command", cmd.Row.Fault);
        Assert.Equal(0, cmd.Row.FaultCommandExitCode);
        Assert.True(cmd.Outcome.Findings.ChecksPassed, cmdReport);
        PromotedItsReplica(cmd.Row, cmd.Before, cmdReport);
        string log = await File.ReadAllTextAsync(cmd.Row.FaultCommandLog!);
        Assert.Contains($"failing over to {cmd.Row.PromotedTo}", log);
        Assert.Contains("exit code 0", log);

        // The harness's own manual failover is seen the same way: one promotion, to the former replica.
        var own = await Run(Options("own", 6, 2) with { Fault = "failover" });
        PromotedItsReplica(own.Row, own.Before, string.Join("\n", own.Outcome.Findings.Markdown));
        Assert.Null(own.Row.FaultCommandLog);

        // A command that fails fails the run, and no promotion is claimed.
        var bad = await Run(Options("bad", 2, 1) with { FaultCommand = "echo refused >&2; exit 3" });
        Assert.Equal(3, bad.Row.FaultCommandExitCode);
        Assert.False(bad.Outcome.Findings.ChecksPassed);
        Assert.Equal(0, bad.Row.SlotOwnerChanges);
        Assert.Contains("exit code 3", string.Join("\n", bad.Outcome.Findings.Markdown));

        // Pause (8 s) with two retries: the window by send time cannot end before the node is resumed, so it holds
        // most of the pause's joins; joins sent at its start time out (5 s) and are retried, so the outage's p99 is
        // at least the client's timeout.
        var pause = await Run(Options("pause", 11, 1) with { Fault = "pause", Retry = 2 });
        string pauseReport = string.Join("\n", pause.Outcome.Findings.Markdown);
        Assert.True(pause.Row.Healed, pauseReport);
        Assert.True(pause.Row.OutageSeconds >= 8, pauseReport);
        Assert.True(pause.Row.OutageJoins >= 0.75 * 300 * 8, pauseReport);
        Assert.True(pause.Row.P99InWindowMs >= 5000, pauseReport);
        Assert.Equal(1, pause.Row.SlotOwnerChanges);
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning));
    }
}
