using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;
using System.Text.RegularExpressions;

namespace HashtagBench.Cli.Tests;

/// <summary>`run --launch` end to end on the collection's cluster, attached to as an external endpoint (as staging is).</summary>
[Collection(ClusterCollection.Name)] // serial: the per-node comparison reads server-wide counters
public sealed partial class LaunchRunEndToEndTests(ClusterFixture fx) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("run-launch-e2e").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"run ID (?<id>[0-9a-f]{8})")]
    private static partial Regex RunIdLine();

    [Fact]
    public async Task A_tiny_launch_measures_each_strategy_beside_the_model_and_writes_one_report()
    {
        string launch = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(launch, """
            { "name": "tiny-e2e", "events": [ { "id": "evt_a" }, { "id": "evt_b" } ], "arrival": { "users": 60, "overSeconds": 2 },
              "poll": { "minSeconds": 0.3, "maxSeconds": 0.6 }, "replicaReads": true, "topology": { "shards": 3 }, "strategies": [ "legacy", "event" ],
              "client": { "mode": "Pooled", "pods": 4, "poolSize": 50, "minIdleConns": 40 },
              "thresholds": { "all": { "p95Ms": 5000, "p99Ms": 7000 }, "join": { "maxFailurePercent": 5 } } }
            """);
        string seeds = string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));
        string outDir = Path.Combine(_dir, "out");

        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["run", "--launch", launch, "--scale", "0.5", "--seed", "3", "--cluster", seeds, "--out", outDir, "--client-mode", "both"]);

        Assert.True(code == ExitCodes.Ok, error + output); // legacy's CROSSSLOT is expected, not a failure of the run
        string runId = RunIdLine().Match(output).Groups["id"].Value;
        Assert.Matches("^[0-9a-f]{8}$", runId);

        LaunchRunResult ev = ResultFiles.Read(Path.Combine(outDir, "launch-event.json"), ResultsJsonContext.Default.LaunchRunResult);
        Assert.Equal((3UL, 30, $"hb:{runId}:event:"), (ev.Seed, ev.Users.Users, ev.KeyPrefix)); // --seed and --scale reached the run
        Assert.Equal(ev.Users.Users, ev.Users.Entered + ev.Users.Left + ev.Users.Expired + ev.Users.Failed + ev.Users.Unfinished);
        Assert.True(ev.Users.Entered > 0);
        LaunchComparison cmp = ResultFiles.Read(Path.Combine(outDir, "comparison-event.json"), ResultsJsonContext.Default.LaunchComparison);
        Assert.Equal(6, cmp.Nodes.Count);
        Assert.True(cmp.WithinTolerance, $"worst {cmp.WorstShareErrorPp} pp");

        // --client-mode both: the file's pooled shape (2 pods × 40 idle per node at 1/2 scale), then multiplexed (one per pod), each compared.
        Assert.Equal(("Pooled", 2, 80), (ev.Client!.Mode, ev.Client.Pods, ev.Client.PlannedConnectionsPerNode));
        Assert.All(ev.Client.Nodes, n => Assert.True(n.Open!.ConnectedClients - n.Before!.ConnectedClients >= 80, $"{n.Endpoint}: {n.Before.ConnectedClients} → {n.Open.ConnectedClients}"));
        LaunchRunResult evMux = ResultFiles.Read(Path.Combine(outDir, "launch-event-multiplexed.json"), ResultsJsonContext.Default.LaunchRunResult);
        Assert.Equal(("Multiplexed", 2), (evMux.Client!.Mode, evMux.Client.PlannedConnectionsPerNode));
        Assert.Equal($"hb:{runId}:event-multiplexed:", evMux.KeyPrefix);
        Assert.True(ResultFiles.Read(Path.Combine(outDir, "comparison-event-multiplexed.json"), ResultsJsonContext.Default.LaunchComparison).WithinTolerance);

        LaunchRunResult legacy = ResultFiles.Read(Path.Combine(outDir, "launch-legacy.json"), ResultsJsonContext.Default.LaunchRunResult);
        Assert.Equal(legacy.Users.Users, legacy.Users.Failed);
        Assert.All(legacy.Users.FailureReasons.Keys, r => Assert.Contains("CrossSlot", r, StringComparison.OrdinalIgnoreCase));

        string md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("**PASS**", md);
        Assert.Contains("- expected: legacy: thresholds failed as the model predicts, every failure CROSSSLOT", md);
        Assert.Contains("- With `event` tags the hottest primary reached ", md);
        Assert.Contains(" CPU at 1/2 scale (the model: ", md);
        Assert.Contains("- With `legacy` tags the joins fail CROSSSLOT instead (", md);
        Assert.Contains("![hottest-primary-cpu](hottest-primary-cpu.png)", md);
        Assert.Contains("## Client shape: server CPU per call", md);
        Assert.Contains("| event | Multiplexed |", md);
        Assert.Contains("data:image/png;base64,", File.ReadAllText(Path.Combine(outDir, "report.html")));
        Assert.Contains("with `event` tags the hottest primary reached", output, StringComparison.OrdinalIgnoreCase);

        // The external cluster is left as it was found.
        long left = 0;
        foreach (IServer primary in fx.Primaries())
            await foreach (RedisKey _ in primary.KeysAsync(pattern: $"*hb:{runId}:*", pageSize: 1000)) left++;
        Assert.Equal(0, left);
    }
}
