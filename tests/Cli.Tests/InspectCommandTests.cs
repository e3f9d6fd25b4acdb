using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;

namespace HashtagBench.Cli.Tests;

/// <summary>inspect's input rules: bad input and an unreachable cluster are one line and exit 2, before anything is started.</summary>
[Collection(ClusterCollection.Name)] // serial with the other tests that swap Console
public sealed class InspectCommandTests(ClusterFixture fx)
{
    [Theory]
    [InlineData("--events", "evt{1}", "--events")]
    [InlineData("--strategies", "nope", "Unknown strategy")]
    [InlineData("--cpu-interval", "-1", "--cpu-interval")]
    public async Task Bad_input_exits_2_with_one_line(string option, string value, string says)
    {
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["inspect", option, value, "--cluster", "127.0.0.1:1"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(says, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_bad_launch_file_exits_2_with_the_loaders_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inspect-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "name": "x", "generatedEvents": { "count": 0 } }""");
        try
        {
            var (code, output, error) = await CliRun.InvokeWithOutputAsync(["inspect", "--launch", path, "--cluster", "127.0.0.1:1"]);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.StartsWith($"error: launch file {path}: generatedEvents", error);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Empty(output);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_launch_file_adds_its_generated_events_and_its_strategies()
    {
        string path = Path.Combine(Path.GetTempPath(), $"inspect-launch-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            { "name": "x", "generatedEvents": { "count": 3, "idFormat": "evt_2025_100{n}" }, "arrival": { "users": 10 },
              "topology": { "shards": 3 }, "strategies": [ "event", "event-all", "bucketed:4" ] }
            """);
        try
        {
            string seeds = string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));
            var (code, output, error) = await CliRun.InvokeWithOutputAsync(["inspect", "--launch", path, "--events", "evt_x", "--cpu-interval", "0", "--cluster", seeds]);
            Assert.True(code == 0, error);
            // evt_2025_1001 is the write-up's event: slot 3998 under the event tag.
            Assert.Contains("| evt_2025_1001 | event | - | 3998 |", output);
            foreach (string id in new[] { "evt_x", "evt_2025_1002", "evt_2025_1003" }) Assert.Contains($"| {id} | event |", output);
            for (int b = 0; b < 4; b++) Assert.Contains($"| evt_2025_1001 | bucketed:4 | {b} |", output);
            Assert.DoesNotContain("| legacy |", output); // the file's strategies replace the default list
            Assert.Single(output.Split('\n'), l => l.StartsWith("| evt_2025_1001 | event |", StringComparison.Ordinal)); // event-all joins as event: one row
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task An_unreachable_cluster_exits_2()
    {
        var (code, error) = await CliRun.InvokeAsync(["inspect", "--events", "evt_2025_1001", "--cluster", "127.0.0.1:1"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Cannot connect", error);
    }
}

/// <summary>--otlp and --prometheus are checked before any cluster is started, on both verbs that run load.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsOptionsTests
{
    [Theory]
    [InlineData("load", "--otlp", "ftp://collector:4318", "--otlp")]
    [InlineData("load", "--prometheus", "0", "--prometheus")]
    [InlineData("run", "--otlp", "not a url", "--otlp")]
    [InlineData("run", "--prometheus", "70000", "--prometheus")]
    public async Task A_bad_export_option_exits_2_before_anything_starts(string verb, string option, string value, string says)
    {
        string[] args = verb == "load"
            ? ["load", "run", "strategies", option, value, "--cluster", "127.0.0.1:1"]
            : ["run", "--suites", "none", "--scenarios", "strategies", "--no-sim", option, value, "--cluster", "127.0.0.1:1"];
        var (code, error) = await CliRun.InvokeAsync(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(says, error);
        Assert.DoesNotContain("Cannot connect", error);
    }
}
