using HashtagBench.Charts;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using System.Collections.Concurrent;
using System.Globalization;

namespace HashtagBench.Load.Scenarios;

/// <summary>A scenario's runs and findings: <paramref name="Report"/> is what src/Reporting renders into the scenario's sections of its report.</summary>
public sealed record ScenarioOutcome(IReadOnlyList<RunSummary> Runs, ScenarioFindings Findings, ScenarioReportFindings Report);

/// <summary>The join scenarios against the real cluster. Each is bounded by --duration and the engine's limits.</summary>
internal static class Catalog
{
    /// <summary>Runs the scenario its options are for: each scenario reads the shared load from the context and its own record.</summary>
    public static Task<ScenarioOutcome> RunAsync(LoadContext ctx, ScenarioOptions scenario, CancellationToken ct) => scenario switch
    {
        MultiEventOptions => MultiEventAsync(ctx, ct),
        StrategiesOptions s => StrategiesAsync(ctx, s, ct),
        DuplicatesOptions d => DuplicatesAsync(ctx, d, ct),
        HotEventOptions h => HotEventAsync(ctx, h, ct),
        CapacityOptions c => CapacityScenario.RunAsync(ctx, c, ct),
        FailoverOptions f => FailoverScenario.RunAsync(ctx, f, ct),
        _ => throw new ArgumentException($"No scenario runs {scenario.GetType().Name}."),
    };

    /// <summary>Concurrent joins over E events with Zipf popularity, EventTag keys.</summary>
    public static async Task<ScenarioOutcome> MultiEventAsync(LoadContext ctx, CancellationToken ct)
    {
        JoinWorkload w = ctx.Workload();
        EnqueueClient client = ctx.Client(KeyStrategy.EventTag);
        RunSummary r = await ctx.RunAsync(JoinDriver.Build(ScenarioNames.MultiEvent, client,
            rng => (w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey()), null, ctx.Options), ct);
        return new([r], new ScenarioFindings(), new MultiEventFindings(ctx.Options.Events, ctx.Options.Popularity, ctx.Options.Users));
    }

    /// <summary>
    /// The same workload under each strategy on one cluster, with measured per-shard script calls next to
    /// ClusterSim's prediction for the very joins that were sent. Legacy must fail 100%, all CROSSSLOT.
    /// </summary>
    public static async Task<ScenarioOutcome> StrategiesAsync(LoadContext ctx, StrategiesOptions options, CancellationToken ct)
    {
        var runs = new List<RunSummary>();
        var f = new ScenarioFindings();
        IReadOnlyList<SlotOwner> owners = LiveSlotMap.Read(ctx.Mux);
        Topology topology = Topology.FromSlotOwners(owners);
        var measuredSeries = new List<Series>();
        var shards = new List<ShardComparison>();
        var incidents = new List<IncidentFinding>();
        foreach (KeyStrategy strategy in options.Strategies)
        {
            JoinWorkload w = ctx.Workload();
            var log = new ConcurrentQueue<JoinRecord>();
            IReadOnlyList<ShardCounters> before = await ShardStats.ReadAsync(ctx.Mux);
            RunSummary r = await ctx.RunAsync(JoinDriver.Build(strategy.Name, ctx.Client(strategy),
                rng => (w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey()), log, ctx.Options), ct,
                strategy.CoLocated ? null : []); // legacy fails by design: no thresholds
            IReadOnlyList<ShardCounters> delta = ShardStats.Delta(before, await ShardStats.ReadAsync(ctx.Mux));
            runs.Add(r);

            // Warm-up joins are in the counters too, so predict over every join that was sent.
            double[] predicted = ShardPrediction.PredictShares(strategy, log.Select(j => (j.Event, j.User)).ToList(), topology);
            double total = delta.Sum(d => (double)(d.ScriptCalls + d.Rejected));
            for (int i = 0; i < delta.Count; i++)
            {
                long calls = delta[i].ScriptCalls + delta[i].Rejected;
                // Rejected CROSSSLOT calls land on whichever node the client picked, not the keys' shard: no prediction applies.
                double? p = strategy.CoLocated ? (i < predicted.Length ? predicted[i] : 0) : null;
                shards.Add(new ShardComparison(strategy.Name, i, delta[i].Endpoint, p, total > 0 ? calls / total : null, delta[i].ScriptCalls, delta[i].Rejected));
            }
            // Legacy's calls are all rejected, on whichever node the client sent them to: labelled so, not mistaken for load.
            measuredSeries.Add(new Series(strategy.CoLocated ? strategy.Name : $"{strategy.Name} (rejected)", delta.Select(d => (double)(d.ScriptCalls + d.Rejected)).ToList()));

            if (!strategy.CoLocated)
            {
                var incident = new IncidentFinding(CheckIncident(strategy, log), r.FailPercent, r.Total, r.ErrorsByKind);
                incidents.Add(incident);
                f.ChecksPassed &= incident.Check.Reproduced;
            }
        }
        f.Data = new LoadFindings { PerShard = shards, Incidents = incidents.Select(i => i.Check).ToList() };
        string chart = ChartWriter.GroupedBars(Path.Combine(ctx.Options.OutputDir, "per-shard-ops"), "Script calls per shard (INFO commandstats, warm-up included)", "calls",
            Enumerable.Range(0, owners.Count).Select(i => $"shard {i}").ToList(), measuredSeries);
        return new(runs, f, new StrategiesFindings(incidents, shards, Path.GetFileName(chart)));
    }

    /// <summary>
    /// Legacy must reproduce the incident: every join whose two keys span slots fails with the server's CROSSSLOT.
    /// The rare join whose keys share a slot by chance (1 in 16,384) succeeds, exactly as it did in production.
    /// </summary>
    private static Incident CheckIncident(KeyStrategy strategy, IEnumerable<JoinRecord> log)
    {
        int spanning = 0, spanningCrossSlot = 0, shared = 0, sharedOk = 0;
        foreach (JoinRecord j in log)
        {
            JoinKeys k = strategy.Keys(j.Event, j.User, j.IdempotencyKey);
            if (SlotGuard.CoLocated([k.DedupeKey, k.StreamKey], out _))
            {
                shared++;
                if (j.Result is not JoinResult.Failed) sharedOk++;
            }
            else
            {
                spanning++;
                if (j.Result is JoinResult.Failed { Kind: FailureKind.CrossSlotServer }) spanningCrossSlot++;
            }
        }
        bool incident = spanning > 0 && spanningCrossSlot == spanning && sharedOk == shared;
        return new Incident(strategy.Name, spanning, spanningCrossSlot, shared, sharedOk, incident);
    }

    /// <summary>
    /// A share of attempts are retries reusing an earlier idempotency key. Afterwards the streams are audited:
    /// exactly one entry per acknowledged idempotency key, none lost and none doubled.
    /// </summary>
    public static async Task<ScenarioOutcome> DuplicatesAsync(LoadContext ctx, DuplicatesOptions options, CancellationToken ct)
    {
        JoinWorkload w = ctx.Workload();
        // The (up to 1,024) most recent first attempts. A class, not a tuple: a reader on another thread must never
        // see half of one attempt and half of another (a retry with a foreign key would look like a doubled join).
        var recent = new JoinRequest?[1024];
        long firsts = 0, retries = 0;
        var log = new ConcurrentQueue<JoinRecord>();
        double share = options.Share;
        (string, string, string) Next(Random rng)
        {
            long seen = Interlocked.Read(ref firsts);
            if (seen > 0 && rng.NextDouble() < share
                && Volatile.Read(ref recent[rng.Next((int)Math.Min(seen, recent.Length))]) is { } retry)
            {
                // A gateway's client retry: same event, user and idempotency key as an earlier attempt.
                Interlocked.Increment(ref retries);
                return (retry.Event, retry.User, retry.IdempotencyKey);
            }
            var fresh = new JoinRequest(w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey());
            Volatile.Write(ref recent[(Interlocked.Increment(ref firsts) - 1) % recent.Length], fresh);
            return (fresh.Event, fresh.User, fresh.IdempotencyKey);
        }
        RunSummary r = await ctx.RunAsync(JoinDriver.Build(ScenarioNames.Duplicates, ctx.Client(KeyStrategy.EventTag), Next, log, ctx.Options), ct);
        StreamAuditResult audit = await StreamAudit.RunAsync(ctx.Mux, KeyStrategy.EventTag, log.ToList());
        double? retried = firsts + retries == 0 ? null : (double)retries / (firsts + retries);
        var duplicates = new DuplicatesFinding(retried, share, audit);
        return new([r], new ScenarioFindings { ChecksPassed = audit.Passed, Data = new LoadFindings { Duplicates = duplicates } }, new DuplicatesFindings(duplicates));
    }

    /// <summary>One event takes --hot-share of the traffic: its shard's CPU and the latency, with and without buckets.</summary>
    public static async Task<ScenarioOutcome> HotEventAsync(LoadContext ctx, HotEventOptions options, CancellationToken ct)
    {
        var runs = new List<RunSummary>();
        var f = new ScenarioFindings();
        var util = new List<Series>();
        var rows = new List<HotShardRow>();
        int shards = 0;
        foreach (KeyStrategy s in new[] { KeyStrategy.EventTag, KeyStrategy.Bucketed(options.Buckets) })
        {
            JoinWorkload w = ctx.Workload($"hot:{options.HotShare.ToString(CultureInfo.InvariantCulture)}");
            IReadOnlyList<ShardCounters> before = await ShardStats.ReadAsync(ctx.Mux);
            RunSummary r = await ctx.RunAsync(JoinDriver.Build($"hot-{s.Name}", ctx.Client(s),
                rng => (w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey()), null, ctx.Options), ct);
            IReadOnlyList<ShardCounters> d = ShardStats.Delta(before, await ShardStats.ReadAsync(ctx.Mux));
            double seconds = r.Seconds + ctx.Options.WarmUp.TotalSeconds;
            var u = d.Select(x => x.CpuSeconds / seconds).ToList();
            for (int i = 0; i < d.Count; i++)
                rows.Add(new HotShardRow(new ShardUtilisation(s.Name, i, u[i], d[i].ScriptCalls), RunOutput.ToLatency(r.Ok)?.P99));
            util.Add(new Series(s.Name, u));
            shards = d.Count;
            runs.Add(r);
        }
        f.Data = new LoadFindings { HotEvent = rows.Select(x => x.Shard).ToList() };
        string chart = ChartWriter.GroupedBars(Path.Combine(ctx.Options.OutputDir, "hot-shard-utilisation"), "Per-shard CPU utilisation with one hot event",
            "CPU s/s", Enumerable.Range(0, shards).Select(i => $"shard {i}").ToList(), util);
        return new(runs, f, new HotEventFindings(options.HotShare, ctx.Options.Rate, rows, Path.GetFileName(chart)));
    }
}
