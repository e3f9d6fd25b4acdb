using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;

namespace HashtagBench.Load.Tests;

/// <summary>
/// Numbers you can trust under faults: every outcome has a latency from its intended start, an interval with no
/// calls shows n/a (never 0), a run that measured nothing or was interrupted never passes, and the rate asked for
/// is the rate run.
/// </summary>
public sealed class EngineOutcomeTests
{
    private static Task<RunSummary> RunAsync(Scenario s, IReadOnlyList<Threshold>? thresholds = null, CancellationToken ct = default) =>
        new LoadRunner(s, thresholds).RunAsync(ct);

    private static readonly Dictionary<string, long> NoErrors = [];
    private static readonly Dictionary<string, string> NoSamples = [];

    [Fact]
    public async Task Coordinated_omission_calls_sent_late_are_charged_from_their_intended_start()
    {
        // The handler blocks the injector's own thread for 20 ms before its first await (the synchronous part of a
        // call runs on the thread that sends it), while arrivals are due every 5 ms. So call k is sent about 15·k ms
        // after it was due: 100 arrivals over 0.5 s go out over ~2 s. Measured from the actual send, every call
        // would take ~20 ms; from its intended start, the later ones take hundreds of ms. Only the latter passes.
        var s = Scenario.Create("blocked-injector", _ => { Thread.Sleep(20); return Task.FromResult(Response.Ok()); })
            .WithLoadSimulations(LoadSimulation.Inject(20, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(0.5)));
        RunSummary r = await RunAsync(s);

        // Late, but every arrival of the schedule (0.005 … 0.495 s) is sent: lateness is charged, never dropped.
        Assert.Equal(99, r.OkCount);
        Assert.Equal((99L, 0L), (r.Arrivals!.Sent, r.Arrivals.DroppedTotal));
        // The injector really was late (the harness's error is measured)...
        Assert.True(r.Lateness.Max >= 800, $"lateness max {r.Lateness.Max} ms: the blocked injector sent the last calls late");
        // ...and every call's latency includes its lateness: the slowest call is at least as late as the latest send.
        Assert.True(r.Ok.Max >= r.Lateness.Max, $"ok max {r.Ok.Max} ms < lateness max {r.Lateness.Max} ms: latency measured from the send, not the intended start");
        Assert.True(r.Ok.P99 >= 500, $"ok p99 {r.Ok.P99} ms; from the send it would be ~20 ms");
        Assert.True(r.Ok.P50 >= 200, $"ok p50 {r.Ok.P50} ms; half the calls were sent ≥ 0.7 s late");
        Assert.True(r.HarnessLimited, "a run whose injector was this late is harness-limited");
        // The latency from the actual send is kept beside it, for every Ok call: ~20 ms each, so the hundreds of ms
        // between the two are the wait before the send, and the decomposition puts the p99 on queueing.
        Assert.Equal(r.OkCount, r.FromSend.Count);
        Assert.True(r.Ok.P99 - r.FromSend.P99 >= 300, $"ok p99 {r.Ok.P99} ms vs from-send p99 {r.FromSend.P99} ms: the two are the same measurement");
        LatencyDecomposition d = LatencyBreakdown.Of(r);
        Assert.Equal(LatencyBreakdown.Queueing, d.Dominant);
        Assert.Null(d.ServerMs); // no Redis here: n/a, not 0
    }

    [Fact]
    public async Task Arrivals_beyond_the_in_flight_cap_are_dropped_and_counted_and_fail_the_default_threshold()
    {
        // A starved engine: call 1 blocks the injector 300 ms (synchronously), then holds the only in-flight slot for
        // 600 ms more. The ~30 arrivals due during the block go out when it ends and find the cap full, as do those
        // after it: never sent, so not the cluster's failures, but counted as dropped, each with its reason.
        var s = Scenario.Create("refusing", async ctx =>
            {
                if (ctx.InvocationNumber == 1) { Thread.Sleep(300); await Task.Delay(600); }
                return Response.Ok();
            })
            .WithLoadSimulations(LoadSimulation.Inject(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)))
            .WithLimits(maxInFlight: 1, maxInvocations: 1_000);
        RunSummary r = await RunAsync(s, Threshold.ParseRules(["fail% < 1"]));

        ArrivalCounts a = r.Arrivals!;
        // 100/s for 1 s: arrivals at 0.01 … 0.99 s (the one due at 1 s would be the next phase's).
        Assert.Equal(99, a.Scheduled);
        Assert.True(a.Dropped.GetValueOrDefault(ArrivalCounts.InFlightCap) >= 20, $"dropped {a.DroppedText()}");
        Assert.Equal([ArrivalCounts.InFlightCap], a.Dropped.Keys);
        // Every call sent has its outcome; nothing refused is charged to the cluster as a failure.
        Assert.Equal(a.Sent, r.Total);
        Assert.Equal(0, r.FailCount);
        Assert.Equal(a.Sent, r.Lateness.Count);
        // The default rule on dropped arrivals fails the run; the user's own rule replaces it.
        ThresholdResult dropped = Assert.Single(r.Thresholds, t => t.Threshold == Threshold.DefaultDropped);
        Assert.Equal((a.DroppedTotal, false), ((long)dropped.Actual, dropped.Pass));
        Assert.True(r.Thresholds.Single(t => t.Threshold == "fail% < 1").Pass);
        Assert.False(r.ThresholdsPassed);
        RunSummary allowed = LoadRunner.Judge(r, Threshold.ParseRules(["dropped% < 100"]));
        Assert.True(allowed.ThresholdsPassed, string.Join(", ", allowed.Thresholds.Select(t => $"{t.Threshold} {t.Verdict}")));

        // The console line, the report and summary.json all say how many were dropped and why.
        var console = new StringWriter();
        ScenarioRunner.PrintRuns([r], console);
        Assert.Contains($"arrivals sent {a.Sent}, dropped {a.DroppedTotal} ({ArrivalCounts.InFlightCap} {a.DroppedTotal})", console.ToString());
        Assert.Contains($"threshold failed: refusing: {Threshold.DefaultDropped} (actual {a.DroppedTotal}", console.ToString());
        string dir = Directory.CreateTempSubdirectory("dropped").FullName;
        try
        {
            var findings = new ScenarioFindings();
            LoadSummary summary = RunOutput.Summarise("refusing", [r], findings);
            RunOutput.Write(dir, summary, [r], findings);
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains($"**dropped arrivals**: `refusing` never sent {a.DroppedTotal} ({ArrivalCounts.InFlightCap} {a.DroppedTotal}) of its 99 scheduled arrivals", md);
            Assert.Contains($"| {a.Sent} | {a.DroppedTotal} ({ArrivalCounts.InFlightCap} {a.DroppedTotal}) | completed |", md);
            Assert.Contains($"| `{Threshold.DefaultDropped}` | {a.DroppedTotal} | 0 | **FAIL**", md); // harness-limited too: the injector was blocked
            ArrivalCounts back = ResultFiles.Read(Path.Combine(dir, ResultFiles.Summary), ResultFiles.LoadSummaryType).Runs[0].Arrivals!;
            Assert.Equal((a.Sent, a.DroppedTotal, 99L), (back.Sent, back.Dropped[ArrivalCounts.InFlightCap], back.Scheduled));
            Assert.False(summary.ThresholdsPassed);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_second_of_failures_shows_their_latency_and_no_ok_latency()
    {
        // Every call fails after ~30 ms: the ok latency of each second is n/a, the all-outcome latency is ~30 ms.
        var s = Scenario.Create("outage", async _ => { await Task.Delay(30); return Response.Fail("ClusterDown"); })
            .WithLoadSimulations(LoadSimulation.Inject(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1.5)));
        RunSummary r = await RunAsync(s, [Threshold.Parse("p99 < 20ms"), Threshold.Parse("p99(all) < 20ms"), Threshold.Parse("p99(all) < 2s")]);

        Assert.True(r.Ok.IsEmpty);
        Assert.True(r.All.P99 >= 25, $"all p99 {r.All.P99}");
        IntervalStats busy = r.Timeline.First(t => t.Fail > 0);
        Assert.True(busy.OkLatency.IsEmpty);
        Assert.False(busy.AllLatency.IsEmpty);
        string line = ConsoleProgress.Line("outage", busy, 1, 2);
        Assert.Matches(@"p50\s+n/a\s+p99\s+n/a\s+p99\(all\)\s+\d+\.\d\dms", line);
        // An ok-latency rule with no Ok call has nothing to pass on: it fails (n/a), it does not pass at 0 ms.
        ThresholdResult okRule = r.Thresholds[0];
        Assert.False(okRule.Pass);
        Assert.True(okRule.NoData);
        Assert.False(r.Thresholds[1].Pass); // ~30 ms
        Assert.True(r.Thresholds[2].Pass);
    }

    [Fact]
    public void Empty_intervals_print_na_everywhere_never_zero()
    {
        var empty = new IntervalStats(3, 1, 0, 0, 0, Percentiles.Empty, NoErrors);
        string line = ConsoleProgress.Line("s", empty, 3, 10);
        Assert.DoesNotContain("0.00ms", line);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(line, "n/a").Count);
        Assert.Equal("n/a", Percentiles.Empty.Show(Percentiles.Empty.P99));
        Assert.Equal("1.50", new Percentiles(1, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5).Show(1.5));

        // timeline.csv: empty cells where there was no call; report and summary: n/a / null.
        string dir = Directory.CreateTempSubdirectory("outcomes").FullName;
        try
        {
            var all = new Percentiles(4, 1500, 1500, 1500, 1500, 1500, 1500, 1500);
            IntervalStats failing = new(1, 1, 0, 4, 4, Percentiles.Empty, new Dictionary<string, long> { ["ClusterDown"] = 4 }) { AllLatency = all };
            var run = new RunSummary("r", DateTime.UtcNow, 3, 4, 0, 4, 4 / 3.0, Percentiles.Empty, all, new Dictionary<string, long> { ["ClusterDown"] = 4 },
                NoSamples, [failing, empty with { Second = 2 }], [], "completed")
            { All = all };
            var findings = new ScenarioFindings();
            LoadSummary summary = RunOutput.Summarise("s", [run], findings);
            RunOutput.Write(dir, summary, [run], findings);
            string[] csv = File.ReadAllLines(Path.Combine(dir, "timeline.csv"));
            Assert.Equal("r,1,1,4,0,4,,,,,,,\"ClusterDown=4\",0,1500,1500,1500", csv[1]);
            Assert.Equal("r,2,1,0,0,0,,,,,,,\"\",0,,,", csv[2]);
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| r | ok | 0 | n/a | n/a | n/a | n/a | n/a | n/a |", md);
            Assert.Contains("| r | all | 4 | 1500.00 | 1500.00 | 1500.00 | 1500.00 | 1500.00 | 1500.00 |", md);
            Assert.Null(summary.Runs[0].Ok);
            Assert.Equal(1500, summary.Runs[0].All!.P99);
            Assert.Null(summary.Runs[0].Timeline[1].AllLatency);
            Assert.Equal(1500, summary.Runs[0].Timeline[0].AllLatency!.P99);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("p99 < 20ms", 15.0, 3000.0, true)]      // ok calls only, as before
    [InlineData("p99(ok) < 20ms", 15.0, 3000.0, true)]
    [InlineData("p99(all) < 20ms", 15.0, 3000.0, false)]
    [InlineData("p99(all) < 5s", 15.0, 3000.0, true)]
    [InlineData("max(all) <= 3s", 15.0, 3000.0, true)]
    [InlineData("P99.9 (ALL) < 1s", 15.0, 3000.0, false)]
    public void Latency_thresholds_name_ok_calls_or_every_outcome(string rule, double okP99, double allP99, bool pass)
    {
        var ok = new Percentiles(900, 1, 1, 1, okP99, okP99, okP99, 1);
        var all = new Percentiles(1000, 1, 1, 1, allP99, allP99, allP99, 1);
        var s = new RunSummary("s", DateTime.UtcNow, 1, 1000, 900, 100, 1000, ok, all, NoErrors, NoSamples, [], [], "completed") { All = all };
        Assert.Equal(pass, Threshold.Parse(rule).Evaluate(s).Pass);
    }

    [Theory]
    [InlineData("rps >= 0.9*target", true)]     // the rate the engine drove: 1000 outcomes/s, half of them failures
    [InlineData("okrps >= 0.9*target", false)]  // what was served: 500/s
    [InlineData("okrps >= 0.5*target", true)]
    [InlineData("okrps >= 400", true)]
    public void Rps_is_what_was_driven_and_okrps_what_was_served(string rule, bool pass)
    {
        var p = new Percentiles(500, 1, 1, 1, 1, 1, 1, 1);
        var s = new RunSummary("s", DateTime.UtcNow, 2, 1000, 1000, 1000, 1000, p, p, NoErrors, NoSamples, [], [], "completed");
        Assert.Equal(500, s.OkRps);
        Assert.Equal(pass, Threshold.Parse(rule).Evaluate(s).Pass);
    }

    [Theory]
    [InlineData("fail%(all) < 1")]
    [InlineData("okrps < 5ms")]
    [InlineData("p99(fail) < 1s")]
    [InlineData("okrps(all) > 1")]
    public void Bad_outcome_thresholds_are_refused(string rule) => Assert.Throws<FormatException>(() => Threshold.Parse(rule));

    [Fact]
    public async Task A_run_that_measured_nothing_fails()
    {
        var s = Scenario.Create("silent", _ => Task.FromResult(Response.Ok()))
            .WithLoadSimulations(LoadSimulation.Pause(TimeSpan.FromSeconds(0.3)));
        RunSummary r = await RunAsync(s, [Threshold.Parse("fail% < 1")]);
        Assert.Equal(0, r.Total);
        Assert.True(r.MeasuredNothing);
        Assert.False(r.ThresholdsPassed);
        ThresholdResult nothing = Assert.Single(r.Thresholds, t => t.Threshold == RunSummary.MeasuredNothingCheck);
        Assert.False(nothing.Pass);
        // Also with no threshold given at all.
        RunSummary bare = await RunAsync(s);
        Assert.False(bare.ThresholdsPassed);
        LoadSummary summary = RunOutput.Summarise("silent", [bare], new ScenarioFindings());
        Assert.False(summary.ThresholdsPassed);
        Assert.Contains(Reporting.LoadRunReport.Banners(summary.Runs), b => b.StartsWith("**measured nothing**", StringComparison.Ordinal));
        // And a scenario with no run at all.
        Assert.False(RunOutput.Summarise("none", [], new ScenarioFindings()).ThresholdsPassed);
    }

    [Fact]
    public async Task An_interrupted_run_never_passes_and_its_report_says_so()
    {
        var s = Scenario.Create("long", _ => Task.FromResult(Response.Ok()))
            .WithLoadSimulations(LoadSimulation.Inject(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        RunSummary r = await RunAsync(s, [Threshold.Parse("fail% <= 100")], cts.Token);
        Assert.Equal("cancelled", r.StopReason);
        Assert.True(r.Interrupted);
        Assert.True(r.OkCount > 0);
        Assert.True(r.Thresholds[0].Pass); // the rule itself held...
        Assert.False(r.ThresholdsPassed);  // ...but an interrupted run does not pass

        string dir = Directory.CreateTempSubdirectory("interrupted").FullName;
        try
        {
            var findings = new ScenarioFindings();
            LoadSummary summary = RunOutput.Summarise("long", [r], findings);
            Assert.False(summary.ThresholdsPassed);
            Assert.True(summary.Runs[0].Interrupted);
            RunOutput.Write(dir, summary, [r], findings);
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.StartsWith("# Load: long\n\n**interrupted**", md);
            Assert.Contains("not counted (interrupted)", md);
            Assert.DoesNotContain("| pass |", md);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Steady_at_rate_5_runs_5_per_second_not_10()
    {
        long calls = 0;
        var s = Scenario.Create("steady", _ => { Interlocked.Increment(ref calls); return Task.FromResult(Response.Ok()); })
            .WithLoadSimulations(JoinDriver.Steady(5, TimeSpan.FromSeconds(2)));
        RunSummary r = await RunAsync(s);
        Assert.Equal(5, r.TargetRps, 6);
        // Arrivals at 0.2, 0.4, … 1.8 s (the one due at 2.0 s is the next phase's): 9, where the old rounding sent 19.
        Assert.InRange(Interlocked.Read(ref calls), 8, 11);
        Assert.Equal(Interlocked.Read(ref calls), r.Total);
        // Fractional and large rates are exact too.
        Assert.Equal(0.5, ((InjectSim)JoinDriver.Steady(0.5, TimeSpan.FromSeconds(10))).PerSecond);
        Assert.Equal(2000, ((InjectSim)JoinDriver.Steady(2000, TimeSpan.FromSeconds(1))).PerSecond);
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSimulation.InjectPerSecond(0, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(12, 3, false)] // "at 12s of 3s"
    [InlineData(-1, 15, false)]
    [InlineData(0, 15, false)]
    [InlineData(15, 15, false)]
    [InlineData(3, 12, true)]
    [InlineData(0.5, 1, true)]
    public void Fault_at_must_lie_inside_the_measured_run(double faultAt, double duration, bool valid)
    {
        var load = new LoadOptions { Duration = TimeSpan.FromSeconds(duration) };
        var o = new FailoverOptions { FaultAt = TimeSpan.FromSeconds(faultAt) };
        if (valid) { o.Validate(load); return; }
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => o.Validate(load));
        Assert.Contains("--fault-at", ex.Message);
        Assert.Equal(nameof(FailoverOptions.FaultAt), ex.ParamName);
        new FailoverOptions().Validate(load); // no --fault-at: the default (a third) is fine
    }

    [Fact]
    public void The_report_shows_lateness_injector_cpu_and_the_harness_limited_flag()
    {
        string dir = Directory.CreateTempSubdirectory("harness").FullName;
        try
        {
            var ok = new Percentiles(1000, 0.5, 0.6, 0.8, 1, 1.2, 2, 0.55);
            var lateness = new Percentiles(1000, 0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 0.15);
            var raw = new RunSummary("r", DateTime.UtcNow, 1, 1000, 1000, 0, 1000, ok, Percentiles.Empty, NoErrors, NoSamples, [], [], "completed")
            {
                All = ok, Lateness = lateness, InjectorCpu = 0.123, Injector = "linux clock_nanosleep (test)",
            };
            Assert.True(raw.HarnessLimited);
            RunSummary run = raw with { Thresholds = [Threshold.Parse("p99 < 0.5ms").Evaluate(raw), Threshold.Parse("p99 < 20ms").Evaluate(raw)] };
            Assert.Equal("FAIL (harness-limited)", run.Thresholds[0].Verdict);
            var findings = new ScenarioFindings();
            LoadSummary summary = RunOutput.Summarise("s", [run], findings);
            LoadRun c = summary.Runs[0];
            Assert.True(c.HarnessLimited);
            Assert.Equal(0.4, c.Lateness!.P99);
            Assert.Equal(0.123, c.InjectorCpu);
            Assert.Equal("linux clock_nanosleep (test)", c.Injector);
            Assert.True(c.Thresholds[0].HarnessLimited);
            RunOutput.Write(dir, summary, [run], findings);
            string md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("**harness-limited**: `r`", md);
            Assert.Contains("| r | 0.100 | 0.400 | linux clock_nanosleep (test) | 0.123 | **yes** |", md);
            Assert.Contains("| **FAIL** (harness-limited) |", md);
            Assert.Contains("| pass (harness-limited) |", md);
        }
        finally { Directory.Delete(dir, true); }
    }
}
