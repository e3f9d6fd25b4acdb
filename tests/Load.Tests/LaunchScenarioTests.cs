using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.Reporting;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load.Tests;

/// <summary>Short live launches on the shared local cluster (tiny inline launch files), and the verdicts on their own.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class LaunchScenarioTests(ClusterFixture fx)
{
    // 80 users over 1.5 s on 4 events; polls U(0.3, 0.6) s; a fifth leave after 0.4-0.8 s; half the admitted hold a seat;
    // a small admission bucket so bucket bands get throttled; a join is tried twice. The gateway: 2 pods × 10 idle
    // connections per node, one command per round trip.
    private static Launch TinyLaunch(int users = 80, double overSeconds = 1.5, string thresholds = """
        "all": { "p99Ms": 0.001 }, "join": { "maxFailurePercent": 5 }, "holdSeat": { "p95Ms": 600000 }
        """, int minIdle = 10) => LaunchFileLoader.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "name": "tiny", "seed": 42,
          "events": [ { "id": "lt_a", "share": 3 }, { "id": "lt_b" }, { "id": "lt_c" }, { "id": "lt_d" } ],
          "arrival": { "users": {{users}}, "overSeconds": {{overSeconds}} },
          "poll": { "minSeconds": 0.3, "maxSeconds": 0.6 },
          "admission": { "bucketCapacity": 3, "refillPerSecond": 10 },
          "leave": { "share": 0.2, "minSeconds": 0.4, "maxSeconds": 0.8 },
          "retry": { "joinAttempts": 2, "backoffSeconds": 0.2 },
          "seatHoldShare": 0.5, "replicaReads": true,
          "topology": { "shards": 3 },
          "client": { "mode": "Pooled", "pods": 2, "poolSize": 50, "minIdleConns": {{minIdle}} },
          "thresholds": { {{thresholds}} }
        }
        """), "tiny.json");

    private Task<LaunchRunResult> RunAsync(Launch launch, string strategy, string? runId = null, LaunchTestHooks? hooks = null, double maxSeconds = 60, ClientMode? mode = null)
    {
        runId ??= LaunchPlan.NewRunId();
        var request = new LaunchRunRequest(launch, 1, "not scaled (1×)", WaitingRoomSchema.Parse(strategy), runId, LaunchPlan.KeyPrefix(runId, strategy), MaxSeconds: maxSeconds, ClientMode: mode);
        return LaunchScenario.RunAsync(request, fx.Cluster, fx.Mux, null, hooks, CancellationToken.None);
    }

    [Fact]
    public async Task A_run_with_replica_reads_records_the_routes_it_was_predicted_with_and_a_move_during_it_is_named()
    {
        LaunchRunResult r = await RunAsync(TinyLaunch(users: 20, overSeconds: 0.5), "event");

        // The shared cluster is settled: each shard's reads went to its one replica.
        Assert.Equal(3, r.ReadRoutes!.Count);
        Assert.All(r.ReadRoutes, route => Assert.Equal(Assert.Single(route.Replicas), Assert.Single(route.ReadsOn)));
        var start = new ReplicaReadView(r.ReadRoutes, null);
        Assert.Null(LaunchScenario.RoutesMoved(start, start));
        ReplicaReadRoute first = r.ReadRoutes[0];
        var moved = new ReplicaReadView([first with { ReadsOn = [first.Primary] }, .. r.ReadRoutes.Skip(1)], "moved");
        Assert.Equal($"{first.Primary}'s: {first.ReadsOn[0]} → {first.Primary}", LaunchScenario.RoutesMoved(start, moved));
        Assert.Equal($"{first.Primary}'s: {first.ReadsOn[0]} → none", LaunchScenario.RoutesMoved(start, new ReplicaReadView([], "gone")));
    }

    [Theory]
    [InlineData("event")]
    [InlineData("event-all")]
    [InlineData("user")]
    [InlineData("bucketed:4")]
    [InlineData("legacy")]
    public async Task Every_visit_ends_with_a_recorded_reason_and_the_run_measures_each_node(string strategy)
    {
        LaunchRunResult r = await RunAsync(TinyLaunch(), strategy);

        LaunchLifecycle u = r.Users;
        Assert.Equal(80, u.Users);
        Assert.Empty(LaunchVerdictPolicy.Audit(u, r.Steps));
        Assert.Equal(0, u.Unfinished);
        Assert.False(r.Interrupted);
        // Every user's arrival was sent, none dropped: the dropped rule every run gets passes.
        Assert.Equal((80L, 0L), (r.Arrivals!.Sent, r.Arrivals.DroppedTotal));
        Assert.Contains(r.Thresholds, t => t.Threshold == Threshold.DefaultDropped && t.Pass);
        LaunchStepResult join = r.Steps.Single(s => s.Step == "join");
        if (strategy == "legacy")
        {
            // The incident: every join refused for CROSSSLOT, tried twice as the file says; nobody queues.
            Assert.Equal(80, u.Failed);
            Assert.All(u.FailureReasons.Keys, k => Assert.StartsWith("join: CrossSlot", k, StringComparison.Ordinal));
            Assert.Equal(160, join.Requests);
            Assert.Equal(160, join.Failed);
            Assert.Null(join.OkLatency); // no ok join: no latency, not 0
            Assert.Contains(r.Thresholds, t => t.Threshold.StartsWith("join fail%", StringComparison.Ordinal) && !t.Pass);
        }
        else
        {
            Assert.Equal(0, u.Failed);
            Assert.Equal(80, u.Entered + u.Left);
            Assert.True(u.Left > 0 && u.Entered > 0, $"entered {u.Entered}, left {u.Left}");
            Assert.Equal((80, 0L), (join.Requests, join.Failed));
            LaunchStepResult status = r.Steps.Single(s => s.Step == "status");
            // At least one poll each, except those whose first poll came after their leave time.
            Assert.True(status.Requests + u.Left >= 80, $"{status.Requests} status calls, {u.Left} left");
            Assert.Equal(u.Left, r.Steps.Single(s => s.Step == "leave").Requests);
            // Every grant is one enter; throttled enters come on top.
            Assert.True(r.Steps.Single(s => s.Step == "enter").Requests >= u.Entered);
            Assert.True(r.Steps.Single(s => s.Step == "hold-seat").Requests is > 0 and var holds && holds <= u.Entered);
            // The server's own count: every node that ran commands is one of the run's nodes, and the script reached the primaries.
            Assert.All(r.MeasuredCommands, c => Assert.Contains(r.Nodes, n => n.Endpoint == c.Endpoint));
            Assert.True(r.MeasuredCommands.Where(c => c.Command == "evalsha").Sum(c => c.Calls) >= 80);
            Assert.True(r.KeysRemoved > 0);
        }
        // A p99 under 1 µs cannot be met: the rule fails, so the run does.
        Assert.Contains(r.Thresholds, t => t.Threshold == "all p99 < 0.001 ms" && !t.Pass && !t.NoData);
        Assert.False(r.ThresholdsPassed);
        Assert.Equal(6, r.Nodes.Count);
        Assert.Equal(new[] { 0, 1, 2 }, r.Nodes.Select(n => n.Shard).Distinct().Order());
        Assert.NotNull(r.Telemetry);
        Assert.Equal(4, r.Events.Count);
        Assert.Equal(r.Nodes.Count, r.MemoryLeft.Count);
        Assert.NotNull(r.SchedulerLateness);
        // Nothing of the run is left behind.
        Assert.Empty(await KeysOfAsync(r.KeyPrefix));
    }

    [Theory]
    [InlineData(ClientMode.Pooled)]
    [InlineData(ClientMode.Multiplexed)]
    public async Task A_tiny_rehearsal_in_either_client_shape_matches_the_model_and_records_the_connections(ClientMode mode)
    {
        // 2 pods × 40 idle: pooled, 80 connections per node; multiplexed, one per pod.
        Launch launch = TinyLaunch(users: 60, overSeconds: 1, minIdle: 40);
        LaunchRunResult r = await RunAsync(launch, "event", mode: mode);
        LaunchStrategyResult predicted = LaunchComparer.Predict(launch, WaitingRoomSchema.Event, Topology.FromSlotOwners(LiveSlotMap.Read(fx.Mux)), r.KeyPrefix);
        LaunchComparison c = LaunchComparer.Compare(predicted, r);

        Assert.True(c.WithinTolerance, $"worst {c.WorstShareErrorPp} pp");
        Assert.Equal(0, r.Users.Failed);
        GatewayClientResult client = r.Client!;
        int perNode = mode == ClientMode.Pooled ? 80 : 2;
        Assert.Equal((mode.ToString(), 2, perNode), (client.Mode, client.Pods, client.PlannedConnectionsPerNode));
        Assert.Equal(6, client.Nodes.Count);
        foreach (NodeClientCost n in client.Nodes)
        {
            // The gateway's connections are on every node from before the drive to its end, and their memory is read.
            Assert.True(n.Open!.ConnectedClients - n.Before!.ConnectedClients >= perNode, $"{n.Endpoint}: {n.Before.ConnectedClients} → {n.Open.ConnectedClients}");
            Assert.True(n.End!.ConnectedClients - n.Before.ConnectedClients >= perNode, $"{n.Endpoint}: {n.Before.ConnectedClients} → {n.End.ConnectedClients} at the end");
            Assert.NotNull(n.Open.ClientsMemoryBytes);
            Assert.True(n.Commands > 0 && n.Reads > 0 && n.CpuSeconds is not null, n.Endpoint);
        }
        // Reads on replicas: the model's readable commands reached every replica.
        Assert.All(r.Nodes.Where(n => n.Role == "replica"), n => Assert.Contains(r.MeasuredCommands, m => m.Endpoint == n.Endpoint && m.Command == "exists"));
        Assert.True(client.ClientCommands > 0 && client.ClientCpuUsPerCall > 0);
        Assert.NotNull(client.HottestPrimary?.CpuUsPerCall);
        if (mode == ClientMode.Pooled) Assert.True(client.Leases >= client.ClientCommands / 2, $"{client.Leases} leases for {client.ClientCommands} commands");
        else Assert.Equal(0, client.Leases);
    }

    [Fact]
    public async Task A_rerun_with_the_same_seed_and_another_run_id_puts_every_event_on_the_same_shard()
    {
        Launch launch = TinyLaunch(users: 20, overSeconds: 0.3);
        LaunchRunResult first = await RunAsync(launch, "event");
        LaunchRunResult second = await RunAsync(launch, "event");

        Assert.NotEqual(first.KeyPrefix, second.KeyPrefix);
        Assert.Equal(first.Events, second.Events);
        Assert.Equal((20, 0), (second.Users.Users, second.Users.Failed));
        // Every tagged strategy keeps its events' slots under any prefix (legacy's untagged queue key moves with it).
        IReadOnlyList<Keys.SlotOwner> owners = LiveSlotMap.Read(fx.Mux);
        foreach (string s in new[] { "event", "event-all", "user", "bucketed:8" })
            Assert.Equal(LaunchScenario.Placement(launch, WaitingRoomSchema.Parse(s), "hb:00000000:", owners),
                LaunchScenario.Placement(launch, WaitingRoomSchema.Parse(s), "hb:ffffffff:", owners));
    }

    [Fact]
    public async Task Latency_is_measured_from_the_intended_time_so_a_stalled_dispatcher_shows()
    {
        int stalled = 0;
        // The first due join stalls the dispatcher for 500 ms: every join due behind it is sent late.
        var hooks = new LaunchTestHooks((_, action) =>
        {
            if (action == VisitAction.Join && Interlocked.Exchange(ref stalled, 1) == 0) Thread.Sleep(500);
        });
        LaunchRunResult r = await RunAsync(TinyLaunch(users: 20, overSeconds: 0.2), "event", hooks: hooks);

        LaunchStepResult join = r.Steps.Single(s => s.Step == "join");
        Assert.Equal(20, join.Ok);
        // From the actual send each join takes about a millisecond; from its intended time the stall is in it.
        Assert.True(join.AllLatency!.Max >= 450, $"join max {join.AllLatency.Max} ms");
        Assert.True(r.SchedulerLateness!.Max >= 450, $"lateness max {r.SchedulerLateness.Max} ms");
    }

    [Fact]
    public async Task Arrivals_a_stalled_dispatcher_never_fired_before_the_stop_are_counted_as_dropped()
    {
        // 40 users over 2 s; the first join stalls the dispatcher 1.5 s and the run stops at 1 s (--max-seconds). The
        // users due by the stop were owed by a late dispatcher, the rest came after it: all are counted, none lost.
        int stalled = 0;
        var hooks = new LaunchTestHooks((_, action) =>
        {
            if (action == VisitAction.Join && Interlocked.Exchange(ref stalled, 1) == 0) Thread.Sleep(1500);
        });
        LaunchRunResult r = await RunAsync(TinyLaunch(users: 40, overSeconds: 2), "event", hooks: hooks, maxSeconds: 1);

        ArrivalCounts a = r.Arrivals!;
        Assert.Equal(40, a.Scheduled);
        Assert.Equal(1, a.Sent);
        Assert.True(a.Dropped[ArrivalCounts.LateInjector] >= 10, a.DroppedText());
        Assert.True(a.Dropped[ArrivalCounts.EndOfPhase] >= 10, a.DroppedText());
        Assert.Empty(LaunchVerdictPolicy.Audit(r.Users, r.Steps));
        ThresholdCheck dropped = Assert.Single(r.Thresholds, t => t.Threshold == Threshold.DefaultDropped);
        Assert.Equal((39.0, false), (dropped.Actual, dropped.Pass));
        Assert.False(r.ThresholdsPassed);
        string md = LaunchScenarioReport.Render([r], interrupted: false);
        Assert.Contains($"Arrivals: 40 scheduled: sent 1, dropped {a.DroppedText()}.", md);
    }

    [Fact]
    public void A_threshold_on_a_step_without_requests_fails_as_no_data_and_a_run_without_requests_fails()
    {
        LaunchStepResult Row(string step, long requests, long failed) =>
            new(step, requests, requests - failed, failed, null, requests == 0 ? null : new Latency(requests, 1, 1, 2, 3, 3, 3, 1.5),
                failed == 0 ? new Dictionary<string, long>() : new Dictionary<string, long> { ["Timeout"] = failed });
        var steps = new[] { Row("join", 10, 1), Row("leave", 0, 0), Row("all", 10, 1) };
        var rules = new LaunchThresholds
        {
            Join = new StepThreshold(P95Ms: 5000, MaxFailurePercent: 5),
            Leave = new StepThreshold(P99Ms: 7000),
        };

        IReadOnlyList<ThresholdCheck> checks = LaunchVerdicts.Check(rules, steps, ArrivalCounts.None);

        Assert.True(checks.Single(c => c.Threshold == "measured requests > 0").Pass);
        Assert.True(checks.Single(c => c.Threshold == "join p95 < 5000 ms").Pass);
        ThresholdCheck joinFail = checks.Single(c => c.Threshold == "join fail% < 5");
        Assert.Equal((10.0, false), (joinFail.Actual, joinFail.Pass));
        ThresholdCheck leave = checks.Single(c => c.Threshold.StartsWith("leave", StringComparison.Ordinal));
        Assert.True(leave.NoData);
        Assert.False(leave.Pass);
        Assert.False(LaunchVerdicts.Check(new LaunchThresholds(), [Row("all", 0, 0)], ArrivalCounts.None).Single(c => c.Threshold == "measured requests > 0").Pass);
        // Every user's arrival sent or dropped: one dropped fails the run.
        Assert.True(checks.Single(c => c.Threshold == Threshold.DefaultDropped).Pass);
        var late = new ArrivalCounts(9, new Dictionary<string, long> { [ArrivalCounts.LateInjector] = 1 });
        Assert.False(LaunchVerdicts.Check(rules, steps, late).Single(c => c.Threshold == Threshold.DefaultDropped).Pass);
    }

    [Fact]
    public void The_audit_finds_visits_that_do_not_add_up_and_failures_without_a_reason()
    {
        var steps = new[]
        {
            new LaunchStepResult("join", 10, 9, 1, null, null, new Dictionary<string, long> { ["Timeout"] = 1 }),
            new LaunchStepResult("all", 10, 9, 1, null, null, new Dictionary<string, long> { ["Timeout"] = 1 }),
        };
        var sound = new LaunchLifecycle(10, 6, 2, 0, 1, 1, new Dictionary<string, int> { ["join: Timeout"] = 1 });
        Assert.Empty(LaunchVerdictPolicy.Audit(sound, steps));

        // One visit counted twice, and a failure without its reason.
        var defect = new LaunchLifecycle(10, 7, 2, 0, 1, 1, new Dictionary<string, int>());
        IReadOnlyList<string> problems = LaunchVerdictPolicy.Audit(defect, steps);
        Assert.Contains(problems, p => p.StartsWith("visits do not add up", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("with a reason", StringComparison.Ordinal));
        // Steps that do not add up to "all".
        Assert.NotEmpty(LaunchVerdictPolicy.Audit(sound, [steps[0], steps[1] with { Requests = 11, Ok = 10 }]));
    }

    private async Task<List<RedisKey>> KeysOfAsync(string prefix)
    {
        var keys = new List<RedisKey>();
        foreach (IServer primary in fx.Primaries())
            await foreach (RedisKey k in primary.KeysAsync(pattern: $"*{prefix}*")) keys.Add(k);
        return keys;
    }
}
