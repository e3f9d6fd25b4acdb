using HashtagBench.Cli.Run;
using RunnerProcess = HashtagBench.Cli.Tests.RunTeardownTests.RunnerProcess;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// Every long-running verb, run as a user runs it (its own process), stops on SIGTERM or Ctrl-C (SIGINT) once it is
/// working: exit 130, soon, no stack trace, and nothing it started left running (cluster nodes, redis-benchmark,
/// BenchmarkDotNet's host). load run and run are covered in <see cref="RunTeardownTests"/>.
/// </summary>
public sealed class InterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interrupt").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Repo(string path) => Path.Combine(RepoPaths.Locate().Root, path);

    /// <summary>The reference launch with 300,000 users: 10 s or more of simulation, so a signal finds it working.</summary>
    private string BigLaunch()
    {
        string path = Path.Combine(_dir, "big.json");
        File.WriteAllText(path, File.ReadAllText(Repo("launches/gateway-30k.json"))
            .Replace("\"users\": 30000", "\"users\": 300000", StringComparison.Ordinal)
            .Replace("\"overSeconds\": 6", "\"overSeconds\": 60", StringComparison.Ordinal));
        return path;
    }

    private static async Task StopsWith130(RunnerProcess p, string signal)
    {
        p.Signal(signal);
        Assert.Equal(130, await p.WaitForExitAsync());
        p.AssertStoppedPromptly();
    }

    [Fact]
    public async Task Sim_monte_carlo_stops_on_SIGTERM()
    {
        // The run: 5·10^9 joins × 20 seeds, about a quarter of an hour on 2 cores.
        await using var p = RunnerProcess.StartVerb(["sim", "--joins", "5000000000", "--out", Path.Combine(_dir, "sim")], _dir);
        await p.WaitForLineAsync(l => l.StartsWith("Workload:", StringComparison.Ordinal));
        await StopsWith130(p, "TERM");
    }

    [Fact]
    public async Task Sim_launch_stops_on_SIGINT()
    {
        await using var p = RunnerProcess.StartVerb(["sim", "--launch", BigLaunch(), "--out", Path.Combine(_dir, "launch")], _dir);
        await p.WaitForLineAsync(l => l.StartsWith("simulating gateway-30k: 300,000 visit(s)", StringComparison.Ordinal));
        await StopsWith130(p, "INT");
        Assert.False(File.Exists(Path.Combine(_dir, "launch", "launch-sim.md")));
    }

    [Fact]
    public async Task Run_launch_stops_on_SIGTERM_during_its_full_scale_sizing_model()
    {
        await using var p = RunnerProcess.StartVerb(["run", "--launch", BigLaunch(), "--provider", "local", "--out", Path.Combine(_dir, "run")], _dir);
        await p.WaitForLineAsync(l => l.StartsWith("run --launch gateway-30k: run ID", StringComparison.Ordinal));
        await StopsWith130(p, "TERM");
        Assert.DoesNotContain("local cluster:", p.Output); // stopped before a cluster was started
    }

    [Fact]
    public async Task Calibrate_stops_on_SIGINT_and_tears_its_cluster_down()
    {
        await using var p = RunnerProcess.StartVerb(["calibrate", "--visits", "10000000", "--provider", "local", "--out", Path.Combine(_dir, "costs.json")], _dir);
        int[] ports = await p.WaitForClusterAsync();
        await p.WaitForLineAsync(l => l.StartsWith("calibrating ", StringComparison.Ordinal));
        // Ctrl-C: the provider's own hook kills the nodes at once, under the commands in flight; that is no error.
        await StopsWith130(p, "INT");
        RunTeardownTests.AssertNoRedisOn(ports);
        Assert.False(File.Exists(Path.Combine(_dir, "costs.json")));
    }

    [Fact]
    public async Task Inspect_stops_on_SIGINT_during_its_cpu_interval_and_tears_its_cluster_down()
    {
        await using var p = RunnerProcess.StartVerb(["inspect", "--cpu-interval", "60", "--provider", "local"], _dir);
        int[] ports = await p.WaitForClusterAsync();
        await StopsWith130(p, "INT");
        RunTeardownTests.AssertNoRedisOn(ports);
    }

    [Fact]
    public async Task Bench_stops_its_BenchmarkDotNet_host_on_SIGINT()
    {
        string artifacts = Path.Combine(_dir, "bench");
        await using var p = RunnerProcess.StartVerb(["bench", "--filter", "*Slot*", "--job", "short", "--artifacts", artifacts], _dir);
        await p.WaitForLineAsync(l => l.StartsWith("// ", StringComparison.Ordinal)); // BenchmarkDotNet's first progress lines
        Assert.NotEmpty(RunTeardownTests.ChildrenRunning("Bench.dll", artifacts));
        await StopsWith130(p, "INT");
        Assert.Empty(RunTeardownTests.ChildrenRunning("Bench.dll", artifacts));
    }

    [Fact]
    public async Task Bench_launch_ceiling_stops_redis_benchmark_on_SIGTERM()
    {
        await using var p = RunnerProcess.StartVerb(["bench", "launch-ceiling", "--launch", Repo("launches/gateway-30k.json"), "--seconds", "600",
            "--provider", "local", "--artifacts", Path.Combine(_dir, "ceiling")], _dir);
        int[] ports = await p.WaitForClusterAsync();
        IEnumerable<int> Benchmarks() => ports.SelectMany(port => RunTeardownTests.ChildrenRunning("redis-benchmark", $"{port}"));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!Benchmarks().Any() && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.NotEmpty(Benchmarks()); // it is driving the hot shard
        await StopsWith130(p, "TERM");
        Assert.Empty(Benchmarks());
        RunTeardownTests.AssertNoRedisOn(ports);
    }
}
