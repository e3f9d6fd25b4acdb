using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>
/// One sim run's outputs: sim.json (a <see cref="SimSummary"/>, through the shared results context), sim.md and
/// the charts. The Markdown is rendered from the same record that is written, so the two cannot disagree.
/// </summary>
public static class SimReport
{
    /// <summary>Writes sim.json, sim.md and the charts into <paramref name="dir"/>; returns the Markdown path.</summary>
    public static string WriteAll(string dir, SimResult r, CapacityPlan? plan, IReadOnlyList<SweepSeries> sweep)
    {
        Directory.CreateDirectory(dir);
        IReadOnlyList<string> charts = SimCharts.Write(dir, r, plan, sweep).Select(p => Path.GetRelativePath(dir, p)).ToList();
        SimSummary summary = Summarise(r, plan, sweep, charts);
        ResultFiles.Write(Path.Combine(dir, ResultFiles.Sim), summary, ResultFiles.SimType);
        string md = Path.Combine(dir, "sim.md");
        File.WriteAllText(md, ToMarkdown(summary));
        return md;
    }

    /// <summary>The simulator's result as the contract record.</summary>
    public static SimSummary Summarise(SimResult r, CapacityPlan? plan, IReadOnlyList<SweepSeries> sweep, IReadOnlyList<string> charts)
    {
        Workload w = r.Workload;
        var workload = new SimWorkload(w.Events, w.Popularity.Name, w.Users, r.UserSample,
            w.Rate.Points.Select(p => new SimRatePoint(p.Seconds, p.PerSecond)).ToList(),
            w.Rate.PeakPerSecond, w.Rate.MeanPerSecond, w.Rate.DurationSeconds, w.Rate.TotalAttempts, w.DuplicateRatio, w.UniqueJoins);
        var topology = new SimTopology(r.Topology.Description, Enumerable.Range(0, r.Topology.ShardCount)
            .Select(j => new SimShard(j, r.Topology.Names[j], r.Topology.SlotCountOf(j), r.Topology.RangesOf(j))).ToList());
        MemoryModel m = r.Options.Memory;
        var settings = new SimSettings(r.Options.Joins, r.Options.Seeds, r.Options.Seed, JoinCost.CommandsPerAttempt, JoinCost.KeysPerAttempt,
            JoinCost.StreamEntriesPerJoin, JoinCost.DedupeKeysPerJoin, new SimMemory(m.StreamKeyBytes, m.DedupeKeyBytes, m.BytesPerJoin));
        var strategies = r.Strategies.Select(s => new SimStrategy($"{s.Strategy}", s.CoLocated, s.CrossSlotFailureRate,
            s.Shards.Select(x => new SimShardLoad(x.Shard, x.Name, x.Slots, x.Share, x.ShareP95, x.OpsPerSecAtPeak, x.OpsPerSecAtPeakP95, x.Keys, x.MemoryBytes)).ToList(),
            new SimSkew(B(s.Skew.MaxOverMean), B(s.Skew.Cv), B(s.Skew.Gini), B(s.Skew.HottestShardShare), B(s.Skew.HottestSlotShare)),
            s.Analytic is { } a ? new SimAnalytic(a.Balls, a.BallCount, a.HottestShardShare, a.HottestSlotShare, a.RmsCv, a.ShardShares) : null)).ToList();
        SimCapacityPlan? capacity = plan is null ? null : new SimCapacityPlan(plan.PerShardOpsPerSec, plan.TargetUtilisation, plan.Source, plan.PeakRate,
            plan.Strategies.Select(s => new SimStrategyCapacity($"{s.Strategy}", s.Fails, s.ShardUtilisation, B(s.HottestUtilisation),
                s.SaturationRate, s.SaturationRateMeanDraw, s.SmallestShardCount, s.ShardCountNote)).ToList(),
            new SimBucketPlan(plan.Buckets.SmallestBuckets, plan.Buckets.Note,
                plan.Buckets.Trials.Select(t => new SimBucketTrial(t.Buckets, t.HottestShareP95, t.HottestUtilisationP95)).ToList()));
        var eventSweep = sweep.Select(s => new SimSweepSeries($"{s.Strategy}", s.Points.Select(p => new SimSweepPoint(p.Events, B(p.HottestShardShare))).ToList())).ToList();
        return new SimSummary(DateTimeOffset.UtcNow, r.Elapsed.TotalSeconds, workload, topology, settings, strategies, capacity, eventSweep, charts);
    }

    private static SimBand B(Band b) => new(b.Mean, b.P5, b.P95);

    public static string ToMarkdown(SimSummary sim)
    {
        var md = new StringBuilder();
        SimWorkload w = sim.Workload;
        SimSettings settings = sim.Simulation;
        md.AppendLine("# ClusterSim: per-shard load of each tag strategy").AppendLine();
        md.AppendLine(Inv($"{w.Events:N0} event(s) with {w.Popularity} popularity, {w.Users:N0} users, join rate {string.Join(", ", w.RateProfile.Select(p => Inv($"{p.Seconds:0.##} s: {p.PerSecond:N0}/s")))} ") +
            Inv($"(peak {w.PeakPerSecond:N0}/s, {w.TotalAttempts:N0} attempts over {w.DurationSeconds:N0} s), {w.DuplicateRatio:P0} duplicates/retries."));
        md.AppendLine(Inv($"Topology: {sim.Topology.Description}: {string.Join("; ", sim.Topology.Shards.Select(s => $"shard {s.Name} = {string.Join(",", s.Ranges)}"))}."));
        md.AppendLine(Inv($"Simulated {settings.JoinsPerSeed:N0} joins per seed × {settings.Seeds} event-ID seeds (seed {settings.Seed}) in {sim.ElapsedSeconds:0.0} s. ") +
            "Bands are the 5th–95th percentile over seeds.").AppendLine();

        md.AppendLine("## Skew per strategy").AppendLine();
        md.Append(MarkdownTable.Render(sim.Strategies,
            new("strategy", s => s.Strategy),
            new("joins", s => s.CrossSlotFailureRate > 0 ? Inv($"**fail: CROSSSLOT ({s.CrossSlotFailureRate:P2})**") : "ok"),
            new("hottest shard share (mean, p5–p95)", s => Pct(s.Skew.HottestShardShare)),
            new("max/mean", s => Num(s.Skew.MaxOverMean)),
            new("CV", s => Num(s.Skew.Cv)),
            new("Gini", s => Num(s.Skew.Gini)),
            new("hottest slot share", s => Pct(s.Skew.HottestSlotShare))));
        md.AppendLine().AppendLine("Legacy's shares say where its stream keys would land; on a cluster its joins are refused, because the untagged dedupe key hashes to another slot.").AppendLine();

        var analytic = sim.Strategies.Where(s => s.Analytic is not null).Select(s => (s.Strategy, s.Skew, A: s.Analytic!)).ToList();
        if (analytic.Count > 0)
        {
            md.AppendLine("## Theory next to simulation (uniform popularity)").AppendLine();
            md.AppendLine("Balls into bins: each tag (event, user or event×bucket) is a ball carrying equal load, thrown into a shard with probability slots/16384. " +
                $"Expected maxima are exact up to {BallsIntoBins.ExactBallLimit} balls and Poissonised above; √E[CV²] is exact (the simulated column is a mean, which sits a little below an RMS). " +
                "Two honest gaps: users are one fixed sample, so the user row is a single placement rather than a mean over draws; and one event's bucket tags differ only in their suffix, " +
                "and CRC16 is linear, so their slots are not independent balls: the simulation (real slots) is the figure to trust there.").AppendLine();
            md.Append(MarkdownTable.Render(analytic,
                new("strategy", s => s.Strategy),
                new("balls", s => Inv($"{s.A.BallCount:N0} {s.A.Balls}")),
                new("hottest shard: simulated mean", s => s.Skew.HottestShardShare.Mean, "P2"),
                new("analytic", s => s.A.HottestShardShare, "P2"),
                new("hottest slot: simulated mean", s => s.Skew.HottestSlotShare.Mean, "P3"),
                new("analytic", s => s.A.HottestSlotShare, "P3"),
                new("CV: simulated mean", s => s.Skew.Cv.Mean, "0.0000"),
                new("analytic √E[CV²]", s => s.A.RmsCv, "0.0000")));
            md.AppendLine();
        }

        md.AppendLine(Inv($"## Per-shard load at the peak rate ({w.PeakPerSecond:N0} joins/s)")).AppendLine();
        md.AppendLine(Inv($"Keys and memory cover the whole workload ({w.UniqueJoins:N0} unique joins): one stream key (one entry) and one dedupe key per join, ") +
            Inv($"{settings.Memory.StreamKeyBytes:N0} B + {settings.Memory.DedupeKeyBytes:N0} B.")).AppendLine();
        md.Append(MarkdownTable.Render(sim.Strategies.SelectMany(s => s.Shards.Select(x => (s.Strategy, X: x))),
            new("strategy", r => r.Strategy),
            new("shard", r => r.X.Name),
            new("slots", r => r.X.Slots, "N0"),
            new("share (mean)", r => r.X.Share, "P2"),
            new("share (p95)", r => r.X.ShareP95, "P2"),
            new("EVALSHA/s (mean)", r => r.X.OpsPerSecAtPeak, "N0"),
            new("EVALSHA/s (p95)", r => r.X.OpsPerSecAtPeakP95, "N0"),
            new("keys", r => r.X.Keys, "N0"),
            new("memory", r => Bytes(r.X.MemoryBytes))));
        md.AppendLine();

        if (sim.Capacity is { } c) AppendCapacity(md, c);
        else md.AppendLine("## Capacity").AppendLine().AppendLine("No per-shard capacity given: pass --capacity <ops/s> or --capacity-from <capacity.json> for utilisation and sizing.").AppendLine();

        if (sim.EventSweep.Count > 0)
        {
            md.AppendLine("## Hottest shard share vs events on sale").AppendLine();
            md.AppendLine("Expected join counts per event-ID draw; mean (p95) over seeds.").AppendLine();
            var columns = new List<Column<int>> { new("events", i => sim.EventSweep[0].Points[i].Events, "N0") };
            columns.AddRange(sim.EventSweep.Select(s => new Column<int>(s.Strategy,
                i => Inv($"{s.Points[i].HottestShardShare.Mean:P1} ({s.Points[i].HottestShardShare.P95:P1})"))));
            md.Append(MarkdownTable.Render(Enumerable.Range(0, sim.EventSweep[0].Points.Count), columns));
            md.AppendLine();
        }

        md.AppendLine("## Charts").AppendLine();
        foreach (string chart in sim.Charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({chart})").AppendLine();

        md.AppendLine("## Model").AppendLine();
        md.AppendLine("- A join attempt is one EVALSHA of the enqueue script over two keys (dedupe, stream), served by the primary owning the stream key's slot. " +
            "A first join adds one stream entry (its own stream key) and one dedupe key; a duplicate/retry costs the EVALSHA and creates nothing.");
        md.AppendLine("- Each seed draws new random event IDs, so events land on new slots; users are a fixed sample of random IDs. Joins pick an event by popularity and a user uniformly.");
        md.AppendLine("- Max/mean, CV (population) and Gini are over shards; shares are of join commands. p95 = the 95th percentile over event-ID draws: 19 draws in 20 are no worse.");
        md.AppendLine("- Memory per join was measured on redis-server 7.0.15 (used_memory growth over 100,000 joins); a fresh stream preallocates ~4 KB whatever it holds.");
        return md.ToString();
    }

    private static void AppendCapacity(StringBuilder md, SimCapacityPlan c)
    {
        md.AppendLine("## Capacity").AppendLine();
        md.AppendLine(Inv($"Per-shard capacity {c.PerShardOpsPerSec:N0} EVALSHA/s (from {c.Source}), target ≤ {c.TargetUtilisation:P0} on the hottest shard at the {c.PeakRate:N0}/s peak."));
        md.AppendLine();
        // A strategy whose every join fails has no utilisation or saturation rate: n/a, not 0.
        md.Append(MarkdownTable.Render(c.Strategies,
            new("strategy", s => s.Strategy),
            new("hottest shard utilisation at peak (mean, p5–p95)", s => s.Fails ? "n/a: every join fails" : Pct(s.HottestUtilisation)),
            new("per-shard utilisation (mean)", s => string.Join(" / ", s.ShardUtilisation.Select(u => Inv($"{u:P0}")))),
            new("hottest shard saturates at (p95 draw)", s => s.Fails ? null : Inv($"{s.SaturationRate:N0}/s")),
            new("(mean draw)", s => s.Fails ? null : Inv($"{s.SaturationRateMeanDraw:N0}/s")),
            new("smallest even-split shard count for target", s => s.SmallestShardCount is { } n ? Inv($"{n} ({s.ShardCountNote})") : s.ShardCountNote)));
        md.AppendLine().AppendLine($"Smallest bucket count on this topology: **{(c.Buckets.SmallestBuckets is { } b ? KeyStrategy.Bucketed(b).Name : "none")}**: {c.Buckets.Note}.");
        if (c.Buckets.Trials.Count > 0)
        {
            md.AppendLine();
            md.Append(MarkdownTable.Render(c.Buckets.Trials,
                new("buckets", t => t.Buckets),
                new("p95 hottest shard share", t => t.HottestShareP95, "P2"),
                new("p95 hottest shard utilisation at peak", t => t.HottestUtilisationP95, "P0")));
        }
        md.AppendLine();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Pct(SimBand b) => Inv($"{b.Mean:P2} ({b.P5:P2}–{b.P95:P2})");
    private static string Num(SimBand b) => Inv($"{b.Mean:0.000} ({b.P5:0.000}–{b.P95:0.000})");

    /// <summary>Bytes in B/KiB/MiB/GiB, invariant culture (shared with the launch report).</summary>
    internal static string Bytes(double b) => b switch
    {
        >= 1L << 30 => Inv($"{b / (1L << 30):0.00} GiB"),
        >= 1 << 20 => Inv($"{b / (1 << 20):0.0} MiB"),
        >= 1 << 10 => Inv($"{b / (1 << 10):0.0} KiB"),
        _ => Inv($"{b:0} B"),
    };

    /// <summary>sim's console summary: one line per strategy (its hottest shard and slot, and its sizing when a plan was made), then the bucket count.</summary>
    public static IEnumerable<string> ConsoleLines(SimResult result, CapacityPlan? plan)
    {
        foreach (StrategyResult s in result.Strategies)
        {
            Band h = s.Skew.HottestShardShare;
            string fails = s.CrossSlotFailureRate > 0 ? "  FAILS: CROSSSLOT on every join" : "";
            StrategyCapacity? c = plan?.Strategies.First(x => x.Strategy == s.Strategy);
            string sizing = c is null || c.Fails ? "" : FormattableString.Invariant(
                $"  p95 hottest util {c.HottestUtilisation.P95:P0}, saturates at {c.SaturationRate:N0}/s, shards for target: {c.SmallestShardCount?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
            yield return FormattableString.Invariant($"  {s.Strategy,-12} hottest shard {h.Mean:P1} (p95 {h.P95:P1}), hottest slot {s.Skew.HottestSlotShare.Mean:P2}{sizing}{fails}");
        }
        if (plan is not null)
            yield return $"  smallest bucket count for target: {(plan.Buckets.SmallestBuckets is { } b ? $"{KeyStrategy.Bucketed(b)}" : "none")} ({plan.Buckets.Note})";
    }
}
