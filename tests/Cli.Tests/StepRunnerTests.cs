using HashtagBench.Cli.Run;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// A run's child steps: output teed whole into the step's log, the exit code carried, and on cancel or time-out
/// the child's whole process tree gone (a benchmark's own children included), each told apart in the result.
/// </summary>
public sealed class StepRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-steprunner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Log(string name) => Path.Combine(_dir, "logs", name + ".log");

    private static Task<StepResult> Sh(string name, string script, string log, TimeSpan timeout, CancellationToken ct,
        IReadOnlyDictionary<string, string>? env = null) =>
        StepRunner.RunAsync(name, "/bin/sh", ["-c", script], log, env, timeout, ct);

    [Fact]
    public async Task Both_streams_reach_the_log_and_a_non_zero_exit_fails_the_step_with_its_code()
    {
        string log = Log("two-streams");
        StepResult r = await Sh("two-streams", "echo to-out; echo to-err >&2; echo \"token=$HB_STEP_TOKEN ci=$CI\"; exit 3", log,
            TimeSpan.FromMinutes(1), CancellationToken.None, new Dictionary<string, string> { ["HB_STEP_TOKEN"] = "t-42" });

        Assert.Equal(StepStatus.Failed, r.Status);
        Assert.False(r.Ok);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("exit code 3", r.Error);
        string[] lines = await File.ReadAllLinesAsync(log);
        Assert.StartsWith("$ /bin/sh -c", lines[0]);
        Assert.Contains("to-out", lines);
        Assert.Contains("to-err", lines);
        // The step's environment reaches the child, and CI is set so it prints plain lines, not live widgets.
        Assert.Contains(lines, l => l.StartsWith("token=t-42 ci=", StringComparison.Ordinal) && l.Length > "token=t-42 ci=".Length);
    }

    [Fact]
    public async Task A_zero_exit_is_ok()
    {
        StepResult r = await Sh("fine", "echo done", Log("fine"), TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal((StepStatus.Ok, 0, (string?)null), (r.Status, r.ExitCode, r.Error));
        Assert.True(r.Ok);
    }

    [Fact]
    public async Task A_missing_program_fails_the_step_with_one_line_not_an_exception()
    {
        StepResult r = await StepRunner.RunAsync("ghost", Path.Combine(_dir, "no-such-program"), [], Log("ghost"), null,
            TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(StepStatus.Failed, r.Status);
        Assert.StartsWith("could not start", r.Error);
    }

    [Fact]
    public async Task Cancel_kills_the_child_and_its_own_children()
    {
        string pidFile = Path.Combine(_dir, "grandchild.pid");
        using var cts = new CancellationTokenSource();
        Task<StepResult> run = Sh("tree", $"sleep 300 & echo $! > '{pidFile}'; wait", Log("tree"), TimeSpan.FromMinutes(5), cts.Token);
        int grandchild = await WaitForPidAsync(pidFile);
        Assert.True(Alive(grandchild));

        cts.Cancel();
        StepResult r = await run;

        Assert.Equal((StepStatus.Cancelled, "cancelled"), (r.Status, r.Error));
        Assert.True(await GoneAsync(grandchild), $"the step's grandchild (pid {grandchild}) outlived the cancel");
    }

    [Fact]
    public async Task A_time_out_fails_the_step_and_says_so_and_kills_the_tree()
    {
        string pidFile = Path.Combine(_dir, "slow.pid");
        StepResult r = await Sh("slow", $"sleep 300 & echo $! > '{pidFile}'; wait", Log("slow"), TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, r.Status);
        Assert.StartsWith("timed out after", r.Error);
        Assert.True(await GoneAsync(await WaitForPidAsync(pidFile)));
    }

    private static async Task<int> WaitForPidAsync(string path)
    {
        for (int i = 0; i < 600; i++)
        {
            if (File.Exists(path) && int.TryParse((await File.ReadAllTextAsync(path)).Trim(), out int pid)) return pid;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no pid in {path} after 30 s");
    }

    // A killed process is gone once its parent (or init, which adopts it) reaps it; a zombie counts as gone.
    private static bool Alive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            string s = File.ReadAllText(stat);
            return s[(s.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }

    private static async Task<bool> GoneAsync(int pid)
    {
        for (int i = 0; i < 200; i++)
        {
            if (!Alive(pid)) return true;
            await Task.Delay(50);
        }
        return false;
    }
}
