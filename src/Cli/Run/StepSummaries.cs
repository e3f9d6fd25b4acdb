using HashtagBench.Contracts;

namespace HashtagBench.Cli.Run;

/// <summary>
/// Headline numbers for the report's summary, read back typed from what each step wrote (summary.json,
/// sim.json) through the same context that wrote them.
/// </summary>
internal static class StepSummaries
{
    /// <summary>A load step: one row per run, and the scenario's own findings (per shard, incident, audit, capacity, failover).</summary>
    public static IEnumerable<string> Load(string folder)
    {
        string path = Path.Combine(folder, ResultFiles.Summary);
        return File.Exists(path) ? Read(path, ResultFiles.LoadSummaryType, Load) : [];
    }

    public static IEnumerable<string> Load(LoadSummary summary) =>
        // Interrupted, measured nothing, dropped arrivals: said before the numbers they qualify. Harness-limited is
        // the summary table's column and this table's, not a banner per run.
        StepSummaryReport.Load(summary, LoadRunReport.Banners(summary.Runs, harnessLimited: false), LoadRunReport.LatencyBreakdown(summary.Runs));

    /// <summary>A load step's runs whose injector was the limit (empty: none); null when the step wrote no readable summary.json.</summary>
    public static IReadOnlyList<string>? HarnessLimitedRuns(string folder)
    {
        string path = Path.Combine(folder, ResultFiles.Summary);
        if (!File.Exists(path)) return null;
        try { return [.. ResultFiles.Read(path, ResultFiles.LoadSummaryType).Runs.Where(r => r.HarnessLimited).Select(r => r.Name)]; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>The simulation: hottest-shard share per strategy (mean and p95 over event-ID draws).</summary>
    public static IEnumerable<string> Sim(string folder)
    {
        string path = Path.Combine(folder, ResultFiles.Sim);
        return File.Exists(path) ? Read(path, ResultFiles.SimType, Sim) : [];
    }

    public static IEnumerable<string> Sim(SimSummary sim) => StepSummaryReport.Sim(sim);

    /// <summary>A file that is not what its step should have written is reported as such, not silently skipped.</summary>
    private static IEnumerable<string> Read<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<T, IEnumerable<string>> summarise)
    {
        T value;
        try { value = ResultFiles.Read(path, type); }
        catch (System.Text.Json.JsonException ex) { return [$"**`{Path.GetFileName(path)}` in `{Path.GetFileName(Path.GetDirectoryName(path))}` could not be read**: {ex.Message}"]; }
        return summarise(value);
    }
}
