using HashtagBench.Contracts;
using HashtagBench.Load;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Cli.Run;

/// <summary>
/// One step of a run: a child process (<see cref="FileName"/> and <see cref="Args"/>: the benchmarks, the
/// simulation) or work done in this process on the run's own cluster (<see cref="InProcess"/>: the load scenarios,
/// which need the cluster's local processes for faults). Where it writes, and how its results feed the summary.
/// </summary>
internal sealed record PlannedStep(string Name, string Title, string OutputFolder, TimeSpan Timeout,
    string FileName = "", IReadOnlyList<string>? Args = null, IReadOnlyDictionary<string, string>? Env = null,
    Func<CancellationToken, Task<int>>? InProcess = null, Func<string, IEnumerable<string>>? Summarise = null,
    Func<string, IReadOnlyList<string>?>? HarnessLimited = null);

/// <summary>Turns a <see cref="RunPlan"/> into its steps, all pointed at the one running cluster.</summary>
internal sealed class RunSteps(RunPlan plan, RepoPaths paths, string runDir, RunningCluster cluster)
{
    /// <summary>The launch step's typed rehearsal once it ran; null before, or when it stopped before its report.</summary>
    public LaunchRunInput? Launch { get; private set; }

    /// <summary>Where the launch step writes its report, charts and JSON.</summary>
    public string LaunchFolder => Path.Combine(runDir, "launch");

    /// <summary>
    /// The cluster as a child sees it: the external endpoint with its credentials, or the local cluster's nodes.
    /// Handed down through the environment, so no secret reaches a child's command line.
    /// </summary>
    private IReadOnlyDictionary<string, string> ClusterEnv() =>
        (cluster.Auth ?? new ExternalEndpoint(string.Join(",", cluster.Seeds.Select(ClusterConnector.Format)))).ToEnvironment();

    /// <summary>
    /// The steps in order. Lazy on purpose: each step is planned after the previous one ran, so the simulation
    /// can take the capacity the load step just measured.
    /// </summary>
    public IEnumerable<PlannedStep> All()
    {
        if (plan.Suites.Count > 0)
        {
            string benchDir = Path.Combine(runDir, "bench");
            var args = new List<string> { paths.BenchDll, "--filter" };
            args.AddRange(plan.Suites.Select(s => RunPlan.SuiteFilters[s]));
            // Quick: a short job with fewer, shorter iterations; numbers are indicative, ratios still hold within the run.
            args.AddRange(plan.Quick
                ? ["--job", "short", "--warmupCount", "3", "--iterationCount", "3", "--iterationTime", "100"]
                : ["--job", "short"]);
            args.AddRange(["--artifacts", benchDir]);
            yield return new PlannedStep("bench", "Benchmarks", benchDir, TimeSpan.FromMinutes(plan.Quick ? 4 : 40), "dotnet", args, ClusterEnv());

            // The gate needs the gate job's samples (bench/run-gate.sh): quick numbers are partly measured before the
            // JIT's tiering settles and would flag false regressions, so a quick run reports numbers only.
            if (!plan.Quick && Directory.Exists(paths.Baseline))
            {
                string gateDir = Path.Combine(runDir, "gate");
                yield return new PlannedStep("bench-gate", "Regression gate (against results/baseline)", gateDir, TimeSpan.FromMinutes(2), "dotnet",
                    [paths.BenchDll, "compare", "--base", paths.Baseline, "--diff", benchDir, "--threshold", "5%"]);
            }
        }

        foreach (string name in plan.Scenarios)
        {
            string dir = Path.Combine(runDir, "load", name);
            // Each scenario at its defaults: the shared load (quick or full, gated or not) and the scenario's own record.
            var options = LoadCommand.DefaultOptions(plan.Quick, gate: plan.Gate) with { OutputDir = dir, KeepData = plan.KeepData, OtlpEndpoint = plan.OtlpEndpoint, PrometheusPort = plan.PrometheusPort };
            ScenarioOptions scenario = ScenarioOptions.Default(name);
            yield return new PlannedStep($"load-{name}", $"Load: {name}", dir, TimeSpan.FromMinutes(plan.Quick ? 3 : 20),
                InProcess: async ct =>
                {
                    await using ConnectionMultiplexer mux = await cluster.ConnectAsync();
                    ScenarioResult result = await ScenarioRunner.RunAsync(scenario, options, cluster, mux, Console.Out, ct);
                    return result.Passed ? 0 : 1;
                },
                Summarise: StepSummaries.Load, HarnessLimited: StepSummaries.HarnessLimitedRuns);
        }

        if (plan.Launch is { } launch)
        {
            // The committed launch plan, rehearsed on this run's cluster by the same code as `run --launch` (which
            // disposes the cluster it is given: it gets a borrowed one, so the run still owns the teardown).
            var options = new LaunchRunOptions(Path.Combine(paths.Root, launch.File), launch.Scale, launch.Strategies,
                KeepData: plan.KeepData, OutputDir: LaunchFolder, MaxSeconds: launch.MaxSeconds);
            yield return new PlannedStep("launch", $"Launch rehearsal: {Path.GetFileNameWithoutExtension(launch.File)}", LaunchFolder, TimeSpan.FromMinutes(plan.Quick ? 4 : 20),
                InProcess: ct => LaunchRun.ExecuteAsync(options, _ => Task.FromResult(cluster.Borrow()), Console.Out, Console.Error, ct, r => Launch = r));
        }

        if (plan.Sim)
        {
            string dir = Path.Combine(runDir, "sim");
            var (exe, prefix) = Self();
            var args = new List<string>(prefix) { "sim", "--out", dir, "--events", "50", "--popularity", "zipf:1.1" };
            if (plan.Quick) args.AddRange(["--joins", "1000000", "--seeds", "10"]);
            string? capacity = FindCapacityResult();
            if (capacity is not null) args.AddRange(["--capacity-from", capacity]);
            yield return new PlannedStep("sim", "Simulation (ClusterSim)", dir, TimeSpan.FromMinutes(plan.Quick ? 2 : 10), exe, args, Summarise: StepSummaries.Sim);
        }
    }

    /// <summary>
    /// The capacity scenario's result from this run (its step writes <see cref="ResultFiles.Capacity"/> into
    /// &lt;run&gt;/load/capacity), which sizes the simulation's capacity plan; null when that step did not run.
    /// </summary>
    private string? FindCapacityResult()
    {
        string path = Path.Combine(runDir, "load", ScenarioNames.Capacity, ResultFiles.Capacity);
        return File.Exists(path) ? path : null;
    }

    /// <summary>How to start this same CLI again: the apphost, or dotnet plus this assembly.</summary>
    private static (string Exe, string[] Prefix) Self()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(RunSteps).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [dll]) : (process, []);
    }
}
