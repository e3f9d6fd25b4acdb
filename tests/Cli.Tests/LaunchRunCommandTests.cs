using HashtagBench.Contracts;

namespace HashtagBench.Cli.Tests;

/// <summary>`run --launch`: bad input exits 2 with one line, before any cluster is started.</summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Out and Console.Error
public sealed class LaunchRunCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("run-launch").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Tiny()
    {
        string path = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(path, """
            { "name": "tiny", "events": [ { "id": "evt_a" } ], "arrival": { "users": 20, "overSeconds": 1 }, "topology": { "shards": 3 }, "strategies": [ "event" ] }
            """);
        return path;
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["--launch", "{dir}/missing.json"], "error: launch file {dir}/missing.json: (file) cannot be read" },
        { ["--launch", "{tiny}", "--scale", "0"], "error: --scale must be in (0, 1] (got 0)." },
        { ["--launch", "{tiny}", "--scale", "1.5"], "error: --scale must be in (0, 1] (got 1.5)." },
        { ["--launch", "{tiny}", "--scale", "half"], "error: Cannot parse argument 'half' for option '--scale'" },
        { ["--launch", "{tiny}", "--strategies", "event,nope"], "error: launch file {tiny}: strategies[1] Unknown strategy 'nope'" },
        { ["--launch", "{tiny}", "--cpu-target", "2"], "error: The CPU target is a fraction in (0, 1]" },
        { ["--launch", "{tiny}", "--quick"], "error: --launch rehearses the launch alone: --quick does not apply to it." },
        { ["--scale", "0.5", "--seed", "3"], "error: --scale, --seed need --launch FILE." },
        { ["--launch", "{tiny}", "--client-mode", "sideways"], "error: --client-mode must be pooled, multiplexed or both (got 'sideways')." },
        { ["--launch", "{tiny}", "--ceiling-steps", "3"], "error: --ceiling-steps and --ceiling-seconds need --find-ceiling." },
        { ["--launch", "{tiny}", "--find-ceiling", "--ceiling-steps", "0"], "error: --ceiling-steps must be 1..20 (got 0)." },
        { ["--client-mode", "both"], "error: --client-mode needs --launch FILE." },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_exits_2_with_one_line_and_starts_nothing(string[] args, string expected)
    {
        string tiny = Tiny();
        string[] full = ["run", .. args.Select(a => a.Replace("{dir}", _dir).Replace("{tiny}", tiny)), "--out", Path.Combine(_dir, "out"), "--provider", "local"];
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(full);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith(expected.Replace("{dir}", _dir).Replace("{tiny}", tiny), error);
        Assert.Equal("error:", error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0][..6]);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // a parse error too: one line, naming the help
        Assert.Equal("", output); // nothing ran: no sizing model, no cluster
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public async Task An_unreachable_cluster_exits_2_with_one_line()
    {
        var (code, _, error) = await CliRun.InvokeWithOutputAsync(["run", "--launch", Tiny(), "--cluster", "127.0.0.1:1", "--out", Path.Combine(_dir, "out")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
