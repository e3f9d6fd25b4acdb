using HashtagBench.Cli.Run;

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
        File.WriteAllText(Path.Combine(stepDir, "report.md"), "# Load: x\n\n![chart](chart.png)\n");
        File.WriteAllBytes(Path.Combine(stepDir, "chart.png"), [0x89, 0x50, 0x4E, 0x47]);
        string log = Path.Combine(dir, "logs", "x.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "line");
        var step = new StepResult("load-x", "ok", 0, TimeSpan.FromSeconds(3), log);
        var env = new EnvironmentInfo("cpu", 2, "os", ".NET", "7.0", "local");

        var (md, html) = RunReport.Write(dir, "id", env, [new ReportSection("Load: x", step, stepDir)], ["**headline**"]);

        string text = File.ReadAllText(md);
        Assert.Contains("| Load: x | ok | 3s |", text);
        Assert.Contains("**headline**", text);
        Assert.Contains("\n### Load: x", text); // the step's own "# Load: x", demoted under the section
        Assert.Contains("](load/x/chart.png)", text);
        Assert.Contains("data:image/png;base64,", File.ReadAllText(html));
        Directory.Delete(dir, true);
    }
}
