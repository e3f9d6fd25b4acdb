using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>The sizing answer for one strategy: the hottest primary's CPU at peak and what keeps it under target.</summary>
/// <param name="HottestPrimaryCpu">Busiest second of the busiest primary: server CPU as a fraction of one core (Redis runs commands on one thread).</param>
/// <param name="ShardsNeeded">Fewest even-split shards keeping every primary at or under target in the peak second; null when no count does (one slot alone is over).</param>
public sealed record LaunchSizing(WaitingRoomSchema Schema, double TargetCpu, double HottestPrimaryCpu, int HottestPrimaryShard, int HottestPrimarySecond,
    double HottestReplicaCpu, int? ShardsNeeded, string ShardsNote);

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
        return new LaunchSizing(r.Schema, targetCpu, hot / 1e6, hotShard, hotSecond, replicaHot / 1e6, needed, note);
    }

    /// <summary>Re-aggregates the peak second's per-slot primary CPU under even splits of 1, 2, ... shards.</summary>
    private static (int?, string) ShardsNeeded(LaunchStrategyResult r, double target)
    {
        double[] slots = r.PeakSlotPrimaryUsec;
        double total = slots.Sum() / 1e6, hottestSlot = slots.Max() / 1e6;
        if (total <= 0) return (null, "no primary command at the peak second");
        if (hottestSlot > target)
            return (null, FormattableString.Invariant($"one slot alone needs {hottestSlot:P0} of a core at peak: no shard count helps, spread the key"));
        int start = Math.Max(1, (int)Math.Ceiling(total / target - 1e-9));
        for (int n = start; n <= MaxShards; n++)
            if (Topology.EvenSplit(n).Aggregate(slots).Max() / 1e6 <= target)
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
