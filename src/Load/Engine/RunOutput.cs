using HashtagBench.Charts;
using HashtagBench.Contracts;
using HashtagBench.Reporting;
using System.Globalization;
using System.Text;

namespace HashtagBench.Load.Engine;

/// <summary>What a scenario adds to the generic report: its typed findings (rendered by src/Reporting), its data for summary.json, and whether its checks passed.</summary>
public sealed class ScenarioFindings
{
    /// <summary>The scenario's typed report findings, each rendered into report.md by <see cref="Reporting.Scenarios.ScenarioReport"/>.</summary>
    public List<ScenarioReportFindings> Reports { get; } = [];
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

    /// <summary>Writes one or more runs (e.g. one per strategy) of a scenario. Returns the report path.</summary>
    public static string Write(string dir, LoadSummary summary, IReadOnlyList<RunSummary> runs, ScenarioFindings findings)
    {
        Directory.CreateDirectory(dir);
        ResultFiles.Write(Path.Combine(dir, ResultFiles.Summary), summary, ResultFiles.LoadSummaryType);
        WriteTimelineCsv(Path.Combine(dir, "timeline.csv"), runs);
        List<string> charts = WriteCharts(dir, runs);

        string? telemetry = summary.Telemetry is { } nodes ? Telemetry.TelemetryReport.Write(dir, nodes, summary.Runs) : null;
        string report = Path.Combine(dir, "report.md");
        File.WriteAllText(report, LoadRunReport.Render(summary, findings.Reports, telemetry, charts));
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
