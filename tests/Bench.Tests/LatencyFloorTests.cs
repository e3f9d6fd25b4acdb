using HashtagBench.Load.Scenarios;
using HashtagBench.TestSupport;

namespace HashtagBench.Bench.Tests;

/// <summary>The latency-floor suite: redis-benchmark's CSV read right, and one short round on the shared cluster measures all three.</summary>
[Collection(BenchClusterCollection.Name)]
public sealed class LatencyFloorTests(ClusterFixture fx)
{
    [Fact]
    public void Redis_benchmark_csv_is_read_by_column_name()
    {
        const string csv = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n" +
            "\"EVALSHA 0123 2 dedupe:{e}:rb:__rand_int__ stream:event:{e}:user:rb__rand_int__ tok e rb 3600\",\"14492.75\",\"0.066\",\"0.040\",\"0.063\",\"0.087\",\"0.111\",\"1.207\"\n";
        RedisBenchmarkResult r = RedisBenchmarkTool.ParseCsv(csv)!;
        Assert.Equal((14492.75, 0.063, 0.111, 1.207), (r.Rps, r.P50Ms, r.P99Ms, r.MaxMs));
        // An error instead of a result is no result, not a latency of 0.
        Assert.Null(RedisBenchmarkTool.ParseCsv("Could not connect to Redis at 127.0.0.1:1: Connection refused\n"));
        Assert.Null(RedisBenchmarkTool.ParseCsv(csv.Split('\n')[0]));
    }

    [Fact]
    public async Task One_short_round_measures_the_harness_the_client_and_redis_benchmark_on_one_shard()
    {
        var output = new StringWriter();
        var settings = new LatencyFloor.Settings(Rate: 200, During: TimeSpan.FromSeconds(1), Calls: 300, Rounds: 1);
        var (rounds, shard, notRun) = await LatencyFloor.MeasureAsync(fx.Cluster, fx.Mux, settings, output, CancellationToken.None);

        LatencyFloorRound r = Assert.Single(rounds);
        Assert.Equal(300, r.SeRedis.Count);
        Assert.InRange(r.Harness.OkCount, 150, 250); // 200/s for 1 s, every join enqueued
        Assert.Equal(0, r.Harness.FailCount);
        Assert.Equal(r.Harness.OkCount, r.Harness.FromSend.Count);
        Assert.NotNull(r.HarnessToSeRedis);
        Assert.Equal(200, r.SeRedisPaced.Count); // one harness run's worth of calls, ~1 ms apart
        Assert.NotNull(r.HarnessToSeRedisPaced);
        Assert.False(fx.Mux.GetServer(shard).IsReplica, $"{shard} is the primary owning the event's slot");
        // redis-benchmark comes with redis-server on every machine the tests run on (redis-tools).
        Assert.Null(notRun);
        Assert.True(r.RedisBenchmark!.P50Ms > 0);
        Assert.NotNull(r.SeRedisToRedisBenchmark);
        // The hop-free client's run: the same schedule, every join enqueued, each with its latency from the send.
        Assert.NotNull(r.HopFree);
        Assert.InRange(r.HopFree!.OkCount, 150, 250);
        Assert.Equal(0, r.HopFree.FailCount);
        Assert.Equal(r.HopFree.OkCount, r.HopFree.FromSend.Count);
        Assert.NotNull(r.HopFreeToRedisBenchmark);
        string md = LatencyFloor.Markdown(rounds, settings, shard, notRun);
        Assert.Contains("harness / SE.Redis", md);
        Assert.Contains("hop-free harness / redis-benchmark -c 1 = ", md);
        Assert.DoesNotContain("not run", md);
    }
}
