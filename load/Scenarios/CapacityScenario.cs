using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HashtagBench.Charts;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Steps the injection rate up against ONE shard (every join tagged with one event) until p99 or the error rate
/// crosses the limit, and reports that shard's saturation rate for the Lua join. Writes capacity.json, whose
/// perShardOpsPerSec is what `hashtag-bench sim --capacity-from` reads. Also runs redis-benchmark EVALSHA against
/// the same shard so the harness's own overhead is visible as a ratio measured in the same run.
/// </summary>
public static partial class CapacityScenario
{
    public const int MaxSteps = 8;

    public static async Task<ScenarioOutcome> RunAsync(LoadContext ctx, CancellationToken ct)
    {
        LoadOptions o = ctx.Options;
        string evt = $"{ctx.RunPrefix}-capacity";
        int slot = HashSlot.Of(evt);
        string shard = SlotOwner.Find(SlotOwner.Read(ctx.Mux), slot);
        EnqueueClient client = ctx.Client(KeyStrategy.EventTag);
        TimeSpan stepLength = TimeSpan.FromSeconds(Math.Max(3, o.Duration.TotalSeconds / 4));
        var runs = new List<RunSummary>();
        var steps = new JsonArray();
        var table = new StringBuilder($"All joins tagged {{{evt}}} → slot {slot}, shard {shard}. Saturated when p99 > {o.SaturationP99Ms} ms, fail% > {o.SaturationFailPercent} or achieved < 90% of target.\n\n");
        table.AppendLine("| step | target rps | achieved rps | p99 ms | fail% | shard CPU (s/s) | |").AppendLine("|---|---|---|---|---|---|---|");
        RunSummary? best = null;
        double bestCpu = 0;
        bool firstStepSaturated = false; // then the first step is the only reference, and the report says so
        double rate = o.Rate / 4;
        for (int step = 1; step <= MaxSteps && !ct.IsCancellationRequested; step++, rate *= 1.5)
        {
            IReadOnlyList<ShardCounters> before = await ShardStats.ReadAsync(ctx.Mux);
            var opts = o with { Rate = rate, Duration = stepLength, WarmUp = TimeSpan.Zero };
            RunSummary r = await ctx.RunAsync(JoinDriver.Build($"capacity-{step}", client,
                rng => (evt, $"{ctx.RunPrefix}-u{rng.Next(o.Users)}", JoinWorkload.NewIdempotencyKey()), null, opts), ct, []);
            ShardCounters hot = ShardStats.Delta(before, await ShardStats.ReadAsync(ctx.Mux)).OrderByDescending(d => d.ScriptCalls).First();
            double cpu = hot.CpuSeconds / Math.Max(r.Seconds, 1e-9);
            bool saturated = r.Ok.P99 > o.SaturationP99Ms || r.FailPercent > o.SaturationFailPercent || r.Rps < 0.9 * rate;
            runs.Add(r);
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {step} | {rate:0} | {r.Rps:0} | {r.Ok.P99:0.00} | {r.FailPercent:0.##} | {cpu:0.00} | {(saturated ? "saturated" : "")} |"));
            steps.Add(new JsonObject { ["targetRps"] = rate, ["achievedRps"] = r.Rps, ["p99Ms"] = r.Ok.P99, ["failPercent"] = r.FailPercent, ["shardCpu"] = cpu, ["saturated"] = saturated });
            if (saturated && best is not null) break;
            best = r;
            bestCpu = cpu;
            if (saturated) { firstStepSaturated = true; break; }
        }

        double sustained = best?.Rps ?? 0;
        // Redis runs the script on one thread: CPU-seconds per second near 1.0 means the shard itself is the limit.
        // Below that the load generator (same 2 cores) ran out first, and the shard's capacity is extrapolated.
        bool clientBound = bestCpu < 0.8;
        // The last step still kept up: nothing saturated, the ladder just ran out of steps.
        bool ladderExhausted = runs.Count == MaxSteps && ReferenceEquals(best, runs[^1]);
        double perShard = clientBound && bestCpu > 0.05 ? sustained / bestCpu : sustained;
        double? redisBench = await RedisBenchmarkAsync(ctx, evt, shard, ct);

        var f = new ScenarioFindings();
        f.Markdown.Add(table.ToString());
        if (firstStepSaturated)
            f.Markdown.Add($"**Even the first step ({o.Rate / 4:0}/s) crossed a limit; the figure below extrapolates from it. Lower --rate or raise --saturation-p99 for a proper ladder.**");
        f.Markdown.Add(string.Create(CultureInfo.InvariantCulture,
            $"**Per-shard capacity for the Lua join: {perShard:0} joins/s** ({(clientBound ? $"extrapolated: the load generator sustained {sustained:0}/s with the shard at {bestCpu:0.00} CPU s/s{(ladderExhausted ? $"; all {MaxSteps} steps kept up, so raise --rate to push further" : ", so the client limited the run")}" : $"measured: sustained {sustained:0}/s with the shard's thread at {bestCpu:0.00} CPU s/s")})."));
        if (redisBench is double rb)
            f.Markdown.Add(string.Create(CultureInfo.InvariantCulture,
                $"redis-benchmark EVALSHA against the same shard, same run: {rb:0} req/s. Harness sustained / redis-benchmark = **{sustained / rb:0.00}**."));
        f.Json["perShardOpsPerSec"] = perShard;
        f.Json["sustainedRps"] = sustained;
        f.Json["shardCpuAtSustained"] = bestCpu;
        f.Json["clientBound"] = clientBound;
        f.Json["firstStepSaturated"] = firstStepSaturated;
        f.Json["ladderExhausted"] = ladderExhausted;
        f.Json["redisBenchmarkRps"] = redisBench;
        f.Json["steps"] = steps;
        File.WriteAllText(Path.Combine(o.OutputDir, "capacity.json"), new JsonObject
        {
            ["perShardOpsPerSec"] = perShard, ["sustainedRps"] = sustained, ["shardCpuAtSustained"] = bestCpu, ["clientBound"] = clientBound,
            ["firstStepSaturated"] = firstStepSaturated, ["ladderExhausted"] = ladderExhausted, ["redisBenchmarkRps"] = redisBench, ["slot"] = slot, ["shard"] = shard, ["steps"] = steps.DeepClone(),
        }.ToJsonString(RunOutput.Json));
        string chart = ChartWriter.Lines(Path.Combine(o.OutputDir, "capacity-steps"), "p99 against achieved join rate, one shard", "achieved joins/s", "p99 (ms)",
            [new Series("EventTag, one event", runs.Select(r => r.Ok.P99).ToList(), runs.Select(r => r.Rps).ToList())]);
        f.Markdown.Add($"![capacity]({Path.GetFileName(chart)})");
        return new(runs, f);
    }

    /// <summary>redis-benchmark EVALSHA with the production script on the shard's primary; null when the tool is missing.</summary>
    private static async Task<double?> RedisBenchmarkAsync(LoadContext ctx, string evt, string shard, CancellationToken ct)
    {
        string? tool = LocalProcesses.FindTool("redis-benchmark", "REDIS_BENCHMARK");
        string endpoint = shard.Split(' ')[^1].Trim('(', ')');
        if (tool is null || ctx.Options.Quick) return null;
        IServer server = ctx.Mux.GetServer(endpoint);
        await server.ScriptLoadAsync(EnqueueScript.Source);
        string[] hostPort = endpoint.Split(':');
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-h", hostPort[0], "-p", hostPort[1], "-n", "20000", "-c", "50", "-r", "100000000", "-q",
                     "EVALSHA", EnqueueScript.Sha1Hex, "2", $"dedupe:{{{evt}}}:rb:__rand_int__", $"stream:event:{{{evt}}}:user:rb__rand_int__", "tok", evt, "rb", "3600" })
            psi.ArgumentList.Add(a);
        if (ctx.Options.Password is { } pw) psi.Environment["REDISCLI_AUTH"] = pw;
        using Process p = Process.Start(psi)!;
        string output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        Match m = Rps().Match(output);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?) requests per second")]
    private static partial Regex Rps();
}
