using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;

namespace HashtagBench.Load.Tests;

/// <summary>Server time from INFO commandstats deltas, and the p99 split into Redis, network+client and queueing.</summary>
public sealed class LatencyBreakdownTests
{
    private static Latency L(double p50, double p99) => new(100, p50, p50, p99, p99, p99, p99, p50);

    private static CommandStatsReading Reading(params (string Node, string Info)[] nodes) =>
        new(nodes.ToDictionary(n => n.Node, n => ShardStats.ParseCommandStats(n.Info)));

    [Fact]
    public void Commandstats_deltas_sum_over_the_nodes_that_ran_the_command()
    {
        var before = Reading(
            ("a:1", "# Commandstats\r\ncmdstat_evalsha:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=3,usec=9,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n"),
            ("b:2", "cmdstat_evalsha:calls=5,usec=50,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n"),
            ("gone:3", "cmdstat_evalsha:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n"));
        var after = Reading(
            ("a:1", "cmdstat_evalsha:calls=110,usec=2100,usec_per_call=19.09,rejected_calls=2,failed_calls=0\r\ncmdstat_wait:calls=100,usec=500,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=9,usec=99,usec_per_call=11.00,rejected_calls=0,failed_calls=0\r\n"),
            ("b:2", "cmdstat_evalsha:calls=5,usec=50,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n"), // idle: not a node that served the run
            ("new:4", "cmdstat_evalsha:calls=999,usec=99999,usec_per_call=100.10,rejected_calls=0,failed_calls=0\r\n")); // no reading before: left out

        IReadOnlyList<ServerCommandTime> rows = ShardStats.ServerTime(before, after, ShardStats.JoinCommands)!;

        ServerCommandTime evalsha = Assert.Single(rows, r => r.Command == "evalsha");
        Assert.Equal((100L, 2000L), (evalsha.Calls, evalsha.Micros));
        Assert.Equal(["a:1"], evalsha.Nodes);
        Assert.Equal(20.0, evalsha.MicrosPerCall);
        Assert.DoesNotContain(rows, r => r.Command == "eval"); // nobody ran it: no row, not 0
        // Per join: the script's and WAIT's µs over the script calls.
        Assert.Equal((2000 + 500) / 1000.0 / 100, ShardStats.ServerMsPerJoin(rows));
        Assert.Null(ShardStats.ServerTime(Reading(), after, ShardStats.JoinCommands));
        Assert.Null(ShardStats.ServerMsPerJoin(null));
        Assert.Null(ShardStats.ServerMsPerJoin([]));
    }

    [Fact]
    public void The_three_shares_add_up_to_the_p99_from_the_intended_start()
    {
        LatencyDecomposition d = LatencyBreakdown.Of(0.05, L(0.30, 0.50), L(0.40, 1.70), L(0.02, 1.1));
        Assert.Equal(LatencyBreakdown.Queueing, d.Dominant);
        Assert.Equal(1.70, d.RedisShareMs!.Value + d.NetworkClientShareMs!.Value + d.QueueingShareMs!.Value, 6);
        Assert.Equal(1.20, d.QueueingBeforeSendMs!.Value, 6);
        Assert.Contains("mostly queueing", d.Verdict);

        Assert.Equal(LatencyBreakdown.Redis, LatencyBreakdown.Of(0.9, L(1.0, 1.1), L(1.0, 1.1), L(0.01, 0.02)).Dominant);
        Assert.Equal(LatencyBreakdown.NetworkClient, LatencyBreakdown.Of(0.02, L(0.5, 0.6), L(0.5, 0.65), L(0.01, 0.02)).Dominant);
        // No server time: Redis and network+client cannot be split, and nothing reads as 0.
        LatencyDecomposition noServer = LatencyBreakdown.Of(null, L(0.5, 0.6), L(0.5, 0.65), null);
        Assert.Equal(LatencyBreakdown.RedisNetworkClient, noServer.Dominant);
        Assert.Null(noServer.RedisShareMs);
        // No Ok call: nothing to take apart.
        Assert.Null(LatencyBreakdown.Of(0.05, null, null, null).Dominant);
    }

    [Fact]
    public void The_report_shows_n_a_where_there_is_no_data()
    {
        var run = new LoadRun("r", DateTime.UtcNow, 1, 100, 100, 0, 100, 0, L(0.4, 1.7), null, new Dictionary<string, long>(), new Dictionary<string, string>(), [], "completed", [])
        {
            Decomposition = LatencyBreakdown.Of(null, L(0.3, 0.5), L(0.4, 1.7), null),
        };
        string md = Reporting.LoadRunReport.LatencyBreakdown([run]);
        string row = md.Split('\n').Single(l => l.StartsWith("| r ", StringComparison.Ordinal));
        Assert.Contains("n/a", row);
        Assert.DoesNotContain("| 0.000 |", row);
        Assert.Contains("`r`: p99 1.700 ms is mostly queueing", md);
    }
}
