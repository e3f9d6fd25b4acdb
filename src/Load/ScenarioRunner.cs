using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load;

/// <summary>What one scenario run produced, as the caller (the load verb or the run verb) needs it.</summary>
public sealed record ScenarioResult(string Scenario, IReadOnlyList<RunSummary> Runs, bool ChecksPassed, string ReportPath)
{
    /// <summary>Every run passed its thresholds, measured something and was not interrupted; a scenario with no run at all measured nothing.</summary>
    public bool ThresholdsPassed => Runs.Count > 0 && Runs.All(r => r.ThresholdsPassed);
    public bool Interrupted => Runs.Any(r => r.Interrupted);
    public bool Passed => ChecksPassed && ThresholdsPassed;
    /// <summary>What summary.json holds: the runs and the scenario's findings, typed.</summary>
    public required LoadSummary Summary { get; init; }
    /// <summary>Keys deleted from an external cluster after the run; null when none was due (a local cluster, or --keep-data).</summary>
    public long? KeysRemoved { get; init; }
}

/// <summary>
/// The one way to run a scenario: on a cluster the caller holds (so the run verb can share its cluster, local
/// processes included, in-process), writing every output into <see cref="LoadOptions.OutputDir"/>.
/// </summary>
public static class ScenarioRunner
{
    public static IReadOnlyCollection<string> Names => ScenarioNames.All;

    /// <summary>Checks the shared load and the scenario's own options, each by its own rules; bad ones throw <see cref="ArgumentException"/>.</summary>
    public static void Validate(ScenarioOptions scenario, LoadOptions options)
    {
        options.Validate();
        scenario.Validate(options);
    }

    /// <summary>
    /// Runs the scenario <paramref name="scenario"/> is for and writes its outputs; prints one line per run and every failed check to
    /// <paramref name="console"/>. Bad options throw <see cref="ArgumentException"/> or <see cref="FormatException"/>.
    /// </summary>
    public static async Task<ScenarioResult> RunAsync(ScenarioOptions scenario, LoadOptions options, RunningCluster cluster, ConnectionMultiplexer mux,
        TextWriter console, CancellationToken ct)
    {
        Validate(scenario, options);
        string name = scenario.Scenario;
        var ctx = new LoadContext(cluster, mux, options);
        ScenarioOutcome outcome;
        long? removed = null;
        NodeTelemetry? nodes = null;
        // Every node sampled once a second (and metrics exported) for the whole scenario, without it knowing.
        await using RunTelemetry telemetry = await RunTelemetry.StartAsync(name, options, cluster, console).ConfigureAwait(false);
        try { outcome = await Catalog.RunAsync(ctx, scenario, ct).ConfigureAwait(false); }
        finally
        {
            nodes = await telemetry.StopAsync().ConfigureAwait(false);
            // A cluster someone else runs is left as it was found: every key this run wrote carries its prefix.
            // (A cluster the harness started is torn down whole.) Not cancelled by ct: an interrupted run cleans up too.
            if (cluster.Provider == ProviderKind.External)
            {
                if (options.KeepData) console.WriteLine($"kept the keys of run {ctx.RunPrefix} on the external cluster (--keep-data)");
                // Agents share the run's keys; the first to finish must not delete what the others still write or audit.
                else if (options.Agent is not null) console.WriteLine($"kept the keys of run {ctx.RunPrefix}: load agents share them; once every agent is done remove them with `hashtag-bench load cleanup --run-id {ctx.RunPrefix} --cluster ...`");
                else
                {
                    removed = await KeyCleanup.RemoveRunKeysAsync(mux, ctx.RunPrefix).ConfigureAwait(false);
                    console.WriteLine($"removed {removed} key(s) of run {ctx.RunPrefix} from the external cluster (--keep-data keeps them)");
                }
            }
        }
        LoadSummary summary = RunOutput.Summarise(name, outcome.Runs, outcome.Findings) with { Agent = options.Agent, Telemetry = nodes };
        outcome.Findings.Reports.Add(outcome.Report);
        string report = RunOutput.Write(options.OutputDir, summary, outcome.Runs, outcome.Findings);
        PrintRuns(outcome.Runs, console);
        if (outcome.Runs.Count == 0) console.WriteLine($"measured nothing: {name} ran no load.");
        if (!outcome.Findings.ChecksPassed) console.WriteLine($"scenario check failed: see {report}");
        console.WriteLine($"report: {report}");
        return new ScenarioResult(name, outcome.Runs, outcome.Findings.ChecksPassed, report) { Summary = summary, KeysRemoved = removed };
    }

    /// <summary>One line per run (Ok and all-outcome latency, "n/a" where there was no such call), then every failed threshold and interruption.</summary>
    public static void PrintRuns(IReadOnlyList<RunSummary> runs, TextWriter console)
    {
        foreach (RunSummary s in runs)
        {
            // Latency of the Ok responses beside that of every outcome; "n/a" where there was no such call, never 0.
            Percentiles ok = s.Ok, all = s.All;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Scenario}: {s.Rps:0} rps driven, {s.OkRps:0} ok rps, ok {s.OkCount}, fail {s.FailCount} ({s.FailPercent:0.##}%), ok p50 {ok.Show(ok.P50)} ms, p99 {ok.Show(ok.P99)} ms, p99.9 {ok.Show(ok.P999)} ms, max {ok.Show(ok.Max)} ms; all outcomes p99 {all.Show(all.P99)} ms, max {all.Show(all.Max)} ms" +
                $"{ArrivalsText(s)}{(s.HarnessLimited ? " [harness-limited]" : "")}{(s.Interrupted ? " [interrupted]" : "")}"));
        }
        foreach (RunSummary s in runs)
            foreach (ThresholdResult t in s.Thresholds.Where(t => !t.Pass))
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"threshold failed: {s.Scenario}: {t.Threshold} (actual {(t.NoData ? "n/a" : t.Actual.ToString("0.###", CultureInfo.InvariantCulture))}, limit {t.Limit:0.###}){(t.HarnessLimited ? " (harness-limited)" : "")}"));
        foreach (RunSummary s in runs.Where(r => r.Interrupted))
            console.WriteLine($"interrupted: {s.Scenario} was stopped before its end; its thresholds do not pass.");
    }

    /// <summary>"; arrivals sent N, dropped M (reasons)" for an open model; nothing for a closed one (it schedules none).</summary>
    private static string ArrivalsText(RunSummary s) => s.TargetRps <= 0 ? ""
        : s.Arrivals is { } a ? $"; arrivals sent {a.Sent}, dropped {a.DroppedText()}" : "; arrivals n/a";
}
