using HashtagBench.Cli.Run;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Reporting;
using System.CommandLine;
using System.Text.RegularExpressions;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// `run --launch` and `load run launch` are two front ends of one launch plan: the same run-ID format, key prefixes,
/// result files and output folder for the same inputs, one check of the shared values, one verdict with its audit.
/// </summary>
public sealed partial class LaunchPlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("launch-plan").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Tiny()
    {
        string path = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(path, """
            { "name": "tiny", "seed": 5, "events": [ { "id": "evt_a" } ], "arrival": { "users": 20, "overSeconds": 1 }, "topology": { "shards": 3 },
              "strategies": [ "event", "legacy" ], "client": { "mode": "Pooled", "pods": 2, "poolSize": 20, "minIdleConns": 10 } }
            """);
        return path;
    }

    /// <summary>`load run launch`'s plan from its command line, mounted as LoadRunCommand mounts it (its options and --run-id).</summary>
    private static LaunchPlan LoadPlan(string[] args, bool keepData = false, string? output = null)
    {
        var cmd = new Command("launch");
        var launch = new LoadLaunchOptions();
        var agent = new AgentOptions();
        launch.AddTo(cmd);
        cmd.Options.Add(agent.RunId);
        ParseResult r = cmd.Parse(args);
        Assert.Empty(r.Errors);
        return launch.Plan(r, agent, keepData, output);
    }

    [GeneratedRegex("^[0-9a-f]{8}$")]
    private static partial Regex RunIdFormat();

    [Fact]
    public void Both_front_ends_make_the_same_run_id_prefix_files_and_output_folder()
    {
        string file = Tiny();
        LaunchPlan load = LoadPlan(["--launch", file, "--scale", "0.5", "--seed", "3", "--max-seconds", "30", "--strategy", "bucketed:8"]);
        LaunchPlan run = new LaunchRunOptions(file, Scale: 0.5, Strategies: "bucketed:8", Seed: 3, MaxSeconds: 30).Plan(repoRoot: _dir);

        foreach (LaunchPlan p in new[] { load, run })
        {
            Assert.Matches(RunIdFormat(), p.RunId);
            Assert.Equal($"hb:{p.RunId}:bucketed-8:", p.KeyPrefix("bucketed:8"));
            Assert.Equal($"hb:{p.RunId}:bucketed-8-multiplexed:", p.KeyPrefix("bucketed:8", "-multiplexed"));
            Assert.Equal((3UL, 0.5, 30.0, 10), (p.Launch.File.Seed, p.Scale, p.MaxSeconds, p.Scaled.File.Arrival.Users));
            Assert.Equal(["bucketed:8"], p.Scaled.Schemas.Select(s => s.Name));
            Assert.Equal([WaitingRoom.ClientMode.Pooled], p.ClientModes); // the file's client.mode when none is asked for
        }
        Assert.NotEqual(load.RunId, run.RunId);
        Assert.Equal("launch-bucketed-8.json", LaunchPlan.ResultFile("launch", "bucketed:8"));

        // The default folder: one rule, results/launch-<UTC time>-<run ID>; under the current folder for `load run launch`, the repository for `run`.
        Assert.Matches($@"^{Regex.Escape(Path.Combine(Directory.GetCurrentDirectory(), "results"))}/launch-\d{{8}}-\d{{6}}-{load.RunId}$", load.OutputDir);
        Assert.Matches($@"^{Regex.Escape(Path.Combine(_dir, "results"))}/launch-\d{{8}}-\d{{6}}-{run.RunId}$", run.OutputDir);
        var at = new DateTime(2026, 11, 25, 18, 0, 0, DateTimeKind.Utc);
        Assert.Equal(Path.Combine(_dir, "results", "launch-20261125-180000-1a2b3c4d"), LaunchPlan.OutputFolder(null, _dir, "1a2b3c4d", at));

        // --out as given, relative to the current folder, in both.
        string outDir = Path.Combine("rel", "out");
        Assert.Equal(Path.GetFullPath(outDir), LoadPlan(["--launch", file], output: outDir).OutputDir);
        Assert.Equal(Path.GetFullPath(outDir), new LaunchRunOptions(file, OutputDir: outDir).Plan().OutputDir);
        // A given run ID (load's --run-id) goes into the prefix unchanged.
        Assert.Equal("hb:given-1:event:", LoadPlan(["--launch", file, "--run-id", "given-1"]).KeyPrefix("event"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("Infinity")]
    public void Both_front_ends_refuse_a_bad_max_seconds_with_the_same_line(string value)
    {
        string file = Tiny();
        var load = Assert.Throws<ArgumentException>(() => LoadPlan(["--launch", file, "--max-seconds", value]));
        var run = Assert.Throws<ArgumentException>(() => new LaunchRunOptions(file, MaxSeconds: double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)).Plan(_dir));
        Assert.StartsWith("--max-seconds must be a positive number", load.Message);
        Assert.Equal(load.Message, run.Message);
    }

    private static readonly Dictionary<string, long> NoFailures = [];

    /// <summary>A sound run of one strategy; <paramref name="users"/> replaces its lifecycle (the defect).</summary>
    private static LaunchRunResult Result(string strategy, LaunchLifecycle? users = null, bool crossSlot = false)
    {
        Dictionary<string, long> kinds = crossSlot ? new() { ["CrossSlotServer"] = 20 } : NoFailures;
        var lat = new Latency(20, 1, 1, 2, 3, 3, 3, 1);
        return new LaunchRunResult("tiny", strategy, 5, 1, "not scaled (1×)", "1a2b3c4d", $"hb:1a2b3c4d:{strategy}:", DateTime.UnixEpoch, 2,
            [new LaunchStepResult("join", 20, crossSlot ? 0 : 20, crossSlot ? 20 : 0, crossSlot ? null : lat, lat, kinds),
             new LaunchStepResult("all", 20, crossSlot ? 0 : 20, crossSlot ? 20 : 0, crossSlot ? null : lat, lat, kinds)],
            users ?? (crossSlot ? new LaunchLifecycle(20, 0, 0, 0, 20, 0, new Dictionary<string, int> { ["join: CrossSlotServer"] = 20 })
                                : new LaunchLifecycle(20, 20, 0, 0, 0, 0, new Dictionary<string, int>())),
            [new ThresholdCheck("join fail% < 5", crossSlot ? 100 : 0, 5, !crossSlot)], !crossSlot, [], [], new NodeTelemetry(DateTime.UnixEpoch, 1, []), [], Interrupted: false);
    }

    /// <summary>`run --launch`'s verdict over one strategy's result (its comparison within tolerance, so only the result decides).</summary>
    private static LaunchRunVerdict RunVerdict(LaunchRunResult m) => LaunchRehearsalReport.Verdict(new LaunchRunInput("tiny", "tiny.json", 5, 1, "not scaled (1×)",
        "1a2b3c4d", "local", 0.7, 3, null,
        [new LaunchRunStrategy(m.Strategy, LaunchVerdictPolicy.ExpectedCrossSlot(m.Strategy)) { Measured = m, Comparison = new LaunchComparison(m.Strategy, 2, [], []) }],
        Findings: null, Interrupted: false));

    [Fact]
    public void Both_front_ends_run_the_audit_and_fail_visits_that_do_not_add_up()
    {
        LaunchRunResult sound = Result("event");
        Assert.Empty(LaunchScenarioReport.Verdict(sound).Failures);
        Assert.DoesNotContain(RunVerdict(sound).Failures, f => f.StartsWith("event:", StringComparison.Ordinal)); // the empty comparison's own line aside

        // 20 users but 15 + 0 + 0 + 0 + 3 counted: the audit's defect, caught by both.
        LaunchRunResult lost = Result("event", new LaunchLifecycle(20, 15, 0, 0, 0, 3, new Dictionary<string, int>()));
        Assert.Contains(LaunchScenarioReport.Verdict(lost).Failures, f => f.StartsWith("event: audit: visits do not add up", StringComparison.Ordinal));
        Assert.Contains(RunVerdict(lost).Failures, f => f.StartsWith("event: audit: visits do not add up", StringComparison.Ordinal));
        Assert.Contains("audit: **FAIL**", LaunchScenarioReport.Render([lost], interrupted: false));
    }

    [Fact]
    public void The_console_names_each_strategys_visits_requests_failures_and_file_in_that_order()
    {
        LaunchRunResult legacy = Result("legacy", crossSlot: true);
        var (failures, expected) = LaunchScenarioReport.Verdict(legacy);
        var lines = LaunchScenarioReport.ConsoleLines(legacy, failures, expected, "out/launch-legacy.json").ToList();

        Assert.StartsWith("legacy: 20 visits (entered 0, left 0, expired 0, failed 20, unfinished 0); ", lines[0]);
        Assert.Contains("; 20 requests in 2.0 s, 20 failed; p99 ms: join 3.0, all 3.0", lines[0]);
        Assert.Equal("  failed visits: join: CrossSlotServer ×20", lines[1]);
        Assert.StartsWith("expected: legacy: ", lines[2]);
        Assert.Empty(failures);
        Assert.Equal("  client: n/a (no client record)", lines[^2]);
        Assert.Equal("  out/launch-legacy.json", lines[^1]);
    }

    [Fact]
    public void Both_front_ends_judge_legacy_by_the_model_not_by_name()
    {
        Assert.True(LaunchVerdictPolicy.ExpectedCrossSlot("legacy"));
        Assert.False(LaunchVerdictPolicy.ExpectedCrossSlot("event"));
        Assert.False(LaunchVerdictPolicy.ExpectedCrossSlot("bucketed:8"));

        // legacy failing CROSSSLOT only: expected in both, not a failure.
        LaunchRunResult legacy = Result("legacy", crossSlot: true);
        var (failures, expected) = LaunchScenarioReport.Verdict(legacy);
        Assert.Empty(failures);
        Assert.Single(expected, e => e.StartsWith("legacy: thresholds failed as the model predicts", StringComparison.Ordinal));
        Assert.Single(RunVerdict(legacy).Expected, e => e.StartsWith("legacy: thresholds failed as the model predicts", StringComparison.Ordinal));

        // The same CROSSSLOT failures on a strategy the model keeps on one slot are a failure in both.
        LaunchRunResult evt = Result("event", crossSlot: true);
        Assert.Contains(LaunchScenarioReport.Verdict(evt).Failures, f => f.StartsWith("event: thresholds failed", StringComparison.Ordinal));
        Assert.Contains(RunVerdict(evt).Failures, f => f.StartsWith("event: thresholds failed", StringComparison.Ordinal));
    }
}
