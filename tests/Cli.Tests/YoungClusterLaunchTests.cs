using HashtagBench.Contracts;
using HashtagBench.Provisioning;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// `run --launch` against an external cluster formed seconds before, as a platform team hands one over right after
/// `redis-cli --cluster create`: its gossip is young, and a client that connects then may not see every replica yet.
/// </summary>
public sealed class YoungClusterLaunchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("run-launch-young").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_rehearsal_started_2_s_after_cluster_create_reads_every_replica_and_passes_its_comparison()
    {
        string launch = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(launch, """
            { "name": "tiny-young", "events": [ { "id": "evt_a" }, { "id": "evt_b" } ], "arrival": { "users": 60, "overSeconds": 2 },
              "poll": { "minSeconds": 0.3, "maxSeconds": 0.6 }, "replicaReads": true, "topology": { "shards": 3 }, "strategies": [ "event" ],
              "client": { "pods": 2, "poolSize": 20, "minIdleConns": 10 },
              "thresholds": { "all": { "p95Ms": 5000, "p99Ms": 7000 }, "join": { "maxFailurePercent": 5 } } }
            """);
        // The nodes and `redis-cli --cluster create`, nothing after it: the cluster is attached to 2 s later, as an external one.
        await using RunningCluster young = await LocalClusterProvider.StartYoungAsync(new ClusterSpec());
        await Task.Delay(TimeSpan.FromSeconds(2));
        string outDir = Path.Combine(_dir, "out");

        var (code, output, error) = await CliRun.InvokeWithOutputAsync(
            ["run", "--launch", launch, "--scale", "0.5", "--seed", "3", "--cluster", ClusterConnector.Format(young.Seeds[0]), "--out", outDir]);

        Assert.True(code == ExitCodes.Ok, error + output);
        LaunchRunResult ev = ResultFiles.Read(Path.Combine(outDir, "launch-event.json"), ResultsJsonContext.Default.LaunchRunResult);
        // The run started on a view that reads each shard's one replica, and no shard's reads on its primary.
        Assert.Equal(3, ev.ReadRoutes!.Count);
        Assert.All(ev.ReadRoutes, r => Assert.Equal(Assert.Single(r.Replicas), Assert.Single(r.ReadsOn)));
        Assert.DoesNotContain("replica reads", output); // neither "no connection reads every replica" nor "moved during the run"
        LaunchComparison cmp = ResultFiles.Read(Path.Combine(outDir, "comparison-event.json"), ResultsJsonContext.Default.LaunchComparison);
        Assert.Equal(6, cmp.Nodes.Count);
        Assert.All(cmp.Nodes.Where(n => n.Role == "replica"), n => Assert.True(n.Measured > 0, $"{n.Endpoint} served nothing"));
        Assert.True(cmp.WithinTolerance, $"worst {cmp.WorstShareErrorPp} pp\n{output}");
    }
}
