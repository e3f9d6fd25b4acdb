using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>failover: the fault, one row per way of using WAIT, what each column means, and every failed check.</summary>
internal static class FailoverReport
{
    public static IReadOnlyList<string> Render(FailoverFindings f)
    {
        IReadOnlyList<FailoverRow> rows = f.Rows;
        var sections = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"Fault: {f.Fault} on the primary serving the most popular event, at {f.FaultAt.TotalSeconds:0}s of {f.Duration.TotalSeconds:0}s. WAIT timeout {f.WaitTimeout.TotalMilliseconds:0} ms.\n\n") +
            Table(rows),
            DoubledSentence(rows),
            "The error window runs from the first failure to the last one, by when each failure came back. Failures keep arriving " +
            "after the slot has healed: they are joins sent during the outage, queued on the dead primary's connection, that fail only when " +
            "StackExchange.Redis gives that connection up. 'Last failing join sent' says when the outage really ended for new joins.",
            "Acknowledged but lost: the join was answered Enqueued by a primary that died before its replica received the write. " +
            "WAIT 1 narrows that gap at the cost of a replica round trip per join; it cannot close it (the primary may die between the write and WAIT). " +
            "WAIT must run on the connection that wrote, and StackExchange.Redis multiplexes one connection per node, so each WAIT holds up every " +
            "command queued behind it. Once the promoted primary has no replica left, a WAIT can only run out its timeout: sent regardless " +
            "('always'), every join on that shard queues behind one, and its throughput collapses. The client therefore reads each primary's " +
            "online replicas (INFO replication, at most once a second) and skips a WAIT that cannot be met, counting it as a shortfall: " +
            "the join is acknowledged without a replica copy, which is the honest state of that shard until a replica returns.",
            "The outage is measured by send time, per join: from its first attempt's send to its final answer, retries and backoff " +
            "included, for every join first sent between the fault and the heal. A client's timeout (5 s) caps one attempt, so with " +
            "--retry 0 no join can show a longer outage than that; with retries (two by default) a join sent at the start of a pause is answered only once the " +
            "node is back or its slot has moved, and its latency shows the whole outage. The promotion is seen by the harness itself: it " +
            "polls CLUSTER NODES (from a node other than the old owner) and accepts a new owner of the hot slot once it answers ROLE as master.",
        };
        foreach (FailoverRow r in rows.Where(r => r.FaultError is not null))
            sections.Add($"**The fault did not complete (WAIT {r.Wait}): {r.FaultError} Check failed.**");
        foreach (FailoverRow r in rows.Where(r => r.FaultCommandLog is not null && r.FaultCommandExitCode != 0))
            sections.Add($"**--fault-command failed ({(r.FaultCommandExitCode is int c ? $"exit code {c}" : "killed at its time limit")}); its output is in {r.FaultCommandLog}. Check failed.**");
        if (f.MaxLost is int maxLost)
            sections.Add(rows.All(r => r.Audit.Lost <= maxLost)
                ? $"--max-lost {maxLost}: every run lost at most {maxLost} acknowledged join(s)."
                : $"**--max-lost {maxLost} exceeded: {string.Join(", ", rows.Where(r => r.Audit.Lost > maxLost).Select(r => $"WAIT {r.Wait} lost {r.Audit.Lost}"))}. Check failed.**");
        if (f.LaggedKill)
            sections.Add("Lagged kill: the hot shard's replica is frozen and its link cut (CLIENT KILL TYPE replica) while the primary keeps " +
                         "acknowledging joins; then the primary is killed and the replica resumed and promoted without those writes. " +
                         "Lag bytes: the primary's master_repl_offset at the kill minus the replica's acknowledged offset before the cut; joins predicted: " +
                         "those bytes over the bytes one join added to the replication stream in the lag window. " +
                         "Doubled keys: more than one stream entry for one idempotency key. Re-enqueued keys: the script ran twice for one key " +
                         "(a retry the promoted replica no longer knew, because the dedupe key died with the primary); the surviving entry is a new place at the back of the queue. " +
                         "Acked keys without entry: the user was told Enqueued or Duplicate and has no place: a retry answered Duplicate by the doomed primary counts here.");
        return sections;
    }

    private static string Table(IReadOnlyList<FailoverRow> rows) => MarkdownTable.Render(rows,
        new("WAIT", r => r.Wait),
        new("error window s", r => r.ErrorWindowSeconds, "0.##", IfNull: "none"),
        new("failed", r => r.Failed),
        new("failed by kind", r => string.Join(", ", r.FailedByKind.Select(e => $"{e.Key}={e.Value}"))),
        new("outage s (joins sent)", r => r.OutageSeconds is double os ? string.Create(CultureInfo.InvariantCulture, $"{os:0.##} ({r.OutageJoins:N0})") : "n/a"),
        new("p99 of joins sent in the outage, first send to final answer, all outcomes, ms", r => r.P99InWindowMs, "0.##"),
        new("last failing join sent, s after fault", r => r.LastFailingSentAfterFaultSeconds, "0.##", IfNull: "none"),
        new("back to rate after s", r => r.RecoverySeconds, "0.#", IfNull: "never (inside injection)"),
        new("healed after s", r => r.HealSeconds, "0.##"),
        new("promotion seen after s (new primary)", r => r.PromotedTo is null ? "none" : string.Create(CultureInfo.InvariantCulture, $"{r.PromotionSeenAfterFaultSeconds:0.##} ({r.PromotedTo})")),
        new("acknowledged", r => r.Audit.Acknowledged),
        new("acknowledged but lost", r => r.Audit.Lost),
        new("lag bytes (joins predicted)", r => r.LagBytes is long b ? string.Create(CultureInfo.InvariantCulture, $"{b:N0} ({r.PredictedLostJoins:0})") : "n/a"),
        new("retries sent (keys recovered; Enqueued after promotion)", r => $"{r.RetriesSent} ({r.RecoveredByRetry}; {r.RetriesEnqueuedAfterPromotion})"),
        new("doubled keys", r => r.Audit.DoubledKeys),
        new("dedupe key without entry / entry without dedupe key", r => $"{r.Audit.DedupeWithoutEntry?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} / {r.Audit.EntryWithoutDedupe?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}"),
        new("re-enqueued keys", r => r.Audit.ReEnqueuedKeys),
        new("acked keys without entry", r => r.Audit.AcknowledgedKeysWithoutEntry),
        new("NOSCRIPT recovered", r => r.NoScriptRecovered),
        new("WAIT shortfalls (skipped)", r => $"{r.WaitShortfalls} ({r.WaitsSkipped})"),
        new("slot moves seen", r => r.SlotMoves));

    /// <summary>Why doubled keys stay 0, with the invariant that makes it so, checked on the cluster.</summary>
    private static string DoubledSentence(IReadOnlyList<FailoverRow> rows)
    {
        int? mismatches = rows.Any(r => r.Audit.DedupeWithoutEntry is null || r.Audit.EntryWithoutDedupe is null) ? null
            : rows.Sum(r => r.Audit.DedupeWithoutEntry!.Value + r.Audit.EntryWithoutDedupe!.Value);
        return $"Doubled keys: the enqueue script writes the stream entry and the dedupe key in one slot, so they replicate and are lost together " +
               $"(keys whose dedupe key and entry disagree: {mismatches?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}); a join lost with a killed primary " +
               $"loses its dedupe key too, and its retry writes the only entry (counted as re-enqueued, not doubled).";
    }
}
