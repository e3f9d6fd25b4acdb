using HashtagBench.Cli.Common;
using HashtagBench.Cli.Run;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.CommandLine;
using System.Diagnostics;

namespace HashtagBench.Cli;

/// <summary>
/// bench: the BenchmarkDotNet suites and the compare gate. They live in their own app (BenchmarkDotNet rebuilds
/// the project that holds the benchmarks), so this verb forwards every argument it does not know to that app
/// unchanged, and hands the cluster down through the environment: the password never reaches its command line.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var cmd = new Command("bench", "Run the BenchmarkDotNet suites (--filter '*Slot*' --job short|dry, --list flat, ...) or the regression gate (compare --base DIR --diff DIR); arguments pass through to BenchmarkDotNet.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        cluster.AddTo(cmd, endpointOnly: true);
        cmd.Subcommands.Add(LaunchCeilingCommand());
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            ExternalEndpoint? external = cluster.External(r);
            string dll = RepoPaths.Locate().BenchDll;
            var args = new List<string> { dll };
            args.AddRange(r.UnmatchedTokens);
            return await ForwardAsync("dotnet", args, external?.ToEnvironment(), ct);
        }, ct));
        return cmd;
    }

    /// <summary>
    /// bench launch-ceiling: the harness's client path against redis-benchmark -c N on the hot shard's mix of a launch
    /// (<see cref="LaunchCeiling"/>). Runs in this process: the harness side must be the harness's own client code.
    /// </summary>
    private static Command LaunchCeilingCommand()
    {
        var launch = new Option<string>("--launch") { Description = "Launch file whose hot-shard mix is driven.", DefaultValueFactory = _ => Path.Combine("launches", "gateway-30k.json") };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per side, split over the mix's commands.", DefaultValueFactory = _ => 10 };
        var clients = new Option<int>("--clients") { Description = "redis-benchmark connections (-c) and harness closed-loop callers.", DefaultValueFactory = _ => 50 };
        var output = new Option<string?>("--artifacts") { Description = "Folder for launch-ceiling.md and .json (default results/bench/<UTC time>)." };
        var cluster = new ClusterOptions();
        var cmd = new Command(LaunchCeiling.Verb, "Harness vs redis-benchmark -c 50 on the hot shard's command mix of a launch, side by side, counted by the server; prints the ratio.");
        foreach (Option o in new Option[] { launch, seconds, clients, output }) cmd.Options.Add(o);
        cluster.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(r.InvocationConfiguration.Error, async () =>
        {
            TextWriter o = r.InvocationConfiguration.Output, e = r.InvocationConfiguration.Error;
            Launch file = LaunchFileLoader.Load(r.GetValue(launch)!);
            var settings = new LaunchCeiling.Settings(r.GetValue(seconds), r.GetValue(clients));
            if (settings.Clients is < 1 or > 10_000) throw new ArgumentException("--clients must be in [1, 10000].");
            if (settings.SecondsPerSide is not (> 0 and <= 3600)) throw new ArgumentException("--seconds must be in (0, 3600].");
            (string? tool, string notRun) = RedisBenchmarkTool.Locate(cluster.External(r));
            if (tool is null)
            {
                e.WriteLine($"error: redis-benchmark cannot run: {notRun}.");
                return ExitCodes.BadInput;
            }
            await using RunningCluster running = await cluster.StartAsync(r, ct);
            await using ConnectionMultiplexer mux = await running.ConnectAsync();
            LaunchCeilingResult result;
            try { result = await LaunchCeiling.MeasureAsync(file, running, mux, tool, settings, m => e.WriteLine(m), ct); }
            catch (Exception ex) when (ex is OperationCanceledException || CliErrors.IsInterruption(ex, ct)) { return ExitCodes.Interrupted; }
            catch (RedisException ex) { return CliErrors.Report(e, ex); }
            string md = Reporting.LaunchCeilingReport.Render(result);
            o.WriteLine(md);
            string dir = r.GetValue(output) ?? Path.Combine("results", "bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "launch-ceiling.md"), md, ct);
            await File.WriteAllTextAsync(Path.Combine(dir, "launch-ceiling.json"), ResultFiles.Serialize(result, ResultsJsonContext.Default.LaunchCeilingResult) + "\n", ct);
            o.WriteLine($"results: {Path.Combine(dir, "launch-ceiling.md")}");
            // A side that measured nothing has no rate and so no ratio: that is a failed run, not a ratio of 0.
            return ct.IsCancellationRequested ? ExitCodes.Interrupted : result.Ratio is null ? ExitCodes.Failed : ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>Runs the child with this console; a cancelled verb kills its whole tree.</summary>
    public static async Task<int> ForwardAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        try
        {
            await p.WaitForExitAsync(ct);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return ExitCodes.Interrupted;
        }
    }
}
