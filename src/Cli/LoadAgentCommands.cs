using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Load;
using HashtagBench.Load.Agents;
using HashtagBench.Load.Compare;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;
using System.Globalization;

namespace HashtagBench.Cli;

/// <summary>The agent options (--agent, --start-at, --run-id and the clock bounds) of the `load run` scenarios that split across agents, declared once.</summary>
internal sealed class AgentOptions
{
    public Option<string?> Agent { get; } = new("--agent") { Description = "Load agent mode: this process is agent i of N (0-based, e.g. 1/3); it sends arrivals k with k mod N = i, and its own users and idempotency keys." };
    public Option<string?> StartAt { get; } = new("--start-at") { Description = "Agent mode: the UTC instant (ISO-8601, e.g. 2026-11-25T18:00:00Z) at which every agent starts, on the cluster's clock (Redis TIME)." };
    public Option<string?> RunId { get; } = new("--run-id") { Description = "Agent mode: the run ID every agent shares (r + letters/digits); it prefixes every key, so cleanup by prefix finds them all." };
    public Option<double> MaxClockSkew { get; } = new("--max-clock-skew") { DefaultValueFactory = _ => AgentStart.DefaultMaxClockSkew.TotalMilliseconds, Description = "Agent mode: refuse to start (exit 2) when this machine's clock is further than this (ms) from the cluster's." };
    public Option<double> MaxLateStart { get; } = new("--max-late-start") { DefaultValueFactory = _ => AgentStart.DefaultMaxLateStart.TotalSeconds, Description = "Agent mode: refuse to start (exit 2) when --start-at passed more than this many seconds ago." };

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Agent, StartAt, RunId, MaxClockSkew, MaxLateStart }) cmd.Options.Add(o);
    }

    /// <summary>The slice asked for, or null without --agent. Agent mode needs --start-at and --run-id.</summary>
    public AgentSlice? Slice(ParseResult r, bool externalCluster)
    {
        if (r.GetValue(Agent) is not { } text)
        {
            if (r.GetValue(StartAt) is not null || r.GetValue(RunId) is not null)
                throw new ArgumentException("--start-at and --run-id are for load agents: give --agent i/N too.");
            return null;
        }
        if (!externalCluster) throw new ArgumentException("--agent needs --cluster: the agents of a run share one cluster (each would otherwise start its own).");
        var (index, count) = AgentStart.ParseAgent(text);
        string startAt = r.GetValue(StartAt) ?? throw new ArgumentException("--agent needs --start-at: the UTC instant every agent starts at.");
        string runId = r.GetValue(RunId) ?? throw new ArgumentException("--agent needs --run-id: the run ID every agent shares.");
        if (!(r.GetValue(MaxClockSkew) > 0)) throw new ArgumentException("--max-clock-skew must be a positive number of ms.");
        if (!(r.GetValue(MaxLateStart) >= 0)) throw new ArgumentException("--max-late-start cannot be negative.");
        return new AgentSlice(AgentStart.CheckRunId(runId), index, count, AgentStart.ParseStartAt(startAt));
    }

    /// <summary>Checks the clock against the cluster's and waits for the start; returns the slice with its measured offset.</summary>
    public Task<AgentSlice> WaitForStartAsync(ParseResult r, ConnectionMultiplexer mux, AgentSlice slice, CancellationToken ct) =>
        AgentStart.WaitForStartAsync(mux, slice, TimeSpan.FromMilliseconds(r.GetValue(MaxClockSkew)), TimeSpan.FromSeconds(r.GetValue(MaxLateStart)), Console.Out, ct);
}

/// <summary>load merge of agents' result folders, load compare, and load cleanup: the verbs of runs beyond one machine.</summary>
internal static class LoadAgentCommands
{
    /// <summary>Merges agents' result folders (all arguments folders); exit 1 when the merged run fails its thresholds or checks.</summary>
    public static int MergeFolders(IReadOnlyList<string> dirs, string? output, string[]? thresholds)
    {
        string outDir = Path.GetFullPath(output ?? Path.Combine("results", "load", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-merged"));
        AgentMergeResult merged = AgentMerge.MergeAndWrite(dirs, outDir, thresholds is { Length: > 0 } ? Threshold.ParseRules(thresholds) : null);
        Console.WriteLine($"merged {merged.Summary.MergedAgents!.Count} agents of run {merged.Summary.MergedAgents[0].RunId} ({merged.Summary.Scenario})");
        ScenarioRunner.PrintRuns(merged.Runs.Select(r => r.Summary).ToList(), Console.Out);
        if (!merged.Summary.ChecksPassed) Console.WriteLine($"scenario check failed: see {merged.ReportPath}");
        Console.WriteLine($"report: {merged.ReportPath}");
        return merged.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    public static Command CompareCommand()
    {
        var baseDir = new Argument<string>("base") { Description = "The known-good load result folder (e.g. the base commit's run)." };
        var diffDir = new Argument<string>("diff") { Description = "The candidate load result folder." };
        var maxP99 = new Option<string>("--max-p99-regression") { DefaultValueFactory = _ => "10%", Description = "Largest p99 growth that passes (exact p99, and the per-second p99 series by Mann-Whitney)." };
        var noise = new Option<double>("--noise-ms") { DefaultValueFactory = _ => LoadCompareSettings.Default.NoiseMs, Description = "Per-second p99 shifts below this many ms are never a regression." };
        var maxFail = new Option<double>("--max-fail-increase") { DefaultValueFactory = _ => LoadCompareSettings.Default.MaxFailIncrease, Description = "Largest growth of the fail rate that passes, in percentage points." };
        var maxDrift = new Option<double>("--max-shard-drift") { DefaultValueFactory = _ => LoadCompareSettings.Default.MaxShardDrift, Description = "Largest move of a shard's share of calls that passes, in percentage points." };
        var allowUnknown = new Option<bool>("--allow-unknown") { Description = "Pass a run whose per-second series is too short for the test to judge." };
        var output = new Option<string?>("--out") { Description = "Also write the Markdown summary to this file (e.g. for a pull-request comment)." };
        var cmd = new Command("compare", "Compare two load results (exact percentiles to p99.99, per-second p99 by Mann-Whitney, fail rate, shard shares); exit 1 on a regression.");
        cmd.Arguments.Add(baseDir);
        cmd.Arguments.Add(diffDir);
        foreach (Option o in new Option[] { maxP99, noise, maxFail, maxDrift, allowUnknown, output }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Guard(Console.Error, () =>
        {
            if (!(r.GetValue(noise) >= 0) || !(r.GetValue(maxFail) >= 0) || !(r.GetValue(maxDrift) >= 0))
                throw new ArgumentException("--noise-ms, --max-fail-increase and --max-shard-drift cannot be negative.");
            var settings = new LoadCompareSettings(LoadCompareSettings.ParsePercent(r.GetValue(maxP99)!, "--max-p99-regression"), r.GetValue(noise), r.GetValue(maxFail), r.GetValue(maxDrift))
            {
                AllowUnknown = r.GetValue(allowUnknown),
            };
            LoadComparison c = LoadCompare.Compare(LoadCompare.Read(r.GetValue(baseDir)!), LoadCompare.Read(r.GetValue(diffDir)!), settings);
            string md = LoadCompareReport.Render(c, settings);
            Console.Write(md);
            if (r.GetValue(output) is { } path) File.WriteAllText(path, md);
            return c.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return cmd;
    }

    /// <summary>Deletes a run's keys from a cluster: what load agents leave for after the last of them finished.</summary>
    public static Command CleanupCommand()
    {
        var runId = new Option<string?>("--run-id") { Description = "The load agents' run whose keys to delete (every key it wrote carries it)." };
        var prefix = new Option<string?>("--prefix") { Description = "Or a key prefix to delete by, e.g. hb:19a66fba: (the prefix `run --launch` and `load run launch` print)." };
        var cluster = new ClusterOptions();
        var cmd = new Command("cleanup", "Delete every key of a run (SCAN + UNLINK by its prefix) from an external cluster, e.g. after load agents finished.");
        cmd.Options.Add(runId);
        cmd.Options.Add(prefix);
        cluster.AddTo(cmd, endpointOnly: true);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            string id = (r.GetValue(runId), r.GetValue(prefix)) switch
            {
                ({ } run, null) => AgentStart.CheckRunId(run),
                (null, { } p) => KeyCleanup.CheckPrefix(p),
                _ => throw new ArgumentException("cleanup needs exactly one of --run-id (load agents) or --prefix (a launch run's key prefix)."),
            };
            ExternalEndpoint external = cluster.External(r) ?? throw new ArgumentException("cleanup needs --cluster: it only deletes from a cluster someone else runs.");
            await using RunningCluster running = await ClusterProvisioner.StartAsync(ProviderKind.External, new ClusterSpec(), external, m => Console.Error.WriteLine(m), ct);
            await using ConnectionMultiplexer mux = await running.ConnectAsync();
            long removed = await KeyCleanup.RemoveRunKeysAsync(mux, id, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"removed {removed} key(s) of run {id}"));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
