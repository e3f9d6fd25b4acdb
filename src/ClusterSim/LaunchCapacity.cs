using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>The sizing answer for one strategy: the hottest primary's CPU at peak and what keeps it under target.</summary>
/// <param name="HottestPrimaryCpu">Busiest second of the busiest primary: the whole request's engine-thread CPU (<see cref="ServerCpuModel"/>) as a fraction of one core.</param>
/// <param name="ShardsNeeded">Fewest even-split shards keeping every primary at or under target in the peak second; null when no count does (one slot alone is over).</param>
/// <param name="HottestPrimaryCpuLow">The forecast band's low end (the calibration's residuals); null when the cost table has no fit.</param>
/// <param name="ShardsNeededHigh">Shards that keep the band's high end under target; null without a fit or when no count does.</param>
public sealed record LaunchSizing(WaitingRoomSchema Schema, double TargetCpu, double HottestPrimaryCpu, int HottestPrimaryShard, int HottestPrimarySecond,
    double HottestReplicaCpu, int? ShardsNeeded, string ShardsNote, double? HottestPrimaryCpuLow = null, double? HottestPrimaryCpuHigh = null,
    int? ShardsNeededHigh = null);

/// <param name="Buckets">Smallest N for which bucketed:N keeps the hottest primary under target on the file's topology; null when none of the tried counts does.</param>
public sealed record BucketSuggestion(int? Buckets, IReadOnlyList<(int Buckets, double HottestPrimaryCpu)> Trials);

/// <summary>Turns a strategy's predicted CPU into shard and bucket counts.</summary>
public static class LaunchCapacity
{
    public const double DefaultTargetCpu = 0.70;
    public const int MaxShards = 1000;
    public static readonly int[] BucketTrials = [2, 4, 8, 16, 32, 64, 128];

    /// <summary>Refuses a CPU target outside (0, 1].</summary>
    public static void CheckTarget(double targetCpu) =>
        SimInputException.Require(targetCpu is > 0 and <= 1, "cpu-target", $"The CPU target is a fraction in (0, 1], e.g. 0.7 (got {targetCpu}).");

    public static LaunchSizing Size(LaunchStrategyResult r, double targetCpu = DefaultTargetCpu)
    {
        CheckTarget(targetCpu);
        int shards = r.Topology.ShardCount;
        (double hot, int hotShard, int hotSecond) = (0, 0, 0);
        double replicaHot = 0;
        for (int i = 0; i < r.PrimaryUsec.Length; i++)
        {
            if (r.PrimaryUsec[i] > hot) (hot, hotShard, hotSecond) = (r.PrimaryUsec[i], i % shards, i / shards);
            // Replicas of a shard share its replica reads evenly.
            if (r.Replicas > 0) replicaHot = Math.Max(replicaHot, r.ReplicaUsec[i] / r.Replicas);
        }
        (int? needed, string note) = ShardsNeeded(r, targetCpu);
        double cpu = hot / ServerCpuModel.CoreUsec;
        var band = r.Model.Interval(cpu);
        int? high = band is null ? null : ShardsNeeded(r, targetCpu / (1 + r.Model.Fit!.Band)).Item1;
        return new LaunchSizing(r.Schema, targetCpu, cpu, hotShard, hotSecond, replicaHot / ServerCpuModel.CoreUsec, needed, note,
            band?.Low, band?.High, high);
    }

    /// <summary>Each shard's primary CPU (fraction of a core) in the peak second if the slots were split over <paramref name="topology"/>.</summary>
    public static double[] PeakPrimaryCpu(LaunchStrategyResult r, Topology topology)
    {
        NodeTraffic perShard = r.PeakSlotTraffic.Aggregate(topology);
        return [.. Enumerable.Range(0, topology.ShardCount).Select(j => r.Model.Usec(r.PrimaryLoad(perShard, j)) / ServerCpuModel.CoreUsec)];
    }

    /// <summary>
    /// Re-splits the peak second's per-slot traffic under even splits of 1, 2, ... shards and runs the CPU model on
    /// each shard's primary: every node keeps its own idle and connection cost, so more shards are never free.
    /// </summary>
    private static (int?, string) ShardsNeeded(LaunchStrategyResult r, double target)
    {
        NodeTraffic slots = r.PeakSlotTraffic;
        if (slots.Commands.Sum() <= 0) return (null, "no primary command at the peak second");
        // The hottest slot on a primary of its own.
        double alone = Enumerable.Range(0, slots.Commands.Length).Where(i => slots.Commands[i] > 0).Max(i => r.Model.Usec(r.PrimaryLoad(slots, i))) / ServerCpuModel.CoreUsec;
        if (alone > target)
            return (null, FormattableString.Invariant($"one slot alone needs {alone:P0} of a core at peak: no shard count helps, spread the key"));
        // The fewest shards a perfectly even spread would need, then the first real split that fits.
        NodeTraffic total = slots.Total();
        int start = 0;
        for (int n = 1; n <= MaxShards && start == 0; n++)
            if (r.Model.Usec(r.PrimaryLoad(total.Scaled(1.0 / n), 0)) / ServerCpuModel.CoreUsec <= target) start = n;
        if (start == 0) return (null, $"none up to {MaxShards} shards (each node's idle and connection cost alone is near the target)");
        for (int n = start; n <= MaxShards; n++)
            if (PeakPrimaryCpu(r, Topology.EvenSplit(n)).Max() <= target)
                return (n, n == start ? "as many as a perfectly even spread needs" : $"{n - start} more than a perfectly even spread needs ({start})");
        return (null, $"none up to {MaxShards} shards");
    }

    /// <summary>Tries bucketed:N on the file's topology; each trial is a full placement (its fan-out costs CPU too).</summary>
    public static BucketSuggestion SuggestBuckets(LaunchSimulator sim, double targetCpu = DefaultTargetCpu)
    {
        var trials = new List<(int, double)>();
        foreach (int n in BucketTrials)
        {
            double cpu = Size(sim.Place(WaitingRoomSchema.Bucketed(n), countKeys: false), targetCpu).HottestPrimaryCpu;
            trials.Add((n, cpu));
            if (cpu <= targetCpu) return new BucketSuggestion(n, trials);
        }
        return new BucketSuggestion(null, trials);
    }
}
