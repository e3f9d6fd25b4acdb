using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.Load.Rehearsal;

/// <summary>The untrimmed shared stream: the probe's measurements and how long the launch makes the stream.</summary>
/// <param name="LaunchEntries">Anonymous entries left in every event's shared stream at the end (the simulator's AnonymousStreamEntries); null without a simulation.</param>
/// <param name="LargestStreamEntries">The longest single stream of those (the event with the most anonymous users who stayed).</param>
/// <param name="ServerUsecAtLaunchSize">The probe's server usec per call, fitted linearly in entries and read at <paramref name="LargestStreamEntries"/>; null without two probe sizes.</param>
public sealed record UntrimmedStreamFigures(IReadOnlyList<StreamGrowthPoint> Points, StreamGrowthPoint? Smallest, StreamGrowthPoint? Largest, long? LaunchEntries, long? LargestStreamEntries,
    string? LargestStreamEvent, double? ServerUsecAtLaunchSize, bool Extrapolated)
{
    /// <summary>Client p50 at the largest size over the smallest; null without two sizes.</summary>
    public double? ClientRatio => Smallest is { } s && Largest is { } l && l.Entries > s.Entries && s.ClientP50Ms > 0 ? l.ClientP50Ms / s.ClientP50Ms : null;
    public double? ServerRatio => Smallest?.ServerUsecPerCall is > 0 && Largest is { } l && l.Entries > Smallest.Entries ? l.ServerUsecPerCall / Smallest.ServerUsecPerCall : null;
}

/// <summary>Commands per status poll under <paramref name="Strategy"/> and under <c>event</c>: from the model, and from the simulation.</summary>
/// <param name="SimulatedPerPoll">The simulator's Status-step commands over its Status requests; null without a simulation of that strategy.</param>
/// <param name="MeanShardsPerPoll">Distinct shards one poll's position reads touch, averaged over the launch's events.</param>
public sealed record StatusFanOut(string Strategy, int Buckets, int ModelPerPoll, int EventModelPerPoll, double? SimulatedPerPoll, double? EventSimulatedPerPoll,
    double? MeanShardsPerPoll)
{
    public double Ratio => (double)ModelPerPoll / EventModelPerPoll;
}

/// <summary>
/// Under <c>event</c>: per-event keys without a hash tag, where they land for the hottest event, and the share of that
/// event's per-event-key commands (the launch's mix, from KeyClassCommands) that lands off its own shard.
/// </summary>
/// <param name="EventsByShards">Over every event of the launch: how many events have their per-event keys on 1, 2 or 3 shards.</param>
/// <param name="AllEventsOffShardShare">The same share over every event, weighted by its joins.</param>
public sealed record UntaggedKeyFigures(IReadOnlyList<KeyClass> Untagged, string? HotEvent, int? OwnShard, IReadOnlyDictionary<KeyClass, int> ShardOfUntagged,
    double? OffShardShare, int? ShardsTouched)
{
    public IReadOnlyDictionary<int, int> EventsByShards { get; init; } = new Dictionary<int, int>();
    public double? AllEventsOffShardShare { get; init; }
}

/// <summary>Read traffic on replicas: predicted share of all commands, per strategy, and measured where a live run was given.</summary>
public sealed record ReplicaReadShare(string Strategy, double? Predicted, double? Measured);

/// <summary>
/// Findings the reference design never measured, each with its number: the O(n) XRANGE on the untrimmed shared
/// stream, the fan-out of bucketed position reads, untagged per-event keys heating other shards, and reads moved to
/// replicas. Every figure comes from the model (<see cref="Traffic.Commands"/>), a simulation, a live run or the
/// probe; where its input is missing it says n/a, never 0.
/// </summary>
public static class LaunchFindings
{
    private const string NotAvailable = "n/a";

    /// <param name="sim">`sim --launch` on the same (scaled) file; null: model-only figures.</param>
    /// <param name="runs">Live runs (any strategies); null or empty: predictions only.</param>
    /// <param name="probe">The stream growth probe; null: no measured XRANGE cost.</param>
    /// <param name="keyPrefix">The run's key prefix (it moves untagged keys, never tagged ones).</param>
    public static IReadOnlyList<LaunchFinding> Compute(LaunchSimResult? sim, IReadOnlyList<LaunchRunResult>? runs = null, StreamGrowthResult? probe = null, string keyPrefix = "") =>
    [
        UntrimmedStreamFinding(UntrimmedStream(sim, probe)),
        FanOutFinding(FanOut(sim, keyPrefix)),
        UntaggedFinding(UntaggedKeys(sim, keyPrefix)),
        ReplicaFinding(ReplicaReads(sim, runs)),
    ];

    // ---- 1. the untrimmed shared stream ----

    public static UntrimmedStreamFigures UntrimmedStream(LaunchSimResult? sim, StreamGrowthResult? probe)
    {
        var measured = probe?.Points.OrderBy(p => p.Entries).ToList() ?? [];
        StreamGrowthPoint? smallest = measured.FirstOrDefault(), largest = measured.Count > 1 ? measured[^1] : null;
        long? entries = null, longest = null;
        string? longestEvent = null;
        // The strategy that leaves the most entries (a refused join writes none).
        if (sim?.Strategies.MaxBy(s => s.AnonymousStreamEntries) is { } r)
        {
            entries = r.AnonymousStreamEntries;
            var perEvent = new long[sim.Launch.EventIds.Count];
            foreach (VisitOutcome v in r.Timeline.Visits)
                if (v.Joined && sim.Population.IsAnonymous(sim.Population.UserOf(v.Visit)) && v.Ended is not (VisitEnd.Leave or VisitEnd.Expire))
                    perEvent[sim.Population.EventOf(v.Visit)]++;
            int e = perEvent.Length == 0 ? -1 : Array.IndexOf(perEvent, perEvent.Max());
            longest = e < 0 ? 0 : perEvent[e];
            longestEvent = e < 0 || longest == 0 ? null : sim.Launch.EventIds[e];
        }
        double? atLaunch = null;
        var fit = measured.Where(p => p.ServerUsecPerCall is not null).ToList();
        if (longest is > 0 && fit.Count >= 2)
        {
            // Least squares usec = a + b·n: XRANGE - + walks and replies with every entry.
            double mx = fit.Average(p => (double)p.Entries), my = fit.Average(p => p.ServerUsecPerCall!.Value);
            double sxx = fit.Sum(p => (p.Entries - mx) * (p.Entries - mx)), sxy = fit.Sum(p => (p.Entries - mx) * (p.ServerUsecPerCall!.Value - my));
            if (sxx > 0) atLaunch = Math.Max(0, my + sxy / sxx * (longest.Value - mx));
        }
        return new UntrimmedStreamFigures(measured, smallest, largest, entries, longest, longestEvent, atLaunch, longest > fit.LastOrDefault()?.Entries);
    }

    private static LaunchFinding UntrimmedStreamFinding(UntrimmedStreamFigures f)
    {
        string number = f is { Smallest: { } s, Largest: { } l }
            ? Inv($"XRANGE - + {Ms(l.ClientP50Ms)} at {l.Entries:N0} entries, {Ms(s.ClientP50Ms)} at {s.Entries:N0} ({Times(f.ClientRatio)}); server {Usec(l.ServerUsecPerCall)} vs {Usec(s.ServerUsecPerCall)} per call ({Times(f.ServerRatio)})")
            : "n/a (no stream probe with two sizes)";
        string launch = f.LaunchEntries is not long total ? "No simulation given: the launch's stream length is n/a."
            : f.LargestStreamEntries is not > 0 ? Inv($"This launch leaves {total:N0} anonymous entries: its shared streams stay empty (no anonymous user stays), so its Leave/expiry reads are short.")
            : Inv($"This launch leaves {total:N0} anonymous entries in the shared streams, {f.LargestStreamEntries:N0} in the longest ({f.LargestStreamEvent}); ") +
              (f.ServerUsecAtLaunchSize is double u
                  ? Inv($"a Leave or expiry there costs about {Ms(u / 1000)} of server time per XRANGE (the probe's linear fit{(f.Extrapolated ? ", extrapolated past its largest size" : "")}), on the one thread of that event's shard.")
                  : "its cost there is n/a (no probe with two sizes).");
        return new("O(n) XRANGE - + on the untrimmed shared anonymous stream", number,
            "Leave and the expired-status cleanup read the whole stream (XRANGE - +) to find one entry, and anonymous joins all append to one stream per event that is never trimmed. " +
            Inv($"Per size, client p50 (p99) and server time per call: {string.Join("; ", f.Points.Select(p => Inv($"{p.Entries:N0} entries: {Ms(p.ClientP50Ms)} ({Ms(p.ClientP99Ms)}), {Usec(p.ServerUsecPerCall)} over {p.Calls} calls")).DefaultIfEmpty(NotAvailable))}. ") + launch);
    }

    // ---- 2. the fan-out of bucketed position reads ----

    public static IReadOnlyList<StatusFanOut> FanOut(LaunchSimResult? sim, string keyPrefix = "")
    {
        var bucketed = sim?.Strategies.Select(s => s.Schema).Where(s => s.Buckets > 1).ToList() ?? [];
        if (bucketed.Count == 0) bucketed = [WaitingRoomSchema.Bucketed(8)]; // the model alone, for the default split
        LaunchStrategyResult? eventResult = sim?.Strategies.FirstOrDefault(s => s.Schema.Name == WaitingRoomSchema.Event.Name);
        int eventModel = Traffic.Commands(Step.Status, WaitingRoomSchema.Event).Count;
        return bucketed.Select(schema => new StatusFanOut(schema.Name, schema.Buckets, Traffic.Commands(Step.Status, schema).Count, eventModel,
                SimulatedPerPoll(sim?.Strategies.FirstOrDefault(s => s.Schema.Name == schema.Name)), SimulatedPerPoll(eventResult),
                sim is null ? null : sim.Launch.EventIds.Average(e => ShardsOfBuckets(schema, sim.Topology, e, keyPrefix))))
            .ToList();
    }

    /// <summary>The simulator's commands in Status requests over its Status requests; null without that result or any poll.</summary>
    public static double? SimulatedPerPoll(LaunchStrategyResult? r)
    {
        if (r is null) return null;
        long polls = r.Timeline.Requests.Count(q => q.Step == Step.Status);
        if (polls == 0) return null;
        long commands = 0;
        for (int cell = 0; cell < r.Seconds * r.Topology.ShardCount; cell++) commands += r.ShardStepCounts[cell * LaunchStrategyResult.Steps + (int)Step.Status];
        return (double)commands / polls;
    }

    // A bucketed event's queue ZSETs: one slot per bucket; how many shards hold them.
    private static int ShardsOfBuckets(WaitingRoomSchema schema, Topology topology, string eventId, string keyPrefix)
    {
        var args = new KeyArgs(eventId, "", "", "");
        return Enumerable.Range(0, schema.Buckets).Select(b => topology.ShardOf(HashSlot.Of(schema.Key(KeyClass.EventQueue, args, keyPrefix, b)))).Distinct().Count();
    }

    private static LaunchFinding FanOutFinding(IReadOnlyList<StatusFanOut> rows)
    {
        string number = string.Join("; ", rows.Select(r => Inv($"{r.Strategy} sends {r.ModelPerPoll} commands per status poll, event {r.EventModelPerPoll} ({r.Ratio:0.#}×)")));
        string detail = "Each position is a ZRANK in the user's own bucket plus a ZCOUNT in every other bucket, twice per poll (position index and queue): " +
            "spreading an event over N slots multiplies the reads of every waiting user by about N. " +
            string.Join(" ", rows.Select(r => Inv($"{r.Strategy}: simulated {Per(r.SimulatedPerPoll)} commands per poll (event {Per(r.EventSimulatedPerPoll)}); one poll's position reads touch {(r.MeanShardsPerPoll is double m ? m.ToString("0.#", CultureInfo.InvariantCulture) : NotAvailable)} shards on average.")));
        return new("Fan-out of position reads under bucketed:N", number, detail);
    }

    // ---- 3. untagged per-event keys ----

    public static UntaggedKeyFigures UntaggedKeys(LaunchSimResult? sim, string keyPrefix = "")
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Event;
        var perEvent = PerEventClasses(schema);
        var untagged = perEvent.Where(c => !schema.Template(c).Tagged).ToList();
        LaunchStrategyResult? r = sim?.Strategies.FirstOrDefault(s => s.Schema.Name == schema.Name);
        if (sim is null || r is null) return new(untagged, null, null, new Dictionary<KeyClass, int>(), null, null);

        // The hottest event: the most joined visits.
        var joins = new int[sim.Launch.EventIds.Count];
        foreach (VisitOutcome v in r.Timeline.Visits) if (v.Joined) joins[sim.Population.EventOf(v.Visit)]++;
        long all = perEvent.Sum(c => r.KeyClassCommands[(int)c]);
        KeyClass tagged = perEvent.First(c => schema.Template(c).Tagged);
        // Per event: its own (tagged) shard, each untagged key's shard, and the share of the mix that lands elsewhere.
        var placed = sim.Launch.EventIds.Select(e =>
        {
            var args = new KeyArgs(e, "", "", "");
            int ShardOf(KeyClass c) => r.Topology.ShardOf(HashSlot.Of(schema.Key(c, args, keyPrefix)));
            int own = ShardOf(tagged);
            var shards = untagged.ToDictionary(c => c, ShardOf);
            long off = shards.Where(x => x.Value != own).Sum(x => r.KeyClassCommands[(int)x.Key]);
            return (Own: own, Shards: shards, Off: all == 0 ? (double?)null : (double)off / all, Touched: shards.Values.Append(own).Distinct().Count());
        }).ToList();
        int hot = Array.IndexOf(joins, joins.Max());
        long joined = joins.Sum(j => (long)j);
        var h = placed[hot];
        return new(untagged, sim.Launch.EventIds[hot], h.Own, h.Shards, h.Off, h.Touched)
        {
            EventsByShards = placed.GroupBy(p => p.Touched).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            AllEventsOffShardShare = all == 0 || joined == 0 ? null : placed.Select((p, e) => p.Off!.Value * joins[e]).Sum() / joined,
        };
    }

    /// <summary>Key classes whose slot depends on the event alone (with its bucket): the keys that heat an event's shard.</summary>
    public static IReadOnlyList<KeyClass> PerEventClasses(WaitingRoomSchema schema) =>
        Enum.GetValues<KeyClass>().Where(c => schema.Template(c).SlotDependsOn is var d && d.HasFlag(SlotInputs.Event) && (d & ~(SlotInputs.Event | SlotInputs.Bucket)) == 0).ToList();

    private static LaunchFinding UntaggedFinding(UntaggedKeyFigures f)
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Event;
        string keys = string.Join(" and ", f.Untagged.Select(c => schema.Template(c).Text));
        var elsewhere = f.ShardOfUntagged.Where(e => e.Value != f.OwnShard).Select(e => e.Value).Distinct().Order().ToList();
        string number = f.OffShardShare is double share
            ? Inv($"{share * 100:0.#} % of {f.HotEvent}'s per-event commands land off its shard {f.OwnShard}, on {(elsewhere.Count == 0 ? "no other shard" : "shard " + string.Join(" and ", elsewhere))} ({f.ShardsTouched} shards in all)") +
              Inv($"; all {f.EventsByShards.Values.Sum()} events: {Pct(f.AllEventsOffShardShare)} off their shard, {f.EventsByShards.GetValueOrDefault(3)} of them on 3 shards, {f.EventsByShards.GetValueOrDefault(2)} on 2")
            : Inv($"{f.Untagged.Count} untagged per-event keys; their share of a hot event's commands is n/a (no simulation of event)");
        string detail = Inv($"Under event, {keys} hold the event ID without a hash tag, so each hashes on its own and sits on a shard of its own choosing: ") +
            "a hot event heats its tagged keys' shard and up to two more. " +
            (f.HotEvent is null ? "" : Inv($"For {f.HotEvent} (the most joins): {string.Join(", ", f.ShardOfUntagged.Select(e => $"{schema.Template(e.Key).Text} on shard {e.Value}"))}; its tagged keys on shard {f.OwnShard}. ")) +
            (f.EventsByShards.Count == 0 ? "" : Inv($"Over all events: {string.Join(", ", f.EventsByShards.Select(e => $"{e.Value} on {e.Key} shard{(e.Key == 1 ? "" : "s")}"))}; {Pct(f.AllEventsOffShardShare)} of their per-event commands (by joins) land off their own shard. ")) +
            "The share uses the launch's mix of per-event commands (the simulation's commands per key class). event-all tags both keys and keeps an event on one shard.";
        return new("Untagged per-event keys heat a second and third shard", number, detail);
    }

    // ---- 4. reads on replicas ----

    public static IReadOnlyList<ReplicaReadShare> ReplicaReads(LaunchSimResult? sim, IReadOnlyList<LaunchRunResult>? runs)
    {
        var names = (sim?.Strategies.Select(s => s.Schema.Name) ?? []).Concat(runs?.Select(r => r.Strategy) ?? []).Distinct().ToList();
        return names.Select(n => new ReplicaReadShare(n,
                sim?.Strategies.FirstOrDefault(s => s.Schema.Name == n) is { } p ? PredictedReplicaShare(p) : null,
                runs?.FirstOrDefault(r => r.Strategy == n) is { } run ? MeasuredReplicaShare(run) : null))
            .ToList();
    }

    /// <summary>Commands the simulation sends to replicas (role 1) over all; null with none.</summary>
    public static double? PredictedReplicaShare(LaunchStrategyResult r)
    {
        long replica = 0, all = 0;
        for (int i = 0; i < r.ShardCommandCounts.Length; i++)
        {
            all += r.ShardCommandCounts[i];
            if (i % 2 == 1) replica += r.ShardCommandCounts[i];
        }
        return all == 0 ? null : (double)replica / all;
    }

    /// <summary>
    /// Replicas' calls of the model's read commands over those plus the primaries' calls of every command the model
    /// sends: a replica's other calls are replicated writes, not traffic the client sent. Null with no counted call.
    /// </summary>
    public static double? MeasuredReplicaShare(LaunchRunResult run)
    {
        var roles = run.Nodes.ToDictionary(n => n.Endpoint, n => n.Role, StringComparer.Ordinal);
        long replicaReads = 0, primary = 0;
        foreach (NodeCommandCount c in run.MeasuredCommands)
        {
            string command = c.Command.ToLowerInvariant();
            if (!roles.TryGetValue(c.Endpoint, out string? role)) continue;
            if (role == "replica") { if (ModelCommands.Reads.Contains(command)) replicaReads += c.Calls; }
            else if (ModelCommands.All.Contains(command)) primary += c.Calls;
        }
        return replicaReads + primary == 0 ? null : (double)replicaReads / (replicaReads + primary);
    }

    private static LaunchFinding ReplicaFinding(IReadOnlyList<ReplicaReadShare> rows)
    {
        string number = rows.Count == 0 ? "n/a (no simulation and no live run)"
            : string.Join("; ", rows.Select(r => $"{r.Strategy}: {Pct(r.Predicted)} of commands on replicas predicted, {Pct(r.Measured)} measured"));
        return new("Read traffic moved to replicas", number,
            "With replicaReads the client sends every read (GET, EXISTS, ZRANK, ZCOUNT, XRANGE) to a replica, so the primaries serve writes and scripts only. " +
            "Measured: the replicas' calls of those reads over those plus the primaries' calls of every command the gateway sends (INFO commandstats; " +
            "replicated writes on replicas are left out, commands nested in scripts on primaries are counted as the server counts them). n/a: no such input.");
    }

    /// <summary>The model's command names (lower case, as INFO commandstats spells them): all of them, and the reads.</summary>
    private static class ModelCommands
    {
        private static readonly RedisCommand[] Every = [.. Enum.GetValues<Step>().SelectMany(s =>
            new[] { EnterPath.Front, EnterPath.Bucketed, EnterPath.Throttled, EnterPath.NotReady }.SelectMany(p => Traffic.Commands(s, WaitingRoomSchema.Event, p)))];
        public static readonly HashSet<string> All = Every.Select(c => c.Name.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        public static readonly HashSet<string> Reads = Every.Where(c => c.Read).Select(c => c.Name.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Times(double? ratio) => ratio is double x ? Inv($"{x:0.#}×") : NotAvailable;
    private static string Usec(double? usec) => usec is not double u ? NotAvailable : u >= 1000 ? Ms(u / 1000) : Inv($"{u:0.#} µs");
    // Three significant digits or so: 0.0912 ms, 4.12 ms, 41.2 ms, 412 ms.
    private static string Ms(double ms) => Inv($"{ms.ToString(ms >= 100 ? "0" : ms >= 10 ? "0.#" : ms >= 1 ? "0.##" : "0.###", CultureInfo.InvariantCulture)} ms");
    private static string Per(double? x) => x is double v ? Inv($"{v:0.##}") : NotAvailable;
    private static string Pct(double? x) => x is double v ? Inv($"{v * 100:0.#} %") : NotAvailable;
}
