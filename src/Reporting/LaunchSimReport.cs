using HashtagBench.Charts;
using HashtagBench.ClusterSim;
using HashtagBench.WaitingRoom;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HashtagBench.Reporting;

public sealed record LaunchSimSummary(
    string Launch, string Source, ulong Seed, int Users, int Visits, int Events, string Topology, int Shards, int ReplicasPerShard,
    bool ReplicaReads, double TargetCpu, CostMachine CostsFrom, IReadOnlyList<CommandCost> Costs, double ElapsedSeconds,
    IReadOnlyList<LaunchSimStrategy> Strategies, LaunchSimBuckets? Buckets, IReadOnlyList<string> Charts, LiveCheck? LiveCheck = null,
    ServerCpuModel? CpuModel = null, string? ClientShape = null);

/// <param name="PeakSecond">The second with the most commands over the whole cluster.</param>
/// <param name="HottestShareOverall">The hottest shard's share of every command of the launch.</param>
public sealed record LaunchSimStrategy(
    string Strategy, IReadOnlyList<ScriptPlacement> Scripts, int CrossSlotVisits,
    int PeakSecond, double PeakCommandsPerSec, string HottestShard, double HottestShardCommandsPerSec, double HottestShardShareAtPeak, double HottestShareOverall,
    string HottestNode, double HottestNodeCommandsPerSec, double HottestPrimaryCpu, string HottestPrimaryShard, double HottestReplicaCpu,
    int? ShardsNeeded, string ShardsNote, LaunchSimCounts Counts, IReadOnlyList<LaunchSimKeyClass> KeyClasses,
    IReadOnlyList<LaunchSimShard> Shards, IReadOnlyList<LaunchSimCommand> CommandsAtPeak, IReadOnlyList<LaunchSimSecond> Timeline,
    long AnonymousStreamEntries, double? HottestPrimaryCpuLow = null, double? HottestPrimaryCpuHigh = null, int? ShardsNeededHigh = null,
    double? HottestPrimaryCommandCpu = null);

public sealed record LaunchSimCounts(int JoinedVisits, double? MeanPolls, int Base, int PerPoll, double? FormulaMean, double? SimulatedMeanJoined,
    long FrontEntries, long ThrottledEnters, long Leaves, long Expiries, long SeatHolds, int RefusedVisits, long RefusedAttempts,
    long FormulaTotal, long SimulatedTotal, bool Reconciles);

/// <param name="Placement">Where the key class's slot comes from: the event's slot, another per-event slot, the event's bucket slots, or per user/token/request.</param>
public sealed record LaunchSimKeyClass(string KeyClass, string Template, string Placement, double PerVisit);

/// <param name="ByStep">Commands/s at the peak second per step, in <see cref="Step"/> order.</param>
public sealed record LaunchSimShard(string Shard, double CommandsPerSec, IReadOnlyList<double> ByStep, double PrimaryCpu, double ReplicaCpu,
    long PeakKeysAlive, double PeakBytesAlive, long EndKeysAlive, double EndBytesAlive);

public sealed record LaunchSimCommand(string Shard, string Command, double PrimaryPerSec, double ReplicaPerSec);

/// <summary>One second of the launch: commands and primary CPU per shard, keys+entries alive over the cluster.</summary>
public sealed record LaunchSimSecond(int Second, IReadOnlyList<long> Commands, IReadOnlyList<double> PrimaryCpu, long KeysAlive);

public sealed record LaunchSimBuckets(int? Buckets, IReadOnlyList<LaunchSimBucketTrial> Trials);
public sealed record LaunchSimBucketTrial(int Buckets, double HottestPrimaryCpu);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(LaunchSimSummary))]
internal sealed partial class LaunchSimJsonContext : JsonSerializerContext;

/// <summary>
/// `sim --launch` outputs: launch-sim.json (a <see cref="LaunchSimSummary"/>), launch-sim.md and the charts. The
/// console table and the Markdown are rendered from the same record that is written.
/// </summary>
public static class LaunchSimReport
{
    public const string JsonFile = "launch-sim.json", MarkdownFile = "launch-sim.md";
    private static readonly string[] StepNames = Enum.GetNames<Step>();

    public static LaunchSimSummary Summarise(LaunchSimResult result, IReadOnlyList<LaunchSizing> sizing, BucketSuggestion? buckets, IReadOnlyList<string> charts)
    {
        Launch l = result.Launch;
        Topology t = result.Topology;
        var strategies = result.Strategies.Select(r => Strategy(r, sizing.First(s => s.Schema == r.Schema), l.EventIds.Count)).ToList();
        return new LaunchSimSummary(l.File.Name, l.Source, l.File.Seed, result.Population.Users, result.Population.Visits, l.EventIds.Count,
            t.Description, t.ShardCount, l.File.Topology.ReplicasPerShard, l.File.ReplicaReads, sizing.FirstOrDefault()?.TargetCpu ?? LaunchCapacity.DefaultTargetCpu,
            result.Costs.Machine, result.Costs.Commands, result.Elapsed.TotalSeconds, strategies,
            buckets is null ? null : new LaunchSimBuckets(buckets.Buckets, buckets.Trials.Select(x => new LaunchSimBucketTrial(x.Buckets, x.HottestPrimaryCpu)).ToList()),
            charts, CpuModel: result.Costs.Server, ClientShape: ClientText(l.File.Client, result.Strategies.FirstOrDefault()));
    }

    private static LaunchSimStrategy Strategy(LaunchStrategyResult r, LaunchSizing size, int events)
    {
        Topology t = r.Topology;
        int shards = t.ShardCount, peak = 0;
        for (int s = 1; s < r.Seconds; s++) if (r.Commands(s) > r.Commands(peak)) peak = s;
        long peakTotal = r.Commands(peak);
        int hot = Enumerable.Range(0, shards).MaxBy(j => r.Commands(peak, j));
        var perShardTotal = Enumerable.Range(0, shards).Select(j => Enumerable.Range(0, r.Seconds).Sum(s => r.Commands(s, j))).ToArray();
        long total = perShardTotal.Sum();

        // Nodes: the primary takes role 0; each replica an equal part of role 1.
        var nodes = new List<(string Name, double PerSec)>();
        int cmds = r.CommandNames.Count;
        for (int j = 0; j < shards; j++)
        {
            double primary = 0, replicas = 0;
            for (int c = 0; c < cmds; c++)
            {
                primary += r.ShardCommandCounts[((peak * shards + j) * cmds + c) * 2];
                replicas += r.ShardCommandCounts[((peak * shards + j) * cmds + c) * 2 + 1];
            }
            nodes.Add(($"{t.Names[j]}-primary", primary));
            for (int k = 0; k < r.Replicas; k++) nodes.Add(($"{t.Names[j]}-replica{k + 1}", replicas / r.Replicas));
        }
        var hotNode = nodes.MaxBy(n => n.PerSec);

        VisitCountCheck check = VisitCountCheck.Of(r);
        int visits = r.VisitCommands.Length;
        var keyClasses = Enum.GetValues<KeyClass>().Where(k => r.KeyClassCommands[(int)k] > 0)
            .Select(k => new LaunchSimKeyClass(k.ToString(), r.Schema.Template(k).Text, PlacementOf(r.Schema, k), r.KeyClassCommands[(int)k] / (double)visits)).ToList();

        int end = r.Seconds - 1;
        var shardRows = Enumerable.Range(0, shards).Select(j =>
        {
            int peakKeysAt = Enumerable.Range(0, r.Seconds).MaxBy(s => r.KeysAlive[s * shards + j]);
            return new LaunchSimShard(t.Names[j], r.Commands(peak, j),
                Enumerable.Range(0, LaunchStrategyResult.Steps).Select(st => (double)r.ShardStepCounts[(peak * shards + j) * LaunchStrategyResult.Steps + st]).ToList(),
                r.PrimaryUsec[peak * shards + j] / 1e6, r.Replicas == 0 ? 0 : r.ReplicaUsec[peak * shards + j] / 1e6 / r.Replicas,
                r.KeysAlive[peakKeysAt * shards + j], r.BytesAlive[peakKeysAt * shards + j], r.KeysAlive[end * shards + j], r.BytesAlive[end * shards + j]);
        }).ToList();
        var commandRows = new List<LaunchSimCommand>();
        for (int j = 0; j < shards; j++)
            for (int c = 0; c < cmds; c++)
            {
                long p = r.ShardCommandCounts[((peak * shards + j) * cmds + c) * 2], q = r.ShardCommandCounts[((peak * shards + j) * cmds + c) * 2 + 1];
                if (p + q > 0) commandRows.Add(new LaunchSimCommand(t.Names[j], r.CommandNames[c], p, q));
            }
        var timeline = Enumerable.Range(0, r.Seconds).Select(s => new LaunchSimSecond(s,
            Enumerable.Range(0, shards).Select(j => r.Commands(s, j)).ToList(),
            Enumerable.Range(0, shards).Select(j => r.PrimaryUsec[s * shards + j] / 1e6).ToList(),
            Enumerable.Range(0, shards).Sum(j => r.KeysAlive[s * shards + j]))).ToList();

        var counts = new LaunchSimCounts(check.JoinedVisits, NaNToNull(check.MeanPolls), check.Base, check.PerPoll, NaNToNull(check.FormulaMean), NaNToNull(check.SimulatedMeanJoined),
            check.FrontEntries, check.ThrottledEnters, check.Leaves, check.Expiries, check.SeatHolds, check.RefusedVisits, check.RefusedAttempts,
            check.FormulaTotal, check.SimulatedTotal, check.Reconciles);
        return new LaunchSimStrategy(r.Schema.Name, r.Scripts, r.CrossSlotVisits, peak, peakTotal, t.Names[hot], r.Commands(peak, hot),
            peakTotal == 0 ? 0 : r.Commands(peak, hot) / (double)peakTotal, total == 0 ? 0 : perShardTotal.Max() / (double)total,
            hotNode.Name, hotNode.PerSec, size.HottestPrimaryCpu, t.Names[size.HottestPrimaryShard], size.HottestReplicaCpu,
            size.ShardsNeeded, size.ShardsNote, counts, keyClasses, shardRows, commandRows, timeline, r.AnonymousStreamEntries,
            size.HottestPrimaryCpuLow, size.HottestPrimaryCpuHigh, size.ShardsNeededHigh,
            r.PrimaryCommandUsec[size.HottestPrimarySecond * shards + size.HottestPrimaryShard] / ServerCpuModel.CoreUsec);
    }

    /// <summary>The client shape in one phrase, e.g. "Pooled: 108 pods × 100 idle connections = 10,800 per node".</summary>
    public static string ClientText(ClientShape c, LaunchStrategyResult? r)
    {
        int pods = r?.Pods ?? c.Pods;
        return c.Mode == ClientMode.Multiplexed
            ? Inv($"Multiplexed: {pods:N0} pods × 1 connection per node, pipelines as deep as rate × {ServerCpuModel.MultiplexedRoundTripSeconds * 1e3:0.#} ms")
            : Inv($"Pooled: {pods:N0} pods × {Math.Min(c.MinIdleConns, c.PoolSize):N0} idle connections = {c.ConnectionsPerNode(pods):N0} per node, one command (or one explicit pipeline) per round trip");
    }

    private static double? NaNToNull(double d) => double.IsNaN(d) ? null : d;

    /// <summary>Where a key class lands, as the issue groups it (for event: 9 + 2N on {E}, 3N + 2 on metrics, the rest per token).</summary>
    public static string PlacementOf(WaitingRoomSchema s, KeyClass k)
    {
        KeyTemplate t = s.Template(k);
        SlotInputs d = t.SlotDependsOn;
        if (d == SlotInputs.Event) return t.Tagged && LaunchSimulator.TagText(t) == "<E>" ? "event slot {E}" : "other per-event slot";
        if (d == (SlotInputs.Event | SlotInputs.Bucket)) return "event's bucket slots";
        return "per user/token/request (spread)";
    }

    /// <summary>Writes launch-sim.json, launch-sim.md and the charts into <paramref name="dir"/>; returns the Markdown path and the summary.</summary>
    /// <param name="liveCheck">The `--check-live` result, when run: it goes into both files.</param>
    public static (string Markdown, LaunchSimSummary Summary) WriteAll(string dir, LaunchSimResult result, IReadOnlyList<LaunchSizing> sizing, BucketSuggestion? buckets,
        LiveCheck? liveCheck = null)
    {
        Directory.CreateDirectory(dir);
        var charts = new List<string> { StepBars(dir, result), CpuOverTime(dir, result) }.Select(p => Path.GetRelativePath(dir, p)).ToList();
        LaunchSimSummary summary = Summarise(result, sizing, buckets, charts) with { LiveCheck = liveCheck };
        File.WriteAllText(Path.Combine(dir, JsonFile), ToJson(summary));
        string md = Path.Combine(dir, MarkdownFile);
        File.WriteAllText(md, ToMarkdown(summary));
        return (md, summary);
    }

    public static string ToJson(LaunchSimSummary s) => JsonSerializer.Serialize(s, LaunchSimJsonContext.Default.LaunchSimSummary);

    /// <summary>The per-strategy table the console prints (the issue's "done when" figures).</summary>
    public static string StrategyTable(LaunchSimSummary s) => MarkdownTable.Render(s.Strategies,
        new("strategy", x => x.Strategy),
        new("join script", x => x.CrossSlotVisits > 0 ? Inv($"CROSSSLOT ({x.CrossSlotVisits:N0} visits)") : "ok"),
        new("peak cmds/s (at s)", x => Inv($"{x.PeakCommandsPerSec:N0} ({x.PeakSecond})")),
        new("hottest shard", x => x.HottestShard),
        new("its cmds/s at peak", x => x.HottestShardCommandsPerSec, "N0"),
        new("share at peak", x => x.HottestShardShareAtPeak, "P1"),
        new("share overall", x => x.HottestShareOverall, "P1"),
        new("hottest node (cmds/s)", x => Inv($"{x.HottestNode} ({x.HottestNodeCommandsPerSec:N0})")),
        new("hottest primary CPU", x => x.HottestPrimaryCpu, "P1"),
        new("band", x => x is { HottestPrimaryCpuLow: { } lo, HottestPrimaryCpuHigh: { } hi } ? Inv($"{lo * 100:0}–{hi * 100:0} %") : null),
        new("of it command time", x => x.HottestPrimaryCommandCpu, "P1"),
        new(Inv($"shards for ≤ {s.TargetCpu:P0} CPU"), x => x.ShardsNeeded is { } n ? Inv($"{n}") + (x.ShardsNeededHigh is { } h && h > n ? Inv($" ({h} at the band's top)") : "") : x.ShardsNote));

    /// <summary>Commands per visit against a + b·N̄ (event: 27 + 9N), per strategy.</summary>
    public static string CountTable(LaunchSimSummary s) => MarkdownTable.Render(s.Strategies,
        new("strategy", x => x.Strategy),
        new("visits joined", x => x.Counts.JoinedVisits, "N0"),
        new("mean polls N̄", x => x.Counts.MeanPolls, "0.00"),
        new("formula", x => Inv($"{x.Counts.Base} + {x.Counts.PerPoll}N")),
        new("a + b·N̄", x => x.Counts.FormulaMean, "0.0"),
        new("simulated per joined visit", x => x.Counts.SimulatedMeanJoined, "0.0"),
        new("difference explained by", x => Inv($"front entries {x.Counts.FrontEntries:N0}, throttled enters {x.Counts.ThrottledEnters:N0}, leaves {x.Counts.Leaves:N0}, expiries {x.Counts.Expiries:N0}, seat holds {x.Counts.SeatHolds:N0}, refused joins {x.Counts.RefusedAttempts:N0}")),
        new("Σ formula + paths = simulated", x => x.Counts.Reconciles ? Inv($"yes ({x.Counts.SimulatedTotal:N0})") : Inv($"NO: {x.Counts.FormulaTotal:N0} vs {x.Counts.SimulatedTotal:N0}")));

    public static string ToMarkdown(LaunchSimSummary s)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv($"# Launch simulation: {s.Launch}")).AppendLine();
        md.AppendLine(Inv($"{s.Source}: {s.Users:N0} users, {s.Visits:N0} visits over {s.Events:N0} events, seed {s.Seed}. Topology: {s.Topology}, {s.ReplicasPerShard} replica(s) per shard, reads on {(s.ReplicaReads ? "replicas" : "primaries")}. ") +
            Inv($"Simulated in {s.ElapsedSeconds:0.00} s. CPU from the cost table measured {s.CostsFrom.MeasuredAt:yyyy-MM-dd} on {s.CostsFrom.Cpu}, redis {s.CostsFrom.RedisVersion} ({s.CostsFrom.Method}).")).AppendLine();
        md.AppendLine("## Per strategy at the peak second").AppendLine().Append(StrategyTable(s)).AppendLine();
        if (s.Buckets is { } b)
            md.AppendLine(Inv($"Smallest bucketed:N on this topology keeping the hottest primary ≤ {s.TargetCpu:P0}: **{(b.Buckets is { } n ? $"bucketed:{n}" : "none tried")}** ") +
                "(" + string.Join(", ", b.Trials.Select(t => Inv($"bucketed:{t.Buckets} → {t.HottestPrimaryCpu:P1}"))) + ").").AppendLine();
        md.AppendLine("## Commands per user").AppendLine().Append(CountTable(s)).AppendLine();
        md.AppendLine("## Multi-key scripts (CROSSSLOT check from the key templates)").AppendLine();
        md.Append(MarkdownTable.Render(s.Strategies.SelectMany(x => x.Scripts.Select(sc => (x.Strategy, sc))),
            new("strategy", r => r.Strategy), new("script", r => r.sc.Script), new("keys", r => string.Join(", ", r.sc.Keys)),
            new("cluster", r => r.sc.CoLocated ? "one slot: ok" : "**CROSSSLOT** (keys on different slots)"),
            new("standalone", r => "ok (one node holds every slot)"))).AppendLine();
        if (s.LiveCheck is { } live) md.AppendLine(live.ToMarkdown());
        foreach (LaunchSimStrategy x in s.Strategies)
        {
            md.AppendLine($"## {x.Strategy}").AppendLine();
            md.AppendLine("Commands per visit by key class:").AppendLine();
            md.Append(MarkdownTable.Render(x.KeyClasses, new("key class", k => k.KeyClass), new("template", k => $"`{k.Template}`"),
                new("placement", k => k.Placement), new("per visit", k => k.PerVisit, "0.00"))).AppendLine();
            md.AppendLine(Inv($"Per shard at the peak second ({x.PeakSecond} s); keys = keys + ZSET/stream entries (memory: estimates except stream and dedupe keys, measured):")).AppendLine();
            var cols = new List<Column<LaunchSimShard>> { new("shard", r => r.Shard), new("cmds/s", r => r.CommandsPerSec, "N0") };
            cols.AddRange(StepNames.Select((n, i) => new Column<LaunchSimShard>(n, r => r.ByStep[i], "N0")));
            cols.AddRange([new("primary CPU", r => r.PrimaryCpu, "P1"), new("replica CPU", r => r.ReplicaCpu, "P1"),
                new("keys alive (peak)", r => r.PeakKeysAlive, "N0"), new("memory (peak)", r => Bytes(r.PeakBytesAlive)),
                new("keys alive (end)", r => r.EndKeysAlive, "N0"), new("memory (end)", r => Bytes(r.EndBytesAlive))]);
            md.Append(MarkdownTable.Render(x.Shards, cols)).AppendLine();
            md.AppendLine(Inv($"Anonymous entries left in the shared, untrimmed streams at the end: {x.AnonymousStreamEntries:N0}.")).AppendLine();
            md.AppendLine("By command at the peak second:").AppendLine();
            md.Append(MarkdownTable.Render(x.CommandsAtPeak, new("shard", r => r.Shard), new("command", r => r.Command),
                new("primary /s", r => r.PrimaryPerSec, "N0"), new("replicas /s", r => r.ReplicaPerSec, "N0"))).AppendLine();
        }
        md.AppendLine("## Charts").AppendLine();
        foreach (string c in s.Charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(c)}]({c})").AppendLine();
        md.AppendLine("## Model").AppendLine();
        md.AppendLine("- Queue dynamics: a discrete-event simulation per event. Users join, poll on the file's interval law, and enter when their rank (join order among those still queued) is within a band of the entry rule, its minimum wait is met and, for bucket bands, the event's token bucket holds a token. Polls per user come out of it.");
        md.AppendLine("- Commands per request are `Traffic.Commands` (src/WaitingRoom). A join the cluster refuses (CROSSSLOT) sends the middleware and the script, then stops; it is retried as the file's retry rules say.");
        md.AppendLine("- Placement is exact for event IDs; per-user, per-token and per-request IDs are real random strings drawn from the seed and hashed: one Monte Carlo draw.");
        md.AppendLine("- CPU: the whole request on each node's engine thread (`ServerCpuModel`, terms from the cost table): B + Σ usec_cmd + p·commands + r·reads + w·reads/(1 + reads·τ) + k·connections + s·shipped + q·round trips that wrote, per replica. " +
            "Round trips come from the client shape" + (s.ClientShape is { } shape ? $" ({shape})" : "") + ". " +
            (s.CpuModel is { Fit: { } fit } ? Inv($"Band: ±{fit.Band:P0} (two RMS errors of the calibration's {fit.Steps} steps). ") : "The cost table has no server terms: command time alone, a floor the servers exceed. ") +
            "Shards needed re-splits the peak second's per-slot traffic as redis-cli --cluster create would and runs the model on each shard, its idle and connection cost included.");
        return md.ToString();
    }

    private static string StepBars(string dir, LaunchSimResult result)
    {
        var categories = new List<string>();
        var perStep = StepNames.Select(_ => new List<double>()).ToList();
        foreach (LaunchStrategyResult r in result.Strategies)
        {
            int peak = Enumerable.Range(0, r.Seconds).MaxBy(s => r.Commands(s));
            for (int j = 0; j < r.Topology.ShardCount; j++)
            {
                categories.Add($"{r.Schema.Name} {r.Topology.Names[j]}");
                for (int st = 0; st < StepNames.Length; st++)
                    perStep[st].Add(r.ShardStepCounts[(peak * r.Topology.ShardCount + j) * LaunchStrategyResult.Steps + st]);
            }
        }
        var series = StepNames.Select((n, i) => new Series(n, perStep[i])).Where(s => s.Y.Any(v => v > 0)).ToList();
        return ChartWriter.StackedBars(Path.Combine(dir, "shard-commands-by-step.png"),
            $"{result.Launch.File.Name}: per-shard commands/s by step at each strategy's peak second", "commands/s", categories, series, topMargin: 0.3);
    }

    private static string CpuOverTime(string dir, LaunchSimResult result)
    {
        var series = result.Strategies.Select(r => new Series(r.Schema.Name,
            Enumerable.Range(0, r.Seconds).Select(s => Enumerable.Range(0, r.Topology.ShardCount).Max(j => r.PrimaryUsec[s * r.Topology.ShardCount + j]) / 1e4).ToList(),
            Enumerable.Range(0, r.Seconds).Select(s => (double)s).ToList())).ToList();
        return ChartWriter.Lines(Path.Combine(dir, "hottest-primary-cpu.png"), $"{result.Launch.File.Name}: hottest primary's CPU per second",
            "seconds into the launch", "CPU of one core (%)", series, yFromZero: true);
    }

    private static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);

    private static string Bytes(double b) => SimReport.Bytes(b);

    /// <summary>sim --launch's console summary: the launch, where the CPU model came from, the strategy and count tables, each strategy's multi-key scripts, the bucket count, and the live check when one ran.</summary>
    public static string ConsoleSummary(Launch launch, CommandCostTable costs, LaunchSimResult result, LaunchSimSummary summary, BucketSuggestion buckets, double cpuTarget, LiveCheck? live)
    {
        var w = new StringWriter();
        w.WriteLine(FormattableString.Invariant(
            $"Launch {launch.File.Name}: {result.Population.Visits:N0} visits over {launch.EventIds.Count:N0} events; {result.Topology.Description}, {launch.File.Topology.ReplicasPerShard} replica(s) per shard, reads on {(launch.File.ReplicaReads ? "replicas" : "primaries")}."));
        w.WriteLine(FormattableString.Invariant($"CPU from the cost table measured {costs.Machine.MeasuredAt:yyyy-MM-dd} on {costs.Machine.Cpu} (redis {costs.Machine.RedisVersion})."));
        w.Write(StrategyTable(summary));
        w.WriteLine();
        w.Write(CountTable(summary));
        w.WriteLine();
        foreach (LaunchSimStrategy s in summary.Strategies)
            w.WriteLine($"  {s.Strategy,-12} multi-key scripts: {string.Join("; ", s.Scripts.Select(x => $"{x.Script} {(x.CoLocated ? "one slot" : "CROSSSLOT on a cluster (standalone: ok)")}"))}");
        w.WriteLine(FormattableString.Invariant($"  smallest bucketed:N keeping the hottest primary ≤ {cpuTarget:P0} on this topology: {(buckets.Buckets is { } b ? $"bucketed:{b}" : "none of " + string.Join(",", LaunchCapacity.BucketTrials))}"));
        if (live is not null)
        {
            w.WriteLine();
            w.WriteLine($"Live check: each strategy's key schema against {live.StandaloneServer} and {live.Cluster}:");
            w.Write(live.Table());
            w.WriteLine(live.Verdict);
            if (!live.Passed) w.WriteLine("FAILED: " + string.Join("; ", live.Failed));
            w.WriteLine();
        }
        return w.ToString();
    }
}
