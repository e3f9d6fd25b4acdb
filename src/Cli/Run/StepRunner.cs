using CliWrap;
using System.Diagnostics;
using System.Text;

namespace HashtagBench.Cli.Run;

/// <summary>How a step ended.</summary>
internal enum StepStatus { Ok, Failed, Cancelled }

/// <summary>What one step of a run did.</summary>
internal sealed record StepResult(string Name, StepStatus Status, int ExitCode, TimeSpan Duration, string LogPath, string? Error = null)
{
    public bool Ok => Status == StepStatus.Ok;

    /// <summary>The status as the console and the report spell it: ok, failed or cancelled.</summary>
    public string StatusLabel => Status.ToString().ToLowerInvariant();
}

/// <summary>
/// Runs a step as a child process (a built .NET entry point) or as work in this process, tees its output to the
/// console and a log file, and stops it on cancel or time-out, so Ctrl-C never leaves a benchmark running.
/// </summary>
internal static class StepRunner
{
    /// <summary>Runs a planned step the way it is planned: in this process, or as a child.</summary>
    public static Task<StepResult> RunAsync(PlannedStep step, string logPath, CancellationToken ct) =>
        step.InProcess is { } work
            ? RunInProcessAsync(step.Name, work, logPath, step.Timeout, ct)
            : RunAsync(step.Name, step.FileName, step.Args ?? [], logPath, step.Env, step.Timeout, ct);

    /// <summary>
    /// Runs work in this process with its console output teed to the console and the step's log, as a child's is.
    /// An exception fails the step (its stack trace goes to the log), never the run: the cluster is still torn down.
    /// </summary>
    public static async Task<StepResult> RunInProcessAsync(string name, Func<CancellationToken, Task<int>> work, string logPath, TimeSpan timeout, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var sw = Stopwatch.StartNew();
        TextWriter console = Console.Out, consoleError = Console.Error;
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        var teeWriter = new TeeWriter(console, log, $"  [{name}] ");
        TextWriter tee = TextWriter.Synchronized(teeWriter);
        Console.SetOut(tee);
        Console.SetError(tee);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            int code = await work(limit.Token).ConfigureAwait(false);
            if (ct.IsCancellationRequested) return new StepResult(name, StepStatus.Cancelled, -1, sw.Elapsed, logPath, "cancelled");
            return code == 0
                ? new StepResult(name, StepStatus.Ok, 0, sw.Elapsed, logPath)
                : new StepResult(name, StepStatus.Failed, code, sw.Elapsed, logPath, $"exit code {code}; see {logPath}");
        }
        catch (Exception ex)
        {
            bool cancelled = ct.IsCancellationRequested;
            string why = cancelled ? "cancelled"
                : limit.IsCancellationRequested ? $"timed out after {timeout.TotalMinutes:0.#} min"
                : $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}";
            tee.WriteLine(ex.ToString());
            return new StepResult(name, cancelled ? StepStatus.Cancelled : StepStatus.Failed, -1, sw.Elapsed, logPath, why);
        }
        finally
        {
            Console.SetOut(console);
            Console.SetError(consoleError);
            lock (tee) teeWriter.Finish();
        }
    }

    /// <summary>Writes each line to the console with the step's prefix and to the log as it is.</summary>
    private sealed class TeeWriter(TextWriter console, TextWriter log, string prefix) : TextWriter
    {
        private readonly StringBuilder _line = new();
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n') Emit();
            else if (value != '\r') _line.Append(value);
        }

        // A partial line is written when the step ends, not on every flush: lines stay whole in the log.
        public override void Flush() { }

        public void Finish()
        {
            if (_line.Length > 0) Emit();
        }

        private void Emit()
        {
            string line = _line.ToString();
            _line.Clear();
            log.WriteLine(line);
            console.WriteLine(prefix + line);
        }
    }

    /// <summary>
    /// Runs a child (CliWrap) with stdout and stderr teed line by line; on cancel or time-out CliWrap kills its whole
    /// process tree, so a benchmark's own children stop with it.
    /// </summary>
    public static async Task<StepResult> RunAsync(string name, string fileName, IReadOnlyList<string> args, string logPath,
        IReadOnlyDictionary<string, string>? env, TimeSpan timeout, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var sw = Stopwatch.StartNew();
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        await log.WriteLineAsync($"$ {fileName} {string.Join(' ', args)}");
        var gate = new object();
        void Tee(string line)
        {
            lock (gate) { log.WriteLine(line); Console.WriteLine($"  [{name}] {line}"); }
        }
        Command child = CliWrap.Cli.Wrap(fileName)
            .WithArguments(args)
            .WithEnvironmentVariables(vars =>
            {
                vars.Set(env?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value) ?? []);
                // Children print plain progress lines, not live terminal widgets, into the log.
                vars.Set("CI", Environment.GetEnvironmentVariable("CI") ?? "true");
            })
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Tee))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Tee));

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            CommandResult result = await child.ExecuteAsync(limit.Token);
            return result.ExitCode == 0
                ? new StepResult(name, StepStatus.Ok, 0, sw.Elapsed, logPath)
                : new StepResult(name, StepStatus.Failed, result.ExitCode, sw.Elapsed, logPath, $"exit code {result.ExitCode}; see {logPath}");
        }
        catch (OperationCanceledException)
        {
            string why = ct.IsCancellationRequested ? "cancelled" : $"timed out after {timeout.TotalMinutes:0.#} min";
            return new StepResult(name, ct.IsCancellationRequested ? StepStatus.Cancelled : StepStatus.Failed, -1, sw.Elapsed, logPath, why);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new StepResult(name, StepStatus.Failed, -1, sw.Elapsed, logPath, $"could not start {fileName}: {ex.Message}");
        }
    }
}
