using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;

namespace HashtagBench.Bench;

/// <summary>
/// The configuration every suite runs with: allocations measured, and GitHub Markdown, CSV and full JSON (the
/// input of <c>compare</c>) written under results/bench/&lt;run&gt;/results/. Jobs come from the command line
/// (<c>--job short</c>, <c>--job dry</c>, <c>--iterationCount 15</c>, ...), BenchmarkDotNet's default otherwise.
/// </summary>
internal static class BenchConfig
{
    public static IConfig Create(string artifactsPath)
    {
        IConfig defaults = DefaultConfig.Instance;
        return ManualConfig.CreateMinimumViable()
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default, JsonExporter.Full)
            .AddAnalyser(defaults.GetAnalysers().ToArray())
            .AddValidator(defaults.GetValidators().ToArray())
            .WithArtifactsPath(artifactsPath)
            // BenchmarkDotNet builds a boilerplate project per run; on 2 shared cores under load (CI beside
            // stress-ng, or other builds) that took over its default 2 minutes and every benchmark came out NA.
            .WithBuildTimeout(BuildTimeout);
    }

    /// <summary>How long the boilerplate build may take before BenchmarkDotNet gives up on it.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    /// <summary>results/bench/&lt;run&gt; under the repository root (the folder holding Bench.sln), or under the current folder.</summary>
    public static string DefaultArtifactsPath(string runName, string? startFolder = null)
    {
        string start = startFolder ?? Directory.GetCurrentDirectory();
        string root = start;
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Bench.sln"))) { root = d.FullName; break; }
        }
        return Path.Combine(root, "results", "bench", runName);
    }

    /// <summary>A sortable run name: the UTC start time.</summary>
    public static string NewRunName(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
}
