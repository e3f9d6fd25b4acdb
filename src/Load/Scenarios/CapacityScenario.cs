using HashtagBench.Charts;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Steps the injection rate up against ONE shard (every join tagged with one event) until p99 or the error rate
/// crosses the limit, and reports that shard's saturation rate for the Lua join. Writes capacity.json, whose
/// perShardOpsPerSec is what `hashtag-bench sim --capacity-from` reads. Also runs redis-benchmark EVALSHA against
/// the same shard so the harness's own overhead is visible as a ratio measured in the same run.
/// </summary>
internal static partial class CapacityScenario
{
    /// <summary>Concurrent calls for the closed-model ceiling and for redis-benchmark (-c).</summary>
    public const int BenchClients = 50;

    public static async Task<ScenarioOutcome> RunAsync(LoadContext ctx, CapacityOptions c, CancellationToken ct)
    {
        LoadOptions o = ctx.Options;
        string evt = $"{ctx.RunPrefix}-capacity";
        int slot = HashSlot.Of(evt);
        string shard = SlotOwner.Find(LiveSlotMap.Read(ctx.Mux), slot);
        EnqueueClient client = ctx.Client(KeyStrategy.EventTag);
        Func<Random, (string, string, string)> next = rng => (evt, $"{ctx.RunPrefix}-u{rng.Next(o.Users)}", JoinWorkload.NewIdempotencyKey(ctx.RunPrefix));
        TimeSpan stepLength = TimeSpan.FromSeconds(Math.Max(3, o.Duration.TotalSeconds / 4));
        var runs = new List<RunSummary>();
        var steps = new List<CapacityStep>();
        RunSummary? best = null;
        double bestCpu = 0;
        bool firstStepSaturated = false; // then the first step is the only reference, and the report says so
        double rate = o.Rate / 4;
        for (int step = 1; step <= c.Steps && !ct.IsCancellationRequested; step++, rate *= 1.5)
        {
            IReadOnlyList<ShardCounters> before = await ShardStats.ReadAsync(ctx.Mux);
            // Only the first step warms up (JIT, connections, the script cache); later steps start warm.
            var opts = o with { Rate = rate, Duration = stepLength, WarmUp = step == 1 ? o.WarmUp : TimeSpan.Zero };
            RunSummary r = await ctx.RunAsync(JoinDriver.Build($"capacity-{step}", client, next, null, opts), ct, []);
            double cpu = HotShardCpu(before, await ShardStats.ReadAsync(ctx.Mux), r.Seconds + opts.WarmUp.TotalSeconds);
            bool saturated = r.Ok.P99 > c.SaturationP99Ms || r.FailPercent > c.SaturationFailPercent || r.Rps < 0.9 * rate;
            runs.Add(r);
            steps.Add(new CapacityStep(step.ToString(CultureInfo.InvariantCulture), rate, r.Rps, RunOutput.ToLatency(r.Ok)?.P99, r.FailPercent, cpu, saturated));
            if (saturated && best is not null) break;
            best = r;
            bestCpu = cpu;
            if (saturated) { firstStepSaturated = true; break; }
        }

        double? sustained = best?.Rps;
        // Redis runs the script on one thread: CPU-seconds per second near 1.0 means the shard itself is the limit.
        // Below that the load generator (same 2 cores) ran out first, and the shard's capacity is extrapolated.
        bool clientBound = bestCpu < 0.8;
        // The last step still kept up: nothing saturated, the ladder just ran out of steps.
        bool ladderExhausted = runs.Count == c.Steps && ReferenceEquals(best, runs[^1]);
        double? perShard = clientBound && bestCpu > 0.05 ? sustained / bestCpu : sustained;

        // The harness's ceiling, measured the way redis-benchmark measures (closed model, the same number of calls
        // always in flight), so the two rates compare like for like.
        List<RunSummary> ladder = [.. runs];
        IReadOnlyList<ShardCounters> beforeClosed = await ShardStats.ReadAsync(ctx.Mux);
        RunSummary closed = await ctx.RunAsync(JoinDriver.Build($"capacity-closed{BenchClients}", client, next, null, o with { WarmUp = TimeSpan.Zero },
                LoadSimulation.KeepConstant(BenchClients, stepLength))
            .WithLimits(maxInFlight: BenchClients, maxInvocations: (long)(200_000 * stepLength.TotalSeconds)), ct, []);
        double closedCpu = HotShardCpu(beforeClosed, await ShardStats.ReadAsync(ctx.Mux), closed.Seconds);
        runs.Add(closed);
        var closedRow = new CapacityStep($"closed, {BenchClients} in flight", null, closed.Rps, RunOutput.ToLatency(closed.Ok)?.P99, closed.FailPercent, closedCpu, false);
        (double? redisBench, string notRun) = await RedisBenchmarkAsync(ctx, evt, shard, ct);

        var result = new CapacityResult(perShard, sustained, best is null ? null : bestCpu, clientBound, firstStepSaturated, ladderExhausted,
            slot, shard, steps, closedRow, redisBench);
        // capacity.json is what `sim --capacity-from` reads (perShardOpsPerSec); summary.json holds the same record.
        Directory.CreateDirectory(o.OutputDir);
        ResultFiles.Write(Path.Combine(o.OutputDir, ResultFiles.Capacity), result, ResultFiles.CapacityType);
        string chart = ChartWriter.Lines(Path.Combine(o.OutputDir, "capacity-steps"), "p99 against achieved join rate, one shard", "achieved joins/s", "p99 (ms)",
            [new Series("open model, one step per point", ladder.Select(r => r.Ok.P99).ToList(), ladder.Select(r => r.Rps).ToList())]);
        var report = new CapacityFindings(result, evt, c.SaturationP99Ms, c.SaturationFailPercent, o.Rate / 4, c.Steps, BenchClients, notRun, Path.GetFileName(chart));
        return new(runs, new ScenarioFindings { Data = new LoadFindings { Capacity = result } }, report);
    }

    /// <summary>CPU seconds per second of the busiest shard (by script calls) between two readings.</summary>
    private static double HotShardCpu(IReadOnlyList<ShardCounters> before, IReadOnlyList<ShardCounters> after, double seconds) =>
        ShardStats.Delta(before, after).MaxBy(d => d.ScriptCalls)!.CpuSeconds / Math.Max(seconds, 1e-9);

    /// <summary>
    /// redis-benchmark EVALSHA with the production script on the shard's primary, over the same TLS (and CA) as the
    /// harness. Null, with the reason, when it cannot run like for like: quick mode, the tool missing, or a cluster
    /// that needs a password, which redis-benchmark takes only on its command line (-a), where ps and logs show it.
    /// </summary>
    private static async Task<(double? Rps, string NotRun)> RedisBenchmarkAsync(LoadContext ctx, string evt, string shard, CancellationToken ct)
    {
        if (ctx.Options.Quick) return (null, "quick mode");
        (string? tool, string notRun) = RedisBenchmarkTool.Locate(ctx.Cluster.Auth);
        if (tool is null) return (null, notRun);
        string endpoint = shard.Split(' ')[^1].Trim('(', ')');
        IServer server = ctx.Mux.GetServer(endpoint);
        await server.ScriptLoadAsync(EnqueueScript.Source);
        (string output, int exit) = await RedisBenchmarkTool.RunAsync(tool, RedisBenchmarkTool.EvalShaArgs(endpoint, ctx.Cluster.Auth, evt, BenchClients, 20000, csv: false), ct);
        Match m = Rps().Match(output);
        return m.Success ? (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), "") : (null, $"it printed no rate (exit {exit})");
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?) requests per second")]
    private static partial Regex Rps();
}
