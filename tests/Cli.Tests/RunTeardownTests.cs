using HashtagBench.Cli.Run;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// The runner as a user runs it (a child process): whatever stops it, Ctrl-C or a crashed step, the cluster is
/// torn down (no redis-server left) and the report still shows what ran.
/// </summary>
public sealed partial class RunTeardownTests
{
    /// <summary>A run whose only step is a load scenario on a local cluster: something long enough to interrupt.</summary>
    private static readonly string[] LoadStepArgs = ["--quick", "--suites", "none", "--scenarios", "multi-event", "--no-sim", "--provider", "local"];

    [Fact]
    public async Task Ctrl_C_during_a_step_tears_the_cluster_down_and_still_writes_the_report()
    {
        await using var run = RunnerProcess.Start(LoadStepArgs);
        int[] ports = await run.WaitUntilLoadStepRunsAsync();
        run.Signal("INT");

        Assert.Equal(RunCommand.Cancelled, await run.WaitForExitAsync());
        run.AssertStoppedPromptly();
        AssertNoRedisOn(ports);
        string report = File.ReadAllText(Path.Combine(run.OutputDir, "report.md"));
        Assert.Contains("Load: multi-event", report);
        Assert.Contains("cancelled", report);
    }

    [Fact]
    public async Task A_crashed_child_step_fails_the_run_clearly_and_still_tears_down()
    {
        // The benchmarks run as a child process (BenchmarkDotNet's host); kill it, as an OOM kill or a crash would.
        await using var run = RunnerProcess.Start("--quick", "--suites", "guard", "--scenarios", "none", "--no-sim", "--provider", "local");
        int[] ports = await run.WaitForClusterAsync();
        await run.WaitForLineAsync(l => l.StartsWith("== Benchmarks", StringComparison.Ordinal));
        int[] victims = [];
        for (int i = 0; i < 200 && victims.Length == 0; i++)
        {
            victims = ChildrenRunning("Bench.dll", run.OutputDir).ToArray();
            if (victims.Length == 0) await Task.Delay(50);
        }
        Assert.NotEmpty(victims);
        foreach (int pid in victims) { try { Process.GetProcessById(pid).Kill(entireProcessTree: true); } catch (ArgumentException) { } }

        Assert.Equal(1, await run.WaitForExitAsync());
        Assert.Contains(run.Errors, l => l.Contains("step 'Benchmarks' failed", StringComparison.Ordinal));
        AssertNoRedisOn(ports);
        string report = File.ReadAllText(Path.Combine(run.OutputDir, "report.md"));
        Assert.Contains("**failed**", report);
    }

    [Fact]
    public async Task Run_quick_drives_the_failover_scenario_on_its_own_local_cluster()
    {
        // The failover scenario kills a local primary, so `run` must hand its own cluster's processes to the step.
        await using var run = RunnerProcess.Start("--quick", "--suites", "none", "--scenarios", "failover", "--no-sim", "--provider", "local");
        int[] ports = await run.WaitForClusterAsync();
        Assert.Equal(0, await run.WaitForExitAsync());
        AssertNoRedisOn(ports);
        string report = File.ReadAllText(Path.Combine(run.OutputDir, "report.md"));
        Assert.Contains("| Load: failover | ok |", report);
        Assert.Contains("acknowledged but lost", report);
    }

    [Fact]
    public async Task SIGTERM_interrupts_a_load_run_with_130_and_tears_down()
    {
        await using var run = RunnerProcess.StartVerb(["load", "run", "multi-event", "--quick", "--duration", "60", "--provider", "local"]);
        int[] ports = await run.WaitForClusterAsync();
        await run.WaitForLineAsync(l => l.StartsWith("[multi-event]", StringComparison.Ordinal));
        run.Signal("TERM");
        Assert.Equal(RunCommand.Cancelled, await run.WaitForExitAsync());
        run.AssertStoppedPromptly();
        AssertNoRedisOn(ports);
    }

    [Fact]
    public async Task Ctrl_C_during_calibrates_server_steps_exits_130_and_tears_down()
    {
        await using var run = RunnerProcess.StartVerb(["calibrate", "--provider", "local", "--visits", "100", "--out", Path.Combine(Path.GetTempPath(), $"calib-{Guid.NewGuid():N}.json")]);
        int[] ports = await run.WaitForClusterAsync();
        await run.WaitForLineAsync(l => l.TrimStart().StartsWith("read P1 K1 ", StringComparison.Ordinal)); // the raw-connection load is running
        run.Signal("INT");
        Assert.Equal(RunCommand.Cancelled, await run.WaitForExitAsync());
        Assert.DoesNotContain(run.Errors, l => l.StartsWith("error:", StringComparison.Ordinal) || l.Contains("Unhandled", StringComparison.Ordinal));
        AssertNoRedisOn(ports);
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_fast_with_a_clear_error()
    {
        await using var run = RunnerProcess.Start("--quick", "--suites", "none", "--scenarios", "none", "--no-sim", "--cluster", "127.0.0.1:1");
        Assert.Equal(2, await run.WaitForExitAsync());
        Assert.Contains(run.Errors, l => l.Contains("Cannot connect", StringComparison.Ordinal) && l.Contains("127.0.0.1:1", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(run.OutputDir, "report.md")));
    }

    [Fact]
    public async Task Unknown_suite_names_are_refused_before_anything_starts()
    {
        await using var run = RunnerProcess.Start("--suites", "slot,warp");
        Assert.Equal(2, await run.WaitForExitAsync());
        Assert.Contains(run.Errors, l => l.Contains("Unknown suite(s): warp", StringComparison.Ordinal));
    }

    internal static void AssertNoRedisOn(int[] ports)
    {
        var survivors = Directory.GetDirectories("/proc")
            .Select(d => Path.GetFileName(d)!)
            .Where(n => int.TryParse(n, out _))
            .Select(pid => { try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; } })
            .Where(cmd => cmd.Contains("redis-server", StringComparison.Ordinal) && ports.Any(p => cmd.Contains($":{p}", StringComparison.Ordinal)))
            .ToList();
        Assert.True(survivors.Count == 0, "redis-server outlived the run: " + string.Join("; ", survivors));
    }

    /// <summary>Processes whose command line holds both <paramref name="dll"/> and <paramref name="marker"/> (e.g. a run's folder).</summary>
    internal static IEnumerable<int> ChildrenRunning(string dll, string marker) =>
        Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)!).Where(n => int.TryParse(n, out _)).Select(int.Parse)
            .Where(pid =>
            {
                try { string cmd = File.ReadAllText($"/proc/{pid}/cmdline"); return cmd.Contains(dll, StringComparison.Ordinal) && cmd.Contains(marker, StringComparison.Ordinal); }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            }).ToList();

    /// <summary>hashtag-bench run started as its own process, with its output collected line by line.</summary>
    internal sealed partial class RunnerProcess : IAsyncDisposable
    {
        private readonly Process _p;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly ConcurrentQueue<string> _errors = new();
        private Stopwatch? _sinceSignal;
        private TimeSpan? _stoppedAfter;

        private RunnerProcess(Process p, string outputDir)
        {
            _p = p;
            OutputDir = outputDir;
        }

        public string OutputDir { get; }
        public IEnumerable<string> Errors => _errors;
        /// <summary>Everything it printed so far, stdout and stderr interleaved.</summary>
        public string Output => string.Join('\n', _lines);

        public static RunnerProcess Start(params string[] args)
        {
            string output = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", Guid.NewGuid().ToString("N"));
            return StartVerb(["run", "--out", output, .. args], output);
        }

        /// <summary>Any verb of hashtag-bench as its own process; <paramref name="output"/> is the folder to clean up.</summary>
        public static RunnerProcess StartVerb(string[] args, string? output = null, IReadOnlyDictionary<string, string>? env = null)
        {
            string dll = typeof(RunCommand).Assembly.Location;
            output ??= Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", Guid.NewGuid().ToString("N"));
            if (args[0] == "load") args = [.. args, "--out", output];
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { dll }.Concat(args)) psi.ArgumentList.Add(a);
            psi.Environment["CI"] = "true";
            foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
            var p = Process.Start(psi)!;
            var r = new RunnerProcess(p, output);
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) r._lines.Enqueue(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { r._lines.Enqueue(e.Data); r._errors.Enqueue(e.Data); } };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return r;
        }

        public async Task<string> WaitForLineAsync(Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline)
            {
                string? hit = _lines.FirstOrDefault(match);
                if (hit is not null) return hit;
                if (_p.HasExited) break;
                await Task.Delay(50);
            }
            throw new TimeoutException("expected line not seen; output:\n" + string.Join('\n', _lines));
        }

        /// <summary>The cluster's ports, from the provider's "local cluster: ... on 127.0.0.1:A-B" line.</summary>
        public async Task<int[]> WaitForClusterAsync()
        {
            string line = await WaitForLineAsync(l => l.StartsWith("local cluster:", StringComparison.Ordinal));
            Match m = PortRange().Match(line);
            int from = int.Parse(m.Groups[1].Value), to = int.Parse(m.Groups[2].Value);
            return Enumerable.Range(from, to - from + 1).ToArray();
        }

        /// <summary>Waits for the cluster, then for the load step to be under way; returns the cluster's ports.</summary>
        public async Task<int[]> WaitUntilLoadStepRunsAsync()
        {
            int[] ports = await WaitForClusterAsync();
            await WaitForLineAsync(l => l.StartsWith("== Load: multi-event", StringComparison.Ordinal));
            await Task.Delay(1500);
            return ports;
        }

        public void Signal(string sig)
        {
            _sinceSignal = Stopwatch.StartNew();
            using var kill = Process.Start(new ProcessStartInfo("kill", $"-{sig} {_p.Id}") { UseShellExecute = false })!;
            kill.WaitForExit();
        }

        public async Task<int> WaitForExitAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _p.WaitForExitAsync(cts.Token);
            _stoppedAfter = _sinceSignal?.Elapsed;
            _p.WaitForExit();
            return _p.ExitCode;
        }

        /// <summary>
        /// The process ended soon after <see cref="Signal"/>, having said it was interrupted, with no error line and no
        /// stack trace. The bound is generous for a loaded 2-core CI machine; the verbs themselves aim at 2 s.
        /// </summary>
        public void AssertStoppedPromptly()
        {
            Assert.NotNull(_stoppedAfter);
            Assert.True(_stoppedAfter < StopBound, $"stopped {_stoppedAfter.Value.TotalSeconds:0.0} s after the signal; output:\n{Output}");
            // `run` tees an in-process step's stderr to stdout behind the step's name.
            Assert.Contains(_lines, l => l.Contains("interrupted (SIG", StringComparison.Ordinal));
            Assert.DoesNotContain(_lines, l => l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("   at ", StringComparison.Ordinal));
        }

        // Wide: at a load average of 40 (other builds beside the suite) a load run took 20.2 s to write its report, remove
        // its keys and stop its cluster; a verb that ignored the signal would run on for minutes.
        public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(45);

        public ValueTask DisposeAsync()
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.Dispose();
            try { Directory.Delete(OutputDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return ValueTask.CompletedTask;
        }

        [GeneratedRegex(@"127\.0\.0\.1:(\d+)-(\d+)")]
        private static partial Regex PortRange();
    }
}
