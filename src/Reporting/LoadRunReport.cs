using HashtagBench.Contracts;
using HashtagBench.Reporting.Scenarios;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>
/// A load run's report.md: banners, the runs, latency from the intended start, the injector's own error, the latency
/// decomposition, failures, thresholds, then each scenario's typed findings, the node telemetry and the charts.
/// </summary>
public static class LoadRunReport
{
    /// <summary>The report of <paramref name="summary"/>; <paramref name="telemetry"/> and <paramref name="charts"/> are what the run wrote beside it.</summary>
    public static string Render(LoadSummary summary, IReadOnlyList<ScenarioReportFindings> findings, string? telemetry, IReadOnlyList<string> charts)
    {
        var md = new StringBuilder($"# Load: {summary.Scenario}\n\n");
        foreach (string banner in Banners(summary.Runs)) md.AppendLine(banner).AppendLine();
        md.Append(MarkdownTable.Render(summary.Runs,
            new("run", r => r.Name),
            new("target rps", r => r.TargetRps, "0", IfNull: "— (closed model)"),
            new("rps (driven)", r => r.Rps, "0"),
            new("ok rps (served)", r => r.OkRps, "0"),
            new("ok", r => r.OkCount),
            new("fail", r => r.FailCount),
            new("fail%", r => r.OkCount + r.FailCount == 0 ? null : r.FailPercent, "0.##"),
            // Every scheduled arrival was sent or dropped (never sent, by reason); a closed model schedules none.
            new("sent", r => r.TargetRps is null ? "— (closed model)" : r.Arrivals?.Sent),
            new("dropped", r => r.TargetRps is null ? "— (closed model)" : r.Arrivals?.DroppedText()),
            new("stopped", r => r.Interrupted ? "**interrupted**" : r.StopReason)));
        md.AppendLine();
        // Ok latency beside the latency of every outcome (failed and refused calls too), each from its intended start.
        md.AppendLine("Latency (ms, from each call's intended start): `ok` = Ok responses, `all` = every outcome (failed and refused calls too).\n");
        var latencyRows = summary.Runs.SelectMany(r => new[] { (Run: r.Name, Of: "ok", L: r.Ok), (Run: r.Name, Of: "all", L: r.All) }).ToList();
        md.Append(MarkdownTable.Render(latencyRows,
            new("run", x => x.Run),
            new("of", x => x.Of),
            new("calls", x => x.L?.Count ?? 0),
            new("p50 ms", x => x.L?.P50, "0.00"),
            new("p75 ms", x => x.L?.P75, "0.00"),
            new("p95 ms", x => x.L?.P95, "0.00"),
            new("p99 ms", x => x.L?.P99, "0.00"),
            new("p99.9 ms", x => x.L?.P999, "0.00"),
            new("max ms", x => x.L?.Max, "0.00")));
        md.AppendLine();
        // The harness's own error, already inside every latency above.
        md.AppendLine("Injector (the harness's own error, already inside every latency above):\n");
        md.Append(MarkdownTable.Render(summary.Runs,
            new("run", r => r.Name),
            new("lateness p50 ms", r => r.Lateness?.P50, "0.000", IfNull: "n/a (closed model)"),
            new("lateness p99 ms", r => r.Lateness?.P99, "0.000", IfNull: "n/a (closed model)"),
            new("injector", r => r.Injector),
            new("injector CPU s/s", r => r.InjectorCpu, "0.000"),
            new("harness-limited", r => r.HarnessLimited ? "**yes**" : "no")));
        md.AppendLine();
        if (LatencyBreakdown(summary.Runs) is { Length: > 0 } breakdown) md.AppendLine(breakdown);
        var errors = summary.Runs.Where(r => r.ErrorsByKind.Count > 0).ToList();
        if (errors.Count > 0)
        {
            md.AppendLine("Failures by kind:\n");
            foreach (LoadRun r in errors)
                foreach (var (kind, n) in r.ErrorsByKind.OrderByDescending(e => e.Value))
                    md.AppendLine($"- {r.Name}: `{kind}` × {n}{(r.ErrorSamples.TryGetValue(kind, out string? msg) ? $" — {msg.Split('\n')[0]}" : "")}");
            md.AppendLine();
        }
        var thresholds = summary.Runs.SelectMany(r => r.Thresholds.Select(t => (Run: r, Check: t))).ToList();
        if (thresholds.Count > 0)
        {
            md.Append(MarkdownTable.Render(thresholds,
                new("run", t => t.Run.Name),
                new("threshold", t => $"`{t.Check.Threshold}`"),
                new("actual", t => t.Check.NoData ? null : t.Check.Actual, "0.###"),
                new("limit", t => t.Check.Limit, "0.###"),
                new("", t => VerdictCell(t.Run, t.Check))));
            md.AppendLine();
        }
        foreach (ScenarioReportFindings f in findings)
            foreach (string section in ScenarioReport.Render(f)) md.AppendLine(section).AppendLine();
        if (telemetry is not null) md.Append(telemetry);
        foreach (string chart in charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})").AppendLine();
        return md.ToString();
    }

    /// <summary>What the top of a report says before any table: interrupted, measured nothing, harness-limited. Empty when none applies.</summary>
    /// <param name="harnessLimited">False where a harness-limited column says it instead (the run report's summary).</param>
    public static IEnumerable<string> Banners(IReadOnlyList<LoadRun> runs, bool harnessLimited = true)
    {
        foreach (LoadRun r in runs.Where(r => r.Interrupted))
            yield return string.Create(CultureInfo.InvariantCulture,
                $"**interrupted**: `{r.Name}` was stopped (Ctrl-C/SIGTERM) after {r.Seconds:0.#} s of its run; its numbers are partial and its thresholds do not pass.");
        foreach (LoadRun r in runs.Where(r => r.OkCount + r.FailCount == 0))
            yield return $"**measured nothing**: `{r.Name}` recorded no call in its measured phase; it fails.";
        foreach (LoadRun r in runs.Where(r => r.Arrivals is { DroppedTotal: > 0 }))
            yield return $"**dropped arrivals**: `{r.Name}` never sent {r.Arrivals!.DroppedText()} of its {r.Arrivals.Scheduled} scheduled arrivals; they are in no latency below.";
        foreach (LoadRun r in runs.Where(r => harnessLimited && r.HarnessLimited))
            yield return string.Create(CultureInfo.InvariantCulture,
                $"**harness-limited**: `{r.Name}`'s injector sent calls up to {r.Lateness?.P99:0.###} ms late (p99); its latencies describe the load generator as much as Redis.");
    }

    /// <summary>A threshold's verdict cell: pass / **FAIL**, "(harness-limited)" when the run was, "not counted" when the run was interrupted.</summary>
    public static string VerdictCell(LoadRun run, ThresholdCheck t) =>
        (t.Pass ? run.Interrupted ? "not counted (interrupted)" : "pass" : "**FAIL**") + (t.HarnessLimited ? " (harness-limited)" : "");

    /// <summary>The four measurements per run (p50/p99, ms), then each run's sentence. Empty when no run has a decomposition.</summary>
    public static string LatencyBreakdown(IReadOnlyList<LoadRun> runs)
    {
        var rows = runs.Where(r => r.Decomposition is not null).Select(r => (r.Name, D: r.Decomposition!)).ToList();
        if (rows.Count == 0) return "";
        string table = MarkdownTable.Render(rows,
            new("run", x => x.Name),
            new("Redis ms/call (mean)", x => x.D.ServerMs, "0.000"),
            new("from send p50", x => x.D.FromSend?.P50, "0.000"),
            new("from send p99", x => x.D.FromSend?.P99, "0.000"),
            new("from intended p50", x => x.D.FromIntended?.P50, "0.000"),
            new("from intended p99", x => x.D.FromIntended?.P99, "0.000"),
            new("lateness p50", x => x.D.Lateness?.P50, "0.000"),
            new("lateness p99", x => x.D.Lateness?.P99, "0.000"),
            new("p99 is mostly", x => x.D.Dominant));
        return "Latency decomposition (ms, Ok calls): Redis's own time per call (INFO commandstats, a mean), latency from the actual send, " +
            "from the intended start (coordinated-omission corrected) and the injector's lateness.\n\n" + table + "\n" +
            string.Concat(rows.Select(x => $"- `{x.Name}`: {x.D.Verdict}\n"));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
