using HashtagBench.Cli.Run;
using HashtagBench.Contracts;
using HashtagBench.Load.Engine;

namespace HashtagBench.Cli.Tests;

public sealed class RunPlanTests
{
    [Fact]
    public void Quick_defaults_to_the_fast_suites_and_scenarios()
    {
        RunPlan p = RunPlan.Create(quick: true, suites: null, scenarios: null, sim: true, gate: false, output: null);
        Assert.Equal(["slot", "keyformat", "guard"], p.Suites);
        Assert.Equal(["strategies", "hot-event", "duplicates"], p.Scenarios);
    }

    [Fact]
    public void Full_runs_every_suite_and_scenario()
    {
        RunPlan p = RunPlan.Create(false, null, null, true, false, null);
        Assert.Equal(RunPlan.SuiteFilters.Keys.Order(), p.Suites.Order());
        Assert.Equal(RunPlan.KnownScenarios, p.Scenarios);
        // One list of scenario names: the plan's is the contracts' (failover included), each with its own options record.
        Assert.Equal(ScenarioNames.All, p.Scenarios);
        Assert.Contains(ScenarioNames.Failover, p.Scenarios);
        Assert.Equal(ScenarioNames.All, ScenarioNames.All.Select(n => HashtagBench.Load.Scenarios.ScenarioOptions.Default(n).Scenario));
    }

    [Fact]
    public void None_and_lists_are_honoured_and_unknown_names_refused()
    {
        Assert.Empty(RunPlan.Create(true, "none", "none", false, false, null).Suites);
        Assert.Equal(["join", "slot"], RunPlan.Create(true, "join, slot", null, true, false, null).Suites);
        var ex = Assert.Throws<FormatException>(() => RunPlan.Create(true, null, "strategies,meteor", true, false, null));
        Assert.Contains("meteor", ex.Message);
    }
}

public sealed class RunReportAnswerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("run-answer").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Md, string Html) Write(HashtagBench.Reporting.LaunchRunInput? launch, string? note = null)
    {
        string launchDir = Path.Combine(_dir, "launch");
        Directory.CreateDirectory(launchDir);
        File.WriteAllBytes(Path.Combine(launchDir, HashtagBench.Reporting.LaunchRehearsalReport.CpuChartFile), [0x89, 0x50, 0x4E, 0x47]);
        string log = Path.Combine(_dir, "x.log");
        File.WriteAllText(log, "line");
        var env = new EnvironmentInfo("cpu", 2, "os", ".NET", "7.0", "local");
        ReportSection[] sections =
        [
            new("Benchmarks", new StepResult("bench", StepStatus.Ok, 0, TimeSpan.FromSeconds(60), log), Path.Combine(_dir, "bench")),
            new("Load: strategies", new StepResult("load-strategies", StepStatus.Ok, 0, TimeSpan.FromSeconds(30), log), Path.Combine(_dir, "load")) { HarnessLimitedRuns = ["event", "legacy"] },
            new("Load: duplicates", new StepResult("load-duplicates", StepStatus.Ok, 0, TimeSpan.FromSeconds(20), log), Path.Combine(_dir, "dup")) { HarnessLimitedRuns = [] },
            new("Launch rehearsal: gateway-30k", new StepResult("launch", StepStatus.Ok, 0, TimeSpan.FromSeconds(40), log), launchDir),
        ];
        var (md, html) = HashtagBench.Reporting.RunReport.Write(_dir, "id", [.. env.Rows()], [.. sections.Select(s => s.ToReport())], ["**headline**"], launch, launchDir, note);
        return (File.ReadAllText(md), File.ReadAllText(html));
    }

    private static void InOrder(string text, params string[] parts)
    {
        int at = -1;
        foreach (string p in parts)
        {
            int next = text.IndexOf(p, StringComparison.Ordinal);
            Assert.True(next > at, $"'{p}' at {next}, expected after {at}");
            at = next;
        }
    }

    [Fact]
    public void The_report_opens_with_the_verdict_the_sizing_per_strategy_and_the_chart_then_one_summary_table()
    {
        var (md, html) = Write(LaunchRehearsalReportTests.Input(LaunchRehearsalReportTests.Event(), LaunchRehearsalReportTests.Legacy()));

        InOrder(md, "# hashtag-bench run id", "**PASS**", "With `event` tags", "With `legacy` tags", "](launch/hottest-primary-cpu.png)",
            "## Summary", "| step | status | time | harness-limited | notes |", "## Headline numbers per step", "**headline**", "## Environment", "## Benchmarks");
        Assert.Contains("expected: legacy", md, StringComparison.OrdinalIgnoreCase); // legacy's CROSSSLOT is named, not a failure
        Assert.Contains("| Benchmarks | ok | 60s | n/a |", md); // a step without an injector: n/a, not "no"
        Assert.Contains("| Load: strategies | ok | 30s | **yes**: `event`, `legacy` |", md);
        Assert.Contains("| Load: duplicates | ok | 20s | no |", md);
        Assert.DoesNotContain("**harness-limited**:", md); // a column, not banners
        // In the page the chart is inlined and comes before the summary table's heading.
        InOrder(html, "<strong>PASS</strong>", "With <code>event</code> tags", "class=\"answer\"", "id=\"summary\"");
        Assert.Contains("src=\"data:image/png;base64,iVBORw==\"", html);
    }

    [Fact]
    public void A_failed_rehearsal_says_fail_and_why_in_one_line_and_a_missing_one_says_na()
    {
        var failed = LaunchRehearsalReportTests.Input(LaunchRehearsalReportTests.Event(errorPp: 20), LaunchRehearsalReportTests.Event(thresholdsPass: false) with { Strategy = "user" },
            new HashtagBench.Reporting.LaunchRunStrategy("bucketed:8", false) { Error = "boom" });
        string line = HashtagBench.Reporting.RunSummaryReport.VerdictLine(failed);
        Assert.StartsWith("**FAIL**: ", line);
        Assert.DoesNotContain('\n', line);
        int failures = HashtagBench.Reporting.LaunchRehearsalReport.Verdict(failed).Failures.Count;
        Assert.True(failures > HashtagBench.Reporting.RunSummaryReport.VerdictFailuresShown);
        Assert.Contains($"(and {failures - HashtagBench.Reporting.RunSummaryReport.VerdictFailuresShown} more below)", line);
        InOrder(Write(failed).Md, "**FAIL**", "## Summary");

        var (md, _) = Write(null, "skipped (--no-launch)");
        InOrder(md, "**n/a**: skipped (--no-launch).", "## Summary");
        Assert.DoesNotContain("hottest-primary-cpu.png)", md.Split("## Summary")[0]); // no rehearsal: no chart of an old one
    }

    [Fact]
    public void Quick_and_full_runs_plan_the_committed_launch_and_no_launch_drops_it()
    {
        RunPlan quick = RunPlan.Create(true, null, null, true, false, null);
        Assert.Equal(RunPlan.QuickLaunchScale, quick.Launch!.Scale);
        Assert.Equal(RunPlan.LaunchFile, quick.Launch.File);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Locate().Root, quick.Launch.File)));
        Assert.Equal(RunPlan.FullLaunchScale, RunPlan.Create(false, null, null, true, false, null).Launch!.Scale);
        Assert.Null(RunPlan.Create(true, null, null, true, false, null, launch: false).Launch);
    }
}

public sealed class StepSummariesTests
{
    private static RunSummary Run(string name, long ok, long fail, double target)
    {
        Percentiles p = ok == 0 ? new(0, 0, 0, 0, 0, 0, 0, 0) : new(ok, 1.5, 2, 3, 4.25, 6, 9, 1.7);
        return new RunSummary(name, DateTime.UtcNow, 2, target, ok, fail, (ok + fail) / 2.0, p, new(0, 0, 0, 0, 0, 0, 0, 0),
            new Dictionary<string, long>(), new Dictionary<string, string>(), [], [], "duration");
    }

    [Fact]
    public void Load_summary_written_by_the_load_step_is_read_back_typed()
    {
        string dir = Directory.CreateTempSubdirectory("summaries").FullName;
        try
        {
            RunSummary[] runs = [Run("event", 600, 0, 300), Run("legacy", 0, 600, 300)];
            var findings = new ScenarioFindings
            {
                ChecksPassed = true,
                Data = new LoadFindings
                {
                    PerShard = [new ShardComparison("event", 0, "127.0.0.1:7000", 0.25, 0.275, 165, 0), new ShardComparison("legacy", 0, "127.0.0.1:7000", null, 1, 0, 600)],
                    Incidents = [new Incident("legacy", 600, 600, 0, 0, true)],
                },
            };
            RunOutput.Write(dir, RunOutput.Summarise("strategies", runs, findings), runs, findings);

            string all = string.Join("\n", StepSummaries.Load(dir));
            Assert.Contains("**Load `strategies`**", all);
            Assert.Contains("| event | 300 | 1.50 | 4.25 | 0 |", all);
            Assert.Contains("| legacy | 300 | n/a | n/a | 100 |", all); // no Ok response: no latency, not 0 ms
            Assert.Contains("| event | 0 | 25.0 | 27.5 | +2.5 |", all);
            Assert.DoesNotContain("| legacy | 0 |", all); // no prediction applies to refused joins
            Assert.Contains("**Incident (legacy)**: 600 of 600", all);
            Assert.Equal([], StepSummaries.HarnessLimitedRuns(dir)!);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_harness_limited_run_is_a_column_and_read_back_by_name_not_a_banner()
    {
        string dir = Directory.CreateTempSubdirectory("summaries").FullName;
        try
        {
            RunSummary late = Run("event", 600, 0, 300) with { Lateness = new(600, 0.5, 0.6, 0.8, 1.0, 1.2, 2, 0.5) }; // p99 1 ms > 0.2 ms
            RunSummary[] runs = [late, Run("user", 600, 0, 300)];
            var findings = new ScenarioFindings { ChecksPassed = true, Data = new LoadFindings() };
            RunOutput.Write(dir, RunOutput.Summarise("strategies", runs, findings), runs, findings);

            Assert.Equal(["event"], StepSummaries.HarnessLimitedRuns(dir)!);
            string all = string.Join("\n", StepSummaries.Load(dir));
            Assert.DoesNotContain("**harness-limited**:", all);
            Assert.Contains("| **yes** |", all);
            Assert.Null(StepSummaries.HarnessLimitedRuns(Path.Combine(dir, "none"))); // no summary.json: n/a, not "no"
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Capacity_and_a_missing_or_broken_summary()
    {
        string dir = Directory.CreateTempSubdirectory("summaries").FullName;
        try
        {
            Assert.Empty(StepSummaries.Load(dir));
            var closed = new CapacityStep("closed", null, 900, null, 0, 0.2, false);
            var summary = new LoadSummary("capacity", [], true, true, new LoadFindings { Capacity = new CapacityResult(null, null, null, false, false, false, 1, "s", [], closed, null) });
            Assert.Contains(StepSummaries.Load(summary), s => s.Contains("**Per-shard capacity (Lua join)**: n/a"));

            File.WriteAllText(Path.Combine(dir, ResultFiles.Summary), """{"scenario": "x"}""");
            Assert.Contains("could not be read", Assert.Single(StepSummaries.Load(dir)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Sim_json_written_by_the_sim_report_is_read_back_typed()
    {
        string dir = Directory.CreateTempSubdirectory("sim-summary").FullName;
        try
        {
            var w = new HashtagBench.ClusterSim.Workload(20, HashtagBench.ClusterSim.Popularity.Uniform, 5000, HashtagBench.ClusterSim.RateProfile.Constant(10_000, 60));
            var sim = new HashtagBench.ClusterSim.Simulator(w, HashtagBench.ClusterSim.Topology.EvenSplit(3), new HashtagBench.ClusterSim.SimOptions { Seeds = 3, Joins = 20_000 });
            HashtagBench.ClusterSim.SimResult r = sim.Run([HashtagBench.Keys.KeyStrategy.EventTag, HashtagBench.Keys.KeyStrategy.Legacy]);
            HashtagBench.Reporting.SimReport.WriteAll(dir, r, null, []);

            string table = Assert.Single(StepSummaries.Sim(dir));
            Assert.Contains("| event |", table);
            Assert.Contains("| legacy |", table);
            SimSummary back = ResultFiles.Read(Path.Combine(dir, ResultFiles.Sim), ResultFiles.SimType);
            Assert.Equal(r.Strategies[0].Skew.HottestShardShare.Mean, back.Strategies[0].Skew.HottestShardShare.Mean);
            Assert.Null(back.Capacity);
        }
        finally { Directory.Delete(dir, true); }
    }
}
