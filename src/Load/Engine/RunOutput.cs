using System.Globalization;
using System.Text;
using HashtagBench.Charts;
using HashtagBench.Contracts;
using HashtagBench.Reporting;

namespace HashtagBench.Load.Engine;

/// <summary>What a scenario adds to the generic report: Markdown sections, typed findings for summary.json, and whether its checks passed.</summary>
public sealed class ScenarioFindings
{
    public List<string> Markdown { get; } = [];
    /// <summary>The scenario's own findings (per-shard comparison, audit, capacity, ...), written into summary.json.</summary>
    public LoadFindings Data { get; set; } = new();
    /// <summary>True when the scenario's own checks (an audit, an expected failure pattern) passed.</summary>
    public bool ChecksPassed { get; set; } = true;
}

/// <summary>Writes a run's summary.json, timeline.csv, report.md and charts into its output folder.</summary>
public static class RunOutput
{
    /// <summary>The typed summary of a scenario's runs and findings: what summary.json holds.</summary>
    public static LoadSummary Summarise(string scenario, IReadOnlyList<RunSummary> runs, ScenarioFindings findings) =>
        new(scenario, runs.Select(ToContract).ToList(), findings.ChecksPassed, runs.Count > 0 && runs.All(r => r.ThresholdsPassed), findings.Data);

    /// <summary>An engine run as the contract record: no latency (null) where nothing came back, no target (null) for a closed model.</summary>
    public static LoadRun ToContract(RunSummary r) => new(
        r.Scenario, r.StartedUtc, r.Seconds, r.TargetRps > 0 ? r.TargetRps : null, r.OkCount, r.FailCount, r.Rps, r.FailPercent,
        ToLatency(r.Ok), ToLatency(r.Fail), r.ErrorsByKind, r.ErrorSamples,
        r.Thresholds.Select(t => new ThresholdCheck(t.Threshold, t.Actual, t.Limit, t.Pass) { HarnessLimited = t.HarnessLimited, NoData = t.NoData }).ToList(),
        r.StopReason,
        r.Timeline.Select(t => new LoadInterval(t.Second, t.Length, t.Ok, t.Fail, t.Rps, ToLatency(t.OkLatency), t.ErrorsByKind) { AllLatency = ToLatency(t.AllLatency) }).ToList())
    {
        All = ToLatency(r.All),
        OkRps = r.OkRps,
        Interrupted = r.Interrupted,
        Lateness = ToLatency(r.Lateness),
        InjectorCpu = r.InjectorCpu,
        Injector = r.Injector,
        HarnessLimited = r.HarnessLimited,
        FromSend = ToLatency(r.FromSend),
        Server = r.Server,
        Decomposition = LatencyBreakdown.Of(r),
        MeasuredStartUtc = r.MeasuredStartUtc,
        Arrivals = r.Arrivals,
    };

    public static Latency? ToLatency(Percentiles p) => p.Count == 0 ? null : new(p.Count, p.P50, p.P75, p.P95, p.P99, p.P999, p.Max, p.Mean);

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

    /// <summary>Writes one or more runs (e.g. one per strategy) of a scenario. Returns the report path.</summary>
    public static string Write(string dir, LoadSummary summary, IReadOnlyList<RunSummary> runs, ScenarioFindings findings)
    {
        Directory.CreateDirectory(dir);
        ResultFiles.Write(Path.Combine(dir, ResultFiles.Summary), summary, ResultFiles.LoadSummaryType);
        WriteTimelineCsv(Path.Combine(dir, "timeline.csv"), runs);
        List<string> charts = WriteCharts(dir, runs);

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
        if (LatencyBreakdown.Markdown(summary.Runs) is { Length: > 0 } breakdown) md.AppendLine(breakdown);
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
        foreach (string section in findings.Markdown) md.AppendLine(section).AppendLine();
        if (summary.Telemetry is { } nodes) md.Append(Telemetry.TelemetryReport.Write(dir, nodes, summary.Runs));
        foreach (string chart in charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})").AppendLine();
        string report = Path.Combine(dir, "report.md");
        File.WriteAllText(report, md.ToString());
        return report;
    }

    private static void WriteTimelineCsv(string path, IReadOnlyList<RunSummary> runs)
    {
        // Latencies of a second without such calls are empty cells (no latency), never 0.
        var csv = new StringBuilder("run,second,length_s,rps,ok,fail,p50_ms,p75_ms,p95_ms,p99_ms,p999_ms,max_ms,errors,ok_rps,all_p50_ms,all_p99_ms,all_max_ms\n");
        foreach (RunSummary r in runs)
            foreach (IntervalStats s in r.Timeline)
            {
                Percentiles ok = s.OkLatency, all = s.AllLatency;
                csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Scenario},{s.Second:0.###},{s.Length:0.###},{s.Rps:0.#},{s.Ok},{s.Fail},{Csv(ok, ok.P50)},{Csv(ok, ok.P75)},{Csv(ok, ok.P95)},{Csv(ok, ok.P99)},{Csv(ok, ok.P999)},{Csv(ok, ok.Max)},\"{string.Join(';', s.ErrorsByKind.Select(e => $"{e.Key}={e.Value}"))}\",{s.OkRps:0.#},{Csv(all, all.P50)},{Csv(all, all.P99)},{Csv(all, all.Max)}"));
            }
        File.WriteAllText(path, csv.ToString());
    }

    private static string Csv(Percentiles p, double value) => p.Show(value, "0.###", ifEmpty: "");

    private static List<string> WriteCharts(string dir, IReadOnlyList<RunSummary> runs)
    {
        var charts = new List<string>();
        // Ok responses, and every outcome (failed and refused calls too); a run without such calls has no line, not one at 0.
        var latencies = runs.Where(r => !r.Ok.IsEmpty).Select(r => (Name: r.Scenario + " (ok)", P: r.Ok))
            .Concat(runs.Where(r => !r.All.IsEmpty && r.FailCount > 0).Select(r => (Name: r.Scenario + " (all)", P: r.All))).ToList();
        if (latencies.Count > 0)
        {
            double[] ps = [50, 75, 95, 99, 99.9];
            // x = the "nines" of each percentile (50% → 0.3, 99% → 2, 99.9% → 3), so the tail gets room.
            double[] xs = ps.Select(p => -Math.Log10(1 - p / 100)).ToArray();
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "latency-percentiles"), "Latency by percentile (ok: Ok responses; all: every outcome; from intended start)",
                "percentile", "latency (ms)",
                latencies.Select(r => new Series(r.Name, [r.P.P50, r.P.P75, r.P.P95, r.P.P99, r.P.P999], xs)).ToList(),
                xTicks: xs.Zip(["p50", "p75", "p95", "p99", "p99.9"]).ToList(), legendAt: LegendPosition.UpperLeft));
        }
        // The last interval is the tail after the final full second (often a few ms of draining): left out, it would read as a dip.
        var timed = runs.Select(r => (r.Scenario, Seconds: r.Timeline.Where(t => !t.IsPartial).ToList())).Where(r => r.Seconds.Count > 1).ToList();
        if (timed.Count > 0)
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "throughput"), "Throughput over time (driven: every outcome per second; served: Ok only)", "seconds", "requests/s",
                timed.SelectMany(r => new[]
                {
                    new Series(r.Scenario + " (driven)", r.Seconds.Select(t => t.Rps).ToList(), r.Seconds.Select(t => t.Second).ToList()),
                    new Series(r.Scenario + " (served)", r.Seconds.Select(t => t.OkRps).ToList(), r.Seconds.Select(t => t.Second).ToList()),
                }).ToList(),
                legendAt: LegendPosition.LowerRight, yFromZero: true));
        // p99 of Ok responses, and of every outcome: a second without such calls has no latency to draw, not a latency of 0.
        var okP99 = timed.Select(r => (Name: r.Scenario + " (ok)", Seconds: r.Seconds.Where(t => !t.OkLatency.IsEmpty).Select(t => (t.Second, t.OkLatency.P99)).ToList()));
        var allP99 = timed.Select(r => (Name: r.Scenario + " (all)", Seconds: r.Seconds.Where(t => !t.AllLatency.IsEmpty).Select(t => (t.Second, t.AllLatency.P99)).ToList()));
        var withP99 = okP99.Concat(allP99).Where(r => r.Seconds.Count > 1).ToList();
        if (withP99.Count > 0)
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "p99-over-time"), "p99 latency over time (ok: Ok responses; all: every outcome; from intended start)", "seconds", "p99 (ms)",
                withP99.Select(r => new Series(r.Name, r.Seconds.Select(t => t.P99).ToList(), r.Seconds.Select(t => t.Second).ToList())).ToList(),
                yFromZero: true));
        return charts;
    }
}
