using HashtagBench.Contracts;
using System.CommandLine;
using System.Globalization;
using HashtagBench.Cli.Common;
using HashtagBench.Keys;
using HashtagBench.Load;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HdrHistogram;
using StackExchange.Redis;

namespace HashtagBench.Cli;

/// <summary>load run | merge | list | overhead: the load engine's verbs.</summary>
public static class LoadCommand
{
    /// <summary>Thresholds used when none are given (the CI load gate); generous for 2 shared cores. Given or not, no dropped arrival is allowed unless a rule says otherwise (<see cref="Threshold.ParseRules"/>).</summary>
    public static readonly string[] DefaultThresholds = ["p99 < 100ms", "fail% < 0.5", "rps >= 0.9*target"];

    /// <summary>
    /// A scenario's options when nothing is given: the load verb's defaults, and what `run` uses for its steps.
    /// With <paramref name="gate"/> off the thresholds only report.
    /// </summary>
    public static LoadOptions DefaultOptions(bool quick, bool gate) => new()
    {
        Rate = quick ? 800 : 2000,
        Duration = TimeSpan.FromSeconds(quick ? 5 : 15),
        WarmUp = TimeSpan.FromSeconds(quick ? 1 : 2),
        Quick = quick,
        Thresholds = gate ? Threshold.ParseRules(DefaultThresholds) : [],
    };

    public static Command Create()
    {
        var load = new Command("load", "Load scenarios against a real Redis Cluster (NBomber's model), exact merging of agents' logs, the engine's own overhead.");
        load.Subcommands.Add(RunCommand());
        load.Subcommands.Add(MergeCommand());
        load.Subcommands.Add(ListCommand());
        load.Subcommands.Add(OverheadCommand());
        load.Subcommands.Add(LoadAgentCommands.CompareCommand());
        load.Subcommands.Add(LoadAgentCommands.CleanupCommand());
        return load;
    }

    public static Command RunCommand()
    {
        var scenario = new Argument<string>("scenario") { Description = $"One of: {string.Join(", ", ScenarioRunner.Names)}, {LaunchScenario.Name} (with --launch FILE)" };
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
        var thresholds = new Option<string[]>("--threshold") { Description = "Pass/fail rule, repeatable: 'p99 < 20ms', 'fail% < 0.1', 'rps >= 0.95*target', 'dropped <= 10'. Without a rule on dropped arrivals, 'dropped <= 0' applies.", AllowMultipleArgumentsPerToken = false };
        var noThresholds = new Option<bool>("--no-thresholds") { Description = "Report only; do not fail on thresholds." };
        var quick = new Option<bool>("--quick") { Description = "Short runs (for run --quick and tests)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default results/load/<time>-<scenario>)." };
        var fault = new Option<string>("--fault") { DefaultValueFactory = _ => "kill", Description = "failover: kill | pause | restart | failover | lagged-kill (replica cut off while the primary acknowledges, then the primary is killed: the loss window)" };
        var faultAt = new Option<double?>("--fault-at") { Description = "failover: seconds into the run (default a third of it)." };
        var wait = new Option<int>("--wait-replicas") { Description = "Run WAIT <n> <timeout> after each enqueue (fewer lost acks, more latency)." };
        var waitTimeout = new Option<double>("--wait-timeout") { DefaultValueFactory = _ => 200, Description = "WAIT timeout in ms." };
        var waitAlways = new Option<bool>("--wait-always") { Description = "Send WAIT even when the primary has too few replicas online (shows the head-of-line stall)." };
        var compareWait = new Option<bool>("--compare-wait") { Description = "failover: no WAIT, WAIT 1, WAIT 1 always, and WAIT 1 required (NotReplicated instead of Enqueued), side by side, each on its own events." };
        var retry = new Option<int?>("--retry") { Description = "Re-send a failed or timed-out join up to N times with the same idempotency key, after a backoff (see --retry-backoff). failover: default 2, as the reference browser client retries on 5xx (one attempt is capped by the 5 s client timeout, so without retries a pause longer than that looks shorter); 0 turns it off." };
        var retryBackoff = new Option<double?>("--retry-backoff") { Description = "First retry backoff in ms (default 1000); it doubles each retry, up to 8 s, so retries outlive a 3-5 s failover." };
        var faultCommand = new Option<string?>("--fault-command") { Description = "failover: run this command (/bin/sh -c) at the fault time instead of a built-in fault, e.g. 'aws elasticache test-failover …'; works on external clusters. The endpoint reaches it through HASHTAG_BENCH_* environment variables." };
        var requireReplicas = new Option<int>("--require-replicas") { Description = "Answer a join whose WAIT reached fewer than N replicas as a failure (NotReplicated, a gateway's 503) instead of Enqueued." };
        var maxLost = new Option<int?>("--max-lost") { Description = "failover: fail the run (exit 1) when more than N acknowledged joins were lost." };
        var saturationP99 = new Option<double>("--saturation-p99") { DefaultValueFactory = _ => 50, Description = "capacity: p99 (ms) above which a step counts as saturated." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 12, Description = "capacity: most rate steps (each ×1.5 the last, from --rate/4)." };
        var keepData = new Option<bool>("--keep-data") { Description = "Leave the run's keys on an external cluster (by default every key the run wrote is deleted at the end)." };
        var metrics = new MetricsOptions();
        var cluster = new ClusterOptions();
        var agent = new AgentOptions();
        var launch = new LoadLaunchOptions();

        var cmd = new Command("run", "Run a scenario; writes summary.json, timeline.csv, report.md, HdrHistogram logs and charts.");
        cmd.Arguments.Add(scenario);
        foreach (Option opt in new Option[] { rate, duration, warmup, events, popularity, users, strategies, hotShare, buckets, duplicates, thresholds, noThresholds, quick, output, fault, faultAt, wait, waitTimeout, waitAlways, compareWait, retry, requireReplicas, maxLost, saturationP99, steps })
            cmd.Options.Add(opt);
        cmd.Options.Add(keepData);
        cmd.Options.Add(retryBackoff);
        cmd.Options.Add(faultCommand);
        metrics.AddTo(cmd);
        cluster.AddTo(cmd);
        agent.AddTo(cmd);
        launch.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            string name = r.GetValue(scenario)!.Trim().ToLowerInvariant();
            if (name == LaunchScenario.Name) return await launch.RunAsync(r, cluster, agent, r.GetValue(keepData), r.GetValue(output), Console.Out, ct);
            launch.RefuseOutsideLaunch(r, name);
            if (!ScenarioRunner.Names.Contains(name))
                throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", ScenarioRunner.Names)}.");
            bool q = r.GetValue(quick);
            string[] rules = r.GetValue(thresholds) is { Length: > 0 } given ? given : DefaultThresholds;
            ExternalEndpoint? external = cluster.External(r);
            LoadOptions defaults = DefaultOptions(q, gate: true);
            var options = defaults with
            {
                Rate = r.GetValue(rate) ?? defaults.Rate,
                Duration = r.GetValue(duration) is double d ? TimeSpan.FromSeconds(d) : defaults.Duration,
                WarmUp = r.GetValue(warmup) is double w ? TimeSpan.FromSeconds(w) : defaults.WarmUp,
                Events = r.GetValue(events), Popularity = r.GetValue(popularity)!, Users = r.GetValue(users),
                Strategies = r.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(KeyStrategy.Parse).ToList(),
                HotShare = r.GetValue(hotShare), Buckets = r.GetValue(buckets), DuplicateShare = r.GetValue(duplicates),
                Thresholds = r.GetValue(noThresholds) ? [] : Threshold.ParseRules(rules),
                Quick = q, Fault = r.GetValue(fault)!, FaultAt = r.GetValue(faultAt) is double fa ? TimeSpan.FromSeconds(fa) : null,
                WaitReplicas = r.GetValue(wait), WaitTimeout = TimeSpan.FromMilliseconds(r.GetValue(waitTimeout)), WaitAlways = r.GetValue(waitAlways),
                CompareWait = r.GetValue(compareWait), Retry = r.GetValue(retry), RequireReplicas = r.GetValue(requireReplicas), MaxLost = r.GetValue(maxLost),
                SaturationP99Ms = r.GetValue(saturationP99), CapacitySteps = r.GetValue(steps),
                KeepData = r.GetValue(keepData),
                Agent = agent.Slice(r, name, external is not null),
                RetryBackoff = r.GetValue(retryBackoff) is double rb ? TimeSpan.FromMilliseconds(rb) : null, FaultCommand = r.GetValue(faultCommand),
                OutputDir = Path.GetFullPath(r.GetValue(output) ?? Path.Combine("results", "load", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{name}")),
            };
            options = metrics.Apply(r, options);
            options.Validate();
            if (options.Strategies.Count == 0) throw new ArgumentException("--strategies names no strategy: give e.g. event,user,bucketed:8,legacy.");
            if (name == "failover" && options.FaultCommand is null) ClusterFaults.ParseAction(options.Fault);
            ProviderKind kind = cluster.Kind(r, external);
            await using RunningCluster running = await ClusterProvisioner.StartAsync(kind, new ClusterSpec(), external, m => Console.Error.WriteLine(m), ct);
            await using ConnectionMultiplexer mux = await running.ConnectAsync();
            if (options.Agent is { } slice) options = options with { Agent = await agent.WaitForStartAsync(r, mux, slice, ct) };
            ScenarioResult result = await ScenarioRunner.RunAsync(name, options, running, mux, Console.Out, ct);
            return result.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct));
        return cmd;
    }

    public static Command MergeCommand()
    {
        var files = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, Description = "Load agents' result folders (load run --agent), or HdrHistogram .hlog files." };
        var output = new Option<string?>("--out") { Description = "Folders: the merged result's folder (default results/load/<time>-merged). Logs: write the merged histograms as a new .hlog file." };
        var thresholds = new Option<string[]>("--threshold") { Description = "Folders: judge the merged run by these rules instead of the agents' own (repeatable; 'dropped <= 0' unless one is on dropped arrivals)." };
        var cmd = new Command("merge", "Merge load agents exactly: their result folders into one result (histograms added, timelines summed per second, audits joined, thresholds judged on the merge), or .hlog files into combined percentiles.");
        cmd.Arguments.Add(files);
        cmd.Options.Add(output);
        cmd.Options.Add(thresholds);
        cmd.SetAction(r => CliErrors.Guard(Console.Error, () =>
        {
            string[] paths = r.GetValue(files)!;
            int folders = paths.Count(Directory.Exists);
            if (folders == paths.Length) return LoadAgentCommands.MergeFolders(paths, r.GetValue(output), r.GetValue(thresholds));
            if (folders > 0) throw new ArgumentException("merge takes either agents' result folders or .hlog files, not both.");
            var (ok, fail) = HistogramLogs.Merge(paths);
            foreach (var (tag, h) in new[] { ("ok", ok), ("fail", fail) })
            {
                var p = Percentiles.From(h);
                Console.WriteLine(p.Count == 0
                    ? $"{tag}: count 0, no latency (n/a)"
                    : string.Create(CultureInfo.InvariantCulture,
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
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static Command ListCommand()
    {
        var cmd = new Command("list", "List the scenarios.");
        cmd.SetAction(_ =>
        {
            foreach (string s in ScenarioRunner.Names) Console.WriteLine(s);
            Console.WriteLine($"{LaunchScenario.Name} (--launch FILE)");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static Command OverheadCommand()
    {
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "Seconds per rate." };
        var cmd = new Command("overhead", "Measure how many injections per second the engine sustains on its intended schedule (no-op scenario).");
        cmd.Options.Add(seconds);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            await OverheadProbe.MeasureAsync(TimeSpan.FromSeconds(r.GetValue(seconds)), Console.Out, ct);
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
