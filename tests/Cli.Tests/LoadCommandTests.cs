using HashtagBench.Contracts;

namespace HashtagBench.Cli.Tests;

/// <summary>The load verbs refuse bad input with exit code 2 and one clear line.</summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Error
public sealed class LoadCommandTests
{
    private static Task<(int Code, string Error)> InvokeAsync(params string[] args) => CliRun.InvokeAsync(["load", "run", .. args]);

    private static Task<(int Code, string Error)> InvokeAsync(string verb, string[] args) => CliRun.InvokeAsync(["load", .. args]);

    [Fact]
    public async Task Negative_rate_is_refused()
    {
        var (code, error) = await InvokeAsync("multi-event", "--rate", "-5");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--rate", error);
    }

    [Fact]
    public async Task Unknown_scenario_is_refused_with_the_known_ones()
    {
        var (code, error) = await InvokeAsync("meteor-shower");
        Assert.Equal(ExitCodes.BadInput, code);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: 'meteor-shower' is not a subcommand of 'hashtag-bench load run'", line);
        foreach (string scenario in ScenarioNames.All.Append("launch")) Assert.Contains(scenario, line);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_a_clear_error()
    {
        var (code, error) = await InvokeAsync("multi-event", "--cluster", "127.0.0.1:1", "--duration", "1");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("Cannot connect", error);
    }

    [Fact]
    public async Task Overhead_refuses_a_bad_duration()
    {
        var (code, error) = await InvokeAsync("overhead", ["overhead", "--seconds", "0"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--seconds", error);
    }

    [Theory]
    [InlineData("multi-event", "--popularity", "zipf:x", "Unknown popularity")]
    [InlineData("multi-event", "--provider", "carrier-pigeon", "--provider must be auto, local, testcontainers or external (got 'carrier-pigeon')")]
    [InlineData("multi-event", "--duration", "-1", "--duration")]
    [InlineData("strategies", "--strategies", "event,bucketed:0", "Bucket count")]
    [InlineData("failover", "--wait-timeout", "0", "--wait-timeout")]
    [InlineData("strategies", "--strategies", ",", "--strategies names no strategy")]
    [InlineData("hot-event", "--hot-share", "1.5", "--hot-share")]
    [InlineData("duplicates", "--duplicates", "1", "--duplicates")]
    [InlineData("capacity", "--steps", "0", "--steps")]
    [InlineData("failover", "--retry", "11", "--retry")]
    public async Task Bad_options_give_one_clean_line(string scenario, string option, string value, string expected)
    {
        var (code, error) = await InvokeAsync(scenario, option, value);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n')); // no stack trace, no "(Parameter ...)" tail
    }

    [Fact]
    public async Task Merge_refuses_a_file_that_is_not_a_histogram_log()
    {
        string path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "not a log\n");
        var (code, error) = await InvokeAsync("merge", ["merge", path]);
        File.Delete(path);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not a readable HdrHistogram log", error);
    }

    [Fact]
    public async Task Bad_threshold_is_refused()
    {
        var (code, error) = await InvokeAsync("multi-event", "--threshold", "p99 fast");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("threshold", error);
    }
}
