using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using HashtagBench.Statistics;
using System.Collections.Concurrent;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Steady multi-event joins while a fault hits the primary that serves the most popular event. Measures the error
/// window, failures by kind, p99 inside the window and the time until the rate is back; then reads every
/// acknowledged join back from its stream. Replication is asynchronous, so acknowledged joins can be lost: that
/// count is the finding. --wait-replicas 1 (or --compare-wait) shows what WAIT buys and costs.
/// </summary>
public static class FailoverScenario
{
    /// <summary>
    /// Retries when --retry is not given: two, as the reference browser client retries on 5xx. One attempt is capped by
    /// the client's 5 s timeout, so without retries no join can show an outage longer than that (a pause looks short).
    /// </summary>
    public const int DefaultRetry = 2;

    public static async Task<ScenarioOutcome> RunAsync(LoadContext ctx, FailoverOptions fo, CancellationToken ct)
    {
        LoadOptions o = ctx.Options;
        // --fault-command brings its own fault, so any cluster will do; the built-in faults need nodes this harness started.
        if (ctx.Cluster.LocalNodes.Count == 0 && fo.FaultCommand is null)
            throw new ArgumentException($"The failover scenario kills and restarts nodes, so it needs a cluster this harness started; the {ctx.Cluster.ProviderName} cluster has no local processes. Give --fault-command to trigger the failover yourself.");
        FaultAction? action = fo.FaultCommand is null ? fo.Fault : null;
        // Compare: no WAIT; WAIT 1 as the client sends it (skipped while the primary has no replica online);
        // WAIT 1 sent regardless, which is what a naive gateway does; and WAIT 1 required: a join no replica
        // acknowledged is answered NotReplicated (a 503) instead of Enqueued.
        WaitVariant[] variants = fo.CompareWait
            ? [new(0, true, 0), new(1, true, 0), new(1, false, 0), new(1, true, 1)]
            : [new(Math.Max(fo.WaitReplicas, fo.RequireReplicas), !fo.WaitAlways, fo.RequireReplicas)];
        var runs = new List<RunSummary>();
        var f = new ScenarioFindings();
        var rows = new List<FailoverRow>();
        foreach (WaitVariant v in variants)
        {
            var (run, row) = await OneAsync(ctx, fo, action, v, ct);
            runs.Add(run);
            rows.Add(row);
            f.ChecksPassed &= row.Classified && row.Healed && (fo.MaxLost is not int max || row.Audit.Lost <= max)
                && (row.FaultCommandLog is null || row.FaultCommandExitCode == 0);
        }
        f.Data = new LoadFindings { Failover = rows };
        var report = new FailoverFindings(FaultName(action), action == FaultAction.LaggedKill, fo.FaultAtIn(o.Duration), o.Duration, fo.WaitTimeout, fo.MaxLost, rows);
        return new(runs, f, report);
    }

    /// <summary>
    /// Back to rate, in seconds after the fault: the end of the first whole second (counted from the fault) from which,
    /// in every later whole second inside the injection period, at least 90% of the joins first sent in it were served
    /// (Enqueued or Duplicate) within the in-time bound: 1 s, or twice the p99 of the joins sent in the measured run before
    /// the fault if that is longer (a starved load generator is not a slow recovery), but never more than 2.5 s, half the
    /// client's timeout, so joins that hang until they time out are never in time. By send time, not by answer time: answers that come
    /// late (a backlog released after a pause, or the last second's answers arriving after the injection ended) are
    /// judged against the second their join was sent in. Null when it never held, or no whole second was left to judge.
    /// </summary>
    public static double? BackToRate(IReadOnlyList<JoinRecord> records, double measuredStart, double faultAt, double injectionEnd)
    {
        var joins = records.GroupBy(r => r.IdempotencyKey)
            .Select(g => (Sent: g.Min(r => r.SentAtSeconds), Final: g.MaxBy(r => r.AtSeconds)!))
            .Select(j => (j.Sent, Ok: j.Final.Result is JoinResult.Enqueued or JoinResult.Duplicate, Seconds: j.Final.AtSeconds - j.Sent))
            .ToList();
        // Warm-up joins are left out of the baseline: a cold start is slow for reasons that are gone by the fault.
        double[] before = joins.Where(j => j.Sent >= measuredStart && j.Sent < faultAt).Select(j => j.Seconds).Order().ToArray();
        double baseline = before.Length == 0 ? 0 : 2 * Quantiles.NearestRank(before, 0.99);
        double inTime = Math.Clamp(baseline, 1, 2.5);
        int seconds = (int)Math.Floor(injectionEnd - faultAt);
        if (seconds <= 0) return null;
        var offered = new int[seconds];
        var served = new int[seconds];
        foreach (var j in joins)
        {
            double since = j.Sent - faultAt;
            if (since < 0 || since >= seconds) continue;
            offered[(int)since]++;
            if (j.Ok && j.Seconds <= inTime) served[(int)since]++;
        }
        for (int i = 0; i < seconds; i++)
            if (Enumerable.Range(i, seconds - i).All(k => offered[k] > 0 && served[k] >= 0.9 * offered[k])) return i + 1;
        return null;
    }

    /// <summary>
    /// Joins allowed in flight: every join sent over 20 s at the full rate (at least the engine's usual 5,000). During
    /// an outage joins wait out a 5 s timeout, or a whole pause and the retries' backoff; a lower cap would refuse
    /// the rest as client.overload, failures of the harness rather than of the cluster.
    /// </summary>
    private static int OutageInFlight(LoadOptions o) => (int)Math.Clamp(o.Rate * 20, 5_000, 200_000);

    /// <summary>
    /// After a fault command: waits until the harness itself has seen the slot on a new primary, and that primary
    /// says cluster_state:ok. The command's word is not taken for it.
    /// </summary>
    private static async Task WaitForCommandPromotionAsync(StackExchange.Redis.IConnectionMultiplexer mux, PromotionWatch watch, int slot, CancellationToken ct)
    {
        SlotOwnerChange change = await watch.FirstChangeAsync(CommandPromotionTimeout, ct).ConfigureAwait(false)
            ?? throw new TimeoutException($"--fault-command finished but the harness saw no promotion of slot {slot} within {CommandPromotionTimeout.TotalSeconds:0} s.");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!await PromotionWatch.ClusterOkAsync(mux, change.To).ConfigureAwait(false))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"{change.To} took slot {slot} but its cluster_state was not ok within 60 s.");
            await Task.Delay(PromotionPoll, ct).ConfigureAwait(false);
        }
    }

    private static string FaultName(FaultAction? action) => action?.ToString() ?? "--fault-command";

    /// <summary>How long the harness waits for a fault command's promotion, and how long the command may run.</summary>
    private static readonly TimeSpan CommandPromotionTimeout = TimeSpan.FromMinutes(3), CommandTimeLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PromotionPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>One way of using WAIT: how many replicas, and whether a WAIT that cannot be met is skipped.</summary>
    private sealed record WaitVariant(int Replicas, bool SkipWithoutReplicas, int Require)
    {
        public string Label => Require > 0 ? $"require {Require}{(SkipWithoutReplicas ? "" : ", always")}"
            : Replicas == 0 ? "none" : $"{Replicas}{(SkipWithoutReplicas ? "" : ", always")}";
        public string RunName => Require > 0 ? $"failover-require{Require}{(SkipWithoutReplicas ? "" : "-always")}"
            : Replicas == 0 ? "failover-wait0" : $"failover-wait{Replicas}{(SkipWithoutReplicas ? "" : "-always")}";
    }

    /// <summary>One variant: the fault on a task of its own beside the load, then the streams audited and the row measured.</summary>
    private static async Task<(RunSummary, FailoverRow)> OneAsync(LoadContext ctx, FailoverOptions fo, FaultAction? action, WaitVariant v, CancellationToken ct)
    {
        LoadOptions o = ctx.Options;
        // Each variant has its own events (so its own streams and dedupe keys): runs never audit each other's entries.
        JoinWorkload w = new(o.Events, ClusterSim.Popularity.Parse(o.Popularity), o.Users, $"{ctx.RunPrefix}-{v.RunName["failover-".Length..]}");
        EnqueueClient client = ctx.Client(KeyStrategy.EventTag,
            new EnqueueOptions { WaitReplicas = v.Replicas, WaitTimeout = fo.WaitTimeout, SkipWaitWithoutReplicas = v.SkipWithoutReplicas, RequireReplicas = v.Require });
        // The watch has connections of its own: on the load's multiplexed connections its CLUSTER NODES and ROLE would
        // queue behind thousands of joins (or WAITs), and see the promotion late or not at all.
        var watchOptions = ctx.Cluster.CreateOptions();
        watchOptions.ClientName = "hashtag-bench-watch";
        await using StackExchange.Redis.ConnectionMultiplexer watchMux = await ctx.Cluster.ConnectAsync(watchOptions);
        var log = new ConcurrentQueue<JoinRecord>();
        long moves = 0;
        void OnMoved(object? _, StackExchange.Redis.HashSlotMovedEventArgs e) => Interlocked.Increment(ref moves);
        ctx.Mux.HashSlotMoved += OnMoved;

        var fault = new FaultRun(ctx, fo, action, v, w, watchMux, JoinDriver.Clock.Elapsed.TotalSeconds + o.WarmUp.TotalSeconds);
        using var faultCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task injected = Task.Run(() => fault.InjectAsync(faultCts.Token), CancellationToken.None);
        RunSummary run;
        try
        {
            run = await ctx.RunAsync(JoinDriver.Build(v.RunName, client,
                rng => (w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey()), log, o, RetryPolicy.Of(fo.Retry ?? DefaultRetry, fo.RetryBackoff))
                    .WithLimits(OutageInFlight(o), JoinDriver.MaxInvocations(o)), ct, []);
        }
        finally
        {
            ctx.Mux.HashSlotMoved -= OnMoved;
            await fault.EndAsync(injected);
        }

        var records = log.ToList();
        StreamAuditResult audit = await StreamAudit.RunAsync(ctx.Mux, KeyStrategy.EventTag, records, readDedupeKeys: true);
        return (run, Row(fo, action, v, o, run, records, audit, fault, client, Interlocked.Read(ref moves)));
    }

    /// <summary>
    /// The variant's row: failures by when they came back and when they were sent, the outage by send time, back to
    /// rate, the lag in joins (lagged-kill), what retries achieved, and the promotion the harness saw.
    /// </summary>
    private static FailoverRow Row(FailoverOptions fo, FaultAction? action, WaitVariant v, LoadOptions o, RunSummary run, IReadOnlyList<JoinRecord> records,
        StreamAuditResult audit, FaultRun fault, EnqueueClient client, long moves)
    {
        double start = fault.Start, faultAt = fault.FaultAt, healSeconds = fault.HealSeconds;
        bool healed = fault.Healed;
        var failed = records.Where(r => r.Result is JoinResult.Failed).ToList();
        // By when each failure came back, in seconds of the measured run.
        double firstFail = failed.Count == 0 ? 0 : failed.Min(r => r.AtSeconds) - start;
        double lastFail = failed.Count == 0 ? 0 : failed.Max(r => r.AtSeconds) - start;
        double? window = failed.Count == 0 ? null : lastFail - firstFail;
        // When the failing joins were sent, as opposed to when they failed: a join queued on the dead node's
        // connection fails only when the client gives that connection up, which can be after the slot has healed.
        double? lastFailingSent = failed.Count == 0 ? null : failed.Max(r => r.SentAtSeconds) - start - faultAt;
        // The outage by send time: from the fault until the slot healed (or the injection ended).
        double outageEnd = healed && !double.IsNaN(healSeconds) ? faultAt + healSeconds : o.Duration.TotalSeconds;
        OutageLatency outage = OutageLatency.Of(records, start + faultAt, start + outageEnd);
        double? recovery = BackToRate(records, start, start + faultAt, start + o.Duration.TotalSeconds);
        bool classified = !run.ErrorsByKind.Keys.Any(k => k is nameof(FailureKind.Other) or "unknown" || k.StartsWith("exception.", StringComparison.Ordinal));

        // lagged-kill: the offsets' lag in joins, from the bytes one join added to the replication stream while the link was cut.
        ReplicationLag? lag = fault.Lag;
        int? ackedInWindow = lag is null ? null : records.Count(r => r.Result is JoinResult.Enqueued && fault.HotShardEvents.Contains(r.Event)
            && r.AtSeconds >= lag.CutAt && r.AtSeconds <= lag.KillAt);
        double? predicted = lag is null ? null
            : lag.PrimaryOffsetAtKill - lag.PrimaryOffsetAtCut is long grown and > 0 && ackedInWindow > 0
                ? Math.Round(lag.LagBytes / ((double)grown / ackedInWindow.Value), 1) : 0;
        IReadOnlyList<SlotOwnerChange> changes = fault.Watch?.Changes ?? [];
        SlotOwnerChange? promotion = changes.Count > 0 ? changes[0] : null;
        var retried = RetryOutcomes.Of(records, promotion?.AtSeconds);
        var row = new FailoverRow(v.Label, v.Replicas, v.SkipWithoutReplicas, action?.ToString() ?? "command", Math.Round(faultAt, 2),
            window is double wnd ? Math.Round(wnd, 2) : null, lastFailingSent is double ls ? Math.Round(ls, 2) : null,
            run.FailCount, run.ErrorsByKind, outage.P99Ms is double q ? Math.Round(q, 2) : null,
            recovery is double rec ? Math.Round(rec, 1) : null, double.IsNaN(healSeconds) ? null : Math.Round(healSeconds, 2), healed,
            client.NoScriptRecoveries, client.WaitShortfalls, client.WaitsSkipped, moves, classified, audit)
        {
            RequireReplicas = v.Require, RetryCount = fo.Retry ?? DefaultRetry, RetriesSent = records.Count(r => r.Attempt > 0),
            LagBytes = lag?.LagBytes, PredictedLostJoins = predicted, AcknowledgedInLagWindow = ackedInWindow, MaxLost = fo.MaxLost,
            OutageJoins = outage.Joins, OutageSeconds = Math.Round(outageEnd - faultAt, 2),
            RecoveredByRetry = retried.Recovered, RetriesEnqueuedAfterPromotion = retried.EnqueuedAfter,
            FormerPrimary = fault.FormerPrimary, PromotedTo = promotion?.To, SlotOwnerChanges = changes.Count,
            PromotionSeenAfterFaultSeconds = promotion is null ? null : Math.Round(promotion.AtSeconds - start - faultAt, 2),
            FaultCommandExitCode = fault.CommandResult?.ExitCode, FaultCommandLog = fault.CommandLog, FaultError = fault.Error,
        };
        return row;
    }

    /// <summary>
    /// One variant's fault, injected on its own task while the load runs and read by <see cref="Row"/> afterwards: when
    /// it hit (seconds of the measured run, from <paramref name="start"/>), when the slot healed, the hot shard's events,
    /// the promotion watch, and the fault command's outcome.
    /// </summary>
    private sealed class FaultRun(LoadContext ctx, FailoverOptions fo, FaultAction? action, WaitVariant v, JoinWorkload w,
        StackExchange.Redis.ConnectionMultiplexer watchMux, double start)
    {
        private readonly ClusterFaults _faults = new(ctx.Cluster) { Clock = () => JoinDriver.Clock.Elapsed.TotalSeconds };
        private readonly int _slot = HashSlot.Of(w.Events[0]);

        /// <summary>The measured run's start on <see cref="JoinDriver.Clock"/>, in seconds.</summary>
        public double Start => start;
        public double FaultAt { get; private set; }
        /// <summary>From the fault until the slot was served again; NaN while (or when) the fault task did not get there.</summary>
        public double HealSeconds { get; private set; } = double.NaN;
        public bool Healed { get; private set; }
        public HashSet<string> HotShardEvents { get; private set; } = [];
        public PromotionWatch? Watch { get; private set; }
        public string? FormerPrimary { get; private set; }
        public string? CommandLog { get; private set; }
        public FaultCommandResult? CommandResult { get; private set; }
        /// <summary>Why the fault did not complete; null when it did.</summary>
        public string? Error { get; private set; }
        /// <summary>lagged-kill: the replication lag at the kill; null for other faults.</summary>
        public ReplicationLag? Lag => _faults.LastLag;

        public async Task InjectAsync(CancellationToken ct)
        {
            await Task.Delay(ctx.Options.WarmUp + fo.FaultAtIn(ctx.Options.Duration), ct);
            // A fault command needs the hot slot's primary and a healthy replica, both with addresses: a young cluster's
            // gossip may not list them yet, so the view is read until it does (10 s); the command is never given less.
            ClusterNodesSnapshot before = await PromotionWatch.ReadCompleteNodesAsync(watchMux, TimeSpan.FromSeconds(10), ct,
                    enough: action is null ? view => FaultCommand.Missing(view, _slot) is null : null)
                ?? throw new InvalidOperationException("No node answered CLUSTER NODES before the fault.");
            FormerPrimary = before.PrimaryOf(_slot)?.Endpoint ?? throw new InvalidOperationException($"No healthy primary serves slot {_slot} before the fault.");
            HotShardEvents = w.Events.Where(e => before.PrimaryOf(HashSlot.Of(e))?.Endpoint == FormerPrimary).ToHashSet();
            // The harness sees the promotion itself, whatever caused it: the same watch for built-in faults and commands.
            Watch = PromotionWatch.Start(watchMux, _slot, FormerPrimary, () => JoinDriver.Clock.Elapsed.TotalSeconds, PromotionPoll);
            FaultAt = JoinDriver.Clock.Elapsed.TotalSeconds - Start;
            if (action is not FaultAction builtIn)
            {
                IReadOnlyDictionary<string, string> env = FaultCommand.Environment(ctx.Cluster, before, _slot); // throws, naming what is missing
                CommandLog = Path.Combine(ctx.Options.OutputDir, $"fault-command-{v.RunName}.log");
                CommandResult = await FaultCommand.RunAsync(fo.FaultCommand!, env, CommandLog,
                    Console.Error.WriteLine, ctx.Cluster.Auth?.Password, CommandTimeLimit, ct);
                if (!CommandResult.Succeeded) return; // nothing to wait for: the run fails on the command's exit
                await WaitForCommandPromotionAsync(watchMux, Watch, _slot, ct);
                HealSeconds = JoinDriver.Clock.Elapsed.TotalSeconds - Start - FaultAt;
                Healed = true;
                return;
            }
            // pause: the primary is frozen 8 s (past the 3 s node timeout). lagged-kill: the replica is cut off 2 s.
            TimeSpan hold = builtIn == FaultAction.LaggedKill ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
            LocalNode hit = await _faults.ApplyAsync(builtIn, _slot, hold, ct);
            TimeSpan t = await _faults.WaitForHealedAsync(_slot, builtIn == FaultAction.ManualFailover ? null : hit, TimeSpan.FromSeconds(60), ct);
            HealSeconds = JoinDriver.Clock.Elapsed.TotalSeconds - Start - FaultAt;
            Healed = t >= TimeSpan.Zero;
        }

        /// <summary>
        /// Waits for the fault task, then, whatever it did or threw, resumes paused nodes and brings killed ones back so
        /// the cluster is whole for whatever runs next; says on stderr what did not complete.
        /// </summary>
        public async Task EndAsync(Task injected)
        {
            try { await injected; }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException) { Healed = false; Error = ex.Message; }
            finally
            {
                if (Watch is not null) await Watch.DisposeAsync();
                await _faults.RestoreAsync();
            }
            if (Error is not null) Console.Error.WriteLine($"failover ({v.Label}): the fault did not complete: {Error}");
            if (CommandResult is { Succeeded: false } cr)
                Console.Error.WriteLine($"failover ({v.Label}): --fault-command {(cr.ExitCode is int code ? $"exited with code {code}" : $"was killed after {CommandTimeLimit.TotalMinutes:0} min")}; its output is in {cr.LogPath}.");
        }
    }
}

/// <summary>
/// The outage's latency by send time, per join: every idempotency key whose first attempt was sent in the window, from
/// that send to its last attempt's answer (retries and backoff included), so a join is measured until its outcome is final.
/// </summary>
internal sealed record OutageLatency(int Joins, double? P99Ms)
{
    public static OutageLatency Of(IEnumerable<JoinRecord> records, double from, double to)
    {
        double[] ms = records.GroupBy(r => r.IdempotencyKey)
            .Select(g => (First: g.Min(r => r.SentAtSeconds), Last: g.Max(r => r.AtSeconds)))
            .Where(j => j.First >= from && j.First <= to)
            .Select(j => (j.Last - j.First) * 1000).Order().ToArray();
        return new(ms.Length, ms.Length == 0 ? null : Quantiles.NearestRank(ms, 0.99));
    }
}

/// <summary>What retries achieved: keys whose first attempt failed and a retry was acknowledged, and how many of those retries
/// were answered Enqueued after the promotion (taken by the promoted primary).</summary>
internal sealed record RetryOutcomes(int Recovered, int EnqueuedAfter)
{
    public static RetryOutcomes Of(IEnumerable<JoinRecord> records, double? promotionSeenAt)
    {
        int recovered = 0, after = 0;
        foreach (var g in records.GroupBy(r => r.IdempotencyKey))
        {
            var attempts = g.OrderBy(r => r.Attempt).ToList();
            if (attempts.Count < 2 || attempts[0].Result is not JoinResult.Failed) continue;
            JoinRecord? ack = attempts.Skip(1).FirstOrDefault(r => r.Result is JoinResult.Enqueued or JoinResult.Duplicate);
            if (ack is null) continue;
            recovered++;
            if (ack.Result is JoinResult.Enqueued && promotionSeenAt is double p && ack.AtSeconds >= p) after++;
        }
        return new(recovered, after);
    }
}
