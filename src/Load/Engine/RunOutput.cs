using HashtagBench.Keys;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HashtagBench.Charts;

namespace HashtagBench.Load.Engine;

/// <summary>What a scenario adds to the generic report: Markdown sections, JSON fields and chart files.</summary>
public sealed class ScenarioFindings
{
    public List<string> Markdown { get; } = [];
    public JsonObject Json { get; } = [];
    /// <summary>True when the scenario's own checks (an audit, an expected failure pattern) passed.</summary>
    public bool ChecksPassed { get; set; } = true;
}

/// <summary>Writes a run's summary.json, timeline.csv, report.md and charts into its output folder.</summary>
public static class RunOutput
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes one or more runs (e.g. one per strategy) of a scenario. Returns the report path.</summary>
    public static string Write(string dir, string title, IReadOnlyList<RunSummary> runs, ScenarioFindings findings)
    {
        Directory.CreateDirectory(dir);
        var json = new JsonObject
        {
            ["scenario"] = title,
            ["runs"] = JsonSerializer.SerializeToNode(runs, Json),
            ["checksPassed"] = findings.ChecksPassed,
            ["thresholdsPassed"] = runs.All(r => r.ThresholdsPassed),
        };
        foreach (var (k, v) in findings.Json) json[k] = v?.DeepClone();
        File.WriteAllText(Path.Combine(dir, "summary.json"), json.ToJsonString(Json));
        WriteTimelineCsv(Path.Combine(dir, "timeline.csv"), runs);
        List<string> charts = WriteCharts(dir, runs);

        var md = new StringBuilder($"# Load: {title}\n\n");
        md.AppendLine("| run | target rps | rps | ok | fail | fail% | p50 ms | p75 ms | p95 ms | p99 ms | p99.9 ms | max ms |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (RunSummary r in runs)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {(r.TargetRps > 0 ? r.TargetRps.ToString("0", CultureInfo.InvariantCulture) : "— (closed model)")} | {r.Rps:0} | {r.OkCount} | {r.FailCount} | {r.FailPercent:0.##} | {r.Ok.P50:0.00} | {r.Ok.P75:0.00} | {r.Ok.P95:0.00} | {r.Ok.P99:0.00} | {r.Ok.P999:0.00} | {r.Ok.Max:0.00} |"));
        md.AppendLine();
        var errors = runs.Where(r => r.ErrorsByKind.Count > 0).ToList();
        if (errors.Count > 0)
        {
            md.AppendLine("Failures by kind:\n");
            foreach (RunSummary r in errors)
                foreach (var (kind, n) in r.ErrorsByKind.OrderByDescending(e => e.Value))
                    md.AppendLine($"- {r.Scenario}: `{kind}` × {n}{(r.ErrorSamples.TryGetValue(kind, out string? msg) ? $" — {msg.Split('\n')[0]}" : "")}");
            md.AppendLine();
        }
        var thresholds = runs.SelectMany(r => r.Thresholds.Select(t => (r.Scenario, t))).ToList();
        if (thresholds.Count > 0)
        {
            md.AppendLine("| run | threshold | actual | limit | |\n|---|---|---|---|---|");
            foreach (var (name, t) in thresholds)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | `{t.Threshold}` | {t.Actual:0.###} | {t.Limit:0.###} | {(t.Pass ? "pass" : "**FAIL**")} |"));
            md.AppendLine();
        }
        foreach (string section in findings.Markdown) md.AppendLine(section).AppendLine();
        foreach (string chart in charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})").AppendLine();
        string report = Path.Combine(dir, "report.md");
        File.WriteAllText(report, md.ToString());
        return report;
    }

    private static void WriteTimelineCsv(string path, IReadOnlyList<RunSummary> runs)
    {
        var csv = new StringBuilder("run,second,length_s,rps,ok,fail,p50_ms,p75_ms,p95_ms,p99_ms,p999_ms,max_ms,errors\n");
        foreach (RunSummary r in runs)
            foreach (IntervalStats s in r.Timeline)
                csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Scenario},{s.Second:0.###},{s.Length:0.###},{s.Rps:0.#},{s.Ok},{s.Fail},{s.OkLatency.P50},{s.OkLatency.P75},{s.OkLatency.P95},{s.OkLatency.P99},{s.OkLatency.P999},{s.OkLatency.Max},\"{string.Join(';', s.ErrorsByKind.Select(e => $"{e.Key}={e.Value}"))}\""));
        File.WriteAllText(path, csv.ToString());
    }

    private static List<string> WriteCharts(string dir, IReadOnlyList<RunSummary> runs)
    {
        var charts = new List<string>();
        var withOk = runs.Where(r => r.OkCount > 0).ToList();
        if (withOk.Count > 0)
        {
            double[] ps = [50, 75, 95, 99, 99.9];
            // x = the "nines" of each percentile (50% → 0.3, 99% → 2, 99.9% → 3), so the tail gets room.
            double[] xs = ps.Select(p => -Math.Log10(1 - p / 100)).ToArray();
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "latency-percentiles"), "Latency by percentile (Ok responses, corrected to intended start)",
                "percentile", "latency (ms)",
                withOk.Select(r => new Series(r.Scenario, [r.Ok.P50, r.Ok.P75, r.Ok.P95, r.Ok.P99, r.Ok.P999], xs)).ToList(),
                xTicks: xs.Zip(["p50", "p75", "p95", "p99", "p99.9"]).ToList(), legendAt: ScottPlot.Alignment.UpperLeft));
        }
        // The last interval is the tail after the final full second (often a few ms of draining): left out, it would read as a dip.
        var timed = runs.Select(r => (r.Scenario, Seconds: r.Timeline.Where(t => !t.IsPartial).ToList())).Where(r => r.Seconds.Count > 1).ToList();
        if (timed.Count > 0)
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "throughput"), "Throughput over time (Ok + Fail per second)", "seconds", "requests/s",
                timed.Select(r => new Series(r.Scenario, r.Seconds.Select(t => t.Rps).ToList(), r.Seconds.Select(t => t.Second).ToList())).ToList(),
                legendAt: ScottPlot.Alignment.LowerRight, yFromZero: true));
        // p99 of Ok responses: a run or second without any (legacy) has no latency to draw, not a latency of 0.
        var withP99 = timed.Select(r => (r.Scenario, Seconds: r.Seconds.Where(t => t.Ok > 0).ToList())).Where(r => r.Seconds.Count > 1).ToList();
        if (withP99.Count > 0)
            charts.Add(ChartWriter.Lines(Path.Combine(dir, "p99-over-time"), "p99 latency over time (Ok responses, from intended start)", "seconds", "p99 (ms)",
                withP99.Select(r => new Series(r.Scenario, r.Seconds.Select(t => t.OkLatency.P99).ToList(), r.Seconds.Select(t => t.Second).ToList())).ToList(),
                yFromZero: true));
        return charts;
    }
}
