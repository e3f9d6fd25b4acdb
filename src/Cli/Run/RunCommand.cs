using HashtagBench.Keys;
using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Cli.Run;

/// <summary>
/// run: the one command behind run-bench.sh/.ps1. Starts the cluster once, runs the bench suites, the load
/// scenarios and the simulation against it as child processes, writes results/&lt;run-id&gt;/report.md and
/// report.html, and tears the cluster down whatever happens (failure, Ctrl-C, SIGTERM).
/// </summary>
public static class RunCommand
{
    public const int Cancelled = 130;

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Short jobs and scenarios: the whole run in under 5 minutes on 2 cores." };
        var suites = new Option<string?>("--suites") { Description = $"Bench suites, comma-separated: {string.Join(", ", RunPlan.SuiteFilters.Keys)}, or none." };
        var scenarios = new Option<string?>("--scenarios") { Description = "Load scenarios, comma-separated (see the load tool), or none." };
        var noSim = new Option<bool>("--no-sim") { Description = "Skip the ClusterSim comparison." };
        var gate = new Option<bool>("--gate") { Description = "Fail the run when the bench regression gate or a load threshold fails (CI)." };
        var output = new Option<string?>("--out") { Description = "Output folder (default results/<run-id>)." };
        var cluster = new ClusterOptions();
        var cmd = new Command("run", "Run benchmarks, load scenarios and the simulation on one cluster, and write a report with charts.");
        foreach (Option o in new Option[] { quick, suites, scenarios, noSim, gate, output }) cmd.Options.Add(o);
        cluster.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            RunPlan plan;
            try
            {
                plan = RunPlan.Create(r.GetValue(quick), r.GetValue(suites), r.GetValue(scenarios), !r.GetValue(noSim), r.GetValue(gate), r.GetValue(output));
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 2;
            }
            return await ExecuteAsync(plan, c => cluster.StartAsync(r, c), cluster.External(r), ct);
        });
        return cmd;
    }

    public static async Task<int> ExecuteAsync(RunPlan plan, Func<CancellationToken, Task<RunningCluster>> startCluster, ExternalEndpoint? external, CancellationToken ct)
    {
        RepoPaths paths;
        try { paths = RepoPaths.Locate(); }
        catch (InvalidOperationException ex) { Console.Error.WriteLine($"error: {ex.Message}"); return 2; }

        try
        {
            // Fail before starting anything when an entry point the plan needs is not built.
            if (plan.Suites.Count > 0) _ = paths.BenchDll;
        }
        catch (FileNotFoundException ex) { Console.Error.WriteLine($"error: {ex.Message}"); return 2; }

        string runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        string runDir = Path.GetFullPath(plan.OutputDir ?? Path.Combine(paths.Root, "results", runId));
        Directory.CreateDirectory(runDir);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Ctrl-C and SIGTERM cancel the steps; the finally block below still tears the cluster down.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        void Cancel(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            Console.Error.WriteLine("cancelling: stopping the current step and tearing the cluster down...");
            cts.Cancel();
        }

        var sections = new List<ReportSection>();
        var summary = new List<string>();
        EnvironmentInfo env = EnvironmentInfo.Collect(null, "not started");
        RunningCluster? cluster = null;
        var total = Stopwatch.StartNew();
        try
        {
            Console.WriteLine($"run {runId} → {runDir}{(plan.Quick ? " (quick)" : "")}");
            try
            {
                cluster = await startCluster(cts.Token);
                await using ConnectionMultiplexer mux = await cluster.ConnectAsync();
                env = EnvironmentInfo.Collect(mux, $"{cluster} ({cluster.LocalNodes.Count} local processes, ready in {cluster.StartupTime.TotalSeconds:0.0}s)");
            }
            catch (Exception ex) when (ex is ClusterProvisioningException or DotNet.Testcontainers.Builders.DockerUnavailableException or FormatException or ArgumentException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                sections.Add(new ReportSection("Cluster", new StepResult("cluster", "failed", -1, total.Elapsed, Path.Combine(runDir, "run.log"), ex.Message), runDir));
                return 1;
            }

            var steps = new RunSteps(plan, paths, runDir, cluster, external);
            foreach (PlannedStep step in steps.All())
            {
                if (cts.IsCancellationRequested) break;
                Console.WriteLine($"== {step.Title}");
                StepResult result = await StepRunner.RunAsync(step.Name, step.FileName, step.Args, Path.Combine(runDir, "logs", step.Name + ".log"),
                    step.Env, step.Timeout, cts.Token);
                Console.WriteLine($"== {step.Title}: {result.Status} in {result.Duration.TotalSeconds:0}s{(result.Error is null ? "" : $" ({result.Error})")}");
                sections.Add(new ReportSection(step.Title, result, step.OutputFolder));
                if (step.Summarise is not null && Directory.Exists(step.OutputFolder)) summary.AddRange(step.Summarise(step.OutputFolder));
            }
        }
        finally
        {
            if (cluster is not null) await cluster.DisposeAsync();
            var (md, html) = RunReport.Write(runDir, runId, env, sections, summary);
            Console.WriteLine($"report: {md}");
            Console.WriteLine($"report: {html}");
            Console.WriteLine($"total {total.Elapsed.TotalSeconds:0}s");
        }
        if (cts.IsCancellationRequested) return Cancelled;
        var failed = sections.Where(s => !s.Step.Ok && (plan.Gate || !s.Step.Name.EndsWith("gate", StringComparison.Ordinal))).ToList();
        foreach (var s in failed) Console.Error.WriteLine($"error: step '{s.Title}' {s.Step.Status}: {s.Step.Error}");
        return failed.Count == 0 ? 0 : 1;
    }
}
