using System.Diagnostics;
using Xunit;

namespace HashtagBench.TestSupport;

/// <summary>
/// CPU stress beside a test (Debian's stress-ng), as CI's machine may be under it: `stress-ng --cpu N --timeout S`.
/// Bounded by its own --timeout and stopped early on dispose, workers and all.
/// </summary>
public sealed class StressNg : IDisposable
{
    private readonly Process _process;

    private StressNg(Process process) => _process = process;

    /// <summary>stress-ng's path on this machine; null when it is not installed.</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "stress-ng")).FirstOrDefault(File.Exists);

    /// <summary>Why a stress test cannot run here; null when it can.</summary>
    public static string? SkipReason => Executable is null ? "stress-ng is not installed (Debian: apt-get install stress-ng): this test runs beside `stress-ng --cpu 2`" : null;

    /// <summary>Starts <paramref name="cpus"/> CPU hogs for at most <paramref name="timeout"/>.</summary>
    public static StressNg Start(int cpus, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(SkipReason))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string a in new[] { "--cpu", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", $"{(int)Math.Ceiling(timeout.TotalSeconds)}s", "--quiet" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync(); // drained, so a full pipe never blocks it
        _ = p.StandardError.ReadToEndAsync();
        return new StressNg(p);
    }

    /// <summary>Still hogging the CPUs (its timeout not reached, not stopped).</summary>
    public bool Running => !_process.HasExited;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
        _process.Dispose();
    }
}

/// <summary>A fact that the runner reports as skipped, with the reason, when stress-ng is not installed.</summary>
public sealed class StressFactAttribute : FactAttribute
{
    public StressFactAttribute()
    {
        if (StressNg.SkipReason is string reason) Skip = reason;
    }
}
