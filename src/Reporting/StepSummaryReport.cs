using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting;

/// <summary>
/// The run report's headline numbers per step, from what each step wrote, typed (summary.json, sim.json): one
/// block per run table and per finding, n/a where nothing applies.
/// </summary>
public static class StepSummaryReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A load step: one row per run, and the scenario's own findings (per shard, incident, audit, capacity, failover).</summary>
    /// <param name="banners">What the top of the load report says before any table (interrupted, measured nothing, dropped arrivals).</param>
    /// <param name="latencyBreakdown">Where each run's p99 went; empty when no run has one.</param>
    public static IEnumerable<string> Load(LoadSummary summary, IEnumerable<string> banners, string latencyBreakdown)
    {
        string before = string.Concat(banners.Select(b => b + "\n\n"));
        // rps is what the engine drove (every outcome), ok rps what was served; p50/p99 of Ok responses, "p99 all" of
        // every outcome (failed and refused calls too); lateness is the injector's own error; n/a where nothing applies.
        yield return $"**Load `{summary.Scenario}`**\n\n" + before + MarkdownTable.Render(summary.Runs,
            new("run", r => r.Name),
            new("rps", r => r.Rps, "0"),
            new("p50 ms", r => r.Ok?.P50, "0.00"),
            new("p99 ms", r => r.Ok?.P99, "0.00"),
            new("fail%", r => r.OkCount + r.FailCount == 0 ? null : r.FailPercent, "0.##"),
            new("ok rps", r => r.OkRps, "0"),
            new("p99 all ms", r => r.All?.P99, "0.00"),
            new("lateness p99 ms", r => r.Lateness?.P99, "0.000"),
            new("harness-limited", r => r.HarnessLimited ? "**yes**" : "no"),
            new("stopped", r => r.Interrupted ? "**interrupted**" : r.StopReason));
        // Where each run's p99 went: Redis, network+client, or queueing.
        if (latencyBreakdown.Length > 0) yield return latencyBreakdown.TrimEnd();

        LoadFindings f = summary.Findings;
        // Rows without a prediction (keys spanning slots are refused before routing) have nothing to compare.
        var compared = f.PerShard?.Where(s => s.Predicted is not null).ToList() ?? [];
        if (compared.Count > 0)
            yield return "**Simulation vs measurement, per shard** (ClusterSim's prediction for the joins sent; measured from each primary's INFO commandstats)\n\n" +
                MarkdownTable.Render(compared,
                    new("strategy", s => s.Strategy),
                    new("shard", s => s.Shard),
                    new("predicted %", s => 100 * s.Predicted, "0.0"),
                    new("measured %", s => 100 * s.Measured, "0.0"),
                    new("error (pp)", s => 100 * s.Error, "+0.0;-0.0;0.0"));
        foreach (Incident i in f.Incidents ?? [])
            yield return string.Create(Inv, $"**Incident ({i.Strategy})**: {i.SpanningCrossSlot} of {i.Spanning} slot-spanning joins failed with CROSSSLOT; reproduced: {(i.Reproduced ? "yes" : "**no**")}.");
        if (f.Duplicates is { Audit: var a } d)
            yield return string.Create(Inv,
                $"**Duplicates audit**: {a.Acknowledged} acknowledged, {a.Lost} lost, {a.DoubledKeys} doubled ({MarkdownTable.Cell(d.RetriedShare, "P1")} of attempts were retries) → {(a.Passed ? "pass" : "FAIL")}.");
        if (f.HotEvent is { Count: > 0 } hot)
            yield return "**Hot event**: hottest shard's CPU utilisation per strategy: " +
                string.Join(", ", hot.GroupBy(h => h.Strategy).Select(g => string.Create(Inv, $"{g.Key} {g.Max(h => h.Utilisation):0.00}"))) + " CPU s/s.";
        if (f.Capacity is { } cap)
            yield return cap.PerShardOpsPerSec is double perShard
                ? string.Create(Inv, $"**Per-shard capacity (Lua join)**: {perShard:0} joins/s{(cap.ClientBound ? " (extrapolated; the load generator was the limit)" : "")}.")
                : "**Per-shard capacity (Lua join)**: n/a (no step of the ladder completed).";
        if (f.Failover is { Count: > 0 } failover)
            yield return "**Failover**\n\n" + MarkdownTable.Render(failover,
                new("WAIT", r => r.Wait),
                new("failed", r => r.Failed),
                new("error window s", r => r.ErrorWindowSeconds, "0.##", IfNull: "none"),
                new("back to rate after s", r => r.RecoverySeconds, "0.#", IfNull: "never"),
                new("acknowledged", r => r.Audit.Acknowledged),
                new("acknowledged but lost", r => r.Audit.Lost),
                new("healed", r => r.Healed));
    }

    /// <summary>The simulation: hottest-shard share per strategy (mean and p95 over event-ID draws).</summary>
    public static IEnumerable<string> Sim(SimSummary sim)
    {
        yield return "**ClusterSim, launch workload** (hottest shard's share of joins over event-ID draws)\n\n" + MarkdownTable.Render(sim.Strategies,
            new("strategy", s => s.Strategy),
            new("hottest shard mean %", s => 100 * s.Skew.HottestShardShare.Mean, "0.0"),
            new("p95 %", s => 100 * s.Skew.HottestShardShare.P95, "0.0"),
            new("max/mean", s => s.Skew.MaxOverMean.Mean, "0.00"),
            new("CROSSSLOT rate", s => s.CrossSlotFailureRate, "0.##%"));
    }
}
