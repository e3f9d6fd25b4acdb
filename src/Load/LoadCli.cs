using HashtagBench.Keys;
using System.CommandLine;
using System.Globalization;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HdrHistogram;
using StackExchange.Redis;

namespace HashtagBench.Load;

/// <summary>The load tool's verbs. Exit codes: 0 ok, 1 a threshold or a scenario check failed, 2 bad input or no cluster.</summary>
public static class LoadCli
{
    public const int Failed = 1, BadInput = 2;

    /// <summary>Thresholds used when none are given (the CI load gate); generous for 2 shared cores.</summary>
    public static readonly string[] DefaultThresholds = ["p99 < 100ms", "fail% < 0.5", "rps >= 0.9*target"];

    public static Command RunCommand()
    {
        var scenario = new Argument<string>("scenario") { Description = $"One of: {string.Join(", ", Catalog.Scenarios.Keys)}" };
        var rate = new Option<double?>("--rate") { Description = "Joins per second to inject (default 2000; quick 800)." };
        var duration = new Option<double?>("--duration") { Description = "Seconds of measured load per run (default 15; quick 5)." };
        var warmup = new Option<double?>("--warmup") { Description = "Warm-up seconds before measuring (default 2; quick 1)." };
        var events = new Option<int>("--events") { DefaultValueFactory = _ => 20, Description = "Events on sale." };
        var popularity = new Option<string>("--popularity") { DefaultValueFactory = _ => "zipf:1.0", Description = "uniform | zipf:S | hot:SHARE" };
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 100_000, Description = "Distinct users." };
        var strategies = new Option<string>("--strategies") { DefaultValueFactory = _ => "event,user,bucketed:8,legacy", Description = "strategies scenario: comma-separated." };
        var hotShare = new Option<double>("--hot-share") { DefaultValueFactory = _ => 0.5, Description = "hot-event: share of traffic on the hot event." };
        var buckets = new Option<int>("--buckets") { DefaultValueFactory = _ => 8, Description = "hot-event: bucket count for the bucketed run." };
        var duplicates = new Option<double>("--duplicates") { DefaultValueFactory = _ => 0.3, Description = "duplicates: share of attempts that retry an earlier key." };
        var thresholds = new Option<string[]>("--threshold") { Description = "Pass/fail rule, repeatable: 'p99 < 20ms', 'fail% < 0.1', 'rps >= 0.95*target'.", AllowMultipleArgumentsPerToken = false };
        var noThresholds = new Option<bool>("--no-thresholds") { Description = "Report only; do not fail on thresholds." };
        var quick = new Option<bool>("--quick") { Description = "Short runs (for run-bench --quick and tests)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default results/load/<time>-<scenario>)." };
        var fault = new Option<string>("--fault") { DefaultValueFactory = _ => "kill", Description = "failover: kill | pause | restart | failover" };
        var faultAt = new Option<double?>("--fault-at") { Description = "failover: seconds into the run (default a third of it)." };
        var wait = new Option<int>("--wait-replicas") { Description = "Run WAIT <n> <timeout> after each enqueue (fewer lost acks, more latency)." };
        var waitTimeout = new Option<double>("--wait-timeout") { DefaultValueFactory = _ => 200, Description = "WAIT timeout in ms." };
        var waitAlways = new Option<bool>("--wait-always") { Description = "Send WAIT even when the primary has too few replicas online (shows the head-of-line stall)." };
        var compareWait = new Option<bool>("--compare-wait") { Description = "failover: no WAIT, WAIT 1, and WAIT 1 always, side by side." };
        var cluster = new Option<string?>("--cluster") { Description = "Existing cluster host:port (default: start a local 3-shard/6-node cluster)." };
        var tls = new Option<bool>("--tls") { Description = "TLS to --cluster." };
        var user = new Option<string?>("--user") { Description = "ACL user for --cluster." };
        var password = new Option<string?>("--password") { Description = "Password for --cluster (or REDIS_PASSWORD)." };
        var saturationP99 = new Option<double>("--saturation-p99") { DefaultValueFactory = _ => 50, Description = "capacity: p99 (ms) above which a step counts as saturated." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 12, Description = "capacity: most rate steps (each ×1.5 the last, from --rate/4)." };
        var provider = new Option<string>("--provider") { DefaultValueFactory = _ => "auto", Description = "auto | local | testcontainers" };

        var cmd = new Command("run", "Run a scenario; writes summary.json, timeline.csv, report.md, HdrHistogram logs and charts.");
        cmd.Arguments.Add(scenario);
        foreach (Option opt in new Option[] { saturationP99, steps, rate, duration, warmup, events, popularity, users, strategies, hotShare, buckets, duplicates, thresholds, noThresholds, quick, output, fault, faultAt, wait, waitTimeout, waitAlways, compareWait, cluster, tls, user, password, provider })
            cmd.Options.Add(opt);
        cmd.SetAction(async (r, ct) =>
        {
            string name = r.GetValue(scenario)!.Trim().ToLowerInvariant();
            LoadOptions options;
            ProviderKind kind;
            try
            {
                if (!Catalog.Scenarios.ContainsKey(name))
                    throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", Catalog.Scenarios.Keys)}.");
                bool q = r.GetValue(quick);
                string[] rules = r.GetValue(thresholds) is { Length: > 0 } given ? given : DefaultThresholds;
                options = new LoadOptions
                {
                    Rate = r.GetValue(rate) ?? (q ? 800 : 2000),
                    Duration = TimeSpan.FromSeconds(r.GetValue(duration) ?? (q ? 5 : 15)),
                    WarmUp = TimeSpan.FromSeconds(r.GetValue(warmup) ?? (q ? 1 : 2)),
                    Events = r.GetValue(events), Popularity = r.GetValue(popularity)!, Users = r.GetValue(users),
                    Strategies = r.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(KeyStrategy.Parse).ToList(),
                    HotShare = r.GetValue(hotShare), Buckets = r.GetValue(buckets), DuplicateShare = r.GetValue(duplicates),
                    Thresholds = r.GetValue(noThresholds) ? [] : rules.Select(Threshold.Parse).ToList(),
                    Quick = q, Fault = r.GetValue(fault)!, FaultAt = r.GetValue(faultAt) is double fa ? TimeSpan.FromSeconds(fa) : null,
                    WaitReplicas = r.GetValue(wait), WaitTimeout = TimeSpan.FromMilliseconds(r.GetValue(waitTimeout)), WaitAlways = r.GetValue(waitAlways), CompareWait = r.GetValue(compareWait), SaturationP99Ms = r.GetValue(saturationP99), CapacitySteps = r.GetValue(steps),
                    Password = r.GetValue(password) ?? Environment.GetEnvironmentVariable("REDIS_PASSWORD"),
                    OutputDir = Path.GetFullPath(r.GetValue(output) ?? Path.Combine("results", "load", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{name}")),
                };
                options.Validate();
                if (name == "failover") ClusterFaults.ParseAction(options.Fault);
                kind = ClusterProvisioner.ParseKind(r.GetValue(provider)!);
            }
            catch (Exception ex) when (IsInputError(ex))
            {
                Console.Error.WriteLine($"error: {Describe(ex)}");
                return BadInput;
            }
            string? endpoint = r.GetValue(cluster) ?? Environment.GetEnvironmentVariable("HASHTAG_BENCH_CLUSTER");
            var external = endpoint is null ? null : new ExternalEndpoint(endpoint, r.GetValue(tls), r.GetValue(user), options.Password);
            return await RunAsync(name, options, external, kind, ct);
        });
        return cmd;
    }

    public static async Task<int> RunAsync(string name, LoadOptions options, ExternalEndpoint? external, ProviderKind provider, CancellationToken ct)
    {
        RunningCluster cluster;
        try
        {
            cluster = await ClusterProvisioner.StartAsync(external is null ? provider : ProviderKind.External, new ClusterSpec(), external, m => Console.Error.WriteLine(m), ct);
        }
        catch (Exception ex) when (ex is ClusterProvisioningException or DotNet.Testcontainers.Builders.DockerUnavailableException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return BadInput;
        }
        await using (cluster)
        {
            ConnectionMultiplexer mux;
            try { mux = await cluster.ConnectAsync(); }
            catch (ClusterProvisioningException ex) { Console.Error.WriteLine($"error: {ex.Message}"); return BadInput; }
            await using (mux)
            {
                ScenarioResult result;
                try { result = await ScenarioRunner.RunAsync(name, options, cluster, mux, Console.Out, ct); }
                catch (Exception ex) when (IsInputError(ex)) { Console.Error.WriteLine($"error: {Describe(ex)}"); return BadInput; }
                return result.Passed ? 0 : Failed;
            }
        }
    }

    /// <summary>Errors that mean the user asked for something impossible (as opposed to a bug): one line, exit 2.</summary>
    private static bool IsInputError(Exception ex) => ex is ArgumentException or FormatException or ClusterSim.SimInputException;

    /// <summary>
    /// The message alone, on one line. ArgumentException appends " (Parameter 'x')" and the actual value on a new
    /// line, which is for developers; our messages already name the option.
    /// </summary>
    public static string Describe(Exception ex)
    {
        string first = ex.Message.Split('\n')[0].Trim();
        return ex is ArgumentException { ParamName: { } p } && first.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
            ? first[..^$" (Parameter '{p}')".Length]
            : first;
    }

    public static Command MergeCommand()
    {
        var files = new Argument<string[]>("logs") { Arity = ArgumentArity.OneOrMore, Description = "HdrHistogram .hlog files from one or more load agents." };
        var output = new Option<string?>("--out") { Description = "Write the merged histograms as a new .hlog file." };
        var cmd = new Command("merge", "Merge HdrHistogram logs from several load agents exactly and print the combined percentiles.");
        cmd.Arguments.Add(files);
        cmd.Options.Add(output);
        cmd.SetAction(r =>
        {
            try
            {
                var (ok, fail) = MergeLogs(r.GetValue(files)!);
                foreach (var (tag, h) in new[] { ("ok", ok), ("fail", fail) })
                {
                    var p = Percentiles.From(h);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{tag}: count {p.Count}, p50 {p.P50:0.000} ms, p75 {p.P75:0.000}, p95 {p.P95:0.000}, p99 {p.P99:0.000}, p99.9 {p.P999:0.000}, max {p.Max:0.000} ms"));
                }
                if (r.GetValue(output) is { } path)
                {
                    using FileStream fs = File.Create(path);
                    using var writer = new HistogramLogWriter(fs);
                    ok.Tag = "ok"; fail.Tag = "fail";
                    writer.Write(DateTime.UtcNow, ok, fail);
                    Console.WriteLine($"merged log: {path}");
                }
                return 0;
            }
            catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return BadInput;
            }
        });
        return cmd;
    }

    /// <summary>Adds every interval histogram of every log, by tag: the exact combined distribution.</summary>
    public static (HistogramBase Ok, HistogramBase Fail) MergeLogs(IEnumerable<string> paths)
    {
        HistogramBase ok = new LongHistogram(Stats.HighestMicros, 3), fail = new LongHistogram(Stats.HighestMicros, 3);
        foreach (string path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"No such log: {path}", path);
            using FileStream fs = File.OpenRead(path);
            using var reader = new HistogramLogReader(fs);
            try
            {
                foreach (HistogramBase h in reader.ReadHistograms())
                    (h.Tag == "fail" ? fail : ok).Add(h);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                throw new FormatException($"{path} is not a readable HdrHistogram log ({ex.Message}).", ex);
            }
        }
        return (ok, fail);
    }

    public static Command ListCommand()
    {
        var cmd = new Command("list", "List the scenarios.");
        cmd.SetAction(_ => { foreach (string s in Catalog.Scenarios.Keys) Console.WriteLine(s); return 0; });
        return cmd;
    }
}
