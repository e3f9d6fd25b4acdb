using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Cli;

/// <summary>
/// `load run launch --launch FILE`: the launch's users against a real cluster, one strategy after another. Writes
/// launch-&lt;strategy&gt;.json per strategy and report.md into --out.
/// </summary>
public sealed partial class LoadLaunchOptions
{
    public Option<string?> Launch { get; } = new("--launch") { Description = "launch scenario: the launch file (JSON, see README); required for it." };
    public Option<double> Scale { get; } = new("--scale") { DefaultValueFactory = _ => 1, Description = "launch: shrink users and rates together by this factor in (0, 1] (default 1)." };
    public Option<string?> Strategy { get; } = new("--strategy") { Description = "launch: one strategy (legacy, event, event-all, user, bucketed:N); default: each one the file names, in turn." };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "launch: the seed instead of the file's (users, arrivals, poll jitter, events)." };
    public Option<double> MaxSeconds { get; } = new("--max-seconds") { DefaultValueFactory = _ => 600, Description = "launch: hard stop per strategy; visits still waiting then count as unfinished." };

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Launch, Scale, Strategy, Seed, MaxSeconds }) cmd.Options.Add(o);
    }

    /// <summary>Refuses launch options on another scenario (they would be ignored silently).</summary>
    public void RefuseOutsideLaunch(ParseResult r, string scenario)
    {
        if (r.GetValue(Launch) is not null || r.GetValue(Strategy) is not null || r.GetValue(Seed) is not null)
            throw new ArgumentException($"--launch, --strategy and --seed are for the launch scenario, not {scenario}.");
    }

    /// <summary>Runs every strategy asked for. Exit 0, 1 (a threshold or the audit failed), 2 (bad input) or 130 (interrupted).</summary>
    public async Task<int> RunAsync(ParseResult r, ClusterOptions clusterOptions, AgentOptions agent, bool keepData, string? output,
        TextWriter console, CancellationToken ct)
    {
        if (r.GetValue(agent.Agent) is not null) throw new ArgumentException("launch does not split across load agents (--agent): run it from one machine.");
        string path = r.GetValue(Launch) ?? throw new ArgumentException("launch needs --launch FILE (a launch file, e.g. launches/gateway-30k.json).");
        double scale = r.GetValue(Scale);
        double maxSeconds = r.GetValue(MaxSeconds);
        if (!(maxSeconds > 0) || double.IsInfinity(maxSeconds)) throw new ArgumentException($"--max-seconds must be a positive number (got {maxSeconds.ToString(CultureInfo.InvariantCulture)}).");
        string runId = r.GetValue(agent.RunId) ?? LaunchScenario.NewRunId();
        if (!RunIdRule().IsMatch(runId)) throw new ArgumentException($"--run-id '{runId}' must be 4-32 letters, digits, '-' or '_' (it goes into every key).");

        Launch launch = LaunchFileLoader.Load(path);
        if (r.GetValue(Seed) is ulong seed) launch = LaunchFileLoader.Parse(LaunchFileLoader.ToJson(launch.File with { Seed = seed }), launch.Source);
        if (r.GetValue(Strategy) is { } strategy) launch = launch.WithStrategies([strategy]);
        (Launch scaled, string note) = LaunchScaling.Scale(launch, scale);
        string outDir = Path.GetFullPath(output ?? Path.Combine("results", "load", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-launch"));

        ExternalEndpoint? external = clusterOptions.External(r);
        await using RunningCluster running = await ClusterProvisioner.StartAsync(clusterOptions.Kind(r, external), new ClusterSpec(), external, m => console.WriteLine(m), ct);
        // Replica reads: a connection that reads every replica (a cluster formed seconds ago may not give one at first).
        await using ConnectionMultiplexer mux = scaled.File.ReplicaReads
            ? await running.ConnectForReplicaReadsAsync(m => console.WriteLine(m), ct) : await running.ConnectAsync();

        var results = new List<LaunchRunResult>();
        bool failed = false, interrupted = false;
        IReadOnlyList<WaitingRoomSchema> schemas = scaled.Schemas;
        for (int i = 0; i < schemas.Count && !interrupted; i++)
        {
            // Kept keys of one strategy must not meet the next one's (same seed: same idempotency keys), so each gets its own run ID then.
            string id = keepData && schemas.Count > 1 ? $"{runId}-{i}" : runId;
            var request = new LaunchRunRequest(scaled, scale, note, schemas[i], id, LaunchScenario.KeyPrefixFor(id), keepData, maxSeconds);
            LaunchRunResult result = await LaunchScenario.RunAsync(request, running, mux, console.WriteLine, ct);
            results.Add(result);
            string file = LaunchScenarioReport.Write(outDir, result);
            IReadOnlyList<string> audit = LaunchVerdicts.Audit(result.Users, result.Steps);
            Print(console, result, audit, file);
            failed |= !result.ThresholdsPassed || audit.Count > 0;
            interrupted |= result.Interrupted;
        }
        string report = Path.Combine(outDir, LaunchScenarioReport.ReportFile);
        await File.WriteAllTextAsync(report, LaunchScenarioReport.Markdown(results, interrupted), CancellationToken.None);
        console.WriteLine($"report: {report}");
        if (interrupted) { console.WriteLine("interrupted: the launch was stopped before its end; its thresholds do not pass."); return ExitCodes.Interrupted; }
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static void Print(TextWriter console, LaunchRunResult r, IReadOnlyList<string> audit, string file)
    {
        LaunchLifecycle u = r.Users;
        LaunchStepResult all = r.Steps.Single(s => s.Step == LaunchVerdicts.AllSteps);
        string p99 = string.Join(", ", r.Steps.Where(s => s.Requests > 0).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Step} {s.AllLatency!.P99:0.0}")));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Strategy}: {u.Users:N0} visits (entered {u.Entered:N0}, left {u.Left:N0}, expired {u.Expired:N0}, failed {u.Failed:N0}, unfinished {u.Unfinished:N0}); {all.Requests:N0} requests in {r.Seconds:0.0} s, {all.Failed:N0} failed; p99 ms: {p99}"));
        foreach (var (reason, n) in u.FailureReasons) console.WriteLine($"  failed visits: {reason} ×{n}");
        foreach (ThresholdCheck t in r.Thresholds.Where(t => !t.Pass))
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threshold failed: {r.Strategy}: {t.Threshold} (actual {(t.NoData ? "n/a" : t.Actual.ToString("0.###", CultureInfo.InvariantCulture))})"));
        foreach (string p in audit) console.WriteLine($"audit failed: {r.Strategy}: {p}");
        console.WriteLine($"  {file}");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{4,32}$")]
    private static partial Regex RunIdRule();
}
