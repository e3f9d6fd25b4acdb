using System.Globalization;
using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Load;

/// <summary>What one scenario run produced, as the caller (the load verb or the run verb) needs it.</summary>
public sealed record ScenarioResult(string Scenario, IReadOnlyList<RunSummary> Runs, bool ChecksPassed, string ReportPath)
{
    public bool ThresholdsPassed => Runs.All(r => r.ThresholdsPassed);
    public bool Passed => ChecksPassed && ThresholdsPassed;
    /// <summary>What summary.json holds: the runs and the scenario's findings, typed.</summary>
    public required LoadSummary Summary { get; init; }
}

/// <summary>
/// The one way to run a scenario: on a cluster the caller holds (so the run verb can share its cluster, local
/// processes included, in-process), writing every output into <see cref="LoadOptions.OutputDir"/>.
/// </summary>
public static class ScenarioRunner
{
    public static IReadOnlyCollection<string> Names => ScenarioNames.All;

    /// <summary>
    /// Runs <paramref name="name"/> and writes its outputs; prints one line per run and every failed check to
    /// <paramref name="console"/>. Bad options throw <see cref="ArgumentException"/> or <see cref="FormatException"/>.
    /// </summary>
    public static async Task<ScenarioResult> RunAsync(string name, LoadOptions options, RunningCluster cluster, ConnectionMultiplexer mux,
        TextWriter console, CancellationToken ct)
    {
        if (!Catalog.Scenarios.TryGetValue(name, out var scenario))
            throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", Names)}.");
        var ctx = new LoadContext(cluster, mux, options);
        ScenarioOutcome outcome = await scenario(ctx, ct).ConfigureAwait(false);
        LoadSummary summary = RunOutput.Summarise(name, outcome.Runs, outcome.Findings);
        string report = RunOutput.Write(options.OutputDir, summary, outcome.Runs, outcome.Findings);
        foreach (RunSummary s in outcome.Runs)
        {
            // Latency of the Ok responses; of the failures when there are none (legacy), labelled so.
            (Percentiles p, string of) = s.OkCount > 0 || s.FailCount == 0 ? (s.Ok, "") : (s.Fail, " (failures)");
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Scenario}: {s.Rps:0} rps, ok {s.OkCount}, fail {s.FailCount} ({s.FailPercent:0.##}%), p50 {p.P50:0.00} ms, p99 {p.P99:0.00} ms, p99.9 {p.P999:0.00} ms, max {p.Max:0.00} ms{of}"));
        }
        foreach (RunSummary s in outcome.Runs)
            foreach (ThresholdResult t in s.Thresholds.Where(t => !t.Pass))
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threshold failed: {s.Scenario}: {t.Threshold} (actual {t.Actual:0.###}, limit {t.Limit:0.###})"));
        if (!outcome.Findings.ChecksPassed) console.WriteLine($"scenario check failed: see {report}");
        console.WriteLine($"report: {report}");
        return new ScenarioResult(name, outcome.Runs, outcome.Findings.ChecksPassed, report) { Summary = summary };
    }
}
