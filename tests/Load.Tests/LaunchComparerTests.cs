using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Reporting;
using HashtagBench.WaitingRoom;

namespace HashtagBench.Load.Tests;

/// <summary>The comparer's arithmetic, and the defects it must catch at 2 pp: counts moved between nodes, a missing node, a wrong replica-reads assumption.</summary>
public sealed class LaunchComparerTests
{
    internal const string SmallJson = """
        {
          "name": "cmp-small", "seed": 11,
          "generatedEvents": { "count": 10, "idFormat": "evt_{n}", "popularity": "uniform" },
          "arrival": { "users": 300, "overSeconds": 10 },
          "poll": { "minSeconds": 2, "maxSeconds": 4 },
          "leave": { "share": 0.1, "minSeconds": 1, "maxSeconds": 3 },
          "seatHoldShare": 0.2, "replicaReads": true,
          "topology": { "shards": 3, "replicasPerShard": 1 },
          "strategies": [ "event", "bucketed:8" ]
        }
        """;

    private static readonly Launch Small = LaunchFileLoader.Parse(SmallJson, "cmp-small.json");
    private static readonly Topology ThreeShards = Topology.EvenSplit(3);

    // Three primaries and one replica each, as the local cluster and the sampler name them.
    internal static readonly IReadOnlyList<LaunchNode> Nodes =
    [
        new("127.0.0.1:7000", 0, "master"), new("127.0.0.1:7003", 0, "replica"),
        new("127.0.0.1:7001", 1, "master"), new("127.0.0.1:7004", 1, "replica"),
        new("127.0.0.1:7002", 2, "master"), new("127.0.0.1:7005", 2, "replica"),
    ];

    [Fact]
    public void A_measurement_equal_to_the_prediction_is_within_tolerance_and_the_harness_traffic_is_left_out()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "run1:");
        var measured = PerfectMeasurement(p, Nodes)
            .Append(new("127.0.0.1:7000", "info", 40)).Append(new("127.0.0.1:7003", "cluster|nodes", 7)).Append(new("127.0.0.1:7004", "PING", 3)).ToList();
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", measured, seconds: 20));

        Assert.True(c.WithinTolerance);
        Assert.True(c.WorstShareErrorPp < 0.05, $"{c.WorstShareErrorPp}");
        Assert.Equal(6, c.Nodes.Count);
        Assert.Equal(1.0, c.Nodes.Sum(n => n.MeasuredShare), 9);
        Assert.Equal(1.0, c.Nodes.Sum(n => n.PredictedShare), 9);
        Assert.Equal(["info", "cluster|nodes", "PING"], c.Excluded.Select(e => e.Command));
        foreach (NodeShareRow n in c.Nodes) Assert.Equal(n.Measured / 20.0, n.MeasuredPerSec!.Value, 9);
        // Replicas count the propagated writes (MULTI/EXEC, PEXPIREAT…) and, with replica reads, the reads.
        Assert.All(c.Nodes.Where(n => n.Role == "replica"), n => Assert.True(n.Measured > 0));
        Assert.Contains(c.Commands, r => r.Role == "replica" && r.Command == "pexpireat" && r.Measured > 0);
        Assert.Contains(c.Commands, r => r.Role == "replica" && r.Command == "zrank" && r.Measured > 0);
        Assert.DoesNotContain(c.Commands, r => r.Role == "master" && r.Command == "zrank" && r.Predicted > 0);

        string md = LaunchComparisonReport.ToMarkdown(c);
        Assert.Contains("| node | shard | role | predicted | measured |", md);
        Assert.Contains("✓", LaunchComparisonReport.WorstLine(c));
        Assert.Contains("info 40", md);
    }

    [Fact]
    public void Shares_are_of_the_total_over_every_node_and_the_error_is_in_percentage_points()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        var perfect = PerfectMeasurement(p, Nodes);
        long total = perfect.Sum(m => m.Calls);
        // 3 % of all calls moved from shard 0's primary to shard 2's primary: -3 pp and +3 pp.
        long moved = (long)Math.Round(total * 0.03);
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", Move(perfect, "127.0.0.1:7000", "127.0.0.1:7002", moved), seconds: 10));
        NodeShareRow from = c.Nodes.Single(n => n.Endpoint == "127.0.0.1:7000"), to = c.Nodes.Single(n => n.Endpoint == "127.0.0.1:7002");
        Assert.Equal(-3, from.ErrorPp, 1);
        Assert.Equal(3, to.ErrorPp, 1);
        Assert.Equal(3, c.WorstShareErrorPp!.Value, 1);
        Assert.False(c.WithinTolerance);
        Assert.Contains("✗", LaunchComparisonReport.WorstLine(c));
        // The worst row is named: either side of the move (they tie up to rounding).
        Assert.Matches("on 127.0.0.1:700[02] ", LaunchComparisonReport.WorstLine(c));

        // 1 % moved stays inside 2 pp.
        LaunchComparison small = LaunchComparer.Compare(p, Run("event", Move(perfect, "127.0.0.1:7000", "127.0.0.1:7002", total / 100), seconds: 10));
        Assert.True(small.WithinTolerance, $"{small.WorstShareErrorPp}");
    }

    [Fact]
    public void A_run_without_a_length_has_no_rates_and_the_report_says_n_a()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", PerfectMeasurement(p, Nodes), seconds: 0));
        Assert.All(c.Nodes, n => Assert.Null(n.MeasuredPerSec));
        Assert.All(c.Nodes, n => Assert.Null(n.PredictedPerSec));
        Assert.Contains("| n/a | n/a |", LaunchComparisonReport.NodeTable(c));
    }

    [Fact]
    public void A_node_that_counted_nothing_fails_the_check()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        var measured = PerfectMeasurement(p, Nodes).Where(m => m.Endpoint != "127.0.0.1:7004").ToList();
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", measured, seconds: 10));
        NodeShareRow missing = c.Nodes.Single(n => n.Endpoint == "127.0.0.1:7004");
        Assert.Equal(0, missing.Measured);
        Assert.True(missing.PredictedShare > 0.02, $"{missing.PredictedShare}");
        Assert.False(c.WithinTolerance);
    }

    [Fact]
    public void Predicting_reads_on_primaries_when_the_run_read_from_replicas_fails_the_check()
    {
        Launch onPrimaries = LaunchFileLoader.Parse(SmallJson.Replace("\"replicaReads\": true", "\"replicaReads\": false"), "primaries.json");
        LaunchStrategyResult wrong = LaunchComparer.Predict(onPrimaries, WaitingRoomSchema.Event, ThreeShards, "");
        LaunchStrategyResult right = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        LaunchComparison c = LaunchComparer.Compare(wrong, Run("event", PerfectMeasurement(right, Nodes), seconds: 10));
        Assert.False(c.WithinTolerance);
        Assert.True(c.WorstShareErrorPp > 5, $"{c.WorstShareErrorPp}");
    }

    [Fact]
    public void Reads_the_client_sent_to_a_primary_are_predicted_there_when_the_run_says_so_and_caught_when_it_does_not()
    {
        // A young cluster's client did not see 7004: shard 1's replica reads went to its primary, 7001. 7004 still
        // replicates the writes.
        IReadOnlyList<ReplicaReadRoute> routes =
        [
            new("127.0.0.1:7000", ["127.0.0.1:7003"], ["127.0.0.1:7003"]),
            new("127.0.0.1:7001", ["127.0.0.1:7004"], ["127.0.0.1:7001"]),
            new("127.0.0.1:7002", ["127.0.0.1:7005"], ["127.0.0.1:7005"]),
        ];
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        var counts = LaunchComparer.PredictedCalls(p, Nodes, routes: routes).Counts;
        var measured = counts.Select(e => new NodeCommandCount(e.Key.Endpoint, e.Key.Command, (long)Math.Round(e.Value))).ToList();
        Assert.True(counts.GetValueOrDefault(("127.0.0.1:7001", "zrank")) > 0);
        Assert.Equal(0, counts.GetValueOrDefault(("127.0.0.1:7004", "zrank")));
        Assert.True(counts.GetValueOrDefault(("127.0.0.1:7004", "pexpireat")) > 0);

        // Told the routes, the comparison predicts what happened; not told them, it catches the reads on the wrong node.
        Assert.True(LaunchComparer.Compare(p, Run("event", measured, seconds: 10) with { ReadRoutes = routes }).WithinTolerance);
        LaunchComparison blind = LaunchComparer.Compare(p, Run("event", measured, seconds: 10));
        Assert.False(blind.WithinTolerance);
        Assert.Contains(blind.Nodes, n => n.Endpoint == "127.0.0.1:7004" && n.Predicted > n.Measured);

        // Reads routed to no node of the run cannot be placed, and say so.
        IReadOnlyList<ReplicaReadRoute> nowhere = [routes[0], routes[1] with { ReadsOn = ["127.0.0.1:9999"] }, routes[2]];
        Assert.True(LaunchComparer.PredictedCalls(p, Nodes, routes: nowhere).Unplaced > 0);
    }

    [Fact]
    public void A_run_that_counted_none_of_the_waiting_rooms_commands_never_passes()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", [new("127.0.0.1:7000", "info", 5)], seconds: 0));
        Assert.Null(c.WorstShareErrorPp);
        Assert.False(c.WithinTolerance);
        Assert.Empty(c.Nodes);
        Assert.Contains("n/a", LaunchComparisonReport.ToMarkdown(c));
    }

    [Fact]
    public void A_shard_without_a_primary_in_the_node_list_is_counted_as_unplaced_and_fails()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        var nodes = Nodes.Where(n => n.Endpoint != "127.0.0.1:7001").ToList();
        LaunchComparison c = LaunchComparer.Compare(p, Run("event", PerfectMeasurement(p, nodes), seconds: 10) with { Nodes = nodes });
        Assert.True(c.Unplaced > 0);
        Assert.False(c.WithinTolerance);
    }

    [Fact]
    public void A_refused_join_script_reaches_no_server_and_its_middleware_does()
    {
        LaunchStrategyResult p = LaunchComparer.Predict(Small, WaitingRoomSchema.Legacy, ThreeShards, "");
        var calls = LaunchComparer.PredictedCalls(p, Nodes).Counts;
        Assert.DoesNotContain(calls, e => e.Key.Command is "evalsha" or "xadd");
        Assert.Contains(calls, e => e.Key.Command == "hmset" && e.Value > 0);
        Assert.Throws<ArgumentException>(() => LaunchComparer.Compare(p, Run("event", PerfectMeasurement(p, Nodes), seconds: 1)));
    }

    [Fact]
    public void The_prefix_moves_untagged_per_event_keys_and_never_tagged_ones()
    {
        LaunchStrategyResult plain = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "");
        LaunchStrategyResult prefixed = LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "hb:1a2b3c4d:");
        long[] PerShard(LaunchStrategyResult r, KeyClass key, string name)
        {
            int i = r.CountedCommands.ToList().FindIndex(c => c.Command.Key == key && c.Command.Name == name && !c.Refused);
            return [.. Enumerable.Range(0, 3).Select(j => r.ShardCountedCounts[(j * r.CountedCommands.Count + i) * 2] + r.ShardCountedCounts[(j * r.CountedCommands.Count + i) * 2 + 1])];
        }
        Assert.Equal(PerShard(plain, KeyClass.EventQueue, "ZADD"), PerShard(prefixed, KeyClass.EventQueue, "ZADD"));
        Assert.NotEqual(PerShard(plain, KeyClass.AdmissionMetrics, "ZADD"), PerShard(prefixed, KeyClass.AdmissionMetrics, "ZADD"));
        Assert.Equal(PerShard(plain, KeyClass.AdmissionMetrics, "ZADD").Sum(), PerShard(prefixed, KeyClass.AdmissionMetrics, "ZADD").Sum());
        Assert.Throws<ArgumentException>(() => LaunchComparer.Predict(Small, WaitingRoomSchema.Event, ThreeShards, "{x}:"));
    }

    internal static List<NodeCommandCount> PerfectMeasurement(LaunchStrategyResult p, IReadOnlyList<LaunchNode> nodes) =>
        [.. LaunchComparer.PredictedCalls(p, nodes).Counts.Select(e => new NodeCommandCount(e.Key.Endpoint, e.Key.Command, (long)Math.Round(e.Value)))];

    internal static LaunchRunResult Run(string strategy, IReadOnlyList<NodeCommandCount> measured, double seconds, IReadOnlyList<LaunchNode>? nodes = null) =>
        new("cmp-small", strategy, 11, 1, "as written", "r1", "run1:", DateTime.UtcNow, seconds, [], new LaunchLifecycle(0, 0, 0, 0, 0, 0, new Dictionary<string, int>()),
            [], true, nodes ?? Nodes, measured, null, [], false);

    private static List<NodeCommandCount> Move(List<NodeCommandCount> counts, string from, string to, long calls)
    {
        var result = new List<NodeCommandCount>(counts);
        long left = calls;
        for (int i = 0; i < result.Count && left > 0; i++)
        {
            if (result[i].Endpoint != from) continue;
            long take = Math.Min(left, result[i].Calls);
            result[i] = result[i] with { Calls = result[i].Calls - take };
            result.Add(new NodeCommandCount(to, result[i].Command, take));
            left -= take;
        }
        Assert.Equal(0, left);
        return result;
    }
}
