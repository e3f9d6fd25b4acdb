using HashtagBench.Charts;
using HashtagBench.ClusterSim;

namespace HashtagBench.Reporting;

/// <summary>The three sim charts, drawn with the shared <see cref="ChartWriter"/>.</summary>
internal static class SimCharts
{
    /// <summary>Writes the charts into <paramref name="dir"/> and returns the PNG paths.</summary>
    public static IReadOnlyList<string> Write(string dir, SimResult result, CapacityPlan? plan, IReadOnlyList<SweepSeries> sweep)
    {
        var paths = new List<string> { ShardLoadBars(dir, result) };
        if (sweep.Count > 0) paths.Add(HottestVsEvents(dir, result, sweep));
        if (plan is not null) paths.Add(UtilisationVsRate(dir, plan, result));
        return paths;
    }

    private static string ShardLoadBars(string dir, SimResult r)
    {
        var groups = r.Strategies.Select(s => s.CrossSlotFailureRate > 0 ? $"{s.Strategy} (fails)" : s.Strategy.Name).ToList();
        var series = Enumerable.Range(0, r.Topology.ShardCount)
            .Select(j => new Series($"shard {r.Topology.Names[j]}", r.Strategies.Select(s => s.Shards[j].OpsPerSecAtPeak).ToList()))
            .ToList();
        return ChartWriter.GroupedBars(Path.Combine(dir, "shard-load.png"),
            $"Per-shard load at peak {r.Workload.Rate.PeakPerSecond:N0} joins/s (mean of {r.Options.Seeds} event-ID draws)",
            "EVALSHA/s per shard", groups, series, topMargin: 0.3);
    }

    private static string HottestVsEvents(string dir, SimResult r, IReadOnlyList<SweepSeries> sweep)
    {
        var series = sweep.Select(s => new Series($"{s.Strategy}",
            s.Points.Select(p => p.HottestShardShare.Mean * 100).ToList(),
            s.Points.Select(p => (double)p.Events).ToList())).ToList();
        return ChartWriter.Lines(Path.Combine(dir, "hottest-vs-events.png"),
            $"Hottest shard's share vs events on sale ({r.Workload.Popularity}, {r.Topology.ShardCount} shards; mean of {r.Options.Seeds} draws)",
            "events on sale (log)", "hottest shard share (%)", series, logX: true);
    }

    private static string UtilisationVsRate(string dir, CapacityPlan plan, SimResult r)
    {
        const int steps = 80;
        double xMax = 2 * plan.PeakRate;
        double[] xs = Enumerable.Range(0, steps + 1).Select(i => xMax * i / steps).ToArray();
        var series = r.Strategies.Where(s => s.CrossSlotFailureRate == 0)
            .Select(s => new Series($"{s.Strategy} (p95 hottest shard)", xs.Select(x => x * s.Skew.HottestShardShare.P95 / plan.PerShardOpsPerSec * 100).ToList(), xs))
            .ToList();
        // The peak marker runs above the lines so the top-right legend has empty space to sit in.
        double yTop = 1.4 * Math.Max(110, series.SelectMany(s => s.Y).DefaultIfEmpty(0).Max());
        // Reference lines as two-point series: ChartWriter.Lines draws whatever series it is given.
        series.Add(new Series("shard capacity (100%)", [100, 100], [0, xMax]));
        series.Add(new Series($"target ({plan.TargetUtilisation:P0})", [plan.TargetUtilisation * 100, plan.TargetUtilisation * 100], [0, xMax]));
        series.Add(new Series($"workload peak ({plan.PeakRate:N0}/s)", [0, yTop], [plan.PeakRate, plan.PeakRate]));
        return ChartWriter.Lines(Path.Combine(dir, "utilisation-vs-rate.png"),
            $"Hottest shard utilisation vs join rate (capacity {plan.PerShardOpsPerSec:N0} ops/s per shard)",
            "join attempts per second", "hottest shard utilisation (%)", series);
    }
}
