using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;
using System.Diagnostics;

namespace HashtagBench.Cli.Run;

/// <summary>
/// run: the one command behind run-bench.sh/.ps1. Starts the cluster once, runs the bench suites and the
/// simulation against it as child processes and the load scenarios in this process (on the same cluster, so the
/// failover scenario can fault its local nodes), writes results/&lt;run-id&gt;/report.md and
/// report.html, and tears the cluster down whatever happens (failure, Ctrl-C, SIGTERM).
/// </summary>
internal static class RunCommand
{
    public const int Cancelled = ExitCodes.Interrupted;

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Short jobs and scenarios: the whole run in under 5 minutes on 2 cores." };
        var suites = new Option<string?>("--suites") { Description = $"Bench suites, comma-separated: {string.Join(", ", RunPlan.SuiteFilters.Keys)}, or none." };
        var scenarios = new Option<string?>("--scenarios") { Description = $"Load scenarios, comma-separated: {string.Join(", ", RunPlan.KnownScenarios)}, or none." };
        var noSim = new Option<bool>("--no-sim") { Description = "Skip the ClusterSim comparison." };
        var noLaunch = new Option<bool>("--no-launch") { Description = $"Skip the launch rehearsal ({RunPlan.LaunchFile} at a small scale) the report opens with." };
        var gate = new Option<bool>("--gate") { Description = "Fail the run when the bench regression gate or a load threshold fails (CI)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default results/<run-id>)." };
        var keepData = new Option<bool>("--keep-data") { Description = "Leave the load steps' keys on an external cluster (by default they are deleted)." };
        var launch = new LaunchRunCommandOptions();
        var cluster = new ClusterOptions();
        var metrics = new MetricsOptions();
        var cmd = new Command("run", "Run benchmarks, load scenarios and the simulation on one cluster, and write a report with charts; or, with --launch FILE, rehearse a launch.");
        foreach (Option o in new Option[] { quick, suites, scenarios, noSim, noLaunch, gate, output, keepData }) cmd.Options.Add(o);
        launch.AddTo(cmd);
        cluster.AddTo(cmd);
        metrics.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, () =>
        {
            if (launch.Get(r, [quick, suites, scenarios, noSim, noLaunch, gate, metrics.Otlp, metrics.Prometheus], output, keepData) is { } launchOptions)
            {
                ExternalEndpoint? ext = cluster.External(r);
                ProviderKind k = cluster.Kind(r, ext);
                return LaunchRun.ExecuteAsync(launchOptions, c => ClusterProvisioner.StartAsync(k, new ClusterSpec(), ext, m => Console.Error.WriteLine(m), c),
                    Console.Out, Console.Error, ct);
            }
            var export = metrics.Apply(r, new Load.Scenarios.LoadOptions());
            RunPlan plan = RunPlan.Create(r.GetValue(quick), r.GetValue(suites), r.GetValue(scenarios), !r.GetValue(noSim), r.GetValue(gate), r.GetValue(output), launch: !r.GetValue(noLaunch))
                with
            { KeepData = r.GetValue(keepData), OtlpEndpoint = export.OtlpEndpoint, PrometheusPort = export.PrometheusPort };
            ExternalEndpoint? external = cluster.External(r);
            ProviderKind kind = cluster.Kind(r, external);
            return ExecuteAsync(plan, c => ClusterProvisioner.StartAsync(kind, new ClusterSpec(), external, m => Console.Error.WriteLine(m), c), ct);
        }, ct));
        return cmd;
    }

    /// <summary>
    /// Runs the plan on one cluster and writes the report. Exit code: 0 ok, 1 a step (or, with --gate, a gate) failed,
    /// 2 the cluster could not be had, 130 interrupted. The cluster is torn down and the report written whatever happens.
    /// </summary>
    public static async Task<int> ExecuteAsync(RunPlan plan, Func<CancellationToken, Task<RunningCluster>> startCluster, CancellationToken ct)
    {
        RepoPaths paths = RepoPaths.Locate();
        // Fail before starting anything when an entry point the plan needs is not built.
        if (plan.Suites.Count > 0) _ = paths.BenchDll;

        string runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        string runDir = Path.GetFullPath(plan.OutputDir ?? Path.Combine(paths.Root, "results", runId));
        Directory.CreateDirectory(runDir);

        var sections = new List<ReportSection>();
        var summary = new List<string>();
        EnvironmentInfo env = EnvironmentInfo.Collect(null, "not started");
        RunningCluster? cluster = null;
        RunSteps? steps = null;
        var total = Stopwatch.StartNew();
        try
        {
            Console.WriteLine($"run {runId} → {runDir}{(plan.Quick ? " (quick)" : "")}");
            try
            {
                cluster = await startCluster(ct);
                await using ConnectionMultiplexer mux = await cluster.ConnectAsync();
                env = EnvironmentInfo.Collect(mux, $"{cluster.Description}, ready in {cluster.StartupTime.TotalSeconds:0.0}s");
            }
            catch (Exception ex) when (CliErrors.IsInputError(ex) && !ct.IsCancellationRequested)
            {
                sections.Add(new ReportSection("Cluster", new StepResult("cluster", StepStatus.Failed, -1, total.Elapsed, Path.Combine(runDir, "run.log"), CliErrors.Describe(ex)), runDir));
                return CliErrors.Report(Console.Error, ex); // the report is still written, in finally
            }

            steps = new RunSteps(plan, paths, runDir, cluster);
            foreach (PlannedStep step in steps.All())
            {
                if (ct.IsCancellationRequested) break;
                Console.WriteLine($"== {step.Title}");
                StepResult result = await StepRunner.RunAsync(step, Path.Combine(runDir, "logs", step.Name + ".log"), ct);
                Console.WriteLine($"== {step.Title}: {result.StatusLabel} in {result.Duration.TotalSeconds:0}s{(result.Error is null ? "" : $" ({result.Error})")}");
                sections.Add(new ReportSection(step.Title, result, step.OutputFolder) { HarnessLimitedRuns = step.HarnessLimited?.Invoke(step.OutputFolder) });
                if (step.Summarise is not null && Directory.Exists(step.OutputFolder)) summary.AddRange(step.Summarise(step.OutputFolder));
            }
        }
        finally
        {
            if (cluster is not null) await cluster.DisposeAsync();
            string launchNote = plan.Launch is null ? "skipped (--no-launch)"
                : sections.FirstOrDefault(s => s.Step.Name == "launch") is { } ls ? $"the launch step {ls.Step.StatusLabel} before its report ({ls.Step.Error})"
                : "the launch step did not start";
            var (md, html) = RunReport.Write(runDir, runId, [.. env.Rows()], [.. sections.Select(s => s.ToReport())], summary, steps?.Launch, steps?.LaunchFolder, launchNote);
            Console.WriteLine($"report: {md}");
            Console.WriteLine($"report: {html}");
            Console.WriteLine($"total {total.Elapsed.TotalSeconds:0}s");
        }
        if (ct.IsCancellationRequested) return ExitCodes.Interrupted;
        var failed = sections.Where(s => !s.Step.Ok && (plan.Gate || !s.Step.Name.EndsWith("gate", StringComparison.Ordinal))).ToList();
        foreach (var s in failed) Console.Error.WriteLine($"error: step '{s.Title}' {s.Step.StatusLabel}: {s.Step.Error}");
        return failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
