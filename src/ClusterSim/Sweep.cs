using HashtagBench.Keys;

namespace HashtagBench.ClusterSim;

public sealed record SweepPoint(int Events, Band HottestShardShare);

/// <param name="Strategy">Strategy name, or "analytic (uniform, event tag)" for the balls-into-bins curve.</param>
public sealed record SweepSeries(string Strategy, IReadOnlyList<SweepPoint> Points);

/// <summary>How the hottest shard's share changes with the number of events on sale.</summary>
public static class Sweep
{
    public const int MaxEvents = 10_000;

    /// <summary>1, 2, 5, 10, ... 10,000, plus the workload's own event count when it is below that.</summary>
    public static int[] DefaultEventCounts(int workloadEvents)
    {
        var counts = new SortedSet<int>();
        if (workloadEvents <= MaxEvents) counts.Add(workloadEvents);
        const int limit = MaxEvents;
        for (int decade = 1; decade <= limit; decade *= 10)
            foreach (int m in new[] { 1, 2, 5 })
                if (decade * m <= limit) counts.Add(decade * m);
        return counts.ToArray();
    }

    /// <summary>
    /// Hottest-shard share against event count for each working strategy (failing ones are skipped), from expected
    /// join counts per event-ID draw; with uniform popularity, the analytic balls-into-bins curve for event tags too.
    /// </summary>
    public static IReadOnlyList<SweepSeries> HottestShareVsEvents(Simulator sim, IReadOnlyList<KeyStrategy> strategies, IReadOnlyList<int> eventCounts, CancellationToken ct = default)
    {
        var series = strategies.Where(s => !ShardPrediction.Fails(s))
            .Select(s => new SweepSeries(s.Name, eventCounts.Select(n => new SweepPoint(n, Band.Of(sim.ExpectedHottestShares(s, n, ct: ct)))).ToList()))
            .ToList();
        if (sim.Workload.Popularity == Popularity.Uniform)
        {
            double[] p = Enumerable.Range(0, sim.Topology.ShardCount).Select(sim.Topology.SlotFraction).ToArray();
            series.Add(new SweepSeries("analytic (uniform, event tag)", eventCounts
                .Select(n => { double v = BallsIntoBins.ExpectedHottestShare(n, p); return new SweepPoint(n, new Band(v, v, v)); }).ToList()));
        }
        return series;
    }
}
