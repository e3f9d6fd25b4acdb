using HashtagBench.Cli.Common;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;

namespace HashtagBench.Cli.Run;

/// <summary>`run --launch FILE`: what to run.</summary>
/// <param name="Strategies">Comma-separated; null: the file's.</param>
/// <param name="Seed">Overrides the file's seed; null: the file's.</param>
internal sealed record LaunchRunOptions(string LaunchPath, double Scale = 1, string? Strategies = null, ulong? Seed = null, bool KeepData = false,
    string? OutputDir = null, double MaxSeconds = LaunchPlan.DefaultMaxSeconds, double CpuTarget = LaunchCapacity.DefaultTargetCpu)
{
    /// <summary>The client shapes to run each strategy in, the first one's run being the strategy's result; empty: the file's client.mode.</summary>
    public IReadOnlyList<ClientMode> ClientModes { get; init; } = [];
    /// <summary>With --find-ceiling: how far to step the scale up; null: no search.</summary>
    public CeilingSearch? Ceiling { get; init; }
    /// <summary>A cost table from `hashtag-bench calibrate` the model prices CPU with; null: the committed one.</summary>
    public string? CostsPath { get; init; }

    /// <summary>
    /// The launch's plan (checked, file loaded; nothing started): the same plan `load run launch` builds. The default
    /// folder is under <paramref name="repoRoot"/> (null: the checkout this runs from), beside the benchmark run's results.
    /// </summary>
    public LaunchPlan Plan(string? repoRoot = null) => LaunchPlan.Create(LaunchPath,
        OutputDir is null ? repoRoot ?? RepoPaths.Locate().Root : Directory.GetCurrentDirectory(), Scale,
        Strategies?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Seed, MaxSeconds, CpuTarget, ClientModes, KeepData, OutputDir);
}

/// <summary>--find-ceiling's bounds: at most <paramref name="Steps"/> steps above the run's scale, each ×<paramref name="Factor"/> (up to 1), none started after <paramref name="Seconds"/>.</summary>
internal sealed record CeilingSearch(int Steps, double Seconds, double Factor = 1.5);

/// <summary>
/// `run --launch FILE`: the sizing model on the file as written, then, on one cluster, each strategy's live launch at
/// the given scale beside the model's prediction for exactly that run, and one report (report.md, report.html,
/// charts, and each strategy's LaunchRunResult and LaunchComparison as JSON). Exit 0 pass, 1 a comparison out of
/// tolerance or a threshold failed (legacy's CROSSSLOT excepted, see <see cref="LaunchRehearsalReport.Verdict"/>), 2 bad
/// input or an unreachable cluster, 130 interrupted.
/// </summary>
internal static class LaunchRun
{
    /// <param name="completed">Handed the typed rehearsal once its report is written (`run`'s launch step leads its report with it).</param>
    public static async Task<int> ExecuteAsync(LaunchRunOptions o, Func<CancellationToken, Task<RunningCluster>> startCluster, TextWriter output, TextWriter error, CancellationToken ct,
        Action<LaunchRunInput>? completed = null)
    {
        // Every input is checked before a cluster is started.
        LaunchPlan plan = o.Plan();
        CommandCostTable costs = o.CostsPath is { } costsPath ? CommandCostTable.Read(costsPath) : CommandCostTable.Default;
        Launch launch = plan.Launch, scaled = plan.Scaled;
        string scaleNote = plan.ScaleNote, runId = plan.RunId, runDir = plan.OutputDir;
        var total = Stopwatch.StartNew();
        output.WriteLine($"run --launch {launch.File.Name}: run ID {runId}, seed {launch.File.Seed}, {LaunchRehearsalReport.ScaleText(plan.Scale)} ({scaleNote}) → {runDir}");

        // The sizing answer comes from the file as written, on its own topology: no cluster needed.
        var sim = new LaunchSimulator(launch, costs, ct: ct);
        LaunchSimResult fullScale = sim.Run();
        var fullSizing = fullScale.Strategies.ToDictionary(r => r.Schema.Name, r => LaunchCapacity.Size(r, plan.CpuTarget));
        BucketSuggestion buckets = LaunchCapacity.SuggestBuckets(sim, plan.CpuTarget);
        output.WriteLine($"sizing model (full scale, {fullScale.Topology.Description}) in {fullScale.Elapsed.TotalSeconds:0.0} s");

        IReadOnlyList<ClientMode> modes = plan.ClientModes;
        RunningCluster cluster = await startCluster(ct);
        var strategies = new List<LaunchRunStrategy>();
        var ceilings = new List<ScaleCeilingResult>();
        bool interrupted = false, unreachable = false;
        StreamGrowthResult? probe = null;
        string clusterText = cluster.Description;
        try
        {
            Directory.CreateDirectory(runDir);
            // Replica reads: a connection that reads every replica (a cluster formed seconds ago may not give one at first).
            await using ConnectionMultiplexer mux = scaled.File.ReplicaReads
                ? await cluster.ConnectForReplicaReadsAsync(msg => output.WriteLine(msg), ct) : await cluster.ConnectAsync();
            Topology live = Topology.FromSlotOwners(LiveSlotMap.Read(mux));
            output.WriteLine($"cluster: {clusterText} ({live.Description})");
            foreach (WaitingRoomSchema schema in scaled.Schemas)
            {
                if (ct.IsCancellationRequested) { interrupted = true; break; }
                // One prefix per strategy: with --keep-data a later strategy must not find an earlier one's queues.
                string prefix = plan.KeyPrefix(schema.Name);
                var entry = new LaunchRunStrategy(schema.Name, LaunchVerdictPolicy.ExpectedCrossSlot(schema.Name))
                { FullScale = fullSizing.GetValueOrDefault(schema.Name), KeyPrefix = prefix };
                output.WriteLine($"== {schema.Name}: key prefix {prefix}");
                try
                {
                    for (int i = 0; i < modes.Count && !interrupted; i++)
                    {
                        // The first shape is the strategy's result; another one runs on its own keys and files.
                        string suffix = i == 0 ? "" : $"-{modes[i].ToString().ToLowerInvariant()}";
                        string modePrefix = plan.KeyPrefix(schema.Name, suffix);
                        var request = new LaunchRunRequest(scaled, plan.Scale, scaleNote, schema, runId, modePrefix, plan.KeepData, plan.MaxSeconds, ClientMode: modes[i]);
                        // Each run's own prediction: its client shape, and its prefix (untagged keys, legacy's, take their slot from the whole key).
                        LaunchStrategyResult modePredicted = LaunchComparer.Predict(request, live, costs, ct);
                        if (i == 0) entry = entry with { PredictedSteps = ShardStepRates.Of(modePredicted), PredictedAtScale = LaunchCapacity.Size(modePredicted, plan.CpuTarget) };
                        if (modes.Count > 1) output.WriteLine($"   client {modes[i]}:");
                        LaunchRunResult measured = await LaunchScenario.RunAsync(request, cluster, mux, msg => output.WriteLine($"   {msg}"), ct);
                        entry = i == 0 ? entry with { Measured = measured } : entry with { OtherShape = measured };
                        ResultFiles.Write(Path.Combine(runDir, LaunchPlan.ResultFile("launch", schema.Name, suffix)), measured, ResultsJsonContext.Default.LaunchRunResult);
                        output.WriteLine($"   {LaunchRehearsalReport.ClientSentence(measured)}");
                        if (measured.Interrupted || ct.IsCancellationRequested) { interrupted = true; break; }
                        LaunchComparison comparison = LaunchComparer.Compare(modePredicted, measured);
                        entry = i == 0 ? entry with { Comparison = comparison } : entry with { OtherShapeComparison = comparison };
                        ResultFiles.Write(Path.Combine(runDir, LaunchPlan.ResultFile("comparison", schema.Name, suffix)), comparison, ResultsJsonContext.Default.LaunchComparison);
                    }
                    if (interrupted) { strategies.Add(entry); break; }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    interrupted = true;
                    strategies.Add(entry with { Error = "interrupted" });
                    break;
                }
                catch (Exception ex) when (ex is RedisConnectionException or ClusterProvisioningException)
                {
                    // The cluster went away (or refused us) mid-run: report what there is and exit 2.
                    unreachable = true;
                    strategies.Add(entry with { Error = CliErrors.Describe(ex) });
                    output.WriteLine($"   {schema.Name}: {CliErrors.Describe(ex)}");
                    break;
                }
                catch (Exception ex)
                {
                    // A bug in one strategy's step: its stack trace goes to the run log, the report says it did not run, the others still run.
                    File.AppendAllText(Path.Combine(runDir, "run.log"), $"{DateTime.UtcNow:O} {schema.Name}\n{ex}\n\n");
                    entry = entry with { Error = $"{ex.GetType().Name}: {CliErrors.Describe(ex)} (stack trace in run.log)" };
                    output.WriteLine($"   {schema.Name}: {entry.Error}");
                }
                strategies.Add(entry);
            }
            if (o.Ceiling is { } search && !interrupted && !unreachable)
                foreach (LaunchRunStrategy s in strategies.Where(s => s.Measured is { Interrupted: false } && !s.ExpectedCrossSlot).ToList())
                {
                    ScaleCeilingResult found = await CeilingRun.FindAsync(launch, s, modes[0], plan, search, runId, cluster, mux, live, costs, output, ct);
                    ceilings.Add(found);
                    ResultFiles.Write(Path.Combine(runDir, LaunchPlan.ResultFile("ceiling", s.Strategy)), found, ResultsJsonContext.Default.ScaleCeilingResult);
                    output.WriteLine(LaunchRehearsalReport.CeilingSentence(found));
                    if (ct.IsCancellationRequested) { interrupted = true; break; }
                }
            if (!interrupted && !unreachable) probe = await ProbeStreamAsync(mux, scaled, runId, output, ct);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        interrupted |= ct.IsCancellationRequested;

        var input = new LaunchRunInput(launch.File.Name, launch.Source, launch.File.Seed, plan.Scale, scaleNote, runId, clusterText, plan.CpuTarget,
            fullScale.Topology.ShardCount, buckets, strategies,
            LaunchFindings.Compute(fullScale, [.. strategies.Select(s => s.Measured).OfType<LaunchRunResult>()], probe), interrupted)
        {
            Ceilings = ceilings,
            Costs = costs,
        };
        string md = LaunchRehearsalReport.Write(runDir, input);
        string html = Path.Combine(runDir, "report.html");
        File.WriteAllText(html, RunReport.ToHtml(File.ReadAllText(md), runDir, $"launch {launch.File.Name} {runId}"));
        completed?.Invoke(input);

        foreach (LaunchRunStrategy s in strategies) output.WriteLine(LaunchRehearsalReport.SizingSentence(s, input));
        LaunchRunVerdict verdict = LaunchRehearsalReport.Verdict(input);
        foreach (string e in verdict.Expected) output.WriteLine($"expected: {e}");
        output.WriteLine($"report: {md}");
        output.WriteLine($"report: {html}");
        output.WriteLine($"total {total.Elapsed.TotalSeconds:0}s");
        if (interrupted) return ExitCodes.Interrupted;
        foreach (string f in verdict.Failures) error.WriteLine($"error: {f}");
        if (unreachable) return ExitCodes.BadInput;
        return verdict.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Entries the shared-stream probe measures XRANGE - + at (finding 1: Leave/expiry as the stream grows).</summary>
    public static readonly int[] ProbeSizes = [1_000, 10_000, 50_000];

    /// <summary>
    /// Grows one shared anonymous stream on the cluster, after the launches so it does not disturb their counts, and
    /// measures Leave's XRANGE - + at each size. A failed probe leaves finding 1 at n/a instead of failing the run.
    /// </summary>
    private static async Task<StreamGrowthResult?> ProbeStreamAsync(IConnectionMultiplexer mux, Launch launch, string runId, TextWriter output, CancellationToken ct)
    {
        WaitingRoomSchema schema = launch.Schemas.FirstOrDefault(s => LaunchSimulator.ScriptsOf(s).All(p => p.CoLocated)) ?? WaitingRoomSchema.Event;
        try
        {
            StreamGrowthResult r = await StreamGrowthProbe.RunAsync(mux, schema, LaunchPlan.KeyPrefix(runId, "probe"), ProbeSizes, callsPerSize: 20, ct: ct);
            output.WriteLine($"stream probe: XRANGE - + at {string.Join(" / ", r.Points.Select(p => $"{p.Entries:N0}: {p.ClientP50Ms:0.##} ms"))} (client p50)");
            return r;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            output.WriteLine($"stream probe: not measured ({CliErrors.Describe(ex)})");
            return null;
        }
    }
}
