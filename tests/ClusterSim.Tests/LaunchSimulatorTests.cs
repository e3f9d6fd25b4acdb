using HashtagBench.Keys;
using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim.Tests;

public class LaunchSimulatorTests
{
    // 50 users, 3 real event IDs, every behaviour switched on; a small bucket so some enters are throttled.
    private const string Small = """
        {
          "name": "small", "seed": 7,
          "events": [ { "id": "evt_2025_1001", "share": 5 }, { "id": "evt_2025_1002", "share": 3 }, { "id": "evt_2025_1003", "share": 2 } ],
          "arrival": { "users": 50, "overSeconds": 4 },
          "poll": { "minSeconds": 1, "maxSeconds": 3 },
          "admission": { "bucketCapacity": 2, "refillPerSecond": 0.5 },
          "leave": { "share": 0.1, "minSeconds": 1, "maxSeconds": 6 },
          "expiry": { "share": 0.1, "minSeconds": 1, "maxSeconds": 6 },
          "retry": { "joinAttempts": 2, "backoffSeconds": 1 },
          "anonymousShare": 0.3, "clientIps": 7, "replicaReads": true, "seatHoldShare": 0.5,
          "topology": { "shards": 3, "replicasPerShard": 2 },
          "strategies": [ "legacy", "event", "event-all", "user", "bucketed:4" ]
        }
        """;

    private static readonly Launch SmallLaunch = LaunchFileLoader.Parse(Small, "small.json");

    [Fact]
    public void Per_shard_counts_match_a_brute_force_count_of_every_users_commands()
    {
        var sim = new LaunchSimulator(SmallLaunch);
        foreach (LaunchStrategyResult r in sim.Run().Strategies)
        {
            WaitingRoomSchema s = r.Schema;
            int shards = r.Topology.ShardCount;
            var expected = new long[shards, 2];
            var expectedByStep = new long[shards, LaunchStrategyResult.Steps];
            foreach (LaunchRequest q in r.Timeline.Requests)
            {
                var cmds = Traffic.Commands(q.Step, s, q.EnterPath).ToList();
                if (q.Outcome == RequestOutcome.JoinCrossSlot) cmds = cmds.TakeWhile(c => c.Keys.Count == 1).Append(cmds.First(c => c.Keys.Count > 1)).ToList();
                KeyArgs a = sim.Population.ArgsFor(q.Visit, q.Ordinal);
                foreach (RedisCommand c in cmds)
                {
                    // The key's full text, hashed: no cache, no tables.
                    int bucket = (s.BucketOf(a.UserId) + c.OtherBucket) % s.Buckets;
                    int shard = r.Topology.ShardOf(HashSlot.Of(s.Key(c.Key, a, bucket: bucket)));
                    expected[shard, c.Read ? 1 : 0]++;
                    expectedByStep[shard, (int)q.Step]++;
                }
            }
            int cmdCount = r.CommandNames.Count;
            for (int j = 0; j < shards; j++)
            {
                for (int role = 0; role < 2; role++)
                {
                    long simulated = 0;
                    for (int t = 0; t < r.Seconds; t++)
                        for (int c = 0; c < cmdCount; c++) simulated += r.ShardCommandCounts[((t * shards + j) * cmdCount + c) * 2 + role];
                    Assert.Equal(expected[j, role], simulated);
                }
                for (int st = 0; st < LaunchStrategyResult.Steps; st++)
                    Assert.Equal(expectedByStep[j, st], Enumerable.Range(0, r.Seconds).Sum(t => r.ShardStepCounts[(t * shards + j) * LaunchStrategyResult.Steps + st]));
            }
            Assert.True(expected[0, 0] + expected[1, 0] + expected[2, 0] > 0);
        }
    }

    [Fact]
    public void Every_visit_sends_what_Traffic_Visit_lists_and_the_bucket_path_is_27_plus_9N()
    {
        // Rank 1 alone skips the bucket here, so most entries take the bucket path of the formula.
        Launch launch = LaunchFileLoader.Parse(Small.Replace("\"refillPerSecond\": 0.5 }",
            "\"refillPerSecond\": 0.5, \"entryRule\": [ { \"upToRank\": 1, \"minWaitSeconds\": 0, \"bucket\": false }, { \"upToRank\": 100, \"minWaitSeconds\": 2, \"bucket\": true } ] }"));
        Assert.Equal(2, launch.File.Admission.EntryRule.Count);
        LaunchStrategyResult r = new LaunchSimulator(launch).Place(WaitingRoomSchema.Event);
        int bucketPath = 0;
        foreach (VisitOutcome v in r.Timeline.Visits.Where(v => v.Joined))
        {
            EnterPath path = v.GrantPath == RequestOutcome.EnterFront ? EnterPath.Front : EnterPath.Bucketed;
            int expected = Traffic.Visit(WaitingRoomSchema.Event, v.Polls, v.Ended!.Value, path, v.HeldSeat).Count
                + v.ThrottledEnters * Traffic.Commands(Step.Enter, WaitingRoomSchema.Event, EnterPath.Throttled).Count;
            Assert.Equal(expected, r.VisitCommands[v.Visit]);
            if (v is { Ended: VisitEnd.Enter, GrantPath: RequestOutcome.EnterBucketed, ThrottledEnters: 0, HeldSeat: false })
            {
                Assert.Equal(27 + 9 * v.Polls, r.VisitCommands[v.Visit]);
                bucketPath++;
            }
        }
        Assert.True(bucketPath > 0, "no visit took the plain bucket path");
        Assert.Contains(r.Timeline.Visits, v => v.ThrottledEnters > 0);
        Assert.Contains(r.Timeline.Visits, v => v.Ended == VisitEnd.Leave);
        Assert.Contains(r.Timeline.Visits, v => v.Ended == VisitEnd.Expire);
        Assert.True(VisitCountCheck.Of(r).Reconciles);
    }

    [Fact]
    public void The_admission_bucket_never_grants_more_than_capacity_plus_refill()
    {
        LaunchTimeline t = new LaunchSimulator(SmallLaunch).Timeline;
        var pop = new LaunchPopulation(SmallLaunch);
        foreach (var perEvent in t.Requests.Where(q => q.Outcome == RequestOutcome.EnterBucketed).GroupBy(q => pop.EventOf(q.Visit)))
        {
            int granted = 0;
            foreach (LaunchRequest q in perEvent)
            {
                granted++;
                Assert.True(granted <= 2 + 0.5 * q.Time + 1e-9, $"{granted} grants by {q.Time:0.00} s");
            }
        }
        // Entries respect the minimum wait of their band: nobody enters before having polled once.
        Assert.All(t.Visits.Where(v => v.Ended == VisitEnd.Enter), v => Assert.True(v.Polls >= 1));
    }

    [Fact]
    public void Legacy_joins_are_refused_and_retried_as_the_file_says()
    {
        LaunchStrategyResult r = new LaunchSimulator(SmallLaunch).Place(WaitingRoomSchema.Legacy);
        Assert.False(LaunchSimulator.ScriptsOf(WaitingRoomSchema.Legacy).First(s => s.Script.StartsWith("Join", StringComparison.Ordinal)).CoLocated);
        Assert.All(LaunchSimulator.ScriptsOf(WaitingRoomSchema.Event), s => Assert.True(s.CoLocated));
        Assert.True(r.CrossSlotVisits >= 45, $"{r.CrossSlotVisits} refused"); // a chance slot match is 1 in 16384
        Assert.All(r.Timeline.Visits.Where(v => !v.Joined), v => Assert.Equal(2, v.FailedJoins));
        int refusedCost = Traffic.Commands(Step.Join, WaitingRoomSchema.Legacy).ToList().FindIndex(c => c.Keys.Count > 1) + 1;
        Assert.All(r.Timeline.Visits.Where(v => !v.Joined), v => Assert.Equal(2 * refusedCost, r.VisitCommands[v.Visit]));
    }

    [Fact]
    public void Same_seed_same_prediction_and_another_seed_moves_random_keys()
    {
        int[] Counts(ulong seed) => new LaunchSimulator(LaunchFileLoader.Parse(Small.Replace("\"seed\": 7", $"\"seed\": {seed}")))
            .Place(WaitingRoomSchema.Event).VisitCommands;
        Assert.Equal(Counts(7), Counts(7));
        Assert.NotEqual(Counts(7), Counts(8));
    }

    [Fact]
    public void Anonymous_entries_stay_in_the_shared_stream_unless_their_user_left_or_expired()
    {
        var sim = new LaunchSimulator(SmallLaunch);
        LaunchStrategyResult r = sim.Place(WaitingRoomSchema.Event);
        long expected = r.Timeline.Visits.Count(v => v.Joined && v.Ended == VisitEnd.Enter && sim.Population.IsAnonymous(sim.Population.UserOf(v.Visit)));
        Assert.True(expected > 0);
        Assert.Equal(expected, r.AnonymousStreamEntries);
        Assert.True(r.KeysAlive.Sum() > 0);
    }

    [Fact]
    public void Shards_needed_is_the_first_even_split_under_target()
    {
        LaunchStrategyResult r = new LaunchSimulator(SmallLaunch).Place(WaitingRoomSchema.Event);
        double oneShard = LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(1))[0];
        double target = oneShard / 2.5; // forces at least 3 shards
        LaunchSizing size = LaunchCapacity.Size(r, target);
        if (size.ShardsNeeded is int n)
        {
            Assert.True(n >= 3, $"{n} shards");
            Assert.True(LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(n)).Max() <= target);
            Assert.True(LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(n - 1)).Max() > target);
        }
        else Assert.Contains("no shard count helps", size.ShardsNote);
        Assert.True(size.HottestPrimaryCpu > 0);
    }

    [Fact]
    public void The_committed_cost_table_names_its_machine_and_costs_every_command_the_traffic_sends()
    {
        CommandCostTable t = CommandCostTable.Default;
        Assert.False(string.IsNullOrWhiteSpace(t.Machine.Cpu));
        Assert.StartsWith("7.", t.Machine.RedisVersion);
        foreach (Step step in Enum.GetValues<Step>())
            foreach (RedisCommand c in Traffic.Commands(step, WaitingRoomSchema.Bucketed(4)))
                Assert.True(t.UsecPerCall(c.Name) > 0, c.Name);
        Assert.Throws<SimInputException>(() => t.UsecPerCall("FLUSHALL"));
    }
}
