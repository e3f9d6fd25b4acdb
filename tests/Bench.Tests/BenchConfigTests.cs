using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;

namespace HashtagBench.Bench.Tests;

public sealed class BenchConfigTests
{
    [Fact]
    public void Every_suite_gets_the_memory_diagnoser_and_the_three_exporters()
    {
        IConfig config = BenchConfig.Create("/tmp/x");
        Assert.Contains(config.GetDiagnosers(), d => d is MemoryDiagnoser);
        IExporter[] exporters = config.GetExporters().ToArray();
        Assert.Contains(MarkdownExporter.GitHub, exporters);
        Assert.Contains(CsvExporter.Default, exporters);
        Assert.Contains(JsonExporter.Full, exporters);
        Assert.Equal("/tmp/x", config.ArtifactsPath);
        // A loaded CI machine builds BenchmarkDotNet's boilerplate in more than its default 2 minutes.
        Assert.True(config.BuildTimeout >= TimeSpan.FromMinutes(10), $"build timeout {config.BuildTimeout}");
    }

    [Fact]
    public void Artifacts_go_under_results_bench_of_the_repository_root()
    {
        string root = Directory.CreateTempSubdirectory("bench-root-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "Bench.sln"), "");
            string nested = Directory.CreateDirectory(Path.Combine(root, "bench", "bin")).FullName;
            Assert.Equal(Path.Combine(root, "results", "bench", "run1"), BenchConfig.DefaultArtifactsPath("run1", nested));
        }
        finally { Directory.Delete(root, recursive: true); }
        Assert.Equal("20250102-030405", BenchConfig.NewRunName(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)));
    }

    [Fact]
    public void Sample_keys_have_the_sizes_the_suites_name()
    {
        Assert.Equal(55, SampleKeys.Tagged55.Length);
        Assert.Equal(39, SampleKeys.Untagged39.Length);
        Assert.Equal(1024, SampleKeys.Untagged1KiB.Length);
        Assert.Null(HashtagBench.Keys.HashSlot.TagOf(SampleKeys.Untagged1KiB));
    }
}
