using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Load.Tests;

/// <summary>bench launch-ceiling: the hot shard's mix, both sides counted by the server, and the arithmetic around it.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class LaunchCeilingTests(ClusterFixture fx)
{
    // A small launch of the reference shape: the simulation takes moments, and the mix has every join/status/enter command.
    private const string SmallLaunch = """
        {
          "name": "ceiling-test", "seed": 7,
          "generatedEvents": { "count": 10, "idFormat": "evt_{n}", "popularity": "uniform" },
          "arrival": { "users": 2000, "overSeconds": 2, "iterationsPerUser": 1 },
          "poll": { "minSeconds": 2, "maxSeconds": 4 },
          "retry": { "joinAttempts": 1, "backoffSeconds": 1 },
          "topology": { "shards": 3, "replicasPerShard": 1 },
          "strategies": ["event"]
        }
        """;

    [Fact]
    public async Task Both_sides_are_counted_by_the_server_on_the_hot_primary_and_the_run_leaves_no_key()
    {
        (string? tool, string notRun) = RedisBenchmarkTool.Locate(fx.Cluster.Auth);
        Assert.True(tool is not null, $"redis-benchmark: {notRun}");
        Launch launch = LaunchFileLoader.Parse(SmallLaunch);
        var log = new List<string>();

        LaunchCeilingResult r = await LaunchCeiling.MeasureAsync(launch, fx.Cluster, fx.Mux, tool!,
            new LaunchCeiling.Settings(SecondsPerSide: 2.5, Clients: 50, WarmUpSeconds: 0.2), log.Add);

        // The mix: the model's commands on the event's tagged keys, weights from the simulation, summing to 1.
        Assert.Contains(r.Mix, m => m.Command == "ZRANK queue:event:{<E>}" && m.Steps.Contains("Status"));
        Assert.Contains(r.Mix, m => m.Command == "EVALSHA enqueue");
        Assert.Equal(1, r.Mix.Sum(m => m.Weight), 9);
        Assert.All(r.Mix, m => Assert.Contains($"{{{r.EventId}}}", m.Form));
        // Both sides ran on the primary that owns the event's slot.
        Assert.Equal(r.Node, SlotOwner.Find(LiveSlotMap.Read(fx.Mux), HashSlot.Of(r.EventId)).Split(' ')[^1].Trim('(', ')'));

        foreach (CeilingSide side in new[] { r.Harness, r.RedisBenchmark })
        {
            Assert.Equal(r.Mix.Select(m => m.Command), side.Runs.Select(x => x.Command));
            Assert.All(side.Runs, x =>
            {
                Assert.True(x.ServerRate > 0, $"{side.Name} {x.Command}: the server counted no call ({x.Note})");
                Assert.Equal(0, x.ServerFailed);
                Assert.NotNull(x.ServerCpuSeconds);
            });
            Assert.True(side.MixRate > 0);
            Assert.NotNull(side.ClientCpu);
            Assert.False(string.IsNullOrEmpty(side.Limiter));
        }
        // The harness's own count and the server's cover the same window: they agree within a wide margin.
        Assert.All(r.Harness.Runs, x => Assert.InRange(x.ClientRate!.Value / x.ServerRate!.Value, 0.5, 2));
        Assert.NotNull(r.Ratio);
        Assert.Equal(r.Harness.MixRate!.Value / r.RedisBenchmark.MixRate!.Value, r.Ratio!.Value, 9);

        // The join script through the whole load path, multiplexed and gateway-shaped, each beside redis-benchmark.
        Assert.Equal(["multiplexed", "gateway", CeilingJoinRow.HopFree, CeilingJoinRow.HopFreeGateway], r.JoinRows.Select(j => j.Shape));
        Assert.Equal([1, 50, 1, 50], r.JoinRows.Select(j => j.Connections));
        Assert.All(r.JoinRows, j =>
        {
            foreach (CeilingCommandRun x in new[] { j.Harness, j.RedisBenchmark })
            {
                Assert.True(x.ServerRate > 0, $"{j.Shape} {x.Command}: the server counted no call ({x.Note})");
                Assert.Equal(0, x.ServerFailed);
                Assert.Null(x.Note); // every harness join enqueued (fresh keys), redis-benchmark ran to the end of its window
                Assert.True(x.ClientCpuMicrosPerCall > 0);
            }
            Assert.InRange(j.Harness.ClientRate!.Value / j.Harness.ServerRate!.Value, 0.5, 2);
            Assert.NotNull(j.Ratio);
            Assert.NotNull(j.CpuEfficiencyRatio);
        });
        Assert.NotNull(r.Harness.ClientCpuMicrosPerCall);
        Assert.Contains("| gateway | 50 |", Reporting.LaunchCeilingReport.Render(r));

        // Every key of the run is gone, from every primary.
        Assert.True(r.KeysRemoved > 0);
        Assert.Contains(log, l => l.StartsWith($"removed {r.KeysRemoved} key(s) of run {r.RunPrefix}", StringComparison.Ordinal));
        foreach (IServer primary in fx.Primaries())
            Assert.Empty(await primary.KeysAsync(pattern: $"*{r.RunPrefix}*").ToListAsync());
        Assert.Contains("harness / redis-benchmark = ", Reporting.LaunchCeilingReport.Render(r));
    }

    [Fact]
    public void A_side_with_a_command_the_server_never_counted_has_no_rate_and_the_run_no_ratio()
    {
        CeilingCommandRun Run(string cmd, double weight, long calls) => new(cmd, weight, 2, calls, 0, null, 0.5, 0.4);
        var ok = new CeilingSide("harness", [Run("ZRANK", 0.5, 200), Run("ZADD", 0.5, 600)], "none");
        // 1 / (0.5/100 + 0.5/300): the weighted mean time per call, inverted.
        Assert.Equal(150, ok.MixRate!.Value, 9);
        Assert.Equal(0.25, ok.ClientCpu!.Value, 9);

        var empty = new CeilingSide("redis-benchmark", [Run("ZRANK", 0.5, 200), Run("ZADD", 0.5, 0)], "none");
        Assert.Null(empty.Runs[1].ServerRate);
        Assert.Null(empty.MixRate);
        var result = new LaunchCeilingResult("l", "event", "evt_1", "127.0.0.1:1", 50, 1, [], 0, ok, empty, 2, "0 0 0", "0 0 0");
        Assert.Null(result.Ratio);
        Assert.Contains("n/a", Reporting.LaunchCeilingReport.Render(result));

        // The record crosses the JSON seam whole: the computed rates come back the same from the stored runs.
        LaunchCeilingResult back = System.Text.Json.JsonSerializer.Deserialize(
            ResultFiles.Serialize(result with { KeysRemoved = 3 }, ResultsJsonContext.Default.LaunchCeilingResult), ResultsJsonContext.Default.LaunchCeilingResult)!;
        Assert.Equal(150, back.Harness.MixRate!.Value, 9);
        Assert.Null(back.Ratio);
        Assert.Equal(3, back.KeysRemoved);
    }

    [Fact]
    public void Client_cpu_per_call_is_the_clients_cpu_over_the_servers_count_and_the_join_rows_are_printed()
    {
        // 0.5 s of client CPU over 2,000 calls: 250 µs per call; none counted: no figure, not 0 or infinity.
        CeilingCommandRun Run(string cmd, double weight, long calls, double cpu) => new(cmd, weight, 2, calls, 0, calls / 2.0, cpu, 0.4);
        Assert.Equal(250, Run("x", 1, 2_000, 0.5).ClientCpuMicrosPerCall!.Value, 9);
        Assert.Null(Run("x", 1, 0, 0.5).ClientCpuMicrosPerCall);
        // The mix's per call: weighted by the mix, 0.25·100 + 0.75·20.
        var side = new CeilingSide("harness", [Run("ZRANK", 0.25, 1_000, 0.1), Run("ZADD", 0.75, 1_000, 0.02)], "none");
        Assert.Equal(40, side.ClientCpuMicrosPerCall!.Value, 9);

        // Gateway: harness 30,000 calls on 0.3 s of CPU (10 µs) vs redis-benchmark 10,000 on 0.2 s (20 µs) in 2 s windows.
        var gateway = new CeilingJoinRow("gateway", 50, Run("join script (gateway)", 0, 30_000, 0.3), Run("join script (gateway)", 0, 10_000, 0.2));
        Assert.Equal(3, gateway.Ratio!.Value, 9);
        Assert.Equal(2, gateway.CpuEfficiencyRatio!.Value, 9);
        var none = new CeilingJoinRow("multiplexed", 1, Run("join script (multiplexed)", 0, 0, 0.3), Run("join script (multiplexed)", 0, 10_000, 0.2));
        Assert.Null(none.Ratio);
        Assert.Null(none.CpuEfficiencyRatio);

        var result = new LaunchCeilingResult("l", "event", "evt_1", "127.0.0.1:1", 50, 2, [], 0, side, side, 2, "0 0 0", "0 0 0") { JoinRows = [none, gateway] };
        string md = Reporting.LaunchCeilingReport.Render(result);
        Assert.Contains("| gateway | 50 | 15,000 | 5,000 | 3.00 | 10.0 | 20.0 | 2.00 | 0 / 0 |", md);
        Assert.Contains("| multiplexed | 1 | n/a | 5,000 | n/a | n/a | 20.0 | n/a | 0 / 0 |", md);
        Assert.Contains("40.0 µs per call", md);
        Assert.Contains("memtier_benchmark", md);
        // A run without a join (an older file) prints no join section.
        Assert.DoesNotContain("join script", Reporting.LaunchCeilingReport.Render(result with { JoinRows = [] }));

        LaunchCeilingResult back = System.Text.Json.JsonSerializer.Deserialize(
            ResultFiles.Serialize(result, ResultsJsonContext.Default.LaunchCeilingResult), ResultsJsonContext.Default.LaunchCeilingResult)!;
        Assert.Equal(2, back.JoinRows[1].CpuEfficiencyRatio!.Value, 9);
    }

    [Fact]
    public void Server_counts_leave_out_failed_calls_and_a_command_never_called_is_zero_calls()
    {
        Assert.Equal((8L, 3L), LaunchCeiling.Counts("calls=10,usec=5,usec_per_call=0.50,rejected_calls=1,failed_calls=2"));
        Assert.Equal((0L, 0L), LaunchCeiling.Counts(null));
    }

    [Fact]
    public void Redis_benchmark_progress_gives_the_last_complete_overall_rate()
    {
        string output = "\rZRANK k m: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\r   "
            + "\rZRANK k m: rps=29153.3 (overall: 28931.6) avg_msec=1.109 (overall: 1.109)\r   "
            + "\rZRANK k m: rps=22706.3 (overall: 25885.4) avg_msec=1.2 (overall: 1.1)\r   \rZRANK k m: rps=2100";
        Assert.Equal(25885.4, RedisBenchmarkTool.LastOverallRps(output));
        Assert.Null(RedisBenchmarkTool.LastOverallRps("\rZRANK k m: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\r"));
        Assert.Null(RedisBenchmarkTool.LastOverallRps("Could not connect to Redis at 127.0.0.1:1: Connection refused"));
    }
}
