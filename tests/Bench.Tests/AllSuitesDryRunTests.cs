using HashtagBench.Bench.Compare;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using System.Diagnostics;

namespace HashtagBench.Bench.Tests;

[CollectionDefinition(Name)]
public sealed class BenchClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "bench-cluster";
}

/// <summary>
/// What `./run-bench.sh` without --quick does, in miniature: every suite, each case in a BenchmarkDotNet process of
/// its own (the out-of-process toolchain, as in a real run), all attached to one shared cluster, then the gate on
/// the output. It catches a suite that cannot run twice on one cluster (the join suite's idempotency keys once
/// restarted at 1 in every process and answered Duplicate) and a report compare cannot read (a class job plus
/// --job once put one benchmark in a report twice).
/// </summary>
[Collection(BenchClusterCollection.Name)]
public sealed class AllSuitesDryRunTests(ClusterFixture fx)
{
    [Fact]
    public async Task Every_suite_runs_once_with_the_dry_job_on_one_cluster_and_compare_reads_the_output()
    {
        string root = RepoRoot();
        string config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string benchDll = Path.Combine(root, "bench", "bin", config, "net10.0", "Bench.dll");
        Assert.True(File.Exists(benchDll), $"{benchDll} is not built");
        string artifacts = Directory.CreateTempSubdirectory("bench-dry").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { benchDll, "--filter", "*", "--job", "dry", "--artifacts", artifacts }) psi.ArgumentList.Add(a);
            var cluster = new ExternalEndpoint(string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format)));
            foreach (var (k, v) in cluster.ToEnvironment()) psi.Environment[k] = v;
            using Process p = Process.Start(psi)!;
            Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            try { await p.WaitForExitAsync(limit.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw; }
            string output = await stdout + await stderr;
            Assert.True(p.ExitCode == 0, $"bench exited {p.ExitCode}:\n{Tail(output)}");

            string[] reports = Directory.GetFiles(artifacts, BdnResultReader.FullJsonPattern, SearchOption.AllDirectories);
            Assert.Equal(7, reports.Length); // one per suite: slot, keyformat, guard, join, sim, launch sim, engine
            var results = BdnResultReader.Load(artifacts);
            Assert.All(results.Values, r => Assert.True(r.HasMeasurements, $"{r.Id} has no measurement"));
            Assert.Contains(results.Keys, k => k.Contains("JoinBenchmarks.EvalSha", StringComparison.Ordinal));
            Assert.Contains(results.Keys, k => k.Contains("EngineBenchmarks.OpenCallAnsweredLater", StringComparison.Ordinal));

            // One dry sample a side: the rank test can never decide, so the gate says so instead of passing silently.
            var (gate, text) = Compare(artifacts, allowUnknown: false);
            Assert.Equal(CompareCommand.Regression, gate);
            Assert.Contains("undecided", text);
            (gate, text) = Compare(artifacts, allowUnknown: true);
            Assert.Equal(CompareCommand.Pass, gate);
        }
        finally { Directory.Delete(artifacts, recursive: true); }
    }

    private static (int Exit, string Output) Compare(string dir, bool allowUnknown)
    {
        var output = new StringWriter();
        int exit = CompareCommand.Run(dir, dir, "5%", "2ns", [], output, new StringWriter(), allowUnknown);
        return (exit, output.ToString());
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Bench.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Bench.sln not found above the test's folder.");
    }

    private static string Tail(string s) => string.Join('\n', s.Split('\n').TakeLast(40));
}
