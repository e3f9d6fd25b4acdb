using System.Text;

namespace HashtagBench.Reporting;

/// <summary>One step of a `run` as its section of the report shows it: how it ended, its log, and the folder its own report and charts are in.</summary>
/// <param name="Error">Why it failed; null when it did not.</param>
public sealed record RunReportStep(string Title, string Status, bool Ok, TimeSpan Duration, string? Error, string LogPath, string Folder)
{
    /// <summary>The step's runs whose injector was the limit; empty: none; null: the step drives no load (n/a).</summary>
    public IReadOnlyList<string>? HarnessLimitedRuns { get; init; }
}

/// <summary>
/// Writes results/&lt;run-id&gt;/report.md and report.html. Each step's own Markdown is folded in with its chart links
/// rewritten to the run folder; the HTML embeds every chart so it can be mailed or attached to a design review.
/// Headings and images are found through Markdig's syntax tree (<see cref="MarkdownFolding"/>), not by pattern.
/// </summary>
public static class RunReport
{
    /// <param name="launch">The launch step's typed rehearsal, which the report opens with; null when it did not run.</param>
    /// <param name="launchFolder">Where the launch step wrote its report and charts.</param>
    /// <param name="launchNote">Why there is no rehearsal, when <paramref name="launch"/> is null.</param>
    /// <param name="environment">The machine, runtime and cluster, one (name, value) row each.</param>
    /// <param name="summaryBlocks">The headline numbers per step (<see cref="StepSummaryReport"/>), in order.</param>
    public static (string Markdown, string Html) Write(string runDir, string runId, IReadOnlyList<(string Name, string Value)> environment, IReadOnlyList<RunReportStep> sections,
        IReadOnlyList<string> summaryBlocks, LaunchRunInput? launch = null, string? launchFolder = null, string? launchNote = null)
    {
        var md = new StringBuilder();
        // The answer first: the rehearsal's verdict, sizing and hot-shard chart, then one table of every step.
        string? chart = launch is not null && launchFolder is not null && Path.Combine(launchFolder, LaunchRehearsalReport.CpuChartFile) is var c && File.Exists(c) ? c : null;
        var rows = sections.Select(s => new RunStepRow(s.Title, s.Status, s.Ok, s.Duration, s.HarnessLimitedRuns, s.Error)).ToList();
        md.Append(RunSummaryReport.ToMarkdown(runId, launch, launchNote, chart is null ? null : Relative(runDir, chart), rows));

        md.AppendLine("## Headline numbers per step").AppendLine();
        foreach (string block in summaryBlocks) md.AppendLine(block).AppendLine();

        md.AppendLine("## Environment").AppendLine();
        md.Append(MarkdownTable.Render(environment, new("", r => r.Name), new("", r => r.Value)));
        md.AppendLine();

        foreach (RunReportStep s in sections)
        {
            md.AppendLine($"## {s.Title}").AppendLine();
            if (!s.Ok) md.AppendLine($"> **{s.Status}**: {s.Error}. Log: `{Relative(runDir, s.LogPath)}`").AppendLine();
            bool hasMarkdown = Directory.Exists(s.Folder) && Directory.EnumerateFiles(s.Folder, "*.md", SearchOption.AllDirectories).Any();
            if (!hasMarkdown && File.Exists(s.LogPath))
            {
                // A step that writes no report (the regression gate) is shown by the tail of its output.
                md.AppendLine("```").AppendJoin('\n', File.ReadLines(s.LogPath).TakeLast(60)).AppendLine().AppendLine("```").AppendLine();
            }
            if (!Directory.Exists(s.Folder)) continue;
            var linked = new HashSet<string>(StringComparer.Ordinal);
            foreach (string file in Directory.EnumerateFiles(s.Folder, "*.md", SearchOption.AllDirectories).Order())
            {
                string fileDir = Path.GetDirectoryName(file)!;
                // Demote the step's own headings two levels so they sit under this section's "##", and point its
                // images (relative to the step's folder) at the same files from the run folder.
                string text = MarkdownFolding.Rebase(File.ReadAllText(file), 2, target =>
                {
                    string full = Path.GetFullPath(Path.Combine(fileDir, Uri.UnescapeDataString(target)));
                    linked.Add(full);
                    return Relative(runDir, full);
                });
                md.AppendLine(text.Trim()).AppendLine();
            }
            foreach (string png in Directory.EnumerateFiles(s.Folder, "*.png", SearchOption.AllDirectories).Order())
                if (linked.Add(Path.GetFullPath(png)))
                    md.AppendLine($"![{Path.GetFileNameWithoutExtension(png)}]({Relative(runDir, png)})").AppendLine();
        }

        string mdPath = Path.Combine(runDir, "report.md");
        File.WriteAllText(mdPath, md.ToString());
        string htmlPath = Path.Combine(runDir, "report.html");
        File.WriteAllText(htmlPath, ToHtml(md.ToString(), runDir, runId));
        return (mdPath, htmlPath);
    }

    /// <summary>Markdown → a standalone HTML page with every local image inlined as a data URI.</summary>
    public static string ToHtml(string markdown, string baseDir, string title)
    {
        string body = MarkdownFolding.ToHtml(markdown, baseDir);
        return $$"""
            <!doctype html>
            <html><head><meta charset="utf-8"><title>hashtag-bench {{title}}</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; display: block; overflow-x: auto; max-width: 100%; } th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; } img { max-width: 100%; } code { background: #f4f4f4; }
            blockquote { border-left: 4px solid #c33; margin: 0; padding: 0 1em; }
            img.answer { max-height: 440px; width: auto; }
            </style></head><body>
            {{body}}
            </body></html>
            """;
    }

    private static string Relative(string runDir, string path) => Path.GetRelativePath(runDir, path).Replace('\\', '/');

}
