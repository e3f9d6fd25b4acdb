namespace HashtagBench.Contracts;

/// <summary>Everything one sim run produced: sim.json. Written by the sim verb, read back by the run report.</summary>
public sealed record SimSummary(
    DateTimeOffset GeneratedAt, double ElapsedSeconds, SimWorkload Workload, SimTopology Topology, SimSettings Simulation,
    IReadOnlyList<SimStrategy> Strategies, SimCapacityPlan? Capacity, IReadOnlyList<SimSweepSeries> EventSweep, IReadOnlyList<string> Charts);

/// <summary>Mean and the 5th–95th percentile band of a quantity over the event-ID draws.</summary>
public sealed record SimBand(double Mean, double P5, double P95);

public sealed record SimRatePoint(double Seconds, double PerSecond);

public sealed record SimWorkload(int Events, string Popularity, int Users, int UserSample, IReadOnlyList<SimRatePoint> RateProfile,
    double PeakPerSecond, double MeanPerSecond, double DurationSeconds, double TotalAttempts, double DuplicateRatio, double UniqueJoins);

public sealed record SimShard(int Shard, string Name, int Slots, IReadOnlyList<string> Ranges);

public sealed record SimTopology(string Description, IReadOnlyList<SimShard> Shards);

public sealed record SimMemory(double StreamKeyBytes, double DedupeKeyBytes, double BytesPerJoin);

public sealed record SimSettings(long JoinsPerSeed, int Seeds, ulong Seed, int CommandsPerAttempt, int KeysPerAttempt,
    int StreamEntriesPerJoin, int DedupeKeysPerJoin, SimMemory Memory);

/// <summary>One shard's load under one strategy: shares of join commands, EVALSHA/s at the peak rate, keys and memory.</summary>
public sealed record SimShardLoad(int Shard, string Name, int Slots, double Share, double ShareP95, double OpsPerSecAtPeak, double OpsPerSecAtPeakP95, double Keys, double MemoryBytes);

public sealed record SimSkew(SimBand MaxOverMean, SimBand Cv, SimBand Gini, SimBand HottestShardShare, SimBand HottestSlotShare);

/// <summary>Balls-into-bins expectation for uniform popularity.</summary>
public sealed record SimAnalytic(string Balls, long BallCount, double HottestShardShare, double HottestSlotShare, double RmsCv, IReadOnlyList<double> ShardShares);

/// <summary>One strategy's simulated spread: the per-strategy summary the run report shows.</summary>
/// <param name="CrossSlotFailureRate">Fraction of joins a cluster refuses (CROSSSLOT); 0 for co-located keys.</param>
public sealed record SimStrategy(string Strategy, bool CoLocated, double CrossSlotFailureRate, IReadOnlyList<SimShardLoad> Shards, SimSkew Skew, SimAnalytic? Analytic);

/// <param name="SaturationRate">Join attempts/s at which the hottest shard reaches 100% in 95% of draws.</param>
/// <param name="SmallestShardCount">Fewest even-split shards keeping the p95 hottest shard within target; null when none does.</param>
public sealed record SimStrategyCapacity(string Strategy, bool Fails, IReadOnlyList<double> ShardUtilisation, SimBand HottestUtilisation,
    double SaturationRate, double SaturationRateMeanDraw, int? SmallestShardCount, string ShardCountNote);

public sealed record SimBucketTrial(int Buckets, double HottestShareP95, double HottestUtilisationP95);

/// <param name="SmallestBuckets">Fewest buckets keeping the p95 hottest shard within target; null when none does.</param>
public sealed record SimBucketPlan(int? SmallestBuckets, string Note, IReadOnlyList<SimBucketTrial> Trials);

public sealed record SimCapacityPlan(double PerShardOpsPerSec, double TargetUtilisation, string Source, double PeakRate,
    IReadOnlyList<SimStrategyCapacity> Strategies, SimBucketPlan Buckets);

public sealed record SimSweepPoint(int Events, SimBand HottestShardShare);

public sealed record SimSweepSeries(string Strategy, IReadOnlyList<SimSweepPoint> Points);
