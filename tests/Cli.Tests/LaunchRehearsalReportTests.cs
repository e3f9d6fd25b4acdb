using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Reporting;
using HashtagBench.WaitingRoom;

namespace HashtagBench.Cli.Tests;

/// <summary>The `run --launch` report composed from records built here: tables, n/a, the sizing sentence, the verdict.</summary>
public sealed class LaunchRehearsalReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("launch-report").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Latency Lat(double p50, double p95, double p99) => new(100, p50, p50, p95, p99, p99, p99, p50);

    private static readonly LaunchNode[] Nodes = [new("127.0.0.1:7000", 0, "master"), new("127.0.0.1:7001", 0, "replica"), new("127.0.0.1:7002", 1, "master"), new("127.0.0.1:7003", 1, "replica")];

    private static NodeTelemetry Telemetry(double hotPeak) => new(DateTime.UnixEpoch, 1,
    [
        new NodeTimeline("127.0.0.1:7000", 0, "master", [new(1, true, "master", 10, 100, null, 1000, null, 0), new(2, true, "master", 20, 100, null, 1000, null, 0)], null),
        new NodeTimeline("127.0.0.1:7001", 0, "replica", [new(1, true, "replica", 99, 100, null, 1000, 0, 0)], null), // a replica never counts as the hottest primary
        new NodeTimeline("127.0.0.1:7002", 1, "master",
            [new(1, true, "master", 30, 100, null, 1000, null, 0), new(2, false, null, null, null, null, null, null, null), new(3, true, "master", hotPeak, 100, null, 1000, null, 0)], null),
    ]);

    private static LaunchRunResult Measured(string strategy, bool thresholdsPass = true, string joinFailure = "CrossSlotServer", long joinFailed = 0,
        LaunchLifecycle? users = null, NodeTelemetry? telemetry = null, long statusRequests = 40) => new(
        "tiny", strategy, 7, 0.05, "scaled 0.05×: 30,000 → 1,500 users", "1a2b3c4d", $"hb:1a2b3c4d:{strategy}:", DateTime.UnixEpoch, 12.5,
        [
            new LaunchStepResult("join", 30, 30 - joinFailed, joinFailed, joinFailed == 30 ? null : Lat(1.5, 4, 9), Lat(1.5, 4, 9),
                joinFailed == 0 ? new Dictionary<string, long>() : new Dictionary<string, long> { [joinFailure] = joinFailed }),
            new LaunchStepResult("status", statusRequests, statusRequests, 0, statusRequests == 0 ? null : Lat(0.8, 2, 3), statusRequests == 0 ? null : Lat(0.8, 2, 3), new Dictionary<string, long>()),
            new LaunchStepResult("all", 30 + statusRequests, 30 + statusRequests - joinFailed, joinFailed, Lat(1, 3, 8), Lat(1, 3, 8),
                joinFailed == 0 ? new Dictionary<string, long>() : new Dictionary<string, long> { [joinFailure] = joinFailed }),
        ],
        users ?? new LaunchLifecycle(30, 30 - (int)joinFailed, 0, 0, (int)joinFailed, 0, joinFailed == 0 ? new Dictionary<string, int>() : new Dictionary<string, int> { ["join: " + joinFailure] = (int)joinFailed }),
        [new ThresholdCheck("join failures % < 5", 100.0 * joinFailed / 30, 5, thresholdsPass), new ThresholdCheck("status p99 ms < 7000", 0, 7000, true) { NoData = statusRequests == 0 }],
        thresholdsPass, Nodes, [new NodeCommandCount("127.0.0.1:7000", "evalsha", 30)], telemetry ?? Telemetry(64),
        [new NodeMemory("127.0.0.1:7000", 0, "master", 1_000_000, 1_250_000, 10, 70), new NodeMemory("127.0.0.1:7001", 0, "replica", null, 1_250_000, 10, 70)],
        Interrupted: false)
        { KeysRemoved = 60, SchedulerLateness = Lat(0.4, 2, 3) };

    private static LaunchComparison Comparison(string strategy, double errorPp) => new(strategy, 2,
    [
        new NodeShareRow("127.0.0.1:7000", 0, "master", 500, 500, 0.50, 0.50 + errorPp / 100, 40, 41),
        new NodeShareRow("127.0.0.1:7002", 1, "master", 500, 500, 0.50, 0.50 - errorPp / 100, 40, 39),
    ],
    [new NodeCommandRow("127.0.0.1:7000", 0, "master", "evalsha", 30, 30, 0.1, 0.1 + errorPp / 100)]);

    private static LaunchSizing Sizing(WaitingRoomSchema schema, double cpu, int? shards, string note = "as many as a perfectly even spread needs") =>
        new(schema, 0.7, cpu, 1, 4, cpu / 2, shards, note);

    internal static LaunchRunStrategy Event(double errorPp = 0.5, bool thresholdsPass = true) => new("event", ExpectedCrossSlot: false)
    {
        Measured = Measured("event", thresholdsPass),
        Comparison = Comparison("event", errorPp),
        PredictedSteps = [new ShardStepRates(0, "127.0.0.1:7000", [10, 20, 0, 0, 0, 0]), new ShardStepRates(1, "127.0.0.1:7002", [12, 18, 0, 0, 0, 0])],
        PredictedAtScale = Sizing(WaitingRoomSchema.Event, 0.03, 1),
        FullScale = Sizing(WaitingRoomSchema.Event, 1.2, 5),
    };

    internal static LaunchRunStrategy Legacy(string joinFailure = "CrossSlotServer") => new("legacy", ExpectedCrossSlot: true)
    {
        Measured = Measured("legacy", thresholdsPass: false, joinFailure, joinFailed: 29),
        Comparison = Comparison("legacy", 0.1),
        FullScale = Sizing(WaitingRoomSchema.Legacy, 0.09, 1),
    };

    internal static LaunchRunInput Input(params LaunchRunStrategy[] strategies) => new("tiny", "launches/tiny.json", 7, 0.05, "scaled 0.05×: 30,000 → 1,500 users",
        "1a2b3c4d", "local: 6 redis-server processes", 0.7, 3, new BucketSuggestion(16, [(2, 1.0), (4, 0.9), (8, 0.8), (16, 0.6)]), strategies, Findings: null, Interrupted: false);

    // One node's drive window: 2 s, 0.3 CPU seconds, 10,000 commands in 4,000 reads; 3 clients before, 603 at the start and end.
    private static GatewayClientResult Client(string mode, long? commands = 10_000) => new(mode, 6, mode == "Pooled" ? 600 : 6, 96, 504, 9_000, 0, 0, 12, 12_000, 1.2, 2,
        [new NodeClientCost("127.0.0.1:7000", 0, "master", 2, 0.3, commands, 4_000, new(3, 1_000_000, 45_000), new(603, 3_000_000, 1_200_000), new(603, 3_100_000, 1_300_000)),
         new NodeClientCost("127.0.0.1:7001", 0, "replica", 2, 0.4, 20_000, 9_000, null, null, null)]);

    [Fact]
    public void The_other_client_shape_is_held_to_the_same_comparison_and_both_shapes_show_cpu_per_call()
    {
        LaunchRunStrategy both = Event() with
        {
            Measured = Measured("event") with { Client = Client("Pooled") },
            OtherShape = Measured("event") with { Client = Client("Multiplexed", commands: null) },
            OtherShapeComparison = Comparison("event", 3.5),
        };
        LaunchRunInput input = Input(both);

        LaunchRunVerdict verdict = LaunchRehearsalReport.Verdict(input);
        Assert.Single(verdict.Failures);
        Assert.StartsWith("`event`: worst per-node share error 3.50 pp", verdict.Failures[0], StringComparison.Ordinal);
        Assert.EndsWith(" (Multiplexed client)", verdict.Failures[0], StringComparison.Ordinal);
        Assert.False(LaunchRehearsalReport.Verdict(Input(both with { OtherShapeComparison = null })).Passed); // a shape without a comparison fails too

        string md = LaunchRehearsalReport.ToMarkdown(input);
        // The hottest primary is the one with the most CPU among primaries (the replica used more, and is not one).
        Assert.Contains("| event | Pooled | 6 | 600 | 127.0.0.1:7000 | 5,000 | 15.0 | 30.00 | 2.50 | 3 → 603 | 43.9 KiB → 1.2 MiB | 100.0 | 0 |", md);
        // No command count: calls/s, CPU per call and calls per read are n/a, never 0.
        Assert.Contains("| event | Multiplexed | 6 | 6 | 127.0.0.1:7000 | n/a | 15.0 | n/a | n/a | 3 → 603 |", md);
        Assert.Equal("client Pooled: 6 pod(s), 600 connection(s)/node; hottest primary 127.0.0.1:7000: 5,000 calls/s at 15.0 % CPU = 30.0 µs/call, 2.50 calls/read, 603 clients; harness 100.0 µs CPU/call",
            LaunchRehearsalReport.ClientSentence(both.Measured!));
    }

    [Fact]
    public void The_sizing_sentence_carries_measured_cpu_the_model_at_this_scale_and_the_full_scale_answer()
    {
        LaunchRunInput input = Input(Event(), Legacy());
        Assert.Equal("With `event` tags the hottest primary reached 64 % CPU at 1/20 scale (the model: 3.0 %); at full scale the model puts it at 120 %, " +
            "so 5 shards (or `bucketed:16` on the file's 3) keep it under 70 %. Measured CPU ran 21.33× the model's at this scale (outside 0.8–1.25): " +
            "the cost table does not describe this cluster and client; run `hashtag-bench calibrate` on it before trusting 120 %.",
            LaunchRehearsalReport.SizingSentence(input.Strategies[0], input));
        Assert.Equal("With `legacy` tags the joins fail CROSSSLOT instead (29 of 30 join requests failed at 1/20 scale): no shard or bucket count fixes that; " +
            "the dedupe key needs the event's tag.", LaunchRehearsalReport.SizingSentence(input.Strategies[1], input));
    }

    [Fact]
    public void The_sizing_sentence_says_when_the_files_shards_suffice_when_no_count_does_and_na_without_telemetry()
    {
        LaunchRunInput input = Input();
        var fits = Event() with { FullScale = Sizing(WaitingRoomSchema.Event, 0.265, 2), Measured = Measured("event", telemetry: new NodeTelemetry(DateTime.UnixEpoch, 1, [])) };
        Assert.Equal("With `event` tags the hottest primary reached n/a CPU at 1/20 scale (the model: 3.0 %); at full scale the model puts it at 27 %, " +
            "so the file's 3 shards keep it under 70 % (2 would).", LaunchRehearsalReport.SizingSentence(fits, input));
        var hotSlot = Event() with { FullScale = Sizing(WaitingRoomSchema.Event, 3.1, null, "one slot alone needs 95 % of a core at peak: no shard count helps, spread the key") };
        Assert.Contains("so no shard count keeps it under 70 % (one slot alone needs 95 % of a core at peak: no shard count helps, spread the key); `bucketed:16` on the file's 3 does.",
            LaunchRehearsalReport.SizingSentence(hotSlot, input));
        var bucketed = Event() with { Strategy = "bucketed:8", FullScale = Sizing(WaitingRoomSchema.Bucketed(8), 0.9, 4) };
        Assert.Contains("so 4 shards keep it under 70 %. Measured CPU ran 21.33×", LaunchRehearsalReport.SizingSentence(bucketed, input)); // no bucket advice for a bucketed strategy
        // Measured 64 % vs the model's 60 %: inside 0.8–1.25, a forecast with its band and the shards for the band's top, no warning.
        var close = Event() with
        {
            PredictedAtScale = Sizing(WaitingRoomSchema.Event, 0.6, 1),
            FullScale = Sizing(WaitingRoomSchema.Event, 1.2, 5) with { HottestPrimaryCpuLow = 1.04, HottestPrimaryCpuHigh = 1.36, ShardsNeededHigh = 6 },
        };
        Assert.EndsWith("at full scale the model puts it at 120 % (104–136 %), so 5 shards (or `bucketed:16` on the file's 3) keep it under 70 % (6 at the band's top).",
            LaunchRehearsalReport.SizingSentence(close, input));
        // Measured well under the model (0.64×): the table was calibrated on something unlike this cluster; warned too.
        var under = Event() with { PredictedAtScale = Sizing(WaitingRoomSchema.Event, 1.0, 1) };
        Assert.Contains("Measured CPU ran 0.64× the model's at this scale (outside 0.8–1.25)", LaunchRehearsalReport.SizingSentence(under, input));
        Assert.DoesNotContain("floor", LaunchRehearsalReport.SizingSentence(under, input));
        // The same gap on a run whose harness ran out of leasable connections: no verdict on the calibration, the cause named instead.
        var starved = under with { Measured = under.Measured! with { Client = new GatewayClientResult("Pooled", 27, 2700, 256, 100, 10_000, 4_000, 12.5, 256, 20_000, 3, 10, []) } };
        string starvedText = LaunchRehearsalReport.SizingSentence(starved, input);
        Assert.Contains("the harness could not drive it as the gateway would (4,000 of 10,000 requests waited for one of its 256 leasable connections)", starvedText);
        Assert.DoesNotContain("does not describe", starvedText);
        // Timers firing late say the same; a few waits (under 1 %) and on-time timers do not.
        var late = under with { Measured = under.Measured! with { SchedulerLateness = new Latency(100, 10, 50, 200, 900, 1000, 1200, 60) } };
        Assert.Contains("its user timers fired up to 900 ms late (p99)", LaunchRehearsalReport.SizingSentence(late, input));
        var fine = under with { Measured = under.Measured! with { Client = new GatewayClientResult("Pooled", 27, 2700, 256, 100, 10_000, 50, 0.1, 256, 20_000, 3, 10, []) } };
        Assert.Null(LaunchRehearsalReport.HarnessLimit(fine.Measured));
        Assert.Contains("does not describe", LaunchRehearsalReport.SizingSentence(fine, input));
        Assert.Equal("1/20 scale", LaunchRehearsalReport.ScaleText(0.05));
        Assert.Equal("0.3× scale", LaunchRehearsalReport.ScaleText(0.3));
        Assert.Equal("full scale", LaunchRehearsalReport.ScaleText(1));
    }

    [Fact]
    public void The_hottest_primary_is_the_primary_sample_with_the_highest_cpu_gaps_and_replicas_left_out()
    {
        var hot = LaunchRehearsalReport.HottestPrimary(Telemetry(64));
        Assert.Equal(("127.0.0.1:7002", (int?)1, 64.0, 3.0), hot);
        Assert.Null(LaunchRehearsalReport.HottestPrimary(null));
        Assert.Null(LaunchRehearsalReport.HottestPrimary(new NodeTelemetry(DateTime.UnixEpoch, 1, [new NodeTimeline("x", 0, "master", [new(1, false, null, null, null, null, null, null, null)], null)])));
    }

    [Fact]
    public void The_peak_is_read_from_the_drive_on_not_the_harness_opening_its_connections()
    {
        // Seconds 1 and 2 (7002 at 30 %, 7000 at 20 %) were the gateway's connections being opened; the users arrived at 2.3 s.
        LaunchRunResult run = Measured("event", telemetry: Telemetry(15)) with { DriveFromSecond = 2.3 };
        Assert.Equal(("127.0.0.1:7002", (int?)1, 30.0, 1.0), LaunchRehearsalReport.HottestPrimary(run with { DriveFromSecond = null }));
        // Second 3 covers 2..3 s, mostly the drive: it counts; second 2 does not.
        Assert.Equal(("127.0.0.1:7002", (int?)1, 15.0, 3.0), LaunchRehearsalReport.HottestPrimary(run));
        // Nothing sampled after the drive started: no peak (n/a), never the setup's.
        Assert.Null(LaunchRehearsalReport.HottestPrimary(run with { DriveFromSecond = 3 }));
    }

    [Fact]
    public void The_report_holds_every_table_with_na_where_nothing_was_measured_and_passes_with_legacys_crossslot_expected()
    {
        LaunchRunInput input = Input(Event(), Legacy()) with { Strategies = [Event() with { Measured = Measured("event", statusRequests: 0) }, Legacy()] };
        LaunchRunVerdict verdict = LaunchRehearsalReport.Verdict(input);
        Assert.True(verdict.Passed, string.Join("; ", verdict.Failures));
        Assert.Contains(verdict.Expected, e => e.StartsWith("legacy: thresholds failed as the model predicts, every failure CROSSSLOT", StringComparison.Ordinal));

        string md = LaunchRehearsalReport.ToMarkdown(input);
        Assert.Contains("**PASS**", md);
        Assert.Contains("| run ID | 1a2b3c4d |", md);
        Assert.Contains("| key prefix | `hb:1a2b3c4d:event:`, `hb:1a2b3c4d:legacy:` |", md);
        Assert.Contains("| step | requests | ok | failed | failed % | ok p50 | ok p95 | ok p99 | all p50 | all p95 | all p99 | failures by kind |", md);
        Assert.Contains("| status | 0 | 0 | 0 | n/a | n/a | n/a | n/a | n/a | n/a | n/a |  |", md); // no call: n/a, never 0
        Assert.Contains("| join | 30 | 1 | 29 | 96.67 | 1.5 | 4.0 | 9.0 | 1.5 | 4.0 | 9.0 | CrossSlotServer: 29 |", md);
        Assert.Contains("| status p99 ms < 7000 | n/a | 7000 | pass |", md);
        Assert.Contains("| strategy | users | entered | left | expired | failed | failed by reason | unfinished | seconds |", md);
        Assert.Contains("| legacy | 30 | 1 | 0 | 0 | 29 | join: CrossSlotServer: 29 | 0 | 12.5 |", md);
        Assert.Contains("| 127.0.0.1:7000 | 0 | master | 500 | 500 | 50.0 % | 50.5 % | 40 | 41 | +0.50 | ✓ |", md); // part B's renderer
        Assert.Contains("user timers fired 0.4 ms (p50), 3.0 ms (p99), 3.0 ms (max) after they were due (100 timers)", md);
        Assert.Contains("| event | 127.0.0.1:7002 | 1 | 64.0 | 3 | 3.0 | 21.3 | 120.0 | n/a | 5 |", md); // no band without a fit: n/a
        Assert.Contains("| 127.0.0.1:7000 | 10.0 | 20.0 | 30.0 | 40.0 | 41.0 |", md); // by step, beside the shard's server rates
        Assert.Contains("| 127.0.0.1:7000 | 0 | master | +250,000 | +60 |", md);
        Assert.Contains("| 127.0.0.1:7001 | 0 | replica | n/a | +60 |", md); // no reading before: n/a, never a guess
        Assert.Contains("Total over every node: n/a, +120 keys", md);
        Assert.Contains("## Findings\n\nnone computed", md);
        Assert.Contains("- With `event` tags the hottest primary reached 64 % CPU at 1/20 scale", md);
    }

    [Fact]
    public void A_comparison_out_of_tolerance_fails_the_run_and_the_report_says_so()
    {
        LaunchRunInput input = Input(Event(errorPp: 3.5));
        LaunchRunVerdict verdict = LaunchRehearsalReport.Verdict(input);
        Assert.False(verdict.Passed);
        Assert.Equal(["`event`: worst per-node share error 3.50 pp on 127.0.0.1:7000 (shard 0 master: measured 53.5 %, predicted 50.0 %), tolerance 2 pp ✗."], verdict.Failures);
        string md = LaunchRehearsalReport.ToMarkdown(input);
        Assert.Contains("**FAIL**", md);
        Assert.Contains("| +3.50 | ✗ |", md);
    }

    [Fact]
    public void Thresholds_fail_the_run_except_legacys_crossslot_and_a_run_that_measured_nothing_or_does_not_add_up_fails()
    {
        Assert.Equal(["event: thresholds failed (join failures % < 5: 0 vs 5)"], LaunchRehearsalReport.Verdict(Input(Event(thresholdsPass: false))).Failures);
        // Legacy failing for another reason than CROSSSLOT is a real failure.
        Assert.Single(LaunchRehearsalReport.Verdict(Input(Legacy("Timeout"))).Failures, f => f.StartsWith("legacy: thresholds failed", StringComparison.Ordinal));
        var nothing = Event() with { Measured = Measured("event") with { Steps = [new LaunchStepResult("join", 0, 0, 0, null, null, new Dictionary<string, long>())] } };
        Assert.Contains("event: measured nothing (no request)", LaunchRehearsalReport.Verdict(Input(nothing)).Failures);
        var lost = Event() with { Measured = Measured("event", users: new LaunchLifecycle(30, 20, 0, 0, 0, 5, new Dictionary<string, int>())) };
        Assert.Contains(LaunchRehearsalReport.Verdict(Input(lost)).Failures, f => f.StartsWith("event: audit: visits do not add up", StringComparison.Ordinal));
        var unplaced = Event() with { Comparison = Comparison("event", 0.5) with { Unplaced = 12 } };
        Assert.Contains(LaunchRehearsalReport.Verdict(Input(unplaced)).Failures, f => f.Contains("12 predicted commands on a shard with no primary", StringComparison.Ordinal));
        var notCompared = Event() with { Comparison = null };
        Assert.Contains("event: no measured-vs-predicted comparison", LaunchRehearsalReport.Verdict(Input(notCompared)).Failures);
        Assert.Contains("interrupted: partial numbers", LaunchRehearsalReport.Verdict(Input(Event()) with { Interrupted = true }).Failures);
        Assert.Contains("event: part A", LaunchRehearsalReport.Verdict(Input(new LaunchRunStrategy("event", false) { Error = "part A" })).Failures);
        Assert.Contains("no strategy ran", LaunchRehearsalReport.Verdict(Input()).Failures);
    }

    [Fact]
    public void Write_puts_the_report_and_its_charts_in_the_folder()
    {
        string md = LaunchRehearsalReport.Write(_dir, Input(Event(), Legacy()));
        string text = File.ReadAllText(md);
        Assert.True(File.Exists(Path.Combine(_dir, "hottest-primary-cpu.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "node-commands-event.png")));
        Assert.Contains("![hottest-primary-cpu](hottest-primary-cpu.png)", text);
        Assert.Contains("![node-commands-legacy](node-commands-legacy.png)", text);
    }

    [Fact]
    public void Predicted_step_rates_per_shard_add_up_to_the_models_commands()
    {
        Launch launch = LaunchFileLoader.Parse("""
            { "name": "rates", "events": [ { "id": "evt_a" }, { "id": "evt_b" }, { "id": "evt_c" } ], "arrival": { "users": 200, "overSeconds": 4 },
              "topology": { "shards": 3 }, "strategies": [ "bucketed:4" ] }
            """);
        LaunchStrategyResult r = new LaunchSimulator(launch).Run().Strategies.Single();
        var rates = ShardStepRates.Of(r);
        Assert.Equal(3, rates.Count);
        for (int j = 0; j < 3; j++)
            Assert.Equal(Enumerable.Range(0, r.Seconds).Sum(s => r.Commands(s, j)), rates[j].Total * r.Seconds, precision: 6);
        Assert.Equal((double)Enumerable.Range(0, r.Seconds).Sum(s => r.ShardStepCounts[(s * 3 + 1) * LaunchStrategyResult.Steps + (int)Step.Status]),
            rates[1].PerSecByStep[(int)Step.Status] * r.Seconds, precision: 6);
        Assert.True(rates.All(x => x.PerSecByStep[(int)Step.Join] > 0));
    }

    private static readonly CommandCostTable Costs = new(
        new CostMachine("test CPU", 2, "7.0.15", new DateTimeOffset(2026, 12, 3, 17, 6, 0, TimeSpan.Zero), "local", "test"),
        [new CommandCost("EVALSHA", 15, 5_000), new CommandCost("ZRANK", 0.8, 5_000)]);

    [Fact]
    public void Command_time_on_the_hottest_primary_is_set_beside_the_cost_table_and_a_cold_engine_shows_as_run_over_table()
    {
        // 127.0.0.1:7002 is the hottest primary (64 % at second 3). Its scripts ran 4× the table's time (a cold engine).
        LaunchRunStrategy cold = Event() with
        {
            Measured = Event().Measured! with
            {
                MeasuredCommands =
                [
                    new NodeCommandCount("127.0.0.1:7002", "zrank", 1_000, 2_500),
                    new NodeCommandCount("127.0.0.1:7002", "evalsha", 300, 300 * 60),
                    new NodeCommandCount("127.0.0.1:7002", "info", 10, 200),             // not the waiting room's: the table does not price it
                    new NodeCommandCount("127.0.0.1:7000", "evalsha", 900, 900 * 15),    // another node
                    new NodeCommandCount("127.0.0.1:7002", "exists", 50),                // no usec reading (an older file)
                ],
            },
        };
        IReadOnlyList<CommandTimeRow> rows = LaunchRehearsalReport.CommandTimeRows(cold, Costs);
        Assert.Equal(["EVALSHA", "ZRANK"], rows.Select(r => r.Command));
        Assert.All(rows, r => Assert.Equal("127.0.0.1:7002", r.Node));
        Assert.Equal(4.0, rows[0].RunOverTable, precision: 9);
        Assert.Equal(2.5 / 0.8, rows[1].RunOverTable, precision: 9);
        Assert.Equal(300 / 12.5, rows[0].CallsPerSec!.Value, precision: 9);

        string md = LaunchRehearsalReport.ToMarkdown(Input(cold) with { Costs = Costs });
        Assert.Contains("## Command time on the hottest primary", md);
        Assert.Contains("| event | 127.0.0.1:7002 | EVALSHA | 24 | 15.00 | 60.00 | 4.0 |", md);
        // Without a usec reading there is nothing to compare: n/a, never a ratio of 0.
        string old = LaunchRehearsalReport.ToMarkdown(Input(Event()) with { Costs = Costs });
        Assert.Contains("n/a: no run recorded command time on its hottest primary.", old);
        Assert.DoesNotContain("## Command time on the hottest primary", LaunchRehearsalReport.ToMarkdown(Input(cold)));
    }
}
