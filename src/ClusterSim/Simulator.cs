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

    /// <summary>Memory the simulation may use (default: this machine's, <see cref="HostLimits.MemoryBytes"/>): more events are refused.</summary>
    public long MemoryBytes { get; init; } = HostLimits.MemoryBytes;

    /// <summary>Longest estimated run accepted: more joins are refused.</summary>
    public TimeSpan MaxRunTime { get; init; } = HostLimits.MaxRunTime;

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
    // Measured (peak RSS over --events, release build): the weights and alias table are shared; each draw in flight
    // holds its event IDs (56 B strings and their references) and a slot per event and shape. Rounded up.
    private const long EventBytesShared = 40, EventBytesPerDraw = 100;
    // Joins timed on this machine before a long run, to refuse one that would not end (about 20 ms).
    private const long ProbeJoins = 1 << 20;
    // A run that would end within the limit even at this rate is not timed.
    private const double SlowestJoinsPerSecond = 1e6;
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
        CheckMemory();
        _users = new UserSample(Math.Min(workload.Users, Options.MaxUserSample), SplitMix64.Mix(Options.Seed, 0x5EED05E5));
        _weights = workload.Popularity.Weights(workload.Events);
    }

    public Workload Workload { get; }
    public Topology Topology { get; }
    public SimOptions Options { get; }

    public static SimResult Run(Workload workload, IReadOnlyList<KeyStrategy> strategies, Topology topology, SimOptions? options = null, CancellationToken ct = default) =>
        new Simulator(workload, topology, options).Run(strategies, ct);

    /// <summary>
    /// Simulates <see cref="SimOptions.Joins"/> joins for each of <see cref="SimOptions.Seeds"/> event-ID seeds. A run
    /// longer than <see cref="SimOptions.MaxRunTime"/> at this machine's measured rate is refused before it starts;
    /// <paramref name="ct"/> stops it within milliseconds (<see cref="OperationCanceledException"/>).
    /// </summary>
    public SimResult Run(IReadOnlyList<KeyStrategy> strategies, CancellationToken ct = default)
    {
        SimInputException.Require(strategies.Count > 0, "strategies", "Name at least one strategy.");
        var sw = Stopwatch.StartNew();
        // Strategies whose stream keys land on the same slots (legacy and event) share one count.
        var shapes = strategies.Select(s => (Strategy: s, Shape: SlotShape.Of(s))).ToList();
        var distinct = shapes.DistinctBy(s => s.Shape).ToList();
        foreach (var (_, shape) in distinct) CheckSize(shape, Workload.Events);
        var alias = new AliasTable(_weights);
        SlotTable[] Tables(int k)
        {
            string[] eventIds = EventIds(k, Workload.Events, ct);
            return distinct.Select(d => SlotTable.Create(d.Shape, d.Strategy, eventIds, _users, ct)).ToArray();
        }
        CheckTime(alias, Tables(0), ct);

        var perSeed = new double[Options.Seeds][][];
        Parallel.For(0, Options.Seeds, Parallelism(ct), k =>
        {
            SlotTable[] tables = Tables(k);
            long[][] counts = tables.Select(_ => new long[Topology.Slots]).ToArray();
            CountJoins(new SplitMix64(SplitMix64.Mix(Options.Seed, (ulong)k + 1)), alias, tables, counts, Options.Joins, ct);
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
    public double[] ExpectedHottestShares(KeyStrategy strategy, int? events = null, Topology? topology = null, CancellationToken ct = default)
    {
        int count = events ?? Workload.Events;
        SlotShape shape = SlotShape.Of(strategy);
        CheckSize(shape, count);
        double[] weights = events is null ? _weights : Workload.Popularity.Weights(count);
        Topology t = topology ?? Topology;
        var hottest = new double[Options.Seeds];
        // A user-tagged spread depends on neither the events nor the seed (the user sample is fixed): compute it once.
        int draws = shape is SlotShape.ByUser ? 1 : Options.Seeds;
        Parallel.For(0, draws, Parallelism(ct), k =>
        {
            var load = new double[Topology.Slots];
            SlotTable.Create(shape, strategy, EventIds(k, count, ct), _users, ct).AddExpected(weights, load);
            double[] shards = t.Aggregate(load);
            hottest[k] = shards.Max() / shards.Sum();
        });
        Array.Fill(hottest, hottest[0], draws, Options.Seeds - draws);
        return hottest;
    }

    /// <summary>Seed k's event IDs; the first n are the same for any count, so event-count sweeps nest.</summary>
    internal static string[] EventIds(ulong seed, int k, int count, CancellationToken ct = default)
    {
        ulong stream = SplitMix64.Mix(seed, 0xE0E0_0000UL + (ulong)k);
        var ids = new string[count];
        for (int i = 0; i < count; i++)
        {
            HostLimits.Check(i, ct);
            ids[i] = IdGen.Of("evt-", SplitMix64.Mix(stream, (ulong)i));
        }
        return ids;
    }

    private string[] EventIds(int k, int count, CancellationToken ct) => EventIds(Options.Seed, k, count, ct);

    // One draw per core in flight at most: what CheckMemory counts on. The token stops handing out draws.
    private static ParallelOptions Parallelism(CancellationToken ct) => new() { CancellationToken = ct, MaxDegreeOfParallelism = HostLimits.Cores };

    /// <summary>Refuses an event count whose per-event arrays (shared, and per draw in flight) exceed <see cref="SimOptions.MemoryBytes"/>.</summary>
    private void CheckMemory()
    {
        int inFlight = Math.Min(Options.Seeds, HostLimits.Cores);
        long perEvent = EventBytesShared + EventBytesPerDraw * inFlight;
        double need = (double)Workload.Events * perEvent;
        if (need <= Options.MemoryBytes) return;
        throw new SimInputException("events", FormattableString.Invariant(
            $"--events {Workload.Events} needs about {HostLimits.Bytes(need)} (~{perEvent} B per event with {inFlight} draw(s) at once); this machine has {HostLimits.Bytes(Options.MemoryBytes)}: at most {Options.MemoryBytes / perEvent:N0} events."));
    }

    /// <summary>
    /// Times <see cref="ProbeJoins"/> joins on seed 0's tables (counted into scratch, not into the result) and refuses
    /// a run whose joins × seeds would take longer than <see cref="SimOptions.MaxRunTime"/> at that rate.
    /// </summary>
    private void CheckTime(AliasTable alias, SlotTable[] tables, CancellationToken ct)
    {
        double total = (double)Options.Joins * Options.Seeds;
        if (total <= SlowestJoinsPerSecond * Options.MaxRunTime.TotalSeconds) return;
        long[][] scratch = tables.Select(_ => new long[Topology.Slots]).ToArray();
        CountJoins(new SplitMix64(0x9E0BE), alias, tables, scratch, ProbeJoins / 4, ct); // warm: the JIT's optimised code, not its first tier
        var clock = Stopwatch.StartNew();
        CountJoins(new SplitMix64(0x9E0BF), alias, tables, scratch, ProbeJoins, ct);
        int threads = Math.Min(Options.Seeds, HostLimits.Cores);
        double rate = ProbeJoins / Math.Max(clock.Elapsed.TotalSeconds, 1e-6) * threads;
        double seconds = total / rate;
        if (seconds <= Options.MaxRunTime.TotalSeconds) return;
        double most = Math.Floor(rate * Options.MaxRunTime.TotalSeconds / Options.Seeds);
        throw new SimInputException("joins", FormattableString.Invariant(
            $"--joins {Options.Joins} × {Options.Seeds} seeds would take about {HostLimits.Duration(seconds)} at ~{rate:N0} joins/s (measured here, {threads} thread(s)); at most {most:N0} joins per seed finish within {HostLimits.Duration(Options.MaxRunTime.TotalSeconds)}."));
    }

    private void CheckSize(SlotShape shape, int events)
    {
        if (shape is SlotShape.ByEventBucket b)
            SimInputException.Require((long)events * b.Buckets <= MaxBucketTable, "buckets",
                $"{events:N0} events × {b.Buckets:N0} buckets is more event/bucket tags than the simulator hashes ({MaxBucketTable:N0}).");
    }

    private void CountJoins(SplitMix64 rng, AliasTable alias, SlotTable[] tables, long[][] counts, long joins, CancellationToken ct)
    {
        bool needUsers = tables.Any(t => t.NeedsUsers);
        var events = new int[Batch];
        var users = new int[Batch];
        for (long done = 0; done < joins; done += Batch)
        {
            ct.ThrowIfCancellationRequested(); // one read per 4096 joins (~0.1 ms)
            int n = (int)Math.Min(Batch, joins - done);
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
