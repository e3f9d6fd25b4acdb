using HashtagBench.Contracts;

namespace HashtagBench.Cli.Tests;

/// <summary>inspect's input rules: bad input and an unreachable cluster are one line and exit 2, before anything is started.</summary>
[Collection(ClusterCollection.Name)] // serial with the other tests that swap Console
public sealed class InspectCommandTests
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
