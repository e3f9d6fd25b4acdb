using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace HashtagBench.Cli.Run;

/// <summary>Headline numbers for the report's summary, read from what each step wrote (summary.json, sim.json).</summary>
public static class StepSummaries
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A load step: one row per run, and for the strategies scenario predicted vs measured per shard.</summary>
    public static IEnumerable<string> Load(string folder)
    {
        string path = Path.Combine(folder, "summary.json");
        if (!File.Exists(path)) yield break;
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        string scenario = (string?)root["scenario"] ?? Path.GetFileName(folder);
        var rows = new StringBuilder($"**Load `{scenario}`**\n\n| run | rps | p50 ms | p99 ms | fail% |\n|---|---|---|---|---|\n");
        foreach (JsonNode? run in root["runs"]!.AsArray())
        {
            double ok = (double)run!["okCount"]!, fail = (double)run["failCount"]!;
            rows.AppendLine(string.Create(Inv, $"| {run["scenario"]} | {(double)run["rps"]!:0} | {(double)run["ok"]!["p50"]!:0.00} | {(double)run["ok"]!["p99"]!:0.00} | {(ok + fail == 0 ? 0 : 100 * fail / (ok + fail)):0.##} |"));
        }
        yield return rows.ToString();

        if (root["perShard"] is JsonObject perShard)
        {
            var t = new StringBuilder("**Simulation vs measurement, per shard** (ClusterSim's prediction for the joins sent; measured from each primary's INFO commandstats)\n\n| strategy | shard | predicted % | measured % | error (pp) |\n|---|---|---|---|---|\n");
            foreach (var (strategy, shards) in perShard)
            {
                if (strategy == "legacy") continue; // rejected before routing: no prediction applies
                foreach (JsonNode? s in shards!.AsArray())
                {
                    double p = 100 * (double)s!["predicted"]!, m = 100 * (double)s["measured"]!;
                    t.AppendLine(string.Create(Inv, $"| {strategy} | {s["shard"]} | {p:0.0} | {m:0.0} | {m - p:+0.0;-0.0;0.0} |"));
                }
            }
            yield return t.ToString();
        }
        foreach (var (key, node) in root.AsObject().Where(kv => kv.Key.StartsWith("incident_", StringComparison.Ordinal)))
            yield return string.Create(Inv, $"**Incident ({key[9..]})**: {node!["spanningCrossSlot"]} of {node["spanning"]} slot-spanning joins failed with CROSSSLOT; reproduced: {node["reproduced"]}.");
        if (root["audit"] is JsonObject audit)
            yield return $"**Duplicates audit**: {audit["acknowledged"]} acknowledged, {audit["lost"]} lost, {audit["doubledKeys"]} doubled → {((bool)audit["passed"]! ? "pass" : "FAIL")}.";
        if (root["perShardOpsPerSec"] is JsonNode cap)
            yield return string.Create(Inv, $"**Per-shard capacity (Lua join)**: {(double)cap:0} joins/s{((bool?)root["clientBound"] == true ? " (extrapolated; the load generator was the limit)" : "")}.");
    }

    /// <summary>The simulation: hottest-shard share per strategy (mean and p95 over event-ID draws).</summary>
    public static IEnumerable<string> Sim(string folder)
    {
        string path = Path.Combine(folder, "sim.json");
        if (!File.Exists(path)) yield break;
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        var t = new StringBuilder("**ClusterSim, launch workload** (hottest shard's share of joins over event-ID draws)\n\n| strategy | hottest shard mean % | p95 % | max/mean | CROSSSLOT rate |\n|---|---|---|---|---|\n");
        foreach (JsonNode? s in root["strategies"]!.AsArray())
        {
            JsonNode skew = s!["skew"]!;
            t.AppendLine(string.Create(Inv,
                $"| {s["strategy"]} | {100 * (double)skew["hottestShardShare"]!["mean"]!:0.0} | {100 * (double)skew["hottestShardShare"]!["p95"]!:0.0} | {(double)skew["maxOverMean"]!["mean"]!:0.00} | {100 * (double)s["crossSlotFailureRate"]!:0.##}% |"));
        }
        yield return t.ToString();
    }
}
