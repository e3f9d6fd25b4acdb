using HashtagBench.Contracts;
using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Tests;

/// <summary>The engine on its own, no Redis: schedule, latency correction, models, bounds, thresholds, logs.</summary>
public sealed class EngineTests
{
    private static Task<RunSummary> RunAsync(Scenario s, CancellationToken ct = default, Stream? log = null) => new LoadRunner(s, histogramLog: log).RunAsync(ct);

    /// <summary>
    /// When each call was made, on a clock started just before the run (so it reads a hair ahead of the runner's).
    /// Tests of the schedule use these rather than the timeline, whose seconds are cut by a timer that a busy test
    /// host can delay by hundreds of ms.
    /// </summary>
    private sealed class CallTimes
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private readonly System.Collections.Concurrent.ConcurrentBag<double> _at = [];
        public Task<Response> Ok() { _at.Add(_clock.Elapsed.TotalSeconds); return Task.FromResult(Response.Ok()); }
        public int Count => _at.Count;
        public double Last => _at.Max();
        public int Between(double from, double to) => _at.Count(t => t >= from && t < to);
    }

    [Fact]
    public async Task Inject_keeps_the_requested_rate()
    {
        var calls = new CallTimes();
        var s = Scenario.Create("noop", _ => calls.Ok())
            .WithLoadSimulations(LoadSimulation.Inject(20, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)));
        RunSummary r = await RunAsync(s);
        Assert.InRange(r.Total, 360, 440); // 200/s for 2 s, with slack for a busy 2-core machine
        Assert.Equal(r.Total, calls.Count);
        Assert.Equal(200, r.TargetRps, 1);
        Assert.Equal("completed", r.StopReason);
        // Spread over the run, not bunched: each second carries about its share.
        Assert.InRange(calls.Between(0, 1), 140, 260);
        Assert.InRange(calls.Between(1, 2), 140, 260);
    }

    [Fact]
    public async Task Every_invocation_gets_its_own_number()
    {
        var seen = new System.Collections.Concurrent.ConcurrentBag<long>();
        var s = Scenario.Create("numbers", async ctx => { seen.Add(ctx.InvocationNumber); await Task.Yield(); return Response.Ok(); })
            .WithLoadSimulations(LoadSimulation.Inject(50, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        RunSummary r = await RunAsync(s);
        Assert.Equal(r.Total, seen.Count);
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Order());
    }

    [Fact]
    public async Task Timeline_error_counts_add_up_to_the_totals()
    {
        var s = Scenario.Create("kinds", ctx => Task.FromResult((ctx.InvocationNumber % 3) switch
        {
            0 => Response.Ok(),
            1 => Response.Fail("Timeout"),
            _ => Response.Fail("ClusterDown"),
        }))
            .WithLoadSimulations(LoadSimulation.Inject(100, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2.5)));
        RunSummary r = await RunAsync(s);
        Assert.True(r.FailCount > 1000);
        Assert.Equal(r.FailCount, r.ErrorsByKind.Values.Sum());
        Assert.Equal(r.FailCount, r.Timeline.Sum(t => t.Fail));
        foreach (string kind in new[] { "Timeout", "ClusterDown" })
            Assert.Equal(r.ErrorsByKind[kind], r.Timeline.Sum(t => t.ErrorsByKind.GetValueOrDefault(kind)));
        Assert.Equal(r.OkCount, r.Timeline.Sum(t => t.Ok));
    }

    [Fact]
    public async Task Open_model_latency_includes_a_stall_the_closed_model_hides()
    {
        // A server-wide stall: every call queues behind one lock, one call holds it for 300 ms.
        static Scenario Stalling(string name, LoadSimulation sim)
        {
            var gate = new SemaphoreSlim(1);
            long calls = 0;
            return Scenario.Create(name, async _ =>
            {
                await gate.WaitAsync();
                try { if (Interlocked.Increment(ref calls) == 50) await Task.Delay(300); }
                finally { gate.Release(); }
                return Response.Ok();
            }).WithLoadSimulations(sim);
        }
        RunSummary open = await RunAsync(Stalling("open", LoadSimulation.Inject(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2))));
        RunSummary closed = await RunAsync(Stalling("closed", LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(2))));

        // Open: the ~30 arrivals scheduled during the stall are charged from their intended start.
        Assert.True(open.Ok.P95 >= 100, $"open p95 {open.Ok.P95} ms should show the stall");
        Assert.True(open.Ok.Max >= 250, $"open max {open.Ok.Max} ms: the arrival due just after the stall began waited it out");
        // Closed: one slow call among many fast ones; the percentiles hide it, only max shows it.
        Assert.True(closed.Ok.Max >= 290, $"closed max {closed.Ok.Max} ms");
        Assert.True(closed.Ok.P99 < 50, $"closed p99 {closed.Ok.P99} ms");
    }

    [Fact]
    public async Task KeepConstant_runs_exactly_that_many_copies_at_once()
    {
        int now = 0, peak = 0;
        var s = Scenario.Create("copies", async _ =>
        {
            int c = Interlocked.Increment(ref now);
            InterlockedMax(ref peak, c);
            await Task.Delay(5);
            Interlocked.Decrement(ref now);
            return Response.Ok();
        }).WithLoadSimulations(LoadSimulation.KeepConstant(4, TimeSpan.FromSeconds(1)));
        RunSummary r = await RunAsync(s);
        Assert.Equal(4, peak);
        Assert.True(r.Total > 20);
    }

    [Fact]
    public async Task RampingInject_ramps_and_Pause_sends_nothing()
    {
        var calls = new CallTimes();
        var s = Scenario.Create("ramp", _ => calls.Ok())
            .WithLoadSimulations(LoadSimulation.RampingInject(40, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3)),
                LoadSimulation.Pause(TimeSpan.FromSeconds(1)));
        RunSummary r = await RunAsync(s);
        Assert.Equal(r.Total, calls.Count);
        int first = calls.Between(0, 1), third = calls.Between(2, 3);
        Assert.True(first < third, $"first second {first}, third {third}");
        Assert.InRange(r.Total, 450, 750); // 0 → 400/s over 3 s ≈ 600
        Assert.True(calls.Last < 3.25, $"a call at {calls.Last:0.000} s, in the pause"); // the ramp ends at 3 s
        Assert.True(r.Seconds >= 3.9, $"the run lasted {r.Seconds:0.00} s; the pause was cut short");
    }

    [Fact]
    public async Task A_run_stops_at_MaxInvocations()
    {
        var s = Scenario.Create("cap", _ => Task.FromResult(Response.Ok()))
            .WithLoadSimulations(LoadSimulation.Inject(100, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)))
            .WithLimits(maxInFlight: 100, maxInvocations: 100);
        RunSummary r = await RunAsync(s);
        Assert.Equal(100, r.Total);
        Assert.Contains("100 invocations", r.StopReason);
        // The rest of the schedule (1,000/s for 2 s: 1,999 arrivals) was never sent, and is counted so.
        Assert.Equal(100, r.Arrivals!.Sent);
        Assert.Equal(1_899, r.Arrivals.Dropped[ArrivalCounts.InvocationCap]);
    }

    [Fact]
    public async Task A_hanging_scenario_still_ends_and_its_calls_count_as_failures()
    {
        var s = Scenario.Create("hang", async ctx => { await Task.Delay(Timeout.Infinite, ctx.Token); return Response.Ok(); })
            .WithLoadSimulations(LoadSimulation.Inject(2, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        RunSummary r = await RunAsync(s, cts.Token);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal("cancelled", r.StopReason);
        Assert.Equal(r.Total, r.ErrorsByKind.GetValueOrDefault("client.cancelled"));
    }

    [Fact]
    public async Task A_throwing_scenario_is_a_classified_failure()
    {
        var s = Scenario.Create("throws", _ => throw new InvalidOperationException("boom"))
            .WithLoadSimulations(LoadSimulation.Inject(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        RunSummary r = await RunAsync(s);
        Assert.Equal(0, r.OkCount);
        Assert.Equal(r.FailCount, r.ErrorsByKind["exception.InvalidOperationException"]);
        Assert.Equal("boom", r.ErrorSamples["exception.InvalidOperationException"]);
    }

    [Fact]
    public void Bad_simulations_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSimulation.Inject(-1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSimulation.KeepConstant(-2, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSimulation.Inject(1, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSimulation.Pause(TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => Scenario.Create("x", _ => Task.FromResult(Response.Ok())).WithLoadSimulations());
    }

    [Theory]
    [InlineData("p99 < 20ms", 15.0, 0.0, 1000.0, true)]
    [InlineData("p99 < 20ms", 25.0, 0.0, 1000.0, false)]
    [InlineData("p99 <= 0.02s", 20.0, 0.0, 1000.0, true)]
    [InlineData("fail% < 0.1", 1.0, 0.05, 1000.0, true)]
    [InlineData("fail% < 0.1", 1.0, 0.5, 1000.0, false)]
    [InlineData("rps >= 0.95*target", 1.0, 0.0, 960.0, true)]
    [InlineData("rps >= 0.95*target", 1.0, 0.0, 900.0, false)]
    public void Thresholds_pass_and_fail(string rule, double p99, double failPct, double rps, bool pass)
    {
        long total = 100_000, fail = (long)(total * failPct / 100);
        var ok = new Percentiles(total - fail, 1, 1, 1, p99, p99, p99, 1);
        var s = new RunSummary("s", DateTime.UtcNow, 1, 1000, total - fail, fail, rps, ok, ok, new Dictionary<string, long>(),
            new Dictionary<string, string>(), [], [], "completed");
        Assert.Equal(pass, Threshold.Parse(rule).Evaluate(s).Pass);
    }

    [Theory]
    [InlineData("p99 20ms")]
    [InlineData("p42 < 1ms")]
    [InlineData("fail% < 1ms")]
    [InlineData("p99 < 2*target")]
    public void Bad_thresholds_say_what_is_wrong(string rule) => Assert.Throws<FormatException>(() => Threshold.Parse(rule));

    [Fact]
    public async Task Histogram_logs_of_two_agents_merge_exactly()
    {
        string dir = Directory.CreateTempSubdirectory("hlog").FullName;
        var runs = new List<RunSummary>();
        foreach (string agent in new[] { "a", "b" })
        {
            await using FileStream log = File.Create(Path.Combine(dir, agent + ".hlog"));
            var s = Scenario.Create(agent, async ctx => { await Task.Delay(agent == "a" ? 1 : 3); return ctx.InvocationNumber % 10 == 0 ? Response.Fail("x") : Response.Ok(); })
                .WithLoadSimulations(LoadSimulation.Inject(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1.5)));
            runs.Add(await RunAsync(s, log: log));
        }
        var (ok, fail) = HistogramLogs.Merge(Directory.GetFiles(dir, "*.hlog"));
        Assert.Equal(runs.Sum(r => r.OkCount), ok.TotalCount);
        Assert.Equal(runs.Sum(r => r.FailCount), fail.TotalCount);
        Assert.Equal(runs.Max(r => r.Ok.Max), Percentiles.From(ok).Max, 0.01);
        Directory.Delete(dir, true);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
