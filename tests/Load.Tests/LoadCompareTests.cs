using HashtagBench.Contracts;
using HashtagBench.Load.Compare;
using HashtagBench.Load.Engine;
using HashtagBench.Reporting;
using HashtagBench.Statistics;
using HdrHistogram;
using Xunit.Abstractions;

namespace HashtagBench.Load.Tests;

/// <summary>
/// The load-run gate on synthetic runs: per-second latencies drawn from a lognormal (median ~1 ms), with the noise a
/// shared runner adds: a factor per second (a busy neighbour) and one per run (the run as a whole).
/// </summary>
public sealed class LoadCompareTests(ITestOutputHelper output)
{
    private const int Seconds = 20, CallsPerSecond = 400;

    /// <summary>A run whose latencies are scaled by <paramref name="scale"/> (1.2 = a 20% regression).</summary>
    private static LoadRunData SyntheticRun(Random rng, double scale, out List<HistogramBase> perSecond, double failPercent = 0)
    {
        double runFactor = Math.Exp(0.03 * Gaussian(rng));
        perSecond = [];
        HistogramBase total = NewHistogram();
        var p99 = new List<double>();
        for (int s = 0; s < Seconds; s++)
        {
            double secondFactor = Math.Exp(0.08 * Gaussian(rng));
            HistogramBase h = NewHistogram();
            for (int i = 0; i < CallsPerSecond; i++)
                h.RecordValue((long)Math.Max(1, 1000 * scale * runFactor * secondFactor * Math.Exp(0.5 * Gaussian(rng))));
            total.Add(h);
            perSecond.Add(h);
            p99.Add(h.GetValueAtPercentile(99) / 1000.0);
        }
        long calls = (long)Seconds * CallsPerSecond;
        long failed = (long)Math.Round(calls * failPercent / 100);
        return new LoadRunData("multi-event", total, p99, calls + failed, failed);
    }

    private static LoadRunData SyntheticRun(Random rng, double scale, double failPercent = 0) => SyntheticRun(rng, scale, out _, failPercent);

    private static HistogramBase NewHistogram() => new LongHistogram(Stats.HighestMicros, 3);

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static LoadResultData Result(string dir, LoadRunData run) => new(dir, "multi-event", [run], []);

    private static LoadComparison Compare(LoadRunData b, LoadRunData d) =>
        LoadCompare.Compare(Result("base", b), Result("diff", d), LoadCompareSettings.Default);

    [Fact]
    public void A_20_percent_p99_regression_fails_the_gate()
    {
        var rng = new Random(1);
        LoadComparison c = Compare(SyntheticRun(rng, 1.0), SyntheticRun(rng, 1.2));
        Assert.False(c.Passed);
        RunComparison r = Assert.Single(c.Runs);
        Assert.Equal(ShiftVerdict.Higher, r.P99Shift);
        Assert.Contains(c.Regressions, x => x.Contains("p99", StringComparison.Ordinal));
        Assert.Contains("load compare: FAIL", LoadCompareReport.Render(c, LoadCompareSettings.Default));
    }

    [Fact]
    public void Two_runs_of_the_same_build_pass()
    {
        var rng = new Random(2);
        LoadComparison c = Compare(SyntheticRun(rng, 1.0), SyntheticRun(rng, 1.0));
        Assert.True(c.Passed, string.Join("; ", c.Regressions));
        string md = LoadCompareReport.Render(c, LoadCompareSettings.Default);
        Assert.Contains("| p99.99 |", md);
        Assert.EndsWith("load compare: PASS", md.TrimEnd());
    }

    [Fact]
    public void A_higher_fail_rate_fails_the_gate()
    {
        var rng = new Random(3);
        LoadComparison c = Compare(SyntheticRun(rng, 1.0), SyntheticRun(rng, 1.0, failPercent: 2));
        Assert.Contains(c.Regressions, x => x.Contains("fail rate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_shard_share_drift_beyond_the_bound_fails_the_gate()
    {
        var rng = new Random(4);
        LoadRunData b = SyntheticRun(rng, 1.0), d = SyntheticRun(rng, 1.0);
        ShardComparison Shard(int i, double share) => new("event", i, $"127.0.0.1:{7000 + i}", share, share, 100, 0);
        var baseline = Result("base", b) with { PerShard = [Shard(0, 0.33), Shard(1, 0.33), Shard(2, 0.34)] };
        var diff = Result("diff", d) with { PerShard = [Shard(0, 0.45), Shard(1, 0.27), Shard(2, 0.28)] };
        LoadComparison c = LoadCompare.Compare(baseline, diff, LoadCompareSettings.Default);
        Assert.Contains(c.Regressions, x => x.StartsWith("event shard 0: share moved +12.0 pp", StringComparison.Ordinal));
        Assert.Equal(3, c.Regressions.Count(x => x.Contains("share moved", StringComparison.Ordinal))); // +12, −6 and −6 pp: all beyond 5
    }

    /// <summary>
    /// False alarms: repeated A/A comparisons (same distribution, fresh noise) must rarely fail. Also reports how
    /// often a real 20% regression is caught. Both rates go to the test output.
    /// </summary>
    [Fact]
    public void False_alarm_rate_over_repeated_same_build_comparisons_is_below_alpha()
    {
        const int trials = 100;
        var rng = new Random(42);
        int falseAlarms = 0, caught = 0;
        for (int t = 0; t < trials; t++)
        {
            LoadComparison aa = Compare(SyntheticRun(rng, 1.0), SyntheticRun(rng, 1.0));
            if (!aa.Passed) { falseAlarms++; output.WriteLine("false alarm: " + string.Join("; ", aa.Regressions)); }
            if (!Compare(SyntheticRun(rng, 1.0), SyntheticRun(rng, 1.2)).Passed) caught++;
        }
        output.WriteLine($"A/A false alarms: {falseAlarms}/{trials} ({100.0 * falseAlarms / trials:0.#}%); 20% regressions caught: {caught}/{trials} ({100.0 * caught / trials:0.#}%)");
        Assert.True(falseAlarms <= trials * 0.05, $"{falseAlarms} false alarms in {trials}");
        Assert.True(caught >= trials * 0.8, $"only {caught} of {trials} 20% regressions caught");
    }

    [Fact]
    public void Result_folders_are_read_from_summary_and_log_and_compared()
    {
        var rng = new Random(5);
        string root = Directory.CreateTempSubdirectory("compare").FullName;
        try
        {
            string baseDir = WriteFolder(Path.Combine(root, "base"), rng, 1.0);
            string diffDir = WriteFolder(Path.Combine(root, "diff"), rng, 1.2);
            LoadComparison same = LoadCompare.Compare(LoadCompare.Read(baseDir), LoadCompare.Read(baseDir), LoadCompareSettings.Default);
            Assert.True(same.Passed);
            Assert.All(same.Runs[0].Percentiles, p => Assert.Equal(0.0, p.Change!.Value));
            LoadComparison worse = LoadCompare.Compare(LoadCompare.Read(baseDir), LoadCompare.Read(diffDir), LoadCompareSettings.Default);
            Assert.False(worse.Passed);
            File.Delete(Path.Combine(diffDir, "multi-event.hlog"));
            Assert.Throws<FileNotFoundException>(() => LoadCompare.Read(diffDir));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>A load result folder as load run writes it: summary.json, and the run's HdrHistogram log of per-second histograms.</summary>
    internal static string WriteFolder(string dir, Random rng, double scale)
    {
        Directory.CreateDirectory(dir);
        LoadRunData run = SyntheticRun(rng, scale, out List<HistogramBase> perSecond);
        var timeline = perSecond.Select((h, i) => new LoadInterval(i + 1, 1, h.TotalCount, 0, h.TotalCount, RunOutput.ToLatency(Percentiles.From(h)), new Dictionary<string, long>())).ToList();
        var loadRun = new LoadRun("multi-event", DateTime.UtcNow, Seconds, CallsPerSecond, run.Ok.TotalCount, 0, CallsPerSecond, 0,
            RunOutput.ToLatency(Percentiles.From(run.Ok)), null, new Dictionary<string, long>(), new Dictionary<string, string>(), [], "completed", timeline);
        ResultFiles.Write(Path.Combine(dir, ResultFiles.Summary), new LoadSummary("multi-event", [loadRun], true, true, new LoadFindings()), ResultFiles.LoadSummaryType);
        using FileStream fs = File.Create(Path.Combine(dir, "multi-event.hlog"));
        using var writer = new HistogramLogWriter(fs);
        writer.Write(DateTime.UtcNow);
        foreach (HistogramBase h in perSecond)
        {
            h.Tag = HistogramLogs.OkTag;
            writer.Append(h);
        }
        return dir;
    }
}
