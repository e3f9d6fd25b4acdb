using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Load;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Load.Scenarios;
using HdrHistogram;
using System.CommandLine;
using System.Globalization;

namespace HashtagBench.Cli;

/// <summary>load run | merge | list | overhead: the load engine's verbs.</summary>
internal static class LoadCommand
{
    /// <summary>Thresholds used when none are given (the CI load gate); generous for 2 shared cores. Given or not, no dropped arrival is allowed unless a rule says otherwise (<see cref="Threshold.ParseRules"/>).</summary>
    public static readonly string[] DefaultThresholds = ["p99 < 100ms", "fail% < 0.5", "rps >= 0.9*target"];

    /// <summary>
    /// A scenario's options when nothing is given: the load verb's defaults, and what `run` uses for its steps.
    /// With <paramref name="gate"/> off the thresholds only report.
    /// </summary>
    public static LoadOptions DefaultOptions(bool quick, bool gate) => new()
    {
        Rate = quick ? 800 : 2000,
        Duration = TimeSpan.FromSeconds(quick ? 5 : 15),
        WarmUp = TimeSpan.FromSeconds(quick ? 1 : 2),
        Quick = quick,
        Thresholds = gate ? Threshold.ParseRules(DefaultThresholds) : [],
    };

    public static Command Create()
    {
        var load = new Command("load", "Load scenarios against a real Redis Cluster (NBomber's model), exact merging of agents' logs, the engine's own overhead.");
        load.Subcommands.Add(LoadRunCommand.Create());
        load.Subcommands.Add(MergeCommand());
        load.Subcommands.Add(ListCommand());
        load.Subcommands.Add(OverheadCommand());
        load.Subcommands.Add(LoadAgentCommands.CompareCommand());
        load.Subcommands.Add(LoadAgentCommands.CleanupCommand());
        return load;
    }

    public static Command MergeCommand()
    {
        var files = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, Description = "Load agents' result folders (load run --agent), or HdrHistogram .hlog files." };
        var output = new Option<string?>("--out") { Description = "Folders: the merged result's folder (default results/load/<time>-merged). Logs: write the merged histograms as a new .hlog file." };
        var thresholds = new Option<string[]>("--threshold") { Description = "Folders: judge the merged run by these rules instead of the agents' own (repeatable; 'dropped <= 0' unless one is on dropped arrivals)." };
        var cmd = new Command("merge", "Merge load agents exactly: their result folders into one result (histograms added, timelines summed per second, audits joined, thresholds judged on the merge), or .hlog files into combined percentiles.");
        cmd.Arguments.Add(files);
        cmd.Options.Add(output);
        cmd.Options.Add(thresholds);
        cmd.SetAction(r => CliErrors.Guard(Console.Error, () =>
        {
            string[] paths = r.GetValue(files)!;
            int folders = paths.Count(Directory.Exists);
            if (folders == paths.Length) return LoadAgentCommands.MergeFolders(paths, r.GetValue(output), r.GetValue(thresholds));
            if (folders > 0) throw new ArgumentException("merge takes either agents' result folders or .hlog files, not both.");
            var (ok, fail) = HistogramLogs.Merge(paths);
            foreach (var (tag, h) in new[] { ("ok", ok), ("fail", fail) })
            {
                var p = Percentiles.From(h);
                Console.WriteLine(p.Count == 0
                    ? $"{tag}: count 0, no latency (n/a)"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{tag}: count {p.Count}, p50 {p.P50:0.000} ms, p75 {p.P75:0.000}, p95 {p.P95:0.000}, p99 {p.P99:0.000}, p99.9 {p.P999:0.000}, max {p.Max:0.000} ms"));
            }
            if (r.GetValue(output) is { } path)
            {
                using FileStream fs = File.Create(path);
                using var writer = new HistogramLogWriter(fs);
                ok.Tag = "ok"; fail.Tag = "fail";
                writer.Write(DateTime.UtcNow, ok, fail);
                Console.WriteLine($"merged log: {path}");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static Command ListCommand()
    {
        var cmd = new Command("list", "List the scenarios.");
        cmd.SetAction(_ =>
        {
            foreach (string s in ScenarioRunner.Names) Console.WriteLine(s);
            Console.WriteLine($"{LaunchScenario.Name} (--launch FILE)");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static Command OverheadCommand()
    {
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "Seconds per rate." };
        var cmd = new Command("overhead", "Measure how many injections per second the engine sustains on its intended schedule (no-op scenario).");
        cmd.Options.Add(seconds);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            await OverheadProbe.MeasureAsync(TimeSpan.FromSeconds(r.GetValue(seconds)), Console.Out, ct);
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
