using HashtagBench.Contracts;
using HashtagBench.Keys;
using System.Globalization;
using System.Text.Json;

namespace HashtagBench.ClusterSim;

/// <summary>What one shard can serve, and how full the hottest shard may get.</summary>
/// <param name="PerShardOpsPerSec">Join EVALSHAs per second one primary sustains (e.g. the load tool's capacity scenario).</param>
/// <param name="TargetUtilisation">Highest acceptable hottest-shard utilisation at peak, 0 &lt; t ≤ 1.</param>
/// <param name="Source">Where the capacity came from, for the report.</param>
public sealed record CapacityInput(double PerShardOpsPerSec, double TargetUtilisation = 0.7, string Source = "--capacity")
{
    public void Validate()
    {
        SimInputException.Require(double.IsFinite(PerShardOpsPerSec) && PerShardOpsPerSec > 0, "capacity",
            $"Per-shard capacity must be a positive number of ops/s (got {PerShardOpsPerSec.ToString(CultureInfo.InvariantCulture)}).");
        SimInputException.Require(TargetUtilisation > 0 && TargetUtilisation <= 1, "target",
            $"Target utilisation is a fraction in (0, 1], e.g. 0.7 (got {TargetUtilisation.ToString(CultureInfo.InvariantCulture)}).");
    }

    /// <summary>
    /// Reads the capacity scenario's result (capacity.json, a <see cref="CapacityResult"/>) through the shared
    /// results context and takes its <c>perShardOpsPerSec</c>.
    /// </summary>
    public static CapacityInput FromJsonFile(string path, double targetUtilisation = 0.7)
    {
        CapacityResult result;
        try { result = ResultFiles.Read(path, ResultFiles.CapacityType); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimInputException("capacity-from", $"Cannot read capacity file '{path}': {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new SimInputException("capacity-from", $"Capacity file '{path}' is not the capacity scenario's result (capacity.json with perShardOpsPerSec): {ex.Message}");
        }
        return result.PerShardOpsPerSec is double perShard
            ? new CapacityInput(perShard, targetUtilisation, path)
            : throw new SimInputException("capacity-from", $"Capacity file '{path}' has no measured perShardOpsPerSec: the capacity scenario ran no step.");
    }
}

/// <param name="ShardUtilisation">Each shard's mean utilisation at the peak rate.</param>
/// <param name="HottestUtilisation">Hottest shard's utilisation at peak over seeds.</param>
/// <param name="SaturationRate">Join attempts/s at which the hottest shard reaches 100% in 95% of event-ID draws (capacity / p95 hottest share).</param>
/// <param name="SaturationRateMeanDraw">The same for a mean draw (capacity / mean hottest share).</param>
/// <param name="SmallestShardCount">Fewest even-split shards keeping the p95 hottest shard at or under target at peak; null when none up to <see cref="CapacityPlanner.MaxShards"/> does.</param>
public sealed record StrategyCapacity(
    KeyStrategy Strategy, bool Fails, IReadOnlyList<double> ShardUtilisation, Band HottestUtilisation,
    double SaturationRate, double SaturationRateMeanDraw, int? SmallestShardCount, string ShardCountNote);

public sealed record BucketTrial(int Buckets, double HottestShareP95, double HottestUtilisationP95);

/// <param name="SmallestBuckets">Fewest buckets keeping the p95 hottest shard at or under target on this topology; null when none up to <see cref="CapacityPlanner.MaxBuckets"/> does.</param>
public sealed record BucketPlan(int? SmallestBuckets, string Note, IReadOnlyList<BucketTrial> Trials);

public sealed record CapacityPlan(double PerShardOpsPerSec, double TargetUtilisation, string Source, double PeakRate, IReadOnlyList<StrategyCapacity> Strategies, BucketPlan Buckets);

/// <summary>Turns simulated shares into utilisation, saturation rates and the shard and bucket counts a target needs.</summary>
public static class CapacityPlanner
{
    public const int MaxShards = 1000;
    public const int MaxBuckets = 1024;

    /// <param name="ct">Stops the shard-count and bucket searches (<see cref="OperationCanceledException"/>).</param>
    public static CapacityPlan Plan(Simulator sim, SimResult result, CapacityInput capacity, CancellationToken ct = default)
    {
        capacity.Validate();
        double peak = result.Workload.Rate.PeakPerSecond * JoinCost.CommandsPerAttempt;
        double allowed = capacity.PerShardOpsPerSec * capacity.TargetUtilisation;
        var strategies = result.Strategies.Select(s => ForStrategy(s, peak, capacity, allowed, ct)).ToList();
        return new CapacityPlan(capacity.PerShardOpsPerSec, capacity.TargetUtilisation, capacity.Source, peak, strategies, SearchBuckets(sim, peak, capacity, allowed, ct));
    }

    private static StrategyCapacity ForStrategy(StrategyResult s, double peak, CapacityInput cap, double allowed, CancellationToken ct)
    {
        bool fails = s.CrossSlotFailureRate > 0;
        var util = s.Shards.Select(x => x.Share * peak / cap.PerShardOpsPerSec).ToList();
        Band hot = s.Skew.HottestShardShare;
        var hotUtil = new Band(hot.Mean * peak / cap.PerShardOpsPerSec, hot.P5 * peak / cap.PerShardOpsPerSec, hot.P95 * peak / cap.PerShardOpsPerSec);
        (int? shards, string note) = fails
            ? (null, "every join fails (CROSSSLOT): no shard count helps")
            : SmallestShardCount(s, peak, allowed, ct);
        return new StrategyCapacity(s.Strategy, fails, util, hotUtil, cap.PerShardOpsPerSec / hot.P95, cap.PerShardOpsPerSec / hot.Mean, shards, note);
    }

    /// <summary>
    /// Re-aggregates the simulated per-slot shares under even splits of 1, 2, ... shards (same event-ID draws)
    /// and returns the first count whose p95 hottest share fits. Starts at the count a perfect spread would need.
    /// </summary>
    private static (int?, string) SmallestShardCount(StrategyResult s, double peak, double allowed, CancellationToken ct)
    {
        // No resharding splits a slot: if the hottest slot alone is over target, no shard count works.
        double slotP95 = s.Skew.HottestSlotShare.P95;
        if (slotP95 * peak > allowed)
            return (null, FormattableString.Invariant($"the hottest slot alone carries {slotP95:P1} of joins ({slotP95 * peak:N0} ops/s at peak), over target on any shard count"));
        int start = Math.Max(1, (int)Math.Ceiling(peak / allowed - 1e-9));
        for (int n = start; n <= MaxShards; n++)
        {
            ct.ThrowIfCancellationRequested(); // each count re-aggregates every seed's 16384 slots
            Topology t = Topology.EvenSplit(n);
            double p95 = Band.Of(s.SlotSharesPerSeed.Select(slots => t.Aggregate(slots).Max())).P95;
            if (p95 * peak <= allowed)
                return (n, n == start ? "as many as a perfectly even spread needs" : FormattableString.Invariant($"{n - start} more than a perfectly even spread needs ({start})"));
        }
        return (null, $"none up to {MaxShards} shards");
    }

    /// <summary>
    /// Smallest Bucketed(n) on this topology: doubles n until the p95 hottest share fits, then bisects between the
    /// last failing and first passing count (hottest share falls with n on average; single draws can wobble).
    /// Uses expected join counts per event-ID draw (<see cref="Simulator.ExpectedHottestShares"/>).
    /// </summary>
    private static BucketPlan SearchBuckets(Simulator sim, double peak, CapacityInput cap, double allowed, CancellationToken ct)
    {
        int shards = sim.Topology.ShardCount;
        if (peak / shards > allowed)
            return new BucketPlan(null, FormattableString.Invariant(
                $"even a perfect spread puts {peak / shards:N0} ops/s on each of {shards} shard(s), over the {allowed:N0} ops/s target: add shards"), []);
        var trials = new List<BucketTrial>();
        bool Fits(int n)
        {
            double p95 = Band.Of(sim.ExpectedHottestShares(KeyStrategy.Bucketed(n), ct: ct)).P95;
            trials.Add(new BucketTrial(n, p95, p95 * peak / cap.PerShardOpsPerSec));
            return p95 * peak <= allowed;
        }
        int pass = 1;
        while (!Fits(pass))
        {
            if (pass >= MaxBuckets) return new BucketPlan(null, $"none up to {MaxBuckets} buckets", trials);
            pass *= 2;
        }
        int fail = pass / 2; // 0 when 1 bucket already fits
        while (pass - fail > 1)
        {
            int mid = (fail + pass) / 2;
            if (Fits(mid)) pass = mid; else fail = mid;
        }
        return new BucketPlan(pass, $"{KeyStrategy.Bucketed(pass)} keeps the p95 hottest shard within target on {shards} shard(s)", trials.OrderBy(t => t.Buckets).ToList());
    }
}
