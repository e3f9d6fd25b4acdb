using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.Reporting;
using HashtagBench.Statistics;
using HdrHistogram;
using StackExchange.Redis;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HashtagBench.Bench;

/// <summary>
/// One round of the latency-floor suite: the same enqueue script on the same shard, measured three ways.
/// <paramref name="SeRedis"/> is the sequential StackExchange.Redis round trip (one join awaited after another),
/// <paramref name="RedisBenchmark"/> redis-benchmark -c 1 (null when it could not run like for like).
/// </summary>
internal sealed record LatencyFloorRound(int Round, RunSummary Harness, Percentiles SeRedis, RedisBenchmarkResult? RedisBenchmark)
{
    /// <summary>
    /// The same sequential loop with ~1 ms of sleep between calls, the harness's spacing at 800/s: what a round trip
    /// costs when the client's threads go idle between calls. Empty when not measured.
    /// </summary>
    public Percentiles SeRedisPaced { get; init; } = Percentiles.Empty;

    /// <summary>
    /// The same open-model run through the load path's hop-free client (<see cref="HopFreeConnection"/>: the injector
    /// sends, the connection's reader thread completes the reply and records it): null where it cannot go (TLS, a
    /// password) or was not run.
    /// </summary>
    public RunSummary? HopFree { get; init; }

    /// <summary>Hop-free harness p50 (from the intended start) over redis-benchmark -c 1's: the issue's floor, target ≤ 1.5.</summary>
    public double? HopFreeToRedisBenchmark => HopFree is { Ok.IsEmpty: false } h && RedisBenchmark is { P50Ms: > 0 } rb ? h.Ok.P50 / rb.P50Ms : null;

    /// <summary>Harness (StackExchange.Redis) p50 over redis-benchmark -c 1's.</summary>
    public double? HarnessToRedisBenchmark => Harness.Ok.IsEmpty || RedisBenchmark is not { P50Ms: > 0 } rb ? null : Harness.Ok.P50 / rb.P50Ms;

    /// <summary>Harness join p50 (from the intended start, as every load report shows it) over the sequential SE.Redis p50.</summary>
    public double? HarnessToSeRedis => Harness.Ok.IsEmpty || SeRedis.IsEmpty ? null : Harness.Ok.P50 / SeRedis.P50;
    /// <summary>The same from the actual send: without the injector's lateness.</summary>
    public double? HarnessFromSendToSeRedis => Harness.FromSend.IsEmpty || SeRedis.IsEmpty ? null : Harness.FromSend.P50 / SeRedis.P50;
    /// <summary>Harness join p50 over the paced SE.Redis p50: the like-for-like comparison, both idle between calls.</summary>
    public double? HarnessToSeRedisPaced => Harness.Ok.IsEmpty || SeRedisPaced.IsEmpty ? null : Harness.Ok.P50 / SeRedisPaced.P50;
    /// <summary>SE.Redis p50 over redis-benchmark's: what the .NET client adds to the wire and Redis.</summary>
    public double? SeRedisToRedisBenchmark => SeRedis.IsEmpty || RedisBenchmark is not { P50Ms: > 0 } rb ? null : SeRedis.P50 / rb.P50Ms;
}

/// <summary>
/// latency-floor: is the harness's latency floor Redis's, or its own? In one run, on the shard that owns one event's
/// slot and with the production enqueue script, it measures (a) the harness's join p50 at a low open rate through the
/// real engine, (b) StackExchange.Redis's sequential round trip and (c) redis-benchmark -c 1, then prints the two
/// ratios harness/SE.Redis and SE.Redis/redis-benchmark. A plain timed loop, not BenchmarkDotNet: the quantity is a
/// latency distribution of network calls, and all three must share one cluster and one moment.
/// </summary>
internal static class LatencyFloor
{
    public const string Verb = "latency-floor";
    /// <summary>The issue's target: harness join p50 at a low rate ≤ 1.5 × the sequential SE.Redis round trip.</summary>
    public const double TargetRatio = 1.5;

    public static int Run(string[] args, InvocationConfiguration io)
    {
        var rate = new Option<double>("--rate") { Description = "The harness's open rate, joins/s.", DefaultValueFactory = _ => 800 };
        var seconds = new Option<double>("--seconds") { Description = "Length of each harness run (plus a 1 s warm-up).", DefaultValueFactory = _ => 5 };
        var calls = new Option<int>("--calls") { Description = "Sequential SE.Redis joins and redis-benchmark requests per round.", DefaultValueFactory = _ => 10_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of all three (the ratios' median is reported).", DefaultValueFactory = _ => 3 };
        var output = new Option<string?>("--artifacts") { Description = "Folder for latency-floor.md (default results/bench/<UTC time>)." };
        var cmd = new Command(Verb, "Harness join p50 vs StackExchange.Redis sequential vs redis-benchmark -c 1, same shard, same script, one run.");
        foreach (Option o in new Option[] { rate, seconds, calls, rounds, output }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            double perSecond = r.GetValue(rate), length = r.GetValue(seconds);
            int n = r.GetValue(calls), k = r.GetValue(rounds);
            if (perSecond is <= 0 or > 100_000 || length is <= 0 or > 120 || n is < 100 or > 1_000_000 || k is < 1 or > 20)
            {
                io.Error.WriteLine("error: --rate must be in (0, 100000], --seconds in (0, 120], --calls in [100, 1000000], --rounds in [1, 20]");
                return ExitCodes.BadInput;
            }
            string dir = r.GetValue(output) ?? BenchConfig.DefaultArtifactsPath(BenchConfig.NewRunName(DateTimeOffset.UtcNow));
            BenchCluster cluster;
            try { cluster = await BenchCluster.StartAsync(); }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException or IOException or TimeoutException)
            {
                io.Error.WriteLine($"error: no cluster to measure: {ex.Message.Split('\n')[0]}");
                return ExitCodes.BadInput;
            }
            await using (cluster)
            {
                var settings = new Settings(perSecond, TimeSpan.FromSeconds(length), n, k);
                (IReadOnlyList<LatencyFloorRound> measured, string shard, string? notRun) = await MeasureAsync(cluster.Cluster, cluster.Mux, settings, io.Output, ct);
                string md = Markdown(measured, settings, shard, notRun);
                io.Output.WriteLine(md);
                Directory.CreateDirectory(dir);
                string path = Path.Combine(dir, "latency-floor.md");
                await File.WriteAllTextAsync(path, md, ct);
                io.Output.WriteLine($"results: {path}");
                // A round whose harness or loop measured nothing has no ratio: the run fails rather than print n/a as a pass.
                return ct.IsCancellationRequested ? ExitCodes.Interrupted
                    : measured.All(x => x.HarnessToSeRedis is not null) ? ExitCodes.Ok : ExitCodes.Failed;
            }
        });
        return BenchCli.Invoke(cmd, "bench latency-floor", args, io);
    }

    public sealed record Settings(double Rate, TimeSpan During, int Calls, int Rounds);

    /// <summary>Every round on the shard that owns one fresh event's slot. Returns the rounds, the shard, and why redis-benchmark did not run (null when it did).</summary>
    public static async Task<(IReadOnlyList<LatencyFloorRound> Rounds, string Shard, string? RedisBenchmarkNotRun)> MeasureAsync(
        RunningCluster cluster, ConnectionMultiplexer mux, Settings s, TextWriter progress, CancellationToken ct)
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        string evt = $"lf-{run}";
        string endpoint = SlotOwner.Find(LiveSlotMap.Read(mux), HashSlot.Of(evt)).Split(' ')[^1].Trim('(', ')');
        await mux.GetServer(endpoint).ScriptLoadAsync(EnqueueScript.Source).ConfigureAwait(false);
        var client = new EnqueueClient(mux, KeyStrategy.EventTag, new EnqueueOptions { Mode = SendMode.EvalSha });
        long seq = 0;
        (string, string, string) Next() { long i = Interlocked.Increment(ref seq); return (evt, $"u{i & 1023}", $"{run}-{i}"); }
        // Warm the connection, the script cache and the JIT before anything is timed.
        for (int i = 0; i < 1000; i++) await JoinOrThrowAsync(client, Next()).ConfigureAwait(false);
        (string? tool, string notRun) = RedisBenchmarkTool.Locate(cluster.Auth);
        // The hop-free client speaks plain TCP without AUTH: elsewhere its column is n/a.
        using HopFreeConnection? hopFree = cluster.Auth is { Tls: true } || cluster.Auth?.Password is not null ? null : await HopFreeConnection.OpenAsync(endpoint, ct).ConfigureAwait(false);

        var rounds = new List<LatencyFloorRound>();
        for (int round = 1; round <= s.Rounds && !ct.IsCancellationRequested; round++)
        {
            Percentiles seRedis = await SequentialAsync(client, Next, s.Calls, null, ct).ConfigureAwait(false);
            Percentiles paced = await SequentialAsync(client, Next, (int)Math.Min(s.Calls, s.Rate * s.During.TotalSeconds), TimeSpan.FromMilliseconds(1), ct).ConfigureAwait(false);
            Scenario harness = JoinDriver.Build($"latency-floor-{s.Rate:0}", client, _ => Next(), null,
                new LoadOptions { Rate = s.Rate, Duration = s.During, WarmUp = TimeSpan.FromSeconds(1) });
            RunSummary h = await new LoadRunner(harness).RunAsync(ct).ConfigureAwait(false);
            RunSummary? hf = null;
            if (hopFree is not null)
            {
                var join = new HopFreeJoin(hopFree, evt, $"{run}-hf{round}");
                Scenario hs = Scenario.CreateValue($"latency-floor-hop-free-{s.Rate:0}", join.CallAsync)
                    .WithWarmUpDuration(TimeSpan.FromSeconds(1))
                    .WithLoadSimulations(JoinDriver.Steady(s.Rate, s.During))
                    .WithLimits(maxInFlight: 5_000, maxInvocations: (long)(s.Rate * (s.During.TotalSeconds + 1) * 2) + 1_000);
                hf = await new LoadRunner(hs).RunAsync(ct).ConfigureAwait(false);
            }
            RedisBenchmarkResult? rb = null;
            if (tool is not null)
            {
                (string output, int exit) = await RedisBenchmarkTool.RunAsync(tool,
                    RedisBenchmarkTool.EvalShaArgs(endpoint, cluster.Auth, evt, clients: 1, s.Calls, csv: true), ct).ConfigureAwait(false);
                rb = RedisBenchmarkTool.ParseCsv(output);
                if (rb is null) notRun = $"it printed no result (exit {exit})";
            }
            var r = new LatencyFloorRound(round, h, seRedis, rb) { SeRedisPaced = paced, HopFree = hf };
            rounds.Add(r);
            progress.WriteLine(F($"// round {round}: harness p50 {h.Ok.Show(h.Ok.P50, "0.000")} ms (from send {h.FromSend.Show(h.FromSend.P50, "0.000")}), SE.Redis p50 {seRedis.Show(seRedis.P50, "0.000")} ms, redis-benchmark p50 {(rb is null ? "n/a" : rb.P50Ms.ToString("0.000", CultureInfo.InvariantCulture))} ms"));
        }
        return (rounds, endpoint, rounds.Any(r => r.RedisBenchmark is not null) ? null : notRun);
    }

    /// <summary>
    /// The production join's EVALSHA (EnqueueClient's keys under the event tag, fresh idempotency key, users from 1,024)
    /// over a <see cref="HopFreeConnection"/>, one pooled call slot per call in flight.
    /// </summary>
    private sealed class HopFreeJoin(HopFreeConnection conn, string evt, string run)
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(RespCall Call, byte[] Buffer)> _free = new();
        private long _seq;

        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<Response> CallAsync(ScenarioContext ctx)
        {
            if (!_free.TryDequeue(out var slot)) slot = (new RespCall(), new byte[1024]);
            try
            {
                long i = Interlocked.Increment(ref _seq);
                string user = "u" + (i & 1023).ToString(CultureInfo.InvariantCulture);
                int n = RespCommand.Write(slot.Buffer, "EVALSHA", EnqueueScript.Sha1Hex, "2", $"dedupe:{{{evt}}}:{run}-{i}", $"stream:event:{{{evt}}}:user:{user}",
                    "t" + i.ToString(CultureInfo.InvariantCulture), evt, user, "3600");
                RespReply r = await conn.SendAsync(slot.Call, slot.Buffer.AsSpan(0, n)).ConfigureAwait(false);
                return !r.IsError && r.Integer == 1 ? Response.Ok("enqueued") : Response.Fail(r.IsError ? "error" : "not-enqueued", r.Error);
            }
            finally { _free.Enqueue(slot); }
        }
    }

    /// <summary>One join awaited after another (optionally <paramref name="gap"/> apart): the client's round trip with nothing queued behind it.</summary>
    private static async Task<Percentiles> SequentialAsync(EnqueueClient client, Func<(string, string, string)> next, int calls, TimeSpan? gap, CancellationToken ct)
    {
        var h = new LongHistogram(Stats.HighestMicros, 3);
        for (int i = 0; i < calls && !ct.IsCancellationRequested; i++)
        {
            var join = next();
            long start = Stopwatch.GetTimestamp();
            await JoinOrThrowAsync(client, join).ConfigureAwait(false);
            h.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds));
            // A blocking sleep, as the injector's: Task.Delay would wait for the timer queue's 1 ms+ tick.
            if (gap is TimeSpan g) Thread.Sleep(g);
        }
        return Percentiles.From(h);
    }

    private static async Task JoinOrThrowAsync(EnqueueClient client, (string Event, string User, string Idem) j)
    {
        JoinResult r = await client.JoinAsync(j.Event, j.User, j.Idem).ConfigureAwait(false);
        // A failed join would time an error path; stop instead of reporting it.
        if (r is not JoinResult.Enqueued) throw new InvalidOperationException($"join {j.Idem} did not enqueue: {r}");
    }

    /// <summary>The rounds, the median ratios against the target, and what redis-benchmark could not do.</summary>
    public static string Markdown(IReadOnlyList<LatencyFloorRound> rounds, Settings s, string shard, string? redisBenchmarkNotRun)
    {
        var md = new StringBuilder(F($"# Latency floor: {s.Rate:0} joins/s for {s.During.TotalSeconds:0.#} s vs {s.Calls} sequential calls, shard {shard}\n\n"));
        md.AppendLine(F($"Injector: {LoadRunner.InjectorKind}. Same enqueue script (EVALSHA), same shard, one process, {rounds.Count} round(s); p50/p99 in ms.\n"));
        md.Append(MarkdownTable.Render(rounds,
            new("round", r => r.Round),
            new("harness p50 (intended)", r => Ms(r.Harness.Ok, r.Harness.Ok.P50), "0.000"),
            new("harness p99", r => Ms(r.Harness.Ok, r.Harness.Ok.P99), "0.000"),
            new("harness p50 from send", r => Ms(r.Harness.FromSend, r.Harness.FromSend.P50), "0.000"),
            new("lateness p50", r => Ms(r.Harness.Lateness, r.Harness.Lateness.P50), "0.000"),
            new("lateness p99", r => Ms(r.Harness.Lateness, r.Harness.Lateness.P99), "0.000"),
            new("SE.Redis p50", r => Ms(r.SeRedis, r.SeRedis.P50), "0.000"),
            new("SE.Redis p99", r => Ms(r.SeRedis, r.SeRedis.P99), "0.000"),
            new("SE.Redis ~1 ms apart p50", r => Ms(r.SeRedisPaced, r.SeRedisPaced.P50), "0.000"),
            new("redis-benchmark p50", r => r.RedisBenchmark?.P50Ms, "0.000"),
            new("redis-benchmark p99", r => r.RedisBenchmark?.P99Ms, "0.000"),
            new("hop-free p50 (intended)", r => r.HopFree is { } h ? Ms(h.Ok, h.Ok.P50) : null, "0.000"),
            new("hop-free p50 from send", r => r.HopFree is { } h ? Ms(h.FromSend, h.FromSend.P50) : null, "0.000"),
            new("harness/SE.Redis", r => r.HarnessToSeRedis, "0.00"),
            new("harness/redis-benchmark", r => r.HarnessToRedisBenchmark, "0.00"),
            new("hop-free/redis-benchmark", r => r.HopFreeToRedisBenchmark, "0.00"),
            new("from send/SE.Redis", r => r.HarnessFromSendToSeRedis, "0.00"),
            new("SE.Redis/redis-benchmark", r => r.SeRedisToRedisBenchmark, "0.00")));
        double? harness = Median(rounds.Select(r => r.HarnessToSeRedis)), fromSend = Median(rounds.Select(r => r.HarnessFromSendToSeRedis));
        double? client = Median(rounds.Select(r => r.SeRedisToRedisBenchmark));
        md.AppendLine();
        md.AppendLine(F($"**harness / SE.Redis = {MarkdownTable.Cell(harness, "0.00")}** (median; from the actual send {MarkdownTable.Cell(fromSend, "0.00")}); target ≤ {TargetRatio:0.0}: ") +
            (harness is double h ? h <= TargetRatio ? "**met**." : "**missed**." : "n/a (nothing measured)."));
        md.AppendLine(F($"SE.Redis with ~1 ms between calls (the harness's spacing, threads idle between calls) / SE.Redis back to back = {MarkdownTable.Cell(Median(rounds.Select(r => r.SeRedisPaced.IsEmpty || r.SeRedis.IsEmpty ? (double?)null : r.SeRedisPaced.P50 / r.SeRedis.P50)), "0.00")}; ") +
            F($"harness / SE.Redis ~1 ms apart = {MarkdownTable.Cell(Median(rounds.Select(r => r.HarnessToSeRedisPaced)), "0.00")} (medians): what the client costs when it idles between calls, and what the harness adds on top.\n"));
        double? hopFreeRatio = Median(rounds.Select(r => r.HopFreeToRedisBenchmark));
        md.AppendLine(F($"**hop-free harness / redis-benchmark -c 1 = {MarkdownTable.Cell(hopFreeRatio, "0.00")}** (median; the StackExchange.Redis harness: {MarkdownTable.Cell(Median(rounds.Select(r => r.HarnessToRedisBenchmark)), "0.00")}); target ≤ {TargetRatio:0.0}: ") +
            (hopFreeRatio is double hfr ? hfr <= TargetRatio ? "**met**.\n" : "**missed**.\n" : "n/a (not run: TLS or a password, or redis-benchmark missing).\n"));
        md.AppendLine(F($"**SE.Redis / redis-benchmark = {MarkdownTable.Cell(client, "0.00")}** (median)") +
            (redisBenchmarkNotRun is null ? "." : $"; redis-benchmark was not run: {redisBenchmarkNotRun}."));
        return md.ToString();
    }

    private static double? Ms(Percentiles p, double value) => p.IsEmpty ? null : value;

    private static double? Median(IEnumerable<double?> values)
    {
        var v = values.OfType<double>().ToList();
        return v.Count == 0 ? null : Quantiles.Median(v);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
