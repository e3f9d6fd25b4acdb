using HashtagBench.Keys;
using HashtagBench.WaitingRoom;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.ClusterSim.Tests;

/// <summary>
/// The simulators stop on their token mid-run, and refuse sizes this machine cannot run (memory, or a run longer
/// than the limit) before doing the work, saying what the most is.
/// </summary>
public sealed partial class HostLimitsTests
{
    private static readonly Workload Uniform = new(100, Popularity.Uniform, 100_000, RateProfile.Constant(10_000, 600));
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a stuck loop fails the test instead of hanging it

    [Fact]
    public async Task A_monte_carlo_run_stops_on_its_token_mid_way()
    {
        // 2·10^10 joins: minutes on 2 cores, well inside the 24-hour limit, so it starts and must be stopped.
        var sim = new Simulator(Uniform, Topology.EvenSplit(3), new SimOptions { Joins = 10_000_000_000, Seeds = 2 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Task.Run(() => sim.Run(StrategyList.Parse(StrategyList.Default), cts.Token)).WaitAsync(Bound));
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public void The_event_sweep_and_the_capacity_plan_stop_on_their_token()
    {
        var sim = new Simulator(Uniform, Topology.EvenSplit(3), new SimOptions { Joins = 10_000, Seeds = 3 });
        SimResult result = sim.Run([KeyStrategy.EventTag, KeyStrategy.Bucketed(8)]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Sweep.HottestShareVsEvents(sim, [KeyStrategy.EventTag], Sweep.DefaultEventCounts(100), cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => CapacityPlanner.Plan(sim, result, new CapacityInput(5_000), cts.Token));
        // Without the token both run to the end.
        Assert.NotEmpty(Sweep.HottestShareVsEvents(sim, [KeyStrategy.EventTag], Sweep.DefaultEventCounts(100)));
        Assert.NotNull(CapacityPlanner.Plan(sim, result, new CapacityInput(5_000)).Buckets);
    }

    [Fact]
    public void A_run_longer_than_the_limit_is_refused_before_it_counts_a_join()
    {
        // 4·10^9 joins take tens of seconds at any rate this machine reaches; the limit here is 1 s.
        var sim = new Simulator(Uniform, Topology.EvenSplit(3), new SimOptions { Joins = 1_000_000_000, Seeds = 4, MaxRunTime = TimeSpan.FromSeconds(1) });
        var ex = Assert.Throws<SimInputException>(() => sim.Run([KeyStrategy.EventTag]));
        Assert.Equal("joins", ex.Field);
        Assert.Matches(@"^--joins 1000000000 × 4 seeds would take about .+ at ~[\d,]+ joins/s \(measured here, \d+ thread\(s\)\); at most [\d,]+ joins per seed finish within 1\.0 s\.$", ex.Message);
        Assert.InRange(AtMost(ex.Message), 1, 1_000_000_000 - 1);
    }

    [Fact]
    public void More_events_than_memory_holds_are_refused_with_the_most_that_fits()
    {
        var options = new SimOptions { Seeds = 1, Joins = 1000, MemoryBytes = 10 << 20 };
        var ex = Assert.Throws<SimInputException>(() => new Simulator(Uniform with { Events = 1_000_000 }, Topology.EvenSplit(3), options));
        Assert.Equal("events", ex.Field);
        Assert.StartsWith("--events 1000000 needs about ", ex.Message);
        Assert.Contains("this machine has 10 MB", ex.Message);
        int most = (int)AtMost(ex.Message);
        // The boundary is the one the message names.
        Assert.NotNull(new Simulator(Uniform with { Events = most }, Topology.EvenSplit(3), options));
        Assert.Equal("events", Assert.Throws<SimInputException>(() => new Simulator(Uniform with { Events = most + 1 }, Topology.EvenSplit(3), options)).Field);
    }

    private static Launch Users(int users, string entryRule = "", double overSeconds = 60) => LaunchFileLoader.Parse($$"""
        {
          "name": "big", "seed": 3, "generatedEvents": { "count": 50, "idFormat": "evt_{n}" },
          "arrival": { "users": {{users}}, "overSeconds": {{overSeconds.ToString(CultureInfo.InvariantCulture)}} },
          "admission": { "bucketCapacity": 500, "refillPerSecond": 50 {{entryRule}} },
          "topology": { "shards": 3 }, "strategies": [ "legacy", "event", "bucketed:8" ]
        }
        """, "big.json");

    [Fact]
    public async Task A_launch_simulation_stops_on_its_token_mid_way()
    {
        // 300,000 users: 10 s or more of simulation on 2 cores, so it is stopped half way.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Task.Run(() => new LaunchSimulator(Users(300_000), ct: cts.Token).Run()).WaitAsync(Bound));
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public void More_visits_than_memory_holds_are_refused_before_any_is_drawn()
    {
        const long memory = 1 << 20;
        var ex = Assert.Throws<SimInputException>(() => new LaunchSimulator(Users(10_000), hostMemoryBytes: memory));
        Assert.Equal("arrival.users", ex.Field);
        Assert.StartsWith("big: 10,000 visits need about ", ex.Message);
        int most = (int)AtMost(ex.Message);
        Assert.Equal(most, new LaunchSimulator(Users(most), hostMemoryBytes: memory).Population.Visits);
        Assert.Throws<SimInputException>(() => new LaunchSimulator(Users(most + 1), hostMemoryBytes: memory));
    }

    [Fact]
    public void A_launch_whose_requests_outgrow_memory_is_refused_in_its_queue_dynamics()
    {
        // Nobody enters before 10^6 s of waiting: every user polls every 2-4 s for days, billions of requests in all.
        const string neverEnter = """, "entryRule": [ { "upToRank": 1000000, "minWaitSeconds": 1000000, "bucket": false } ]""";
        long memory = 1000 * LaunchSimulator.VisitBytes + 100_000 * LaunchSimulator.RequestBytes;
        var sim = new LaunchSimulator(Users(1000, neverEnter), hostMemoryBytes: memory);
        Assert.Equal(100_000, sim.MaxRequests);
        var ex = Assert.Throws<SimInputException>(() => sim.Run());
        Assert.Equal("requests", ex.Field);
        Assert.StartsWith("The launch makes more than 100,000 requests", ex.Message);
        // The same budget holds an ordinary launch of as many users (about 4 requests each).
        Assert.Equal(3, new LaunchSimulator(Users(1000), hostMemoryBytes: memory).Run().Strategies.Count);
    }

    private static long AtMost(string message) =>
        long.Parse(AtMostNumber().Match(message).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"at most ([\d,]+)")]
    private static partial Regex AtMostNumber();
}
