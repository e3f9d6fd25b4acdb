namespace HashtagBench.Reporting.Tests;

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
        var step = new RunReportStep("Load: x", "ok", true, TimeSpan.FromSeconds(3), null, log, stepDir);
        var failed = new RunReportStep("Simulation", "failed", false, TimeSpan.FromSeconds(1), "exit | 1", log, Path.Combine(dir, "sim"));

        var (md, html) = RunReport.Write(dir, "id", [("CPU", "cpu"), ("Cores", "2")], [step, failed], ["**headline**"]);

        string text = File.ReadAllText(md);
        Assert.Contains("| Load: x | ok | 3s |", text);
        Assert.Contains(@"| Simulation | **failed** | 1s | n/a | exit \| 1 |", text); // a '|' in an error cannot break the table
        Assert.Contains("**headline**", text);
        Assert.Contains("| CPU | cpu |\n| Cores | 2 |", text);
        Assert.Contains("> **failed**: exit | 1. Log: `logs/x.log`", text);
        Assert.Contains("```\nline\n```", text); // the failed step wrote no report: the tail of its log stands in
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
