using HashtagBench.Contracts;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>`load run launch`'s report: one section per strategy it ran, judged as `run --launch` judges it.</summary>
public static class LaunchScenarioReport
{
    /// <summary>One section per strategy: lifecycle, steps, thresholds, per-node commands, memory left, the harness's own lateness, the audit.</summary>
    public static string Render(IReadOnlyList<LaunchRunResult> runs, bool interrupted)
    {
        var sb = new StringBuilder();
        LaunchRunResult? first = runs.FirstOrDefault();
        sb.AppendLine($"# Launch {first?.Launch ?? "(nothing ran)"}: live run");
        sb.AppendLine();
        if (interrupted) sb.AppendLine("**interrupted**: stopped by Ctrl-C/SIGTERM before the end; the numbers are partial and no threshold passes.").AppendLine();
        if (first is null) return sb.AppendLine("Measured nothing: no strategy ran.").ToString();
        sb.AppendLine(Inv($"Seed {first.Seed}; {first.ScaleNote}. Latency of every request from its intended time (a join: the user's arrival; a poll: its timer; an enter or seat hold: the answer that allowed it), so a stall in the harness or the cluster shows in every request behind it."));
        sb.AppendLine();
        foreach (LaunchRunResult r in runs) Section(sb, r);
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, LaunchRunResult r)
    {
        IReadOnlyList<string> audit = LaunchVerdictPolicy.Audit(r.Users, r.Steps);
        LaunchLifecycle u = r.Users;
        sb.AppendLine($"## `{r.Strategy}`{(r.Interrupted ? " (interrupted)" : "")}");
        sb.AppendLine();
        var (failures, expected) = Verdict(r);
        string verdict = failures.Count > 0 ? "FAIL" : expected.Count > 0 ? "pass (failures as expected)" : "pass";
        sb.AppendLine(Inv($"Run {r.RunId} (key prefix `{r.KeyPrefix}`), {r.Seconds:0.0} s from the first arrival to the last answer. Thresholds: **{(r.ThresholdsPassed ? "pass" : "FAIL")}**; audit: **{(audit.Count == 0 ? "ok" : "FAIL")}**; verdict: **{verdict}**."));
        sb.AppendLine();
        sb.AppendLine(Inv($"Visits: {u.Users:N0}: entered {u.Entered:N0}, left {u.Left:N0}, expired {u.Expired:N0}, failed {u.Failed:N0}, unfinished {u.Unfinished:N0}."));
        // Each user's arrival was sent or dropped (never sent: the run stopped first), as in every load run.
        sb.AppendLine(r.Arrivals is { } a ? Inv($"Arrivals: {a.Scheduled:N0} scheduled: sent {a.Sent:N0}, dropped {a.DroppedText()}.") : "Arrivals: n/a (not recorded).");
        if (u.FailureReasons.Count > 0)
            sb.AppendLine("Failed because: " + string.Join(", ", u.FailureReasons.Select(kv => Inv($"{kv.Key} ×{kv.Value:N0}"))) + ".");
        if (LaunchVerdictPolicy.ExpectedCrossSlot(r.Strategy))
            sb.AppendLine($"Expected for `{r.Strategy}`: the model puts its join script's keys (an untagged dedupe key beside a tagged stream key) on two slots, so the cluster refuses every join (CROSSSLOT), as in the incident; its threshold failures are expected when every failure is CROSSSLOT.");
        sb.AppendLine();
        // The same step table as `run --launch`'s report: Ok and every outcome side by side, n/a for no call.
        sb.Append(LaunchRehearsalReport.StepTable(r.Steps));
        sb.AppendLine();
        sb.Append(MarkdownTable.Render(r.Thresholds,
            new Column<ThresholdCheck>("threshold", t => t.Threshold),
            new("actual", t => t.NoData ? null : t.Actual, "0.###"),
            new("verdict", t => t.Pass ? "pass" : "FAIL")));
        sb.AppendLine();
        var perNode = r.Nodes.Select(n => (Node: n, Calls: r.MeasuredCommands.Where(c => c.Endpoint == n.Endpoint).Sum(c => c.Calls))).ToList();
        long total = perNode.Sum(p => p.Calls);
        var memory = r.MemoryLeft.ToDictionary(m => m.Endpoint);
        sb.AppendLine("Per node (INFO commandstats after − before, every command the server counted; memory and keys before → after, before the run's keys were removed):");
        sb.AppendLine();
        sb.Append(MarkdownTable.Render(perNode,
            new Column<(LaunchNode Node, long Calls)>("node", p => p.Node.Endpoint),
            new("shard", p => p.Node.Shard),
            new("role", p => p.Node.Role),
            new("commands", p => p.Calls, "N0"),
            new("share", p => total == 0 ? null : (double)p.Calls / total, "P1"),
            new("per s", p => r.Seconds > 0 ? p.Calls / r.Seconds : null, "N0"),
            new("used_memory before → after", p => memory.TryGetValue(p.Node.Endpoint, out var m) ? $"{Bytes(m.BytesBefore)} → {Bytes(m.BytesAfter)}" : null),
            new("keys before → after", p => memory.TryGetValue(p.Node.Endpoint, out var m) ? $"{Count(m.KeysBefore)} → {Count(m.KeysAfter)}" : null)));
        sb.AppendLine();
        string lateness = r.SchedulerLateness is { } l ? Inv($"p50 {l.P50:0.000} ms, p99 {l.P99:0.000} ms, max {l.Max:0.000} ms over {l.Count:N0} timers") : "n/a (no timer fired)";
        sb.AppendLine($"Harness: user timers fired late by {lateness}. Keys removed at the end: {r.KeysRemoved:N0}.");
        sb.AppendLine();
        sb.AppendLine($"Gateway {LaunchRehearsalReport.ClientSentence(r)} (over the drive window, INFO before and after).");
        foreach (string p in audit) sb.AppendLine($"- audit: {p}");
        sb.AppendLine();
    }

    /// <summary>The run's verdict under the one launch policy (<see cref="LaunchVerdictPolicy.Judge"/>), as `run --launch` judges it.</summary>
    public static (IReadOnlyList<string> Failures, IReadOnlyList<string> Expected) Verdict(LaunchRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        List<string> failures = [], expected = [];
        LaunchVerdictPolicy.Judge(r.Strategy, r, LaunchVerdictPolicy.ExpectedCrossSlot(r.Strategy), failures, expected);
        return (failures, expected);
    }

    /// <summary>`load run launch`'s console lines for one strategy: visits, arrivals, requests and p99 per step, then what failed or was expected, the gateway's client, and its result file.</summary>
    public static IEnumerable<string> ConsoleLines(LaunchRunResult r, IReadOnlyList<string> failures, IReadOnlyList<string> expected, string file)
    {
        LaunchLifecycle u = r.Users;
        LaunchStepResult all = r.Steps.Single(s => s.Step == LaunchVerdictPolicy.AllSteps);
        string p99 = string.Join(", ", r.Steps.Where(s => s.Requests > 0).Select(s => Inv($"{s.Step} {s.AllLatency!.P99:0.0}")));
        yield return Inv($"{r.Strategy}: {u.Users:N0} visits (entered {u.Entered:N0}, left {u.Left:N0}, expired {u.Expired:N0}, failed {u.Failed:N0}, unfinished {u.Unfinished:N0}); arrivals sent {r.Arrivals?.Sent.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"}, dropped {r.Arrivals?.DroppedText() ?? "n/a"}; {all.Requests:N0} requests in {r.Seconds:0.0} s, {all.Failed:N0} failed; p99 ms: {p99}");
        foreach (var (reason, n) in u.FailureReasons) yield return $"  failed visits: {reason} ×{n}";
        foreach (string e in expected) yield return $"expected: {e}";
        foreach (string f in failures) yield return $"failed: {f}";
        yield return $"  {LaunchRehearsalReport.ClientSentence(r)}";
        yield return $"  {file}";
    }

    private static string Bytes(long? b) => b is long v ? Inv($"{v / 1048576.0:0.0} MiB") : "n/a";
    private static string Count(long? n) => n is long v ? Inv($"{v:N0}") : "n/a";
    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
