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

public sealed class RunReportTests
{
    [Fact]
    public void Report_folds_in_step_markdown_with_chart_links_and_inlines_images_in_html()
    {
        string dir = Directory.CreateTempSubdirectory("report-test").FullName;
        string stepDir = Path.Combine(dir, "load", "x");
        Directory.CreateDirectory(stepDir);
        File.WriteAllText(Path.Combine(stepDir, "report.md"),
            "# Load: x\n\n## Runs\n\n![chart](chart.png)\n\nSee [the chart](chart.png) or ![remote](https://example.com/r.png).\n\n```\n# not a heading\n```\n");
        File.WriteAllBytes(Path.Combine(stepDir, "chart.png"), [0x89, 0x50, 0x4E, 0x47]);
        File.WriteAllBytes(Path.Combine(stepDir, "extra.png"), [0x89, 0x50, 0x4E, 0x47]);
        string log = Path.Combine(dir, "logs", "x.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "line");
        var step = new StepResult("load-x", "ok", 0, TimeSpan.FromSeconds(3), log);
        var failed = new StepResult("sim", "failed", 1, TimeSpan.FromSeconds(1), log, "exit | 1");
        var env = new EnvironmentInfo("cpu", 2, "os", ".NET", "7.0", "local");

        var (md, html) = RunReport.Write(dir, "id", env,
            [new ReportSection("Load: x", step, stepDir), new ReportSection("Simulation", failed, Path.Combine(dir, "sim"))], ["**headline**"]);

        string text = File.ReadAllText(md);
        Assert.Contains("| Load: x | ok | 3s |", text);
        Assert.Contains(@"| Simulation | **failed** | 1s | exit \| 1 |", text); // a '|' in an error cannot break the table
        Assert.Contains("**headline**", text);
        Assert.Contains("\n### Load: x", text); // the step's own "# Load: x", demoted under the section
        Assert.Contains("\n#### Runs", text);
        Assert.Contains("\n# not a heading", text); // inside a code block: not a heading
        Assert.Contains("![chart](load/x/chart.png)", text);
        Assert.Contains("[the chart](chart.png)", text); // a link, not an image: left alone
        Assert.Contains("![remote](https://example.com/r.png)", text);
        Assert.Contains("![extra](load/x/extra.png)", text); // a chart the step's Markdown did not link is still shown
        // The linked chart is not appended a second time.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, System.Text.RegularExpressions.Regex.Escape("](load/x/chart.png)")));
        string page = File.ReadAllText(html);
        Assert.Contains("src=\"data:image/png;base64,iVBORw==\"", page);
        Assert.Contains("src=\"https://example.com/r.png\"", page);
        Assert.DoesNotContain("src=\"load/x/chart.png\"", page);
        Directory.Delete(dir, true);
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
