using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;
using System.Text.Json;
using System.Text.RegularExpressions;
using RunnerProcess = HashtagBench.Cli.Tests.RunTeardownTests.RunnerProcess;

namespace HashtagBench.Cli.Tests;

/// <summary>sim --launch and calibrate: exit codes, one-line errors, and what they write.</summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Out and Console.Error
public sealed class SimLaunchCommandTests(ClusterFixture fx) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sim-launch").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Small = """
        { "name": "cli-small", "events": [ { "id": "evt_a" }, { "id": "evt_b" } ], "arrival": { "users": 40, "overSeconds": 4 },
          "replicaReads": true, "topology": { "shards": 3 }, "strategies": [ "legacy", "event" ] }
        """;

    private string Write(string json)
    {
        string path = Path.Combine(_dir, $"launch-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("\"users\": 40", "\"users\": -1", "arrival.users must be 1..")]
    [InlineData("\"shards\": 3", "\"shards\": 3, \"slotMap\": \"0-16383:0\"", "topology needs exactly one of shards or slotMap")]
    [InlineData("\"legacy\"", "\"nope\"", "strategies[0] Unknown strategy 'nope'")]
    [InlineData("{ \"name\"", "{ \"nam\": 1, \"name\"", "nam")]
    public async Task A_bad_launch_file_exits_2_with_one_line_naming_the_field(string valid, string bad, string expected)
    {
        string path = Write(Small.Replace(valid, bad));
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", path, "--out", _dir]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"error: launch file {path}: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", output);
    }

    [Fact]
    public async Task A_missing_launch_file_or_a_bad_cpu_target_exits_2()
    {
        var (code, _, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Path.Combine(_dir, "none.json")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("(file) cannot be read", error);
        (code, _, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Write(Small), "--cpu-target", "1.5", "--out", _dir]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("CPU target", error);
    }

    [Fact]
    public async Task A_launch_prints_the_tables_and_writes_the_report_with_the_stacked_chart()
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Write(Small), "--strategies", "event,bucketed:4", "--out", outDir]);
        Assert.True(code == 0, error);
        Assert.Contains("| event |", output);
        Assert.Contains("| bucketed:4 |", output);
        Assert.DoesNotContain("| legacy |", output); // --strategies replaces the file's list
        Assert.Contains("27 + 9N", output);
        Assert.Contains("yes (", output); // formula + paths reconcile with the simulated total
        Assert.True(File.Exists(Path.Combine(outDir, "shard-commands-by-step.png")));
        Assert.Contains("shard-commands-by-step.png", File.ReadAllText(Path.Combine(outDir, "launch-sim.md")));

        (code, output, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Write(Small), "--json", "--out", Path.Combine(_dir, "json")]);
        Assert.True(code == 0, error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement strategies = doc.RootElement.GetProperty("strategies");
        Assert.Equal(2, strategies.GetArrayLength());
        Assert.True(strategies[0].GetProperty("crossSlotVisits").GetInt32() > 0); // legacy
        Assert.Equal(0, strategies[1].GetProperty("crossSlotVisits").GetInt32());
    }

    [Fact]
    public async Task Check_live_shows_legacy_passing_standalone_and_failing_on_the_cluster_and_reports_it()
    {
        // Starts its own standalone redis-server and local cluster through the provider code, as a user's run does.
        string outDir = Path.Combine(_dir, "live");
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Write(Small), "--check-live", "--out", outDir]);
        Assert.True(code == 0, error); // legacy failing on the cluster is expected: informational, not a failure
        Assert.Contains("| legacy | Join | ok | CROSSSLOT |", output);
        foreach (string step in new[] { "Join", "Enter", "StatusExpired", "HoldSeat", "Leave" })
            Assert.Contains($"| event | {step} | ok | ok |", output);
        Assert.Contains("legacy passes standalone and fails on the cluster", output);
        Assert.DoesNotContain("FAILED", output);
        string md = File.ReadAllText(Path.Combine(outDir, "launch-sim.md"));
        Assert.Contains("## Live check: standalone vs cluster", md);
        Assert.Contains("| legacy | Join | ok | CROSSSLOT |", md);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "launch-sim.json")));
        Assert.True(doc.RootElement.GetProperty("liveCheck").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Check_live_on_an_external_cluster_leaves_no_key_behind()
    {
        string seeds = string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["sim", "--launch", Write(Small), "--check-live", "--cluster", seeds, "--out", Path.Combine(_dir, "ext")]);
        Assert.True(code == 0, error);
        Assert.Contains("| legacy | Join | ok | CROSSSLOT |", output);
        Match removed = Regex.Match(error, @"removed [1-9]\d* key\(s\) of check (r\d+)");
        Assert.True(removed.Success, error);
        foreach (IServer s in fx.Primaries())
            Assert.Empty(s.Keys(pattern: $"*{removed.Groups[1].Value}*").Take(1));
    }

    [Fact]
    public async Task A_launch_this_machine_cannot_hold_is_refused_up_front_with_one_line()
    {
        // The loader's most users, in a process held to 512 MB as a container limit would hold it: gigabytes of visits do not fit.
        string path = Write(Small.Replace("\"users\": 40", "\"users\": 10000000", StringComparison.Ordinal));
        await using var p = RunnerProcess.StartVerb(["sim", "--launch", path, "--out", Path.Combine(_dir, "huge", "out")], Path.Combine(_dir, "huge"),
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" });
        Assert.Equal(ExitCodes.BadInput, await p.WaitForExitAsync());
        string error = Assert.Single(p.Errors);
        Assert.StartsWith("error: cli-small: 10,000,000 visits need about ", error);
        Assert.Contains("this machine has 512 MB: at most ", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "huge", "out")));
    }

    [Fact]
    public async Task Calibrate_refuses_too_few_visits_and_an_unreachable_cluster()
    {
        var (code, _, error) = await CliRun.InvokeWithOutputAsync(["calibrate", "--visits", "10"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--visits", error);
        (code, _, error) = await CliRun.InvokeWithOutputAsync(["calibrate", "--cluster", "127.0.0.1:1", "--visits", "100"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Calibrate_measures_every_command_and_every_server_term_on_the_cluster_and_leaves_no_key()
    {
        string seeds = string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));
        string path = Path.Combine(_dir, "costs.json");
        // Short steps and a loose residual limit: the CI machine is shared; the refusal itself is tested below and in ClusterSim.Tests.
        string[] quick = ["--visits", "200", "--step-seconds", "0.5", "--idle-connections", "200"];
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["calibrate", "--cluster", seeds, .. quick, "--max-residual", "10", "--out", path]);
        Assert.True(code == 0, error);
        CommandCostTable table = CommandCostTable.Read(path);
        Assert.Equal(CommandCalibratorNames(), table.Commands.Select(c => c.Command));
        Assert.All(table.Commands, c => Assert.True(c.Calls >= 200 && c.UsecPerCall > 0, $"{c.Command}: {c.Calls} calls"));
        Assert.StartsWith("7.", table.Machine.RedisVersion);
        Assert.Contains("usec/call", output);
        // Every step on the primary and on its replica, each with the server's figures; the fit's residual per step.
        int plan = HashtagBench.Load.Calibration.ServerCalibrator.DefaultPlan(200).Count;
        Assert.Equal(2 * plan, table.Steps!.Count);
        Assert.All(table.Steps, s => Assert.True(s.CpuUsecPerSecond > 0 && s.Seconds > 0, s.Name));
        Assert.Contains(table.Steps, s => s.Role == CalibrationStep.Replica && s.AppliedPerSecond > 1000);
        Assert.Contains(table.Steps, s => s.Depth == 16 && s.CommandsPerSecond / s.ReadsPerSecond > 14);
        ServerCpuModel m = table.Model;
        Assert.True(m.HasServerTerms);
        Assert.Equal(2 * plan, m.Fit!.Residuals.Count);
        Assert.False(m.Tls);
        Assert.Null(m.TlsUsecPerRead);
        Assert.True(m.BytesPerConnection > 0);
        Assert.Contains("TLS                   not measured (plain TCP cluster): n/a", output);
        Assert.Contains("load average", table.Machine.Method);
        foreach (IServer s in fx.Primaries())
            Assert.Empty(s.Keys(pattern: "*calib-*").Take(1));

        // The same measurement held to a limit no real server meets: refused, one line, nothing written.
        string refusedPath = Path.Combine(_dir, "refused.json");
        (code, _, error) = await CliRun.InvokeWithOutputAsync(["calibrate", "--cluster", seeds, .. quick, "--max-residual", "0.0001", "--out", refusedPath]);
        Assert.Equal(ExitCodes.Failed, code);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: the CPU model does not fit the calibration: RMS error", lines[^1]);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.False(File.Exists(refusedPath));
    }

    [Fact]
    public async Task Calibrate_refuses_bad_step_options_before_touching_a_cluster()
    {
        foreach (string[] bad in new[] { new[] { "--step-seconds", "0" }, ["--max-residual", "0"], ["--idle-connections", "1"] })
        {
            var (code, _, error) = await CliRun.InvokeWithOutputAsync(["calibrate", "--cluster", "127.0.0.1:1", .. bad]);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains(bad[0], error);
        }
    }

    private static IEnumerable<string> CommandCalibratorNames() => HashtagBench.Load.CommandCalibrator.Measured;
}
