namespace HashtagBench.Cli.Run;

/// <summary>A section of the report: one step, the folder its own report and charts are in.</summary>
internal sealed record ReportSection(string Title, StepResult Step, string Folder)
{
    /// <summary>The step's runs whose injector was the limit; empty: none; null: the step drives no load (n/a).</summary>
    public IReadOnlyList<string>? HarnessLimitedRuns { get; init; }

    public RunReportStep ToReport() =>
        new(Title, Step.StatusLabel, Step.Ok, Step.Duration, Step.Error, Step.LogPath, Folder) { HarnessLimitedRuns = HarnessLimitedRuns };
}
