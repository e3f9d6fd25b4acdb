using HashtagBench.Keys;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HashtagBench.ClusterSim;

/// <summary>Everything one sim run produced, in the shape written to sim.json.</summary>
public sealed record SimReport(
    DateTimeOffset GeneratedAt,
    double ElapsedSeconds,
    SimReport.WorkloadInfo Workload,
    SimReport.TopologyInfo Topology,
    SimReport.SimulationInfo Simulation,
    IReadOnlyList<StrategyResult> Strategies,
    CapacityPlan? Capacity,
    IReadOnlyList<SweepSeries> EventSweep,
    IReadOnlyList<string> Charts)
{
    public sealed record RatePoint(double Seconds, double PerSecond);

    public sealed record WorkloadInfo(int Events, string Popularity, int Users, int UserSample, IReadOnlyList<RatePoint> RateProfile,
        double PeakPerSecond, double MeanPerSecond, double DurationSeconds, double TotalAttempts, double DuplicateRatio, double UniqueJoins);

    public sealed record ShardInfo(int Shard, string Name, int Slots, IReadOnlyList<string> Ranges);

    public sealed record TopologyInfo(string Description, IReadOnlyList<ShardInfo> Shards);

    public sealed record SimulationInfo(long JoinsPerSeed, int Seeds, ulong Seed, int CommandsPerAttempt, int KeysPerAttempt,
        int StreamEntriesPerJoin, int DedupeKeysPerJoin, MemoryModel Memory);

    public static SimReport Create(SimResult r, CapacityPlan? plan, IReadOnlyList<SweepSeries> sweep, IReadOnlyList<string> charts)
    {
        Workload w = r.Workload;
        var workload = new WorkloadInfo(w.Events, w.Popularity.Name, w.Users, r.UserSample,
            w.Rate.Points.Select(p => new RatePoint(p.Seconds, p.PerSecond)).ToList(),
            w.Rate.PeakPerSecond, w.Rate.MeanPerSecond, w.Rate.DurationSeconds, w.Rate.TotalAttempts, w.DuplicateRatio, w.UniqueJoins);
        var topology = new TopologyInfo(r.Topology.Description, Enumerable.Range(0, r.Topology.ShardCount)
            .Select(j => new ShardInfo(j, r.Topology.Names[j], r.Topology.SlotCountOf(j), r.Topology.RangesOf(j))).ToList());
        var sim = new SimulationInfo(r.Options.Joins, r.Options.Seeds, r.Options.Seed, JoinCost.CommandsPerAttempt, JoinCost.KeysPerAttempt,
            JoinCost.StreamEntriesPerJoin, JoinCost.DedupeKeysPerJoin, r.Options.Memory);
        return new SimReport(DateTimeOffset.UtcNow, r.Elapsed.TotalSeconds, workload, topology, sim, r.Strategies, plan, sweep, charts);
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes sim.json, sim.md and the charts into <paramref name="dir"/>; returns the Markdown path.</summary>
    public static string WriteAll(string dir, SimResult r, CapacityPlan? plan, IReadOnlyList<SweepSeries> sweep)
    {
        Directory.CreateDirectory(dir);
        IReadOnlyList<string> charts = SimCharts.Write(dir, r, plan, sweep).Select(p => Path.GetRelativePath(dir, p)).ToList();
        SimReport report = Create(r, plan, sweep, charts);
        File.WriteAllText(Path.Combine(dir, "sim.json"), report.ToJson());
        string md = Path.Combine(dir, "sim.md");
        File.WriteAllText(md, report.ToMarkdown());
        return md;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        WorkloadInfo w = Workload;
        md.AppendLine("# ClusterSim: per-shard load of each tag strategy").AppendLine();
        md.AppendLine(Inv($"{w.Events:N0} event(s) with {w.Popularity} popularity, {w.Users:N0} users, join rate {string.Join(", ", w.RateProfile.Select(p => Inv($"{p.Seconds:0.##} s: {p.PerSecond:N0}/s")))} ") +
            Inv($"(peak {w.PeakPerSecond:N0}/s, {w.TotalAttempts:N0} attempts over {w.DurationSeconds:N0} s), {w.DuplicateRatio:P0} duplicates/retries."));
        md.AppendLine(Inv($"Topology: {Topology.Description}: {string.Join("; ", Topology.Shards.Select(s => $"shard {s.Name} = {string.Join(",", s.Ranges)}"))}."));
        md.AppendLine(Inv($"Simulated {Simulation.JoinsPerSeed:N0} joins per seed × {Simulation.Seeds} event-ID seeds (seed {Simulation.Seed}) in {ElapsedSeconds:0.0} s. ") +
            "Bands are the 5th–95th percentile over seeds.").AppendLine();

        md.AppendLine("## Skew per strategy").AppendLine();
        md.AppendLine("| strategy | joins | hottest shard share (mean, p5–p95) | max/mean | CV | Gini | hottest slot share |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in Strategies)
            md.AppendLine(Inv($"| {s.Strategy} | {(s.CrossSlotFailureRate > 0 ? $"**fail: CROSSSLOT ({s.CrossSlotFailureRate:P2})**" : "ok")} | {Pct(s.Skew.HottestShardShare)} | {Num(s.Skew.MaxOverMean)} | {Num(s.Skew.Cv)} | {Num(s.Skew.Gini)} | {Pct(s.Skew.HottestSlotShare)} |"));
        md.AppendLine().AppendLine("Legacy's shares say where its stream keys would land; on a cluster its joins are refused, because the untagged dedupe key hashes to another slot.").AppendLine();

        if (Strategies.Any(s => s.Analytic is not null))
        {
            md.AppendLine("## Theory next to simulation (uniform popularity)").AppendLine();
            md.AppendLine("Balls into bins: each tag (event, user or event×bucket) is a ball carrying equal load, thrown into a shard with probability slots/16384. " +
                $"Expected maxima are exact up to {BallsIntoBins.ExactBallLimit} balls and Poissonised above; √E[CV²] is exact (the simulated column is a mean, which sits a little below an RMS). " +
                "Two honest gaps: users are one fixed sample, so the user row is a single placement rather than a mean over draws; and one event's bucket tags differ only in their suffix, " +
                "and CRC16 is linear, so their slots are not independent balls: the simulation (real slots) is the figure to trust there.").AppendLine();
            md.AppendLine("| strategy | balls | hottest shard: simulated mean | analytic | hottest slot: simulated mean | analytic | CV: simulated mean | analytic √E[CV²] |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var s in Strategies.Where(s => s.Analytic is not null))
            {
                var a = s.Analytic!;
                md.AppendLine(Inv($"| {s.Strategy} | {a.BallCount:N0} {a.Balls} | {s.Skew.HottestShardShare.Mean:P2} | {a.HottestShardShare:P2} | {s.Skew.HottestSlotShare.Mean:P3} | {a.HottestSlotShare:P3} | {s.Skew.Cv.Mean:0.0000} | {a.RmsCv:0.0000} |"));
            }
            md.AppendLine();
        }

        md.AppendLine(Inv($"## Per-shard load at the peak rate ({w.PeakPerSecond:N0} joins/s)")).AppendLine();
        md.AppendLine(Inv($"Keys and memory cover the whole workload ({w.UniqueJoins:N0} unique joins): one stream key (one entry) and one dedupe key per join, ") +
            Inv($"{Simulation.Memory.StreamKeyBytes:N0} B + {Simulation.Memory.DedupeKeyBytes:N0} B.")).AppendLine();
        md.AppendLine("| strategy | shard | slots | share (mean) | share (p95) | EVALSHA/s (mean) | EVALSHA/s (p95) | keys | memory |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in Strategies)
            foreach (var x in s.Shards)
                md.AppendLine(Inv($"| {s.Strategy} | {x.Name} | {x.Slots:N0} | {x.Share:P2} | {x.ShareP95:P2} | {x.OpsPerSecAtPeak:N0} | {x.OpsPerSecAtPeakP95:N0} | {x.Keys:N0} | {Bytes(x.MemoryBytes)} |"));
        md.AppendLine();

        if (Capacity is { } c) AppendCapacity(md, c);
        else md.AppendLine("## Capacity").AppendLine().AppendLine("No per-shard capacity given: pass --capacity <ops/s> or --capacity-from <capacity.json> for utilisation and sizing.").AppendLine();

        if (EventSweep.Count > 0)
        {
            md.AppendLine("## Hottest shard share vs events on sale").AppendLine();
            md.AppendLine("Expected join counts per event-ID draw; mean (p95) over seeds.").AppendLine();
            md.AppendLine("| events | " + string.Join(" | ", EventSweep.Select(s => s.Strategy)) + " |");
            md.AppendLine("|---|" + string.Concat(EventSweep.Select(_ => "---|")));
            for (int i = 0; i < EventSweep[0].Points.Count; i++)
                md.AppendLine(Inv($"| {EventSweep[0].Points[i].Events:N0} | ") + string.Join(" | ", EventSweep.Select(s => Inv($"{s.Points[i].HottestShardShare.Mean:P1} ({s.Points[i].HottestShardShare.P95:P1})"))) + " |");
            md.AppendLine();
        }

        md.AppendLine("## Charts").AppendLine();
        foreach (string chart in Charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({chart})").AppendLine();

        md.AppendLine("## Model").AppendLine();
        md.AppendLine("- A join attempt is one EVALSHA of the enqueue script over two keys (dedupe, stream), served by the primary owning the stream key's slot. " +
            "A first join adds one stream entry (its own stream key) and one dedupe key; a duplicate/retry costs the EVALSHA and creates nothing.");
        md.AppendLine("- Each seed draws new random event IDs, so events land on new slots; users are a fixed sample of random IDs. Joins pick an event by popularity and a user uniformly.");
        md.AppendLine("- Max/mean, CV (population) and Gini are over shards; shares are of join commands. p95 = the 95th percentile over event-ID draws: 19 draws in 20 are no worse.");
        md.AppendLine("- Memory per join was measured on redis-server 7.0.15 (used_memory growth over 100,000 joins); a fresh stream preallocates ~4 KB whatever it holds.");
        return md.ToString();
    }

    private static void AppendCapacity(StringBuilder md, CapacityPlan c)
    {
        md.AppendLine("## Capacity").AppendLine();
        md.AppendLine(Inv($"Per-shard capacity {c.PerShardOpsPerSec:N0} EVALSHA/s (from {c.Source}), target ≤ {c.TargetUtilisation:P0} on the hottest shard at the {c.PeakRate:N0}/s peak."));
        md.AppendLine().AppendLine("| strategy | hottest shard utilisation at peak (mean, p5–p95) | per-shard utilisation (mean) | hottest shard saturates at (p95 draw) | (mean draw) | smallest even-split shard count for target |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var s in c.Strategies)
        {
            string util = string.Join(" / ", s.ShardUtilisation.Select(u => Inv($"{u:P0}")));
            string count = s.SmallestShardCount is { } n ? Inv($"{n} ({s.ShardCountNote})") : s.ShardCountNote;
            md.AppendLine(s.Fails
                ? $"| {s.Strategy} | n/a: every join fails | {util} | n/a | n/a | {count} |"
                : Inv($"| {s.Strategy} | {Pct(s.HottestUtilisation)} | {util} | {s.SaturationRate:N0}/s | {s.SaturationRateMeanDraw:N0}/s | {count} |"));
        }
        md.AppendLine().AppendLine($"Smallest bucket count on this topology: **{(c.Buckets.SmallestBuckets is { } b ? $"bucketed:{b}" : "none")}**: {c.Buckets.Note}.");
        if (c.Buckets.Trials.Count > 0)
        {
            md.AppendLine().AppendLine("| buckets | p95 hottest shard share | p95 hottest shard utilisation at peak |").AppendLine("|---|---|---|");
            foreach (var t in c.Buckets.Trials) md.AppendLine(Inv($"| {t.Buckets} | {t.HottestShareP95:P2} | {t.HottestUtilisationP95:P0} |"));
        }
        md.AppendLine();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Pct(Band b) => Inv($"{b.Mean:P2} ({b.P5:P2}–{b.P95:P2})");
    private static string Num(Band b) => Inv($"{b.Mean:0.000} ({b.P5:0.000}–{b.P95:0.000})");

    private static string Bytes(double b) => b switch
    {
        >= 1L << 30 => Inv($"{b / (1L << 30):0.00} GiB"),
        >= 1 << 20 => Inv($"{b / (1 << 20):0.0} MiB"),
        >= 1 << 10 => Inv($"{b / (1 << 10):0.0} KiB"),
        _ => Inv($"{b:0} B"),
    };
}
