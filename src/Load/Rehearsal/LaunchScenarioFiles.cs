using HashtagBench.Contracts;

namespace HashtagBench.Load.Rehearsal;

/// <summary>`load run launch`'s own files: one launch-&lt;strategy&gt;.json per strategy and a short report.md (rendered by Reporting's LaunchScenarioReport).</summary>
public static class LaunchScenarioFiles
{
    public const string ReportFile = "report.md";

    public static string Write(string outputDir, LaunchRunResult result)
    {
        Directory.CreateDirectory(outputDir);
        string path = Path.Combine(outputDir, LaunchPlan.ResultFile("launch", result.Strategy));
        ResultFiles.Write(path, result, ResultsJsonContext.Default.LaunchRunResult);
        return path;
    }
}
