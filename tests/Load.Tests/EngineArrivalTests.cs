using HashtagBench.Contracts;
using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Tests;

/// <summary>
/// Every arrival of the schedule is sent or counted as dropped, with its reason: a starved injector, a run stopped
/// early, agents' slices, and the dropped-arrivals thresholds.
/// </summary>
public sealed class EngineArrivalTests
{
    /// <summary>The schedule by brute force: every k whose arrival time falls inside the phase, owned by <paramref name="slice"/>.</summary>
    private static long Scheduled(InjectSim sim, double from, ArrivalSlice? slice = null)
    {
        long n = 0;
        for (long k = 1; sim.ArrivalTime(k, from) < sim.During.TotalSeconds; k++)
            if ((slice ?? ArrivalSlice.Whole).Owns(k)) n++;
        return n;
    }

    [Fact]
    public async Task A_starved_injector_stopped_mid_block_counts_what_was_due_as_late_and_the_rest_as_end_of_phase()
    {
        // Call 1 stops the run (as Ctrl-C would) and blocks the injector's own thread for 1 s.
        // When the injector gets its thread back, everything due by then (≥ 100 arrivals at 100/s) was owed by a
        // late injector; the rest of the phase and the whole next phase never came. Nothing is forgotten.
        var first = (InjectSim)LoadSimulation.InjectPerSecond(100, TimeSpan.FromSeconds(3));
        var second = (InjectSim)LoadSimulation.InjectPerSecond(50, TimeSpan.FromSeconds(1));
        using var cts = new CancellationTokenSource();
        var s = Scenario.Create("starved", ctx =>
            {
                if (ctx.InvocationNumber == 1)
                {
                    _ = cts.CancelAsync(); // Ctrl-C, while the injector is blocked
                    Thread.Sleep(1000);
                }
                return Task.FromResult(Response.Ok());
            })
            .WithLoadSimulations(first, LoadSimulation.Pause(TimeSpan.FromSeconds(0.5)), second);
        RunSummary r = await new LoadRunner(s, Threshold.ParseRules([])).RunAsync(cts.Token);

        ArrivalCounts a = r.Arrivals!;
        Assert.Equal(Scheduled(first, 0) + Scheduled(second, 0), a.Scheduled); // 299 + 49, exactly
        Assert.Equal((1L, 1L), (a.Sent, r.Total));
        Assert.True(a.Dropped[ArrivalCounts.LateInjector] >= 99, $"dropped {a.DroppedText()}");
        Assert.True(a.Dropped[ArrivalCounts.EndOfPhase] >= Scheduled(second, 0), $"dropped {a.DroppedText()}");
        Assert.True(r.Interrupted);
        ThresholdResult dropped = Assert.Single(r.Thresholds, t => t.Threshold == Threshold.DefaultDropped);
        Assert.False(dropped.Pass);
        Assert.Equal(a.DroppedTotal, dropped.Actual);
    }

    [Fact]
    public async Task Each_agents_slice_accounts_for_its_own_arrivals_and_together_for_the_whole_schedule()
    {
        // A ramp from 0, a step and a cap that stops the run mid-phase: the agents' sent and dropped add up to the
        // single-agent schedule exactly, and each agent's to its slice.
        LoadSimulation[] phases =
        [
            LoadSimulation.RampingInject(30, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(0.5)),
            LoadSimulation.InjectPerSecond(250, TimeSpan.FromSeconds(0.4)),
        ];
        long whole = Scheduled((InjectSim)phases[0], 0) + Scheduled((InjectSim)phases[1], 300);
        var agents = new List<ArrivalCounts>();
        for (int i = 0; i < 3; i++)
        {
            var slice = new ArrivalSlice(i, 3);
            var s = Scenario.Create($"agent{i}", _ => Task.FromResult(Response.Ok())).WithLoadSimulations(phases)
                .WithArrivalSlice(slice).WithLimits(maxInFlight: 100, maxInvocations: 40);
            RunSummary r = await new LoadRunner(s).RunAsync();
            Assert.Equal(Scheduled((InjectSim)phases[0], 0, slice) + Scheduled((InjectSim)phases[1], 300, slice), r.Arrivals!.Scheduled);
            Assert.Equal(r.Total, r.Arrivals.Sent);
            Assert.Equal(40, r.Arrivals.Sent);
            agents.Add(r.Arrivals);
        }
        ArrivalCounts merged = ArrivalCounts.Sum(agents)!;
        Assert.Equal(whole, merged.Scheduled);
        Assert.Equal(whole - 120, merged.Dropped[ArrivalCounts.InvocationCap]);
        Assert.Null(ArrivalCounts.Sum([agents[0], null])); // an older agent file: unknown, not 0
    }

    [Theory]
    [InlineData(300, 300, 3, false)]
    [InlineData(0.5, 0.5, 10, false)]
    [InlineData(2000, 2000, 1, false)]
    [InlineData(1000, 0, 0.7, true)]   // ramp up from 0
    [InlineData(0, 1000, 0.7, true)]   // ramp down to 0
    [InlineData(77, 333, 1.3, true)]
    public void Arrivals_before_a_time_agree_with_the_injectors_schedule(double perSecond, double from, double seconds, bool ramp)
    {
        var sim = new InjectSim(perSecond, 1, TimeSpan.FromSeconds(seconds), ramp);
        for (double t = 0; t <= seconds + 0.05; t += seconds / 97)
        {
            long brute = 0;
            while (sim.ArrivalTime(brute + 1, from) < Math.Min(t, seconds)) brute++;
            Assert.Equal(brute, sim.ArrivalsBefore(t, from));
        }
        // On an arrival's own time: it is not before itself, and just after it, it is.
        double at = sim.ArrivalTime(5, from);
        if (at < seconds)
        {
            Assert.Equal(4, sim.ArrivalsBefore(at, from));
            Assert.Equal(5, sim.ArrivalsBefore(Math.BitIncrement(at), from));
        }
    }

    [Fact]
    public void A_slice_owns_its_share_of_any_range_of_arrivals()
    {
        foreach (int count in new[] { 1, 2, 3, 7 })
            for (int index = 0; index < count; index++)
            {
                var slice = new ArrivalSlice(index, count);
                for (long first = 1; first <= 12; first++)
                    for (long last = first - 1; last <= 30; last++)
                    {
                        long brute = 0;
                        for (long k = first; k <= last; k++) if (slice.Owns(k)) brute++;
                        Assert.Equal(brute, slice.OwnedIn(first, last));
                    }
            }
    }

    [Theory]
    [InlineData("dropped <= 10", "dropped", 10)]
    [InlineData("DROPPED<0", "dropped", 0)]
    [InlineData("dropped% < 0.1", "dropped%", 0.1)]
    public void Dropped_thresholds_parse(string text, string metric, double value)
    {
        Threshold t = Threshold.Parse(text);
        Assert.Equal((metric, value, true), (t.Metric, t.Value, t.IsDropped));
    }

    [Theory]
    [InlineData("dropped < 5ms")]
    [InlineData("dropped(all) < 1")]
    [InlineData("dropped <= 0.1*target")]
    [InlineData("fail% < 0.5*target")]
    public void Bad_dropped_thresholds_are_refused(string text) => Assert.Throws<FormatException>(() => Threshold.Parse(text));

    [Fact]
    public void No_dropped_arrival_is_allowed_unless_a_rule_allows_some()
    {
        Assert.Equal([Threshold.DefaultDropped], Threshold.ParseRules([]).Select(t => t.Text));
        Assert.Equal(["p99 < 20ms", Threshold.DefaultDropped], Threshold.ParseRules(["p99 < 20ms"]).Select(t => t.Text));
        Assert.Equal(["dropped% < 1"], Threshold.ParseRules(["dropped% < 1"]).Select(t => t.Text));

        var p = new Percentiles(100, 1, 1, 1, 1, 1, 1, 1);
        RunSummary Run(ArrivalCounts? arrivals) =>
            new RunSummary("s", DateTime.UtcNow, 1, 100, 100, 0, 100, p, Percentiles.Empty, new Dictionary<string, long>(), new Dictionary<string, string>(), [], [], "completed")
            { All = p, Arrivals = arrivals };
        var five = new ArrivalCounts(100, new Dictionary<string, long> { [ArrivalCounts.LateInjector] = 5 });
        Assert.False(Threshold.Parse("dropped <= 0").Evaluate(Run(five)).Pass);
        Assert.True(Threshold.Parse("dropped <= 5").Evaluate(Run(five)).Pass);
        ThresholdResult share = Threshold.Parse("dropped% < 4").Evaluate(Run(five));
        Assert.Equal((100.0 * 5 / 105, false), (share.Actual, share.Pass));
        Assert.True(Threshold.Parse("dropped <= 0").Evaluate(Run(ArrivalCounts.None)).Pass);
        // Not recorded (an older file), or a share of an empty schedule: n/a, and the rule fails.
        Assert.True(Threshold.Parse("dropped <= 0").Evaluate(Run(null)) is { Pass: false, NoData: true });
        Assert.True(Threshold.Parse("dropped% < 1").Evaluate(Run(ArrivalCounts.None)) is { Pass: false, NoData: true });
    }
}
