using HashtagBench.Keys;
using HashtagBench.Contracts;
using HashtagBench.Provisioning;

namespace HashtagBench.Cli.Run;

/// <summary>One child process of a run, where it writes, and how its results feed the summary.</summary>
public sealed record PlannedStep(string Name, string Title, string FileName, IReadOnlyList<string> Args, string OutputFolder, TimeSpan Timeout,
    IReadOnlyDictionary<string, string>? Env = null, Func<string, IEnumerable<string>>? Summarise = null);

/// <summary>Turns a <see cref="RunPlan"/> into the child-process steps, all pointed at the one running cluster.</summary>
public sealed class RunSteps(RunPlan plan, RepoPaths paths, string runDir, RunningCluster cluster, ExternalEndpoint? external)
{
    /// <summary>Environment variable through which child processes attach to the run's cluster instead of starting one.</summary>
    public const string ClusterVariable = "HASHTAG_BENCH_CLUSTER";

    private string Seed => external?.Endpoints ?? ClusterConnector.Format(cluster.Seeds[0]);

    /// <summary>--cluster and credentials for a child that talks to the cluster (the password travels in the environment).</summary>
    private List<string> ClusterArgs()
    {
        var args = new List<string> { "--cluster", Seed };
        if (external?.Tls == true) args.Add("--tls");
        if (external?.User is { } user) args.AddRange(["--user", user]);
        return args;
    }

    private Dictionary<string, string> ClusterEnv()
    {
        var env = new Dictionary<string, string> { [ClusterVariable] = Seed };
        if (external?.Password is { } pw) env["REDIS_PASSWORD"] = pw;
        return env;
    }

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
            yield return new PlannedStep("bench", "Benchmarks", "dotnet", args, benchDir, TimeSpan.FromMinutes(plan.Quick ? 4 : 40), ClusterEnv());

            // The gate needs the gate job's samples (bench/run-gate.sh): quick numbers are partly measured before the
            // JIT's tiering settles and would flag false regressions, so a quick run reports numbers only.
            if (!plan.Quick && Directory.Exists(paths.Baseline))
            {
                string gateDir = Path.Combine(runDir, "gate");
                yield return new PlannedStep("bench-gate", "Regression gate (against results/baseline)", "dotnet",
                    [paths.BenchDll, "compare", "--base", paths.Baseline, "--diff", benchDir, "--threshold", "5%"],
                    gateDir, TimeSpan.FromMinutes(2));
            }
        }

        foreach (string scenario in plan.Scenarios)
        {
            string dir = Path.Combine(runDir, "load", scenario);
            var (exe, prefix) = Self();
            var args = new List<string>(prefix) { "load", "run", scenario, "--out", dir };
            args.AddRange(ClusterArgs());
            if (plan.Quick) args.Add("--quick");
            if (!plan.Gate) args.Add("--no-thresholds");
            yield return new PlannedStep($"load-{scenario}", $"Load: {scenario}", exe, args, dir, TimeSpan.FromMinutes(plan.Quick ? 3 : 20), ClusterEnv(),
                StepSummaries.Load);
        }

        if (plan.Sim)
        {
            string dir = Path.Combine(runDir, "sim");
            var (exe, prefix) = Self();
            var args = new List<string>(prefix) { "sim", "--out", dir, "--events", "50", "--popularity", "zipf:1.1" };
            if (plan.Quick) args.AddRange(["--joins", "1000000", "--seeds", "10"]);
            string? capacity = FindCapacityResult();
            if (capacity is not null) args.AddRange(["--capacity-from", capacity]);
            yield return new PlannedStep("sim", "Simulation (ClusterSim)", exe, args, dir, TimeSpan.FromMinutes(plan.Quick ? 2 : 10), Summarise: StepSummaries.Sim);
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
