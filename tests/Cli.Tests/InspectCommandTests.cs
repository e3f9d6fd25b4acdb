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
