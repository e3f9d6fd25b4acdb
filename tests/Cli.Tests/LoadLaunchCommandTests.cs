using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;

namespace HashtagBench.Cli.Tests;

/// <summary>`load run launch`: bad input is one line and exit 2; a tiny launch on the shared cluster writes its files and exits by its verdicts.</summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Error
public sealed class LoadLaunchCommandTests(ClusterFixture fx)
{
    private const string Tiny = """
        { "name": "cli-tiny", "seed": 3, "events": [ { "id": "cl_a" }, { "id": "cl_b" } ],
          "arrival": { "users": 12, "overSeconds": 0.3 }, "poll": { "minSeconds": 0.2, "maxSeconds": 0.3 },
          "topology": { "shards": 3 }, "strategies": [ "event", "legacy" ], "client": { "pods": 2, "poolSize": 20, "minIdleConns": 10 },
          "thresholds": { "join": { "maxFailurePercent": 5 } } }
        """;

    private static async Task<string> TinyFileAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hb-launch-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, Tiny);
        return path;
    }

    [Theory]
    [InlineData("--scale", "0")]
    [InlineData("--scale", "1.5")]
    [InlineData("--strategy", "galaxy")]
    [InlineData("--max-seconds", "-1")]
    [InlineData("--run-id", "a{b}")]
    public async Task Bad_options_are_one_line_and_exit_2(string option, string value)
    {
        string file = await TinyFileAsync();
        var (code, error) = await CliRun.InvokeAsync(["load", "run", "launch", "--launch", file, option, value]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_launch_without_its_file_or_with_a_broken_one_is_refused()
    {
        var (code, error) = await CliRun.InvokeAsync(["load", "run", "launch"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--launch", error);

        string broken = Path.Combine(Path.GetTempPath(), $"hb-launch-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(broken, Tiny.Replace("\"users\": 12", "\"users\": 0"));
        (code, error) = await CliRun.InvokeAsync(["load", "run", "launch", "--launch", broken]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("arrival.users", error);

        // --launch belongs to the launch scenario only.
        (code, error) = await CliRun.InvokeAsync(["load", "run", "multi-event", "--launch", broken]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("'hashtag-bench load run multi-event' has no option --launch", error);
    }

    [Fact]
    public async Task A_tiny_launch_writes_a_result_per_strategy_and_excuses_legacys_crossslot_as_run_launch_does()
    {
        string file = await TinyFileAsync();
        string outDir = Path.Combine(Path.GetTempPath(), $"hb-launch-out-{Guid.NewGuid():N}");
        string seeds = string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));

        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "run", "launch", "--launch", file, "--cluster", seeds, "--out", outDir, "--max-seconds", "60"]);

        // legacy's joins fail CROSSSLOT: its join threshold fails as the model predicts (expected, as under `run --launch`); event's passes.
        Assert.True(code == ExitCodes.Ok, $"exit {code}: {error}\n{output}");
        Assert.Contains("expected: legacy: thresholds failed as the model predicts, every failure CROSSSLOT", output);
        LaunchRunResult evt = ResultFiles.Read(Path.Combine(outDir, "launch-event.json"), ResultsJsonContext.Default.LaunchRunResult);
        LaunchRunResult legacy = ResultFiles.Read(Path.Combine(outDir, "launch-legacy.json"), ResultsJsonContext.Default.LaunchRunResult);
        Assert.True(evt.ThresholdsPassed);
        Assert.Equal(12, evt.Users.Entered);
        // Every user's arrival sent, none dropped, and the console says so.
        Assert.Equal((12L, 0L), (evt.Arrivals!.Sent, evt.Arrivals.DroppedTotal));
        Assert.Contains("event: 12 visits", output);
        Assert.Contains("arrivals sent 12, dropped 0;", output);
        Assert.False(legacy.ThresholdsPassed);
        Assert.Equal(12, legacy.Users.Failed);
        string report = await File.ReadAllTextAsync(Path.Combine(outDir, LaunchScenarioFiles.ReportFile));
        Assert.Contains("## `event`", report);
        Assert.Contains("CROSSSLOT", report);
    }
}
