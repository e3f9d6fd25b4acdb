using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>capacity: the ladder, the per-shard capacity it gives, redis-benchmark beside the harness, and the chart.</summary>
internal static class CapacityReport
{
    public static IReadOnlyList<string> Render(CapacityFindings f)
    {
        CapacityResult r = f.Result;
        var sections = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"All joins tagged {{{f.Event}}} → slot {r.Slot}, shard {r.Shard}. Saturated when p99 > {f.SaturationP99Ms} ms, fail% > {f.SaturationFailPercent} or achieved < 90% of target.\n\n") +
            MarkdownTable.Render([.. r.Steps, r.Closed],
                new("step", x => x.Name),
                new("target rps", x => x.TargetRps, "0", IfNull: "—"),
                new("achieved rps", x => x.AchievedRps, "0"),
                new("p99 ms", x => x.P99Ms, "0.00"),
                new("fail%", x => x.FailPercent, "0.##"),
                new("shard CPU (s/s)", x => x.ShardCpu, "0.00"),
                new("", x => x.TargetRps is null ? "harness ceiling" : x.Saturated ? "saturated" : "")),
        };
        if (r.FirstStepSaturated)
            sections.Add($"**Even the first step ({f.FirstStepRps:0}/s) crossed a limit; the figure below extrapolates from it. Lower --rate or raise --saturation-p99 for a proper ladder.**");
        sections.Add(PerShard(f));
        sections.Add(r.RedisBenchmarkRps is double rb
            ? string.Create(CultureInfo.InvariantCulture,
                $"redis-benchmark EVALSHA (production script, {f.BenchClients} clients) against the same shard, same run: {rb:0} req/s. " +
                $"Harness with {f.BenchClients} joins in flight: {r.Closed.AchievedRps:0}/s, so harness / redis-benchmark = **{r.Closed.AchievedRps / rb:0.00}** " +
                $"(open-model sustained rate within the limits / redis-benchmark = {MarkdownTable.Cell(r.SustainedRps / rb, "0.00")}). ") +
              "Same script, same shard, same concurrency, not the same wire pattern: StackExchange.Redis pipelines every call in flight " +
              "over one connection per node, while redis-benchmark (no -P) waits for each reply on each of its connections."
            : $"redis-benchmark was not run: {f.RedisBenchmarkNotRun}.");
        sections.Add(ScenarioReport.ChartLink("capacity", f.ChartFile));
        return sections;
    }

    /// <summary>The headline: the per-shard rate, measured or extrapolated from a client-bound run.</summary>
    private static string PerShard(CapacityFindings f)
    {
        CapacityResult r = f.Result;
        if (r.PerShardOpsPerSec is not double perShard) return "**No step of the ladder completed: no per-shard capacity was measured.**";
        string how = r.ClientBound
            ? $"extrapolated: the load generator sustained {r.SustainedRps:0}/s with the shard at {r.ShardCpuAtSustained:0.00} CPU s/s{(r.LadderExhausted ? $"; all {f.StepsAsked} steps kept up, so raise --rate to push further" : ", so the client limited the run")}"
            : $"measured: sustained {r.SustainedRps:0}/s with the shard's thread at {r.ShardCpuAtSustained:0.00} CPU s/s";
        return string.Create(CultureInfo.InvariantCulture, $"**Per-shard capacity for the Lua join: {perShard:0} joins/s** ({how}).");
    }
}
