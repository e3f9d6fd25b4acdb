using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>One step of a `run` as its summary table shows it.</summary>
/// <param name="HarnessLimitedRuns">The step's runs whose injector was the limit; empty: none was; null: the step drives no load of its own (n/a).</param>
/// <param name="Notes">Why the step failed, or what else to know; null: nothing.</param>
public sealed record RunStepRow(string Step, string Status, bool Ok, TimeSpan Duration, IReadOnlyList<string>? HarnessLimitedRuns, string? Notes);

/// <summary>
/// The top of the run report: the launch rehearsal's answer (verdict, the sizing sentence per strategy, the
/// hot-shard chart), then one summary table of every step with harness-limited as a column. The details follow it.
/// </summary>
public static class RunSummaryReport
{
    /// <summary>Failures the verdict line names before it says how many more there are.</summary>
    public const int VerdictFailuresShown = 2;

    /// <param name="launch">The rehearsal's typed result; null when it did not run (<paramref name="launchNote"/> says why).</param>
    /// <param name="cpuChart">The hot-shard chart relative to the report; null when the rehearsal drew none.</param>
    public static string ToMarkdown(string runId, LaunchRunInput? launch, string? launchNote, string? cpuChart, IReadOnlyList<RunStepRow> steps)
    {
        var md = new StringBuilder();
        md.AppendLine($"# hashtag-bench run {runId}").AppendLine();
        if (launch is null)
        {
            md.AppendLine("## Launch rehearsal").AppendLine();
            md.AppendLine($"**n/a**: {launchNote ?? "the launch rehearsal did not run"}.").AppendLine();
        }
        else
        {
            md.AppendLine($"## Launch rehearsal: `{launch.Launch}` at {LaunchRehearsalReport.ScaleText(launch.Scale)}").AppendLine();
            md.AppendLine(VerdictLine(launch)).AppendLine();
            foreach (LaunchRunStrategy s in launch.Strategies) md.AppendLine($"- {LaunchRehearsalReport.SizingSentence(s, launch)}");
            md.AppendLine();
            md.AppendLine(cpuChart is null ? "Hot-shard chart: n/a (no primary's CPU was sampled)." : $"![hottest primary CPU]({cpuChart}){{.answer}}").AppendLine();
        }

        md.AppendLine("## Summary").AppendLine();
        md.Append(MarkdownTable.Render(steps,
            new("step", s => s.Step),
            new("status", s => s.Ok ? "ok" : $"**{s.Status}**"),
            new("time", s => $"{s.Duration.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)}s"),
            new("harness-limited", s => HarnessCell(s.HarnessLimitedRuns)),
            new("notes", s => s.Notes ?? "")));
        md.AppendLine();
        md.AppendLine("Harness-limited: the load generator sent calls late enough (p99) that a run's latency describes it as much as Redis; n/a for a step without that check (benchmarks, simulation; the launch rehearsal gives its timer delay in its section).").AppendLine();
        return md.ToString();
    }

    /// <summary>The verdict in one line: PASS, FAIL or INTERRUPTED, and why.</summary>
    public static string VerdictLine(LaunchRunInput launch)
    {
        LaunchRunVerdict v = LaunchRehearsalReport.Verdict(launch);
        string expected = v.Expected.Count == 0 ? "" : $" Expected: {string.Join("; ", v.Expected)}.";
        if (v.Passed)
            return $"**PASS**: every strategy ({string.Join(", ", launch.Strategies.Select(s => $"`{s.Strategy}`"))}) ran, matched the model per node within tolerance and passed its thresholds.{expected}";
        string more = v.Failures.Count > VerdictFailuresShown ? $" (and {v.Failures.Count - VerdictFailuresShown} more below)" : "";
        return $"**{(launch.Interrupted ? "INTERRUPTED" : "FAIL")}**: {string.Join("; ", v.Failures.Take(VerdictFailuresShown))}{more}.{expected}";
    }

    private static string HarnessCell(IReadOnlyList<string>? runs) =>
        runs is null ? "n/a" : runs.Count == 0 ? "no" : $"**yes**: {string.Join(", ", runs.Select(r => $"`{r}`"))}";
}
