using System.CommandLine;

namespace HashtagBench.Cli.Tests;

public sealed class SimCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { SimCommand.Create() };
        int code = await root.Parse(["sim", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--shards", "0")]
    [InlineData("--rate", "-10")]
    [InlineData("--popularity", "zipf:0")]
    [InlineData("--slot-map", "0-9000:0,8000-16383:1")]
    [InlineData("--slot-map", "0-9000:0")]
    public async Task Bad_input_prints_one_error_line_and_exits_2(string option, string value)
    {
        var (code, _, err) = await Run(option, value, "--joins", "1000", "--seeds", "1");
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--joins", "99999999999999", "error: --joins 99999999999999 × 20 seeds would take about ")] // the months-long run
    [InlineData("--events", "2000000000", "error: --events 2000000000 needs about ")]                        // hundreds of GB of event IDs
    public async Task Sizes_this_machine_cannot_run_are_refused_up_front_with_one_line_and_exit_2(string option, string value, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}");
        var (code, _, err) = await Run(option, value, "--out", dir);
        Assert.Equal(2, code);
        Assert.StartsWith(expected, err);
        Assert.Contains(" at most ", err); // names the most that fits
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir)); // nothing simulated, nothing written
    }

    [Fact]
    public async Task A_small_run_writes_markdown_json_and_charts()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}");
        try
        {
            var (code, output, err) = await Run("--events", "20", "--popularity", "zipf:1", "--users", "5000", "--joins", "20000", "--seeds", "3",
                "--profile", "0:1000,30:20000,120:20000", "--capacity", "15000", "--out", dir);
            Assert.True(code == 0, err);
            Assert.Contains("legacy", output);
            Assert.Contains("FAILS", output);
            string md = File.ReadAllText(Path.Combine(dir, "sim.md"));
            Assert.Contains("| bucketed:16 |", md);
            Assert.Contains("## Capacity", md);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "sim.json")));
            Assert.Equal(4, json.RootElement.GetProperty("strategies").GetArrayLength());
            foreach (string chart in new[] { "shard-load.png", "hottest-vs-events.png", "utilisation-vs-rate.png" })
                Assert.True(new FileInfo(Path.Combine(dir, chart)).Length > 1000, chart);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
