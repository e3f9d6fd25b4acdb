using System.Diagnostics;

namespace HashtagBench.Cli.Run;

/// <summary>What one step of a run did.</summary>
public sealed record StepResult(string Name, string Status, int ExitCode, TimeSpan Duration, string LogPath, string? Error = null)
{
    public bool Ok => Status == "ok";
}

/// <summary>
/// Runs a step as a child process (a built .NET entry point), tees its output to the console and a log file,
/// and kills the whole process tree on cancel or time-out, so Ctrl-C never leaves a benchmark running.
/// </summary>
public static class StepRunner
{
    public static async Task<StepResult> RunAsync(string name, string fileName, IReadOnlyList<string> args, string logPath,
        IReadOnlyDictionary<string, string>? env, TimeSpan timeout, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var psi = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        // Children print plain progress lines, not live terminal widgets, into the log.
        psi.Environment["CI"] = Environment.GetEnvironmentVariable("CI") ?? "true";

        var sw = Stopwatch.StartNew();
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        await log.WriteLineAsync($"$ {fileName} {string.Join(' ', args)}");
        using var p = new Process { StartInfo = psi };
        var gate = new object();
        void Tee(string? line)
        {
            if (line is null) return;
            lock (gate) { log.WriteLine(line); Console.WriteLine($"  [{name}] {line}"); }
        }
        p.OutputDataReceived += (_, e) => Tee(e.Data);
        p.ErrorDataReceived += (_, e) => Tee(e.Data);
        try
        {
            p.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new StepResult(name, "failed", -1, sw.Elapsed, logPath, $"could not start {fileName}: {ex.Message}");
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(limit.Token);
            p.WaitForExit(); // drain the output pipes
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(10_000);
            string why = ct.IsCancellationRequested ? "cancelled" : $"timed out after {timeout.TotalMinutes:0.#} min";
            return new StepResult(name, ct.IsCancellationRequested ? "cancelled" : "failed", -1, sw.Elapsed, logPath, why);
        }
        return p.ExitCode == 0
            ? new StepResult(name, "ok", 0, sw.Elapsed, logPath)
            : new StepResult(name, "failed", p.ExitCode, sw.Elapsed, logPath, $"exit code {p.ExitCode}; see {logPath}");
    }
}
