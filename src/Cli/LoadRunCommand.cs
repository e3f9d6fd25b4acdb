using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Load;
using HashtagBench.Load.Agents;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>
/// load run SCENARIO: one subcommand per scenario, each declaring only the options it reads: the shared groups (the
/// load shape, output, metrics and cluster options; the agent options where the scenario splits across agents) and
/// its own, which become its <see cref="ScenarioOptions"/> record. Another scenario's option is a parse error (exit 2).
/// </summary>
internal static class LoadRunCommand
{
    public static Command Create()
    {
        var run = new Command("run", "Run a scenario; writes summary.json, timeline.csv, report.md, HdrHistogram logs and charts.");
        foreach (Command c in new[] { MultiEvent(), Strategies(), Duplicates(), HotEvent(), Capacity(), Failover(), Launch() }) run.Subcommands.Add(c);
        return run;
    }

    private static Command MultiEvent() =>
        Scenario(ScenarioNames.MultiEvent, "Joins over --events events with --popularity at --rate, EventTag keys.", LoadShapeParts.All, [], _ => new MultiEventOptions());

    private static Command Strategies()
    {
        var strategies = new Option<string>("--strategies")
        {
            DefaultValueFactory = _ => string.Join(',', new StrategiesOptions().Strategies.Select(s => s.Name)),
            Description = "Comma-separated strategies, run one after another: event, user, bucketed:N, legacy.",
        };
        return Scenario(ScenarioNames.Strategies, "The same joins under each strategy on one cluster: per-shard calls beside ClusterSim's prediction, and legacy's CROSSSLOT incident reproduced.",
            LoadShapeParts.All, [strategies], r => new StrategiesOptions
            {
                Strategies = [.. r.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(KeyStrategy.Parse)],
            });
    }

    private static Command Duplicates()
    {
        var share = new Option<double>("--duplicates") { DefaultValueFactory = _ => new DuplicatesOptions().Share, Description = "Share of attempts that retry an earlier idempotency key." };
        return Scenario(ScenarioNames.Duplicates, "Retries reuse idempotency keys; the streams are audited afterwards (a lost or doubled join fails the run).",
            LoadShapeParts.All, [share], r => new DuplicatesOptions { Share = r.GetValue(share) });
    }

    private static Command HotEvent()
    {
        var defaults = new HotEventOptions();
        var hotShare = new Option<double>("--hot-share") { DefaultValueFactory = _ => defaults.HotShare, Description = "Share of traffic on the hot event." };
        var buckets = new Option<int>("--buckets") { DefaultValueFactory = _ => defaults.Buckets, Description = "Bucket count for the bucketed run." };
        // The hot event sets the popularity itself.
        return Scenario(ScenarioNames.HotEvent, "One event takes --hot-share of the traffic: each shard's CPU and the latency, with and without buckets.",
            LoadShapeParts.Events | LoadShapeParts.Thresholds, [hotShare, buckets], r => new HotEventOptions { HotShare = r.GetValue(hotShare), Buckets = r.GetValue(buckets) });
    }

    private static Command Capacity()
    {
        var defaults = new CapacityOptions();
        var saturationP99 = new Option<double>("--saturation-p99") { DefaultValueFactory = _ => defaults.SaturationP99Ms, Description = "p99 (ms) above which a step counts as saturated." };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.Steps, Description = "Most rate steps (each ×1.5 the last, from --rate/4)." };
        // One event on one shard, and saturation instead of thresholds: no --events, --popularity or --threshold.
        return Scenario(ScenarioNames.Capacity, "Steps the rate up on one shard until it saturates; writes capacity.json for `sim --capacity-from`.",
            LoadShapeParts.None, [saturationP99, steps], r => new CapacityOptions { SaturationP99Ms = r.GetValue(saturationP99), Steps = r.GetValue(steps) });
    }

    private static Command Failover()
    {
        var defaults = new FailoverOptions();
        var fault = new Option<FaultAction?>("--fault") { Description = "The fault (default kill): kill, pause, restart, failover, or lagged-kill (the replica cut off while the primary acknowledges, then the primary killed: the loss window)." }
            .Named(ClusterFaults.ActionNames);
        var faultAt = new Option<double?>("--fault-at") { Description = "Seconds into the measured run (default a third of it)." };
        var faultCommand = new Option<string?>("--fault-command") { Description = "Run this command (/bin/sh -c) at the fault time instead of a built-in fault, e.g. 'aws elasticache test-failover …'; works on external clusters. The endpoint reaches it through HASHTAG_BENCH_* environment variables." };
        var wait = new Option<int>("--wait-replicas") { Description = "Run WAIT <n> <timeout> after each enqueue (fewer lost acks, more latency)." };
        var waitTimeout = new Option<double>("--wait-timeout") { DefaultValueFactory = _ => defaults.WaitTimeout.TotalMilliseconds, Description = "WAIT timeout in ms." };
        var waitAlways = new Option<bool>("--wait-always") { Description = "Send WAIT even when the primary has too few replicas online (shows the head-of-line stall)." };
        var compareWait = new Option<bool>("--compare-wait") { Description = "No WAIT, WAIT 1, WAIT 1 always, and WAIT 1 required (NotReplicated instead of Enqueued), side by side, each on its own events." };
        var retry = new Option<int?>("--retry") { Description = $"Re-send a failed or timed-out join up to N times with the same idempotency key, after a backoff (see --retry-backoff). Default {FailoverScenario.DefaultRetry}, as the reference browser client retries on 5xx (one attempt is capped by the 5 s client timeout, so without retries a pause longer than that looks shorter); 0 turns it off." };
        var retryBackoff = new Option<double?>("--retry-backoff") { Description = "First retry backoff in ms (default 1000); it doubles each retry, up to 8 s, so retries outlive a 3-5 s failover." };
        var requireReplicas = new Option<int>("--require-replicas") { Description = "Answer a join whose WAIT reached fewer than N replicas as a failure (NotReplicated, a gateway's 503) instead of Enqueued." };
        var maxLost = new Option<int?>("--max-lost") { Description = "Fail the run (exit 1) when more than N acknowledged joins were lost." };
        // The fault's runs judge the outage and the audit, not thresholds.
        return Scenario(ScenarioNames.Failover, "A fault on the hot event's primary mid-run: the outage measured, every acknowledged join audited (docs/failover.md).",
            LoadShapeParts.Events | LoadShapeParts.Popularity,
            [fault, faultAt, faultCommand, wait, waitTimeout, waitAlways, compareWait, retry, retryBackoff, requireReplicas, maxLost],
            r => new FailoverOptions
            {
                Fault = r.GetValue(fault) ?? defaults.Fault,
                FaultAt = r.GetValue(faultAt) is double at ? TimeSpan.FromSeconds(at) : null,
                FaultCommand = r.GetValue(faultCommand),
                WaitReplicas = r.GetValue(wait),
                WaitTimeout = TimeSpan.FromMilliseconds(r.GetValue(waitTimeout)),
                WaitAlways = r.GetValue(waitAlways),
                CompareWait = r.GetValue(compareWait),
                Retry = r.GetValue(retry),
                RetryBackoff = r.GetValue(retryBackoff) is double b ? TimeSpan.FromMilliseconds(b) : null,
                RequireReplicas = r.GetValue(requireReplicas),
                MaxLost = r.GetValue(maxLost),
            });
    }

    /// <summary>The launch scenario takes its own options, the output and cluster ones, and --run-id (its keys' prefix).</summary>
    private static Command Launch()
    {
        var launch = new LoadLaunchOptions();
        var output = new LoadOutputOptions();
        var cluster = new ClusterOptions();
        var agent = new AgentOptions();
        var cmd = new Command(LaunchScenario.Name, "A launch file's users, not calls, through the whole waiting room, one strategy after another (docs/rehearsal.md).");
        launch.AddTo(cmd);
        output.AddTo(cmd);
        cluster.AddTo(cmd);
        cmd.Options.Add(agent.RunId);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error,
            () => launch.RunAsync(r, cluster, agent, r.GetValue(output.KeepData), r.GetValue(output.Out), Console.Out, ct), ct));
        return cmd;
    }

    /// <summary>
    /// One scenario's subcommand: its own options, then the shared groups it reads; the action checks both records
    /// before a cluster is started, then runs the scenario on it.
    /// </summary>
    private static Command Scenario(string name, string description, LoadShapeParts parts, Option[] own, Func<ParseResult, ScenarioOptions> get)
    {
        var shape = new LoadShapeOptions(parts);
        var output = new LoadOutputOptions();
        var metrics = new MetricsOptions();
        var cluster = new ClusterOptions();
        // Only the open-model scenarios split across agents: the others have no agent options at all.
        AgentOptions? agent = AgentStart.Scenarios.Contains(name) ? new AgentOptions() : null;
        var cmd = new Command(name, description);
        foreach (Option o in own) cmd.Options.Add(o);
        shape.AddTo(cmd);
        output.AddTo(cmd);
        metrics.AddTo(cmd);
        cluster.AddTo(cmd);
        agent?.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            ExternalEndpoint? external = cluster.External(r);
            ScenarioOptions scenario = get(r);
            LoadOptions options = metrics.Apply(r, shape.Get(r) with
            {
                OutputDir = output.Dir(r, name),
                KeepData = r.GetValue(output.KeepData),
                Agent = agent?.Slice(r, external is not null),
            });
            ScenarioRunner.Validate(scenario, options);
            await using RunningCluster running = await ClusterProvisioner.StartAsync(cluster.Kind(r, external), new ClusterSpec(), external, m => Console.Error.WriteLine(m), ct);
            await using ConnectionMultiplexer mux = await running.ConnectAsync();
            if (options.Agent is { } slice) options = options with { Agent = await agent!.WaitForStartAsync(r, mux, slice, ct) };
            ScenarioResult result = await ScenarioRunner.RunAsync(scenario, options, running, mux, Console.Out, ct);
            return result.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct));
        return cmd;
    }
}
