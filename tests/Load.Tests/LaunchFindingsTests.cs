using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Load.Rehearsal;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Load.Tests;

/// <summary>
/// Each launch finding's number from a small simulated launch, checked against counts derived here from
/// <see cref="Traffic.Commands"/> and the timeline; the stream probe on the local cluster.
/// </summary>
[Collection(LoadClusterCollection.Name)]
public sealed class LaunchFindingsTests(ClusterFixture fx)
{
    // 3 events, 400 users over 4 s, half of them anonymous, nobody leaves or expires: every anonymous entry stays.
    private const string TinyLaunch = """
    {
      "name": "tiny", "seed": 7,
      "generatedEvents": { "count": 3, "idFormat": "evt_{n}", "popularity": "zipf:1.2" },
      "arrival": { "users": 400, "overSeconds": 4, "iterationsPerUser": 1 },
      "poll": { "minSeconds": 1, "maxSeconds": 2 },
      "admission": { "bucketCapacity": 20, "refillPerSecond": 10, "entryRule": [
        { "upToRank": 10, "minWaitSeconds": 0, "bucket": false }, { "upToRank": 100, "minWaitSeconds": 2, "bucket": true } ] },
      "leave": { "share": 0, "minSeconds": 5, "maxSeconds": 30 },
      "expiry": { "share": 0, "minSeconds": 5, "maxSeconds": 30 },
      "retry": { "joinAttempts": 1, "backoffSeconds": 1 },
      "anonymousShare": 0.5, "replicaReads": true, "seatHoldShare": 0,
      "topology": { "shards": 3, "replicasPerShard": 1 },
      "strategies": ["event", "bucketed:4"],
      "thresholds": {}
    }
    """;

    private static readonly Lazy<LaunchSimResult> Sim = new(() => new LaunchSimulator(LaunchFileLoader.Parse(TinyLaunch)).Run());

    private static LaunchStrategyResult Result(string name) => Sim.Value.Strategies.Single(s => s.Schema.Name == name);

    /// <summary>Commands per key class and reads, recounted from the timeline through Traffic.Commands (no simulator counters).</summary>
    private static (Dictionary<KeyClass, long> PerClass, long Reads, long All) Recount(LaunchStrategyResult r)
    {
        var perClass = new Dictionary<KeyClass, long>();
        long reads = 0, all = 0;
        foreach (LaunchRequest q in r.Timeline.Requests)
            foreach (RedisCommand c in Traffic.Commands(q.Step, r.Schema, q.EnterPath))
            {
                perClass[c.Key] = perClass.GetValueOrDefault(c.Key) + 1;
                all++;
                if (c.Read) reads++;
            }
        return (perClass, reads, all);
    }

    [Fact]
    public void Fan_out_counts_commands_per_status_poll_from_the_model_and_the_simulation()
    {
        StatusFanOut f = Assert.Single(LaunchFindings.FanOut(Sim.Value));
        // By hand: rate limit, EXISTS, EXPIRE, GET, 3 ZCOUNT windows, and two position reads of N commands each.
        Assert.Equal(("bucketed:4", 1 + 3 + 4 + 3 + 4, 1 + 3 + 1 + 3 + 1), (f.Strategy, f.ModelPerPoll, f.EventModelPerPoll));
        Assert.Equal(15.0, f.SimulatedPerPoll);
        Assert.Equal(9.0, f.EventSimulatedPerPoll);
        Assert.InRange(f.MeanShardsPerPoll!.Value, 1, 3);
        LaunchFinding finding = LaunchFindings.Compute(Sim.Value)[1];
        Assert.Contains("bucketed:4 sends 15 commands per status poll, event 9 (1.7×)", finding.Number);
    }

    [Fact]
    public void Untagged_per_event_keys_and_the_hot_events_share_off_its_shard()
    {
        LaunchStrategyResult r = Result("event");
        UntaggedKeyFigures f = LaunchFindings.UntaggedKeys(Sim.Value);
        Assert.Equal([KeyClass.AdmissionMetrics, KeyClass.AdmissionBucket], f.Untagged);

        // The hot event: the most joined visits; its tagged keys hash the event ID, its untagged ones their whole text.
        LaunchPopulation pop = Sim.Value.Population;
        string hot = r.Timeline.Visits.Where(v => v.Joined).GroupBy(v => pop.EventOf(v.Visit)).MaxBy(g => g.Count())!.Key is int e ? Sim.Value.Launch.EventIds[e] : "";
        Assert.Equal(hot, f.HotEvent);
        int own = r.Topology.ShardOf(HashSlot.Of(hot));
        Assert.Equal(own, f.OwnShard);
        var shardOf = new Dictionary<KeyClass, int>
        {
            [KeyClass.AdmissionMetrics] = r.Topology.ShardOf(HashSlot.Of("metrics:admission:" + hot)),
            [KeyClass.AdmissionBucket] = r.Topology.ShardOf(HashSlot.Of("admission:bucket:" + hot)),
        };
        Assert.Equal(shardOf, f.ShardOfUntagged);
        Assert.Equal(shardOf.Values.Append(own).Distinct().Count(), f.ShardsTouched);

        // Per-event key classes (slot from the event alone) and the share, from a recount.
        KeyClass[] perEvent = [KeyClass.Dedupe, KeyClass.Stream, KeyClass.EventQueue, KeyClass.PositionIndex, KeyClass.AdmissionMetrics,
            KeyClass.AdmissionBucket, KeyClass.SeatStatus, KeyClass.SeatHold, KeyClass.Inventory];
        Assert.Equal(perEvent.Order(), LaunchFindings.PerEventClasses(WaitingRoomSchema.Event).Order());
        var (perClass, _, _) = Recount(r);
        long all = perEvent.Sum(c => perClass.GetValueOrDefault(c));
        long off = shardOf.Where(kv => kv.Value != own).Sum(kv => perClass.GetValueOrDefault(kv.Key));
        Assert.True(all > 0);
        Assert.Equal((double)off / all, f.OffShardShare!.Value, 12);
        // Every event: its untagged keys' shards against its own, by hand.
        Assert.Equal(3, f.EventsByShards.Values.Sum());
        var touched = Sim.Value.Launch.EventIds.Select(ev => new[] { HashSlot.Of(ev), HashSlot.Of("metrics:admission:" + ev), HashSlot.Of("admission:bucket:" + ev) }
            .Select(r.Topology.ShardOf).Distinct().Count()).ToList();
        Assert.All(f.EventsByShards, kv => Assert.Equal(touched.Count(t => t == kv.Key), kv.Value));
        Assert.InRange(f.AllEventsOffShardShare!.Value, 0, 1);
        LaunchFinding finding = LaunchFindings.Compute(Sim.Value)[2];
        Assert.Contains($"{(double)off / all * 100:0.#} % of {hot}'s per-event commands land off its shard {own}", finding.Number);
    }

    [Fact]
    public void Replica_share_predicted_from_the_reads_and_measured_from_commandstats()
    {
        var (_, reads, all) = Recount(Result("event"));
        ReplicaReadShare[] rows = [.. LaunchFindings.ReplicaReads(Sim.Value, [LiveRun("event")])];
        ReplicaReadShare ev = rows.Single(x => x.Strategy == "event");
        Assert.Equal((double)reads / all, ev.Predicted!.Value, 12);
        // Replica: 30 ZRANK + 10 GET reads; its 20 SET are replicated writes, left out. Primary: 10 EVALSHA + 20 SET + 5 nested XADD (not a model command).
        Assert.Equal(40.0 / 70, ev.Measured!.Value, 12);
        Assert.Null(rows.Single(x => x.Strategy == "bucketed:4").Measured); // no live run of it: n/a, not 0
    }

    [Fact]
    public void Untrimmed_stream_length_from_the_simulation_and_cost_from_the_probe_fit()
    {
        LaunchStrategyResult r = Result("event");
        LaunchPopulation pop = Sim.Value.Population;
        var perEvent = r.Timeline.Visits.Where(v => v.Joined && pop.IsAnonymous(pop.UserOf(v.Visit))).GroupBy(v => pop.EventOf(v.Visit)).Select(g => (long)g.Count()).ToList();
        Assert.Equal(r.AnonymousStreamEntries, perEvent.Sum()); // nobody leaves: every anonymous join stays

        // A linear probe: 100 µs at 1,000 entries, 1,000 µs at 10,000.
        var probe = new StreamGrowthResult("k", "n", [new(10_000, 20, 5, 8, 1000), new(1_000, 20, 0.5, 0.9, 100)], true);
        UntrimmedStreamFigures f = LaunchFindings.UntrimmedStream(Sim.Value, probe);
        Assert.Equal(perEvent.Max(), f.LargestStreamEntries);
        Assert.Equal(0.1 * perEvent.Max(), f.ServerUsecAtLaunchSize!.Value, 6);
        Assert.Equal(10, f.ClientRatio!.Value, 9);
        Assert.Equal(10, f.ServerRatio!.Value, 9);
        string number = LaunchFindings.Compute(Sim.Value, probe: probe)[0].Number;
        Assert.Contains("XRANGE - + 5 ms at 10,000 entries, 0.5 ms at 1,000 (10×); server 1 ms vs 100 µs per call (10×)", number);
    }

    [Fact]
    public void Missing_inputs_read_n_a_never_0()
    {
        IReadOnlyList<LaunchFinding> f = LaunchFindings.Compute(null);
        Assert.Equal(4, f.Count);
        Assert.StartsWith("n/a", f[0].Number);
        Assert.Contains("bucketed:8 sends 23 commands per status poll, event 9 (2.6×)", f[1].Number); // the model needs no input
        Assert.Contains("n/a", f[2].Number);
        Assert.StartsWith("n/a", f[3].Number);
        Assert.Contains("n/a", f[1].Detail); // no simulated count
        Assert.DoesNotContain(" 0 %", string.Concat(f.Select(x => x.Number)));
    }

    [Fact]
    public async Task Probe_measures_xrange_growing_with_the_stream_and_removes_it()
    {
        string prefix = $"probe{Guid.NewGuid():N}"[..16] + ":";
        StreamGrowthResult r = await StreamGrowthProbe.RunAsync(fx.Mux, WaitingRoomSchema.Event, prefix, [5_000, 200], callsPerSize: 20);
        Assert.EndsWith(":user:anonymous", r.StreamKey);
        Assert.StartsWith(prefix, r.StreamKey);
        Assert.Equal([200, 5_000], r.Points.Select(p => p.Entries));
        Assert.All(r.Points, p => Assert.Equal(20, p.Calls));
        // The server walks and returns every entry: 25× the entries costs more per call (wide slack: only > 1).
        Assert.True(r.Points[1].ServerUsecPerCall / r.Points[0].ServerUsecPerCall > 1,
            $"usec per call {r.Points[0].ServerUsecPerCall} at 200, {r.Points[1].ServerUsecPerCall} at 5,000");
        Assert.True(r.KeyRemoved);
        Assert.False(await fx.Mux.GetDatabase().KeyExistsAsync(r.StreamKey, CommandFlags.DemandMaster));
    }

    private static LaunchRunResult LiveRun(string strategy) => new("tiny", strategy, 7, 1, "not scaled", "r1", "r1:", DateTime.UtcNow, 10,
        [], new LaunchLifecycle(0, 0, 0, 0, 0, 0, new Dictionary<string, int>()), [], true,
        [new("10.0.0.1:7000", 0, "primary"), new("10.0.0.2:7000", 0, "replica")],
        [
            new("10.0.0.1:7000", "evalsha", 10), new("10.0.0.1:7000", "set", 20), new("10.0.0.1:7000", "xadd", 5),
            new("10.0.0.2:7000", "zrank", 30), new("10.0.0.2:7000", "get", 10), new("10.0.0.2:7000", "set", 20),
        ],
        null, [], false);
}
