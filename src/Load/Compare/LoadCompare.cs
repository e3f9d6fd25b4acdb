using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Reporting;
using HashtagBench.Statistics;
using HdrHistogram;
using Perfolizer.Horology;
using Perfolizer.Mathematics.Common;
using System.Globalization;
using PerfThreshold = Perfolizer.Metrology.Threshold;

namespace HashtagBench.Load.Compare;

/// <summary>One run's numbers, as the gate reads them: the exact Ok histogram, the per-second p99 series, the failure rate.</summary>
/// <param name="P99PerSecondMs">p99 of each whole second that had Ok calls (partial intervals left out).</param>
public sealed record LoadRunData(string Name, HistogramBase Ok, IReadOnlyList<double> P99PerSecondMs, long Calls, long Failed)
{
    public double? FailPercent => Calls == 0 ? null : 100.0 * Failed / Calls;
}

/// <summary>A load result folder as the gate reads it.</summary>
public sealed record LoadResultData(string Dir, string Scenario, IReadOnlyList<LoadRunData> Runs, IReadOnlyList<ShardComparison> PerShard);

/// <summary>
/// The load-run regression gate: two load results (e.g. the base commit's quick run and the PR's, on one runner)
/// compared on exact HdrHistogram percentiles up to p99.99, the per-second p99 series (Mann-Whitney, the benchmark
/// gate's <see cref="ShiftTest"/>), the failure rate and each shard's share of calls.
/// </summary>
public static class LoadCompare
{
    public static readonly (string Name, double Percentile)[] Percentiles = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99)];

    /// <summary>Reads a load result folder: summary.json and each run's HdrHistogram log.</summary>
    public static LoadResultData Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} is not a load result folder.");
        string path = Path.Combine(dir, ResultFiles.Summary);
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir} has no {ResultFiles.Summary}: not a load result folder.", path);
        LoadSummary s;
        try { s = ResultFiles.Read(path, ResultFiles.LoadSummaryType); }
        catch (System.Text.Json.JsonException ex) { throw new FormatException($"{path} is not a load summary ({ex.Message.Split('\n')[0]})."); }
        var runs = new List<LoadRunData>();
        foreach (LoadRun r in s.Runs)
        {
            string log = Path.Combine(dir, LoadContext.HistogramLogName(r.Name));
            if (!File.Exists(log)) throw new FileNotFoundException($"{dir} has no {Path.GetFileName(log)}: the gate needs each run's HdrHistogram log for exact percentiles.", log);
            HistogramBase ok = HistogramLogs.Merge([log]).Ok;
            if (ok.TotalCount != r.OkCount)
                throw new FormatException($"{log} holds {ok.TotalCount} Ok calls, {ResultFiles.Summary} says {r.OkCount}: were they written by the same run?");
            var series = r.Timeline.Where(t => t.Length >= 0.5 && t.OkLatency is not null).Select(t => t.OkLatency!.P99).ToList();
            runs.Add(new LoadRunData(r.Name, ok, series, r.OkCount + r.FailCount, r.FailCount));
        }
        return new LoadResultData(dir, s.Scenario, runs, s.Findings.PerShard ?? []);
    }

    public static LoadComparison Compare(LoadResultData baseline, LoadResultData diff, LoadCompareSettings settings)
    {
        if (baseline.Scenario != diff.Scenario)
            throw new ArgumentException($"{baseline.Dir} ran {baseline.Scenario}, {diff.Dir} ran {diff.Scenario}: compare runs of the same scenario.");
        var runs = new List<RunComparison>();
        foreach (LoadRunData b in baseline.Runs)
            if (diff.Runs.FirstOrDefault(d => d.Name == b.Name) is { } d) runs.Add(CompareRun(b, d, settings));
        if (runs.Count == 0) throw new ArgumentException($"{baseline.Dir} and {diff.Dir} have no run in common.");
        var regressions = runs.SelectMany(r => r.Regressions).ToList();
        foreach (string missing in baseline.Runs.Select(r => r.Name).Except(diff.Runs.Select(r => r.Name)))
            regressions.Add($"{missing}: in the base result, missing from the diff");

        var shards = baseline.PerShard.Select(b => (b.Strategy, b.Shard)).Union(diff.PerShard.Select(d => (d.Strategy, d.Shard)))
            .Select(k => new ShardDrift(k.Strategy, k.Shard, 100 * Share(baseline, k), 100 * Share(diff, k))).ToList();
        foreach (ShardDrift s in shards.Where(s => s.DriftPoints is { } p && Math.Abs(p) > settings.MaxShardDrift))
            regressions.Add(string.Create(CultureInfo.InvariantCulture, $"{s.Strategy} shard {s.Shard}: share moved {s.DriftPoints:+0.0;-0.0} pp (limit ±{settings.MaxShardDrift:0.#})"));
        return new LoadComparison(baseline.Dir, diff.Dir, runs, shards, regressions);
    }

    private static double? Share(LoadResultData r, (string Strategy, int Shard) k) =>
        r.PerShard.FirstOrDefault(s => s.Strategy == k.Strategy && s.Shard == k.Shard)?.Measured;

    public static RunComparison CompareRun(LoadRunData b, LoadRunData d, LoadCompareSettings settings)
    {
        var deltas = Percentiles.Select(p => new PercentileDelta(p.Name, Ms(b.Ok, p.Percentile), Ms(d.Ok, p.Percentile))).ToList();
        PercentileDelta p99 = deltas.Single(x => x.Percentile == "p99");
        // Is the shift real? The seconds' p99s must be significantly higher by at least half the bound (and the noise
        // floor). How large is it? The whole run's exact p99 must exceed the bound. Testing the full bound on the
        // noisy seconds alone would miss a third of real 20% regressions of a short run; the exact p99 alone would
        // call a run-to-run wobble a regression. (Measured on synthetic A/A and +20% runs in LoadCompareTests.)
        var floor = PerfThreshold.Parse(string.Create(CultureInfo.InvariantCulture, $"{settings.NoiseMs}ms"));
        var half = PerfThreshold.Parse(string.Create(CultureInfo.InvariantCulture, $"{settings.MaxP99Regression * 50}%"));
        ShiftVerdict shift = ShiftTest.Judge(b.P99PerSecondMs, d.P99PerSecondMs, half, floor, new SignificanceLevel(settings.Alpha), TimeUnit.Millisecond);
        var regressions = new List<string>();
        // Both must say so: the whole run's exact p99 grew beyond the bound, and the seconds' p99s shifted up significantly.
        if (p99.Change > settings.MaxP99Regression && shift == ShiftVerdict.Higher)
            regressions.Add(string.Create(CultureInfo.InvariantCulture,
                $"{b.Name}: p99 {p99.BaseMs:0.###} → {p99.DiffMs:0.###} ms ({p99.Change:+0.0%;-0.0%}, limit +{settings.MaxP99Regression:0.#%}), per-second p99 higher (Mann-Whitney, α {settings.Alpha})"));
        if (shift == ShiftVerdict.Unknown && !settings.AllowUnknown)
            regressions.Add($"{b.Name}: {b.P99PerSecondMs.Count} and {d.P99PerSecondMs.Count} seconds with Ok calls are too few for the p99 test to judge (--allow-unknown passes it)");
        if (b.Ok.TotalCount > 0 && d.Ok.TotalCount == 0) regressions.Add($"{b.Name}: no Ok call in the diff run");
        if (d.FailPercent - (b.FailPercent ?? 0) > settings.MaxFailIncrease)
            regressions.Add(string.Create(CultureInfo.InvariantCulture, $"{b.Name}: fail rate {b.FailPercent ?? 0:0.###}% → {d.FailPercent:0.###}% (limit +{settings.MaxFailIncrease:0.###} pp)"));
        return new RunComparison(b.Name, deltas, b.P99PerSecondMs.Count, d.P99PerSecondMs.Count, shift, b.FailPercent, d.FailPercent, regressions);
    }

    private static double? Ms(HistogramBase h, double percentile) => h.TotalCount == 0 ? null : h.GetValueAtPercentile(percentile) / 1000.0;
}
