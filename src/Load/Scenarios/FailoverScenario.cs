using HashtagBench.Keys;
using System.Collections.Concurrent;
using System.Globalization;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using HashtagBench.Reporting;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Steady multi-event joins while a fault hits the primary that serves the most popular event. Measures the error
/// window, failures by kind, p99 inside the window and the time until the rate is back; then reads every
/// acknowledged join back from its stream. Replication is asynchronous, so acknowledged joins can be lost: that
/// count is the finding. --wait-replicas 1 (or --compare-wait) shows what WAIT buys and costs.
/// </summary>
public static class FailoverScenario
{
    public static async Task<ScenarioOutcome> RunAsync(LoadContext ctx, CancellationToken ct)
    {
        if (ctx.Cluster.LocalNodes.Count == 0)
            throw new ArgumentException($"The failover scenario kills and restarts nodes, so it needs a cluster this harness started; the {ctx.Cluster.ProviderName} cluster has no local processes.");
        FaultAction action = ClusterFaults.ParseAction(ctx.Options.Fault);
        LoadOptions o = ctx.Options;
        // Compare: no WAIT; WAIT 1 as the client sends it (skipped while the primary has no replica online);
        // WAIT 1 sent regardless, which is what a naive gateway does; and WAIT 1 required: a join no replica
        // acknowledged is answered NotReplicated (a 503) instead of Enqueued.
        WaitVariant[] variants = o.CompareWait
            ? [new(0, true, 0), new(1, true, 0), new(1, false, 0), new(1, true, 1)]
            : [new(Math.Max(o.WaitReplicas, o.RequireReplicas), !o.WaitAlways, o.RequireReplicas)];
        var runs = new List<RunSummary>();
        var f = new ScenarioFindings();
        var rows = new List<FailoverRow>();
        foreach (WaitVariant v in variants)
        {
            var (run, row) = await OneAsync(ctx, action, v, ct);
            runs.Add(run);
            rows.Add(row);
            f.ChecksPassed &= row.Classified && row.Healed && (o.MaxLost is not int max || row.Audit.Lost <= max);
        }
        f.Data = new LoadFindings { Failover = rows };
        f.Markdown.Add(string.Create(CultureInfo.InvariantCulture,
            $"Fault: {action} on the primary serving the most popular event, at {FaultAt(o).TotalSeconds:0}s of {o.Duration.TotalSeconds:0}s. WAIT timeout {o.WaitTimeout.TotalMilliseconds:0} ms.\n\n") +
            MarkdownTable.Render(rows,
                new("WAIT", r => r.Wait),
                new("error window s", r => r.ErrorWindowSeconds, "0.##", IfNull: "none"),
                new("failed", r => r.Failed),
                new("failed by kind", r => string.Join(", ", r.FailedByKind.Select(e => $"{e.Key}={e.Value}"))),
                new("p99 of calls sent in the outage, all outcomes, ms", r => r.P99InWindowMs, "0.##"),
                new("last failing join sent, s after fault", r => r.LastFailingSentAfterFaultSeconds, "0.##", IfNull: "none"),
                new("back to rate after s", r => r.RecoverySeconds, "0.#", IfNull: "never"),
                new("healed after s", r => r.HealSeconds, "0.##"),
                new("acknowledged", r => r.Audit.Acknowledged),
                new("acknowledged but lost", r => r.Audit.Lost),
                new("lag bytes (joins predicted)", r => r.LagBytes is long b ? string.Create(CultureInfo.InvariantCulture, $"{b:N0} ({r.PredictedLostJoins:0})") : "n/a"),
                new("retries sent", r => r.RetriesSent),
                new("doubled keys", r => r.Audit.DoubledKeys),
                new("re-enqueued keys", r => r.Audit.ReEnqueuedKeys),
                new("acked keys without entry", r => r.Audit.AcknowledgedKeysWithoutEntry),
                new("NOSCRIPT recovered", r => r.NoScriptRecovered),
                new("WAIT shortfalls (skipped)", r => $"{r.WaitShortfalls} ({r.WaitsSkipped})"),
                new("slot moves seen", r => r.SlotMoves)));
        f.Markdown.Add("The error window runs from the first failure to the last one, by when each failure came back. Failures keep arriving " +
                       "after the slot has healed: they are joins sent during the outage, queued on the dead primary's connection, that fail only when " +
                       "StackExchange.Redis gives that connection up. 'Last failing join sent' says when the outage really ended for new joins.");
        f.Markdown.Add("Acknowledged but lost: the join was answered Enqueued by a primary that died before its replica received the write. " +
                       "WAIT 1 narrows that gap at the cost of a replica round trip per join; it cannot close it (the primary may die between the write and WAIT). " +
                       "WAIT must run on the connection that wrote, and StackExchange.Redis multiplexes one connection per node, so each WAIT holds up every " +
                       "command queued behind it. Once the promoted primary has no replica left, a WAIT can only run out its timeout: sent regardless " +
                       "('always'), every join on that shard queues behind one, and its throughput collapses. The client therefore reads each primary's " +
                       "online replicas (INFO replication, at most once a second) and skips a WAIT that cannot be met, counting it as a shortfall: " +
                       "the join is acknowledged without a replica copy, which is the honest state of that shard until a replica returns.");
        if (o.MaxLost is int maxLost)
            f.Markdown.Add(rows.All(r => r.Audit.Lost <= maxLost)
                ? $"--max-lost {maxLost}: every run lost at most {maxLost} acknowledged join(s)."
                : $"**--max-lost {maxLost} exceeded: {string.Join(", ", rows.Where(r => r.Audit.Lost > maxLost).Select(r => $"WAIT {r.Wait} lost {r.Audit.Lost}"))}. Check failed.**");
        if (action == FaultAction.LaggedKill)
            f.Markdown.Add("Lagged kill: the hot shard's replica is frozen and its link cut (CLIENT KILL TYPE replica) while the primary keeps " +
                           "acknowledging joins; then the primary is killed and the replica resumed and promoted without those writes. " +
                           "Lag bytes: the primary's master_repl_offset at the kill minus the replica's acknowledged offset before the cut; joins predicted: " +
                           "those bytes over the bytes one join added to the replication stream in the lag window. " +
                           "Doubled keys: more than one stream entry for one idempotency key. Re-enqueued keys: the script ran twice for one key " +
                           "(a retry the promoted replica no longer knew, because the dedupe key died with the primary); the surviving entry is a new place at the back of the queue. " +
                           "Acked keys without entry: the user was told Enqueued or Duplicate and has no place: a retry answered Duplicate by the doomed primary counts here.");
        return new(runs, f);
    }

    private static TimeSpan FaultAt(LoadOptions o) => o.FaultAt ?? o.Duration / 3;

    /// <summary>One way of using WAIT: how many replicas, and whether a WAIT that cannot be met is skipped.</summary>
    private sealed record WaitVariant(int Replicas, bool SkipWithoutReplicas, int Require)
    {
        public string Label => Require > 0 ? $"require {Require}{(SkipWithoutReplicas ? "" : ", always")}"
            : Replicas == 0 ? "none" : $"{Replicas}{(SkipWithoutReplicas ? "" : ", always")}";
        public string RunName => Require > 0 ? $"failover-require{Require}{(SkipWithoutReplicas ? "" : "-always")}"
            : Replicas == 0 ? "failover-wait0" : $"failover-wait{Replicas}{(SkipWithoutReplicas ? "" : "-always")}";
    }

    private static async Task<(RunSummary, FailoverRow)> OneAsync(LoadContext ctx, FaultAction action, WaitVariant v, CancellationToken ct)
    {
        LoadOptions o = ctx.Options;
        // Each variant has its own events (so its own streams and dedupe keys): runs never audit each other's entries.
        JoinWorkload w = new(o.Events, ClusterSim.Popularity.Parse(o.Popularity), o.Users, $"{ctx.RunPrefix}-{v.RunName["failover-".Length..]}");
        EnqueueClient client = ctx.Client(KeyStrategy.EventTag,
            new EnqueueOptions { WaitReplicas = v.Replicas, WaitTimeout = o.WaitTimeout, SkipWaitWithoutReplicas = v.SkipWithoutReplicas, RequireReplicas = v.Require });
        var faults = new ClusterFaults(ctx.Cluster) { Clock = () => JoinDriver.Clock.Elapsed.TotalSeconds };
        int slot = HashSlot.Of(w.Events[0]);
        var log = new ConcurrentQueue<JoinRecord>();
        long moves = 0;
        void OnMoved(object? _, StackExchange.Redis.HashSlotMovedEventArgs e) => Interlocked.Increment(ref moves);
        ctx.Mux.HashSlotMoved += OnMoved;

        double start = JoinDriver.Clock.Elapsed.TotalSeconds + o.WarmUp.TotalSeconds;
        double faultAt = 0, healSeconds = double.NaN;
        bool healed = false;
        HashSet<string> hotShardEvents = [];
        using var faultCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task fault = Task.Run(async () =>
        {
            await Task.Delay(o.WarmUp + FaultAt(o), faultCts.Token);
            ClusterNodesSnapshot before = await faults.ReadNodesAsync();
            string? hotPrimary = before.PrimaryOf(slot)?.Endpoint;
            hotShardEvents = w.Events.Where(e => before.PrimaryOf(HashSlot.Of(e))?.Endpoint == hotPrimary).ToHashSet();
            faultAt = JoinDriver.Clock.Elapsed.TotalSeconds - start;
            // pause: the primary is frozen 8 s (past the 3 s node timeout). lagged-kill: the replica is cut off 2 s.
            TimeSpan hold = action == FaultAction.LaggedKill ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);
            LocalNode hit = await faults.ApplyAsync(action, slot, hold, faultCts.Token);
            TimeSpan t = await faults.WaitForHealedAsync(slot, action == FaultAction.ManualFailover ? null : hit, TimeSpan.FromSeconds(60), faultCts.Token);
            healSeconds = JoinDriver.Clock.Elapsed.TotalSeconds - start - faultAt;
            healed = t >= TimeSpan.Zero;
        }, CancellationToken.None);

        RunSummary run;
        try
        {
            run = await ctx.RunAsync(JoinDriver.Build(v.RunName, client,
                rng => (w.NextEvent(rng), w.NextUser(rng), w.NewIdempotencyKey()), log, o, RetryPolicy.Of(o.Retry)), ct, []);
        }
        finally
        {
            ctx.Mux.HashSlotMoved -= OnMoved;
            string? faultError = null;
            try { await fault; }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException) { healed = false; faultError = ex.Message; }
            finally
            {
                // Whatever the fault task did or threw: resume paused nodes and bring killed ones back, so the
                // cluster is whole for whatever runs next.
                await faults.RestoreAsync();
            }
            if (faultError is not null) Console.Error.WriteLine($"failover ({v.Label}): the fault did not complete: {faultError}");
        }

        var records = log.ToList();
        StreamAuditResult audit = await StreamAudit.RunAsync(ctx.Mux, KeyStrategy.EventTag, records);
        var failed = records.Where(r => r.Result is JoinResult.Failed).ToList();
        // By when each failure came back, in seconds of the measured run.
        double firstFail = failed.Count == 0 ? 0 : failed.Min(r => r.AtSeconds) - start;
        double lastFail = failed.Count == 0 ? 0 : failed.Max(r => r.AtSeconds) - start;
        double? window = failed.Count == 0 ? null : lastFail - firstFail;
        // When the failing joins were sent, as opposed to when they failed: a join queued on the dead node's
        // connection fails only when the client gives that connection up, which can be after the slot has healed.
        double? lastFailingSent = failed.Count == 0 ? null : failed.Max(r => r.SentAtSeconds) - start - faultAt;
        // The outage by send time: from the fault until the slot healed (or the injection ended). Its p99 is over every
        // call sent in it, whatever came back, from send to answer: a join that hung 5 s and then failed counts 5 s.
        double outageEnd = healed && !double.IsNaN(healSeconds) ? faultAt + healSeconds : o.Duration.TotalSeconds;
        double[] outageMs = records.Where(r => r.SentAtSeconds - start >= faultAt && r.SentAtSeconds - start <= outageEnd)
            .Select(r => (r.AtSeconds - r.SentAtSeconds) * 1000).Order().ToArray();
        double? p99 = outageMs.Length == 0 ? null : outageMs[Math.Min(outageMs.Length - 1, (int)Math.Ceiling(0.99 * outageMs.Length) - 1)];
        double target = run.TargetRps;
        // Back to rate: the first second after the fault from which every later second serves ≥ 90% of the target as Ok.
        double recovery = double.NaN;
        // Rates, not counts: a starved machine ticks late, so intervals vary in length; the partial last one is left out.
        // Judged inside the injection period: the drain after it sends nothing, so it can never be "back to rate".
        var after = run.Timeline.Where(t => !t.IsPartial && t.Second > faultAt + 1 && t.Second <= o.Duration.TotalSeconds + 0.5).ToList();
        for (int i = 0; i < after.Count; i++)
            if (after.Skip(i).All(t => t.Ok / t.Length >= 0.9 * target)) { recovery = after[i].Second - faultAt; break; }
        bool classified = !run.ErrorsByKind.Keys.Any(k => k is nameof(FailureKind.Other) or "unknown" || k.StartsWith("exception.", StringComparison.Ordinal));

        // lagged-kill: the offsets' lag in joins, from the bytes one join added to the replication stream while the link was cut.
        ReplicationLag? lag = faults.LastLag;
        int? ackedInWindow = lag is null ? null : records.Count(r => r.Result is JoinResult.Enqueued && hotShardEvents.Contains(r.Event)
            && r.AtSeconds >= lag.CutAt && r.AtSeconds <= lag.KillAt);
        double? predicted = lag is null ? null
            : lag.PrimaryOffsetAtKill - lag.PrimaryOffsetAtCut is long grown and > 0 && ackedInWindow > 0
                ? Math.Round(lag.LagBytes / ((double)grown / ackedInWindow.Value), 1) : 0;
        var row = new FailoverRow(v.Label, v.Replicas, v.SkipWithoutReplicas, action.ToString(), Math.Round(faultAt, 2),
            window is double wnd ? Math.Round(wnd, 2) : null, lastFailingSent is double ls ? Math.Round(ls, 2) : null,
            run.FailCount, run.ErrorsByKind, p99 is double q ? Math.Round(q, 2) : null,
            double.IsNaN(recovery) ? null : Math.Round(recovery, 1), double.IsNaN(healSeconds) ? null : Math.Round(healSeconds, 2), healed,
            client.NoScriptRecoveries, client.WaitShortfalls, client.WaitsSkipped, Interlocked.Read(ref moves), classified, audit)
        {
            RequireReplicas = v.Require, RetryCount = o.Retry, RetriesSent = records.Count(r => r.Attempt > 0),
            LagBytes = lag?.LagBytes, PredictedLostJoins = predicted, AcknowledgedInLagWindow = ackedInWindow, MaxLost = o.MaxLost,
        };
        return (run, row);
    }
}
