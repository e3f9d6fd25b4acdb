using HashtagBench.Keys;
using System.Diagnostics;
using System.Text.Json.Serialization;

namespace HashtagBench.ClusterSim;

/// <summary>How much to simulate.</summary>
public sealed record SimOptions
{
    /// <summary>Join attempts drawn per seed. Shares come from these; ops/s and key counts are scaled to the workload's rate.</summary>
    public long Joins { get; init; } = 10_000_000;

    /// <summary>Monte Carlo seeds: each draws a fresh set of event IDs, so each puts the events on different slots.</summary>
    public int Seeds { get; init; } = 20;

    /// <summary>Base seed; the same seed gives the same report.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Most distinct users hashed (see <see cref="UserSample"/>).</summary>
    public int MaxUserSample { get; init; } = 1 << 20;

    public MemoryModel Memory { get; init; } = new();

    public void Validate()
    {
        SimInputException.Require(Joins >= 1, "joins", $"Simulate at least 1 join per seed (got {Joins}).");
        // Each seed keeps 16384 slot shares per strategy for re-aggregation: 1000 seeds is already ~0.5 GB.
        SimInputException.Require(Seeds is >= 1 and <= 1000, "seeds", $"Use 1 to 1000 seeds (got {Seeds}).");
        SimInputException.Require(MaxUserSample >= 1, "users", "The user sample needs at least 1 user.");
        Memory.Validate();
    }
}

/// <summary>One shard's load under one strategy, at the workload's peak rate and over its whole duration.</summary>
/// <param name="Share">Mean over seeds of the shard's fraction of join commands.</param>
/// <param name="ShareP95">95th percentile over seeds of that fraction.</param>
/// <param name="OpsPerSecAtPeak">Mean EVALSHA/s the shard serves at the peak join rate.</param>
/// <param name="Keys">Stream and dedupe keys created on the shard over the workload (mean over seeds).</param>
/// <param name="MemoryBytes">Estimated memory of those keys (<see cref="MemoryModel"/>).</param>
public sealed record ShardLoad(int Shard, string Name, int Slots, double Share, double ShareP95, double OpsPerSecAtPeak, double OpsPerSecAtPeakP95, double Keys, double MemoryBytes);

public sealed record SkewBands(Band MaxOverMean, Band Cv, Band Gini, Band HottestShardShare, Band HottestSlotShare);

/// <summary>Balls-into-bins expectation for uniform popularity: the "balls" are the strategy's equal-weight tags.</summary>
public sealed record AnalyticExpectation(string Balls, long BallCount, double HottestShardShare, double HottestSlotShare, double RmsCv, IReadOnlyList<double> ShardShares);

public sealed record StrategyResult(
    KeyStrategy Strategy,
    bool CoLocated,
    double CrossSlotFailureRate,
    IReadOnlyList<ShardLoad> Shards,
    SkewBands Skew,
    AnalyticExpectation? Analytic)
{
    /// <summary>Per seed, each slot's fraction of the simulated joins (kept for re-aggregation under other shard counts).</summary>
    [JsonIgnore] internal IReadOnlyList<double[]> SlotSharesPerSeed { get; init; } = [];
}

public sealed record SimResult(Workload Workload, Topology Topology, SimOptions Options, int UserSample, IReadOnlyList<StrategyResult> Strategies, TimeSpan Elapsed);

/// <summary>
/// Predicts per-slot and per-shard load of each tag strategy for a workload, with no Redis involved.
/// Per seed: draw fresh event IDs, hash each distinct tag once, then draw joins (event by popularity through an
/// alias table, user uniformly) and count them per slot, all strategies from the same draws.
/// </summary>
public sealed class Simulator
{
    private const int Batch = 4096;
    private const long MaxBucketTable = 64L << 20;
    private readonly UserSample _users;
    private readonly double[] _weights;

    public Simulator(Workload workload, Topology topology, SimOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        Topology = topology ?? throw new ArgumentNullException(nameof(topology));
        workload.Validate();
        Options = options ?? new SimOptions();
        Options.Validate();
        Workload = workload;
        _users = new UserSample(Math.Min(workload.Users, Options.MaxUserSample), SplitMix64.Mix(Options.Seed, 0x5EED05E5));
        _weights = workload.Popularity.Weights(workload.Events);
    }

    public Workload Workload { get; }
    public Topology Topology { get; }
    public SimOptions Options { get; }

    public static SimResult Run(Workload workload, IReadOnlyList<KeyStrategy> strategies, Topology topology, SimOptions? options = null) =>
        new Simulator(workload, topology, options).Run(strategies);

    /// <summary>Simulates <see cref="SimOptions.Joins"/> joins for each of <see cref="SimOptions.Seeds"/> event-ID seeds.</summary>
    public SimResult Run(IReadOnlyList<KeyStrategy> strategies)
    {
        SimInputException.Require(strategies.Count > 0, "strategies", "Name at least one strategy.");
        var sw = Stopwatch.StartNew();
        // Strategies whose stream keys land on the same slots (legacy and event) share one count.
        var shapes = strategies.Select(s => (Strategy: s, Shape: SlotShape.Of(s))).ToList();
        var distinct = shapes.DistinctBy(s => s.Shape).ToList();
        foreach (var (_, shape) in distinct) CheckSize(shape, Workload.Events);
        var alias = new AliasTable(_weights);

        var perSeed = new double[Options.Seeds][][];
        Parallel.For(0, Options.Seeds, k =>
        {
            string[] eventIds = EventIds(k, Workload.Events);
            SlotTable[] tables = distinct.Select(d => SlotTable.Create(d.Shape, d.Strategy, eventIds, _users)).ToArray();
            long[][] counts = tables.Select(_ => new long[Topology.Slots]).ToArray();
            CountJoins(new SplitMix64(SplitMix64.Mix(Options.Seed, (ulong)k + 1)), alias, tables, counts);
            perSeed[k] = counts.Select(c => c.Select(x => x / (double)Options.Joins).ToArray()).ToArray();
        });

        var results = shapes.Select(s =>
        {
            int d = distinct.FindIndex(x => x.Shape == s.Shape);
            return Summarise(s.Strategy, s.Shape, perSeed.Select(seed => seed[d]).ToList());
        }).ToList();
        return new SimResult(Workload, Topology, Options, _users.Count, results, sw.Elapsed);
    }

    /// <summary>
    /// The hottest shard's share per seed when every event and user gets exactly its expected share of joins: the
    /// event-ID draw is still random, the join draw is replaced by its expectation. Used where many configurations
    /// are compared (bucket counts, event counts); at millions of joins the difference is noise.
    /// </summary>
    public double[] ExpectedHottestShares(KeyStrategy strategy, int? events = null, Topology? topology = null)
    {
        int count = events ?? Workload.Events;
        SlotShape shape = SlotShape.Of(strategy);
        CheckSize(shape, count);
        double[] weights = events is null ? _weights : Workload.Popularity.Weights(count);
        Topology t = topology ?? Topology;
        var hottest = new double[Options.Seeds];
        // A user-tagged spread depends on neither the events nor the seed (the user sample is fixed): compute it once.
        int draws = shape is SlotShape.ByUser ? 1 : Options.Seeds;
        Parallel.For(0, draws, k =>
        {
            var load = new double[Topology.Slots];
            SlotTable.Create(shape, strategy, EventIds(k, count), _users).AddExpected(weights, load);
            double[] shards = t.Aggregate(load);
            hottest[k] = shards.Max() / shards.Sum();
        });
        Array.Fill(hottest, hottest[0], draws, Options.Seeds - draws);
        return hottest;
    }

    /// <summary>Seed k's event IDs; the first n are the same for any count, so event-count sweeps nest.</summary>
    internal static string[] EventIds(ulong seed, int k, int count)
    {
        ulong stream = SplitMix64.Mix(seed, 0xE0E0_0000UL + (ulong)k);
        return Enumerable.Range(0, count).Select(i => IdGen.Of("evt-", SplitMix64.Mix(stream, (ulong)i))).ToArray();
    }

    private string[] EventIds(int k, int count) => EventIds(Options.Seed, k, count);

    private void CheckSize(SlotShape shape, int events)
    {
        if (shape is SlotShape.ByEventBucket b)
            SimInputException.Require((long)events * b.Buckets <= MaxBucketTable, "buckets",
                $"{events:N0} events × {b.Buckets:N0} buckets is more event/bucket tags than the simulator hashes ({MaxBucketTable:N0}).");
    }

    private void CountJoins(SplitMix64 rng, AliasTable alias, SlotTable[] tables, long[][] counts)
    {
        bool needUsers = tables.Any(t => t.NeedsUsers);
        var events = new int[Batch];
        var users = new int[Batch];
        for (long done = 0; done < Options.Joins; done += Batch)
        {
            int n = (int)Math.Min(Batch, Options.Joins - done);
            for (int i = 0; i < n; i++) events[i] = alias.Sample(rng.Next());
            if (needUsers)
                for (int i = 0; i < n; i++) users[i] = rng.NextInt(_users.Count);
            for (int t = 0; t < tables.Length; t++) tables[t].Count(events.AsSpan(0, n), users.AsSpan(0, n), counts[t]);
        }
    }

    private StrategyResult Summarise(KeyStrategy strategy, SlotShape shape, IReadOnlyList<double[]> slotShares)
    {
        var shardShares = slotShares.Select(s => Topology.Aggregate(s)).ToList();
        var metrics = slotShares.Select((s, k) => SkewMetrics.Of(shardShares[k], s)).ToList();
        var skew = new SkewBands(
            Band.Of(metrics.Select(m => m.MaxOverMean)), Band.Of(metrics.Select(m => m.Cv)), Band.Of(metrics.Select(m => m.Gini)),
            Band.Of(metrics.Select(m => m.HottestShardShare)), Band.Of(metrics.Select(m => m.HottestSlotShare)));

        double peak = Workload.Rate.PeakPerSecond * JoinCost.CommandsPerAttempt;
        double unique = Workload.UniqueJoins;
        var shards = Enumerable.Range(0, Topology.ShardCount).Select(j =>
        {
            Band share = Band.Of(shardShares.Select(s => s[j]));
            return new ShardLoad(j, Topology.Names[j], Topology.SlotCountOf(j), share.Mean, share.P95, share.Mean * peak, share.P95 * peak,
                share.Mean * unique * (JoinCost.StreamEntriesPerJoin + JoinCost.DedupeKeysPerJoin),
                share.Mean * unique * Options.Memory.BytesPerJoin);
        }).ToList();

        return new StrategyResult(strategy, strategy.CoLocated, ShardPrediction.CrossSlotFailureRate(strategy), shards, skew, Analytic(shape))
        {
            SlotSharesPerSeed = slotShares,
        };
    }

    /// <summary>Under uniform popularity every tag carries the same load, so shards are bins and tags are balls.</summary>
    private AnalyticExpectation? Analytic(SlotShape shape)
    {
        if (Workload.Popularity != Popularity.Uniform) return null;
        (string what, long balls) = shape switch
        {
            SlotShape.ByEvent => ("events", (long)Workload.Events),
            SlotShape.ByUser => ("users", (long)_users.Count),
            SlotShape.ByEventBucket b => ("event × bucket tags (buckets taken as equal)", (long)Workload.Events * Math.Min(b.Buckets, _users.Count)),
            _ => throw new InvalidOperationException($"Unknown shape {shape}."),
        };
        double[] shardP = Enumerable.Range(0, Topology.ShardCount).Select(Topology.SlotFraction).ToArray();
        double[] slotP = Enumerable.Repeat(1.0 / Topology.Slots, Topology.Slots).ToArray();
        return new AnalyticExpectation(what, balls, BallsIntoBins.ExpectedHottestShare(balls, shardP),
            BallsIntoBins.ExpectedHottestShare(balls, slotP), BallsIntoBins.RmsCv(balls, shardP), shardP);
    }
}
