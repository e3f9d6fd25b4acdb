using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>
/// `load run launch --launch FILE`: the launch's users against a real cluster, one strategy after another. Writes
/// launch-&lt;strategy&gt;.json per strategy and report.md into --out; judged as `run --launch` judges
/// each run (<see cref="LaunchVerdictPolicy"/>), without the model stage.
/// </summary>
internal sealed class LoadLaunchOptions
{
    public Option<string?> Launch { get; } = new("--launch") { Description = "launch scenario: the launch file (JSON, see docs/launch-file.md); required for it." };
    public Option<double> Scale { get; } = new("--scale") { DefaultValueFactory = _ => 1, Description = "launch: shrink users and rates together by this factor in (0, 1] (default 1)." };
    public Option<string?> Strategy { get; } = new("--strategy") { Description = "launch: one strategy (legacy, event, event-all, user, bucketed:N); default: each one the file names, in turn." };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "launch: the seed instead of the file's (users, arrivals, poll jitter, events)." };
    public Option<double> MaxSeconds { get; } = new("--max-seconds") { DefaultValueFactory = _ => LaunchPlan.DefaultMaxSeconds, Description = "launch: hard stop per strategy; visits still waiting then count as unfinished." };
    public Option<ClientMode?> ClientMode { get; } = new("--client-mode")
    {
        Description = "launch: how the gateway's client meets the servers: pooled (go-redis pools, one command per round trip) or multiplexed; default: the launch file's client.mode.",
        CustomParser = Common.EnumParser.Parse<ClientMode>,
    };

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Launch, Scale, Strategy, Seed, MaxSeconds, ClientMode }) cmd.Options.Add(o);
    }

    /// <summary>
    /// The launch's plan from these options (checked, file loaded; nothing started): the same plan `run --launch`
    /// builds, with the model stage off. The default folder is under the current folder.
    /// </summary>
    public LaunchPlan Plan(ParseResult r, AgentOptions agent, bool keepData, string? output)
    {
        string path = r.GetValue(Launch) ?? throw new ArgumentException("launch needs --launch FILE (a launch file, e.g. launches/gateway-30k.json).");
        return LaunchPlan.Create(path, Directory.GetCurrentDirectory(), r.GetValue(Scale), r.GetValue(Strategy) is { } s ? [s] : null, r.GetValue(Seed),
            r.GetValue(MaxSeconds), clientModes: r.GetValue(ClientMode) is { } mode ? [mode] : null, keepData: keepData, outputDir: output, runId: r.GetValue(agent.RunId));
    }

    /// <summary>Runs every strategy asked for. Exit 0, 1 (a threshold or the audit failed), 2 (bad input) or 130 (interrupted).</summary>
    public async Task<int> RunAsync(ParseResult r, ClusterOptions clusterOptions, AgentOptions agent, bool keepData, string? output,
        TextWriter console, CancellationToken ct)
    {
        LaunchPlan plan = Plan(r, agent, keepData, output);
        ExternalEndpoint? external = clusterOptions.External(r);
        await using RunningCluster running = await ClusterProvisioner.StartAsync(clusterOptions.Kind(r, external), new ClusterSpec(), external, m => console.WriteLine(m), ct);
        // Replica reads: a connection that reads every replica (a cluster formed seconds ago may not give one at first).
        await using ConnectionMultiplexer mux = plan.Scaled.File.ReplicaReads
            ? await running.ConnectForReplicaReadsAsync(m => console.WriteLine(m), ct) : await running.ConnectAsync();
        console.WriteLine($"load run launch {plan.Launch.File.Name}: run ID {plan.RunId}, seed {plan.Launch.File.Seed}, {plan.ScaleNote} → {plan.OutputDir}");

        var results = new List<LaunchRunResult>();
        bool failed = false, interrupted = false;
        foreach (WaitingRoomSchema schema in plan.Scaled.Schemas)
        {
            if (interrupted) break;
            var request = new LaunchRunRequest(plan.Scaled, plan.Scale, plan.ScaleNote, schema, plan.RunId, plan.KeyPrefix(schema.Name), plan.KeepData,
                plan.MaxSeconds, ClientMode: plan.ClientModes[0]);
            LaunchRunResult result = await LaunchScenario.RunAsync(request, running, mux, console.WriteLine, ct);
            results.Add(result);
            string file = LaunchScenarioFiles.Write(plan.OutputDir, result);
            var (failures, expected) = LaunchScenarioReport.Verdict(result);
            foreach (string line in LaunchScenarioReport.ConsoleLines(result, failures, expected, file)) console.WriteLine(line);
            failed |= failures.Count > 0;
            interrupted |= result.Interrupted;
        }
        string report = Path.Combine(plan.OutputDir, LaunchScenarioFiles.ReportFile);
        await File.WriteAllTextAsync(report, LaunchScenarioReport.Render(results, interrupted), CancellationToken.None);
        console.WriteLine($"report: {report}");
        if (interrupted) { console.WriteLine("interrupted: the launch was stopped before its end; its thresholds do not pass."); return ExitCodes.Interrupted; }
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
