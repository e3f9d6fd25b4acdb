using System.Collections.Concurrent;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>
/// Finding, starting and reaping redis-server processes. Every process started here is tracked so that it is
/// killed on dispose, on normal process exit and on Ctrl-C; a run dir records the PIDs so that a later run
/// can reap what a crashed one left behind.
/// </summary>
public static class LocalProcesses
{
    /// <summary>Root of the per-run temporary folders.</summary>
    public static string RunRoot { get; } = Path.Combine(Path.GetTempPath(), "hashtag-bench");

    private static readonly ConcurrentDictionary<int, Process> Live = new();

    static LocalProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllTracked();
        Console.CancelKeyPress += (_, _) => KillAllTracked();
    }

    /// <summary>Absolute path of a tool on PATH (or the path in the override variable), or null.</summary>
    public static string? FindTool(string name, string overrideVariable)
    {
        string? fromEnv = Environment.GetEnvironmentVariable(overrideVariable);
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? fromEnv : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    internal static Process StartRedis(string redisServer, string configPath)
    {
        Process p = StartRedis(redisServer, [configPath], Path.GetDirectoryName(configPath)!);
        File.AppendAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(configPath)!)!, "pids"), p.Id + "\n");
        return p;
    }

    /// <summary>Starts redis-server with these arguments (no config file, no run dir), tracked for kill-on-exit.</summary>
    internal static Process StartRedis(string redisServer, IReadOnlyList<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(redisServer)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process p = Process.Start(psi) ?? throw new ClusterProvisioningException($"Could not start {redisServer} {string.Join(' ', args)}.");
        // Drain the pipes so the child never blocks on a full buffer (the log file has the details).
        p.OutputDataReceived += static (_, _) => { };
        p.ErrorDataReceived += static (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        Live[p.Id] = p;
        return p;
    }

    internal static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { /* already gone */ }
        Live.TryRemove(p.Id, out _);
    }

    /// <summary>PIDs of redis-server processes this process started and that still run.</summary>
    public static IReadOnlyList<int> TrackedPids() => Live.Values.Where(p => { try { return !p.HasExited; } catch (InvalidOperationException) { return false; } }).Select(p => p.Id).ToList();

    private static void KillAllTracked()
    {
        foreach (Process p in Live.Values) Kill(p);
    }

    /// <summary>
    /// Kills redis-server processes left by runs whose owning process has died (a crash or kill -9 of the harness),
    /// and deletes their folders. Checks /proc before killing so a recycled PID is never hit.
    /// </summary>
    public static int ReapOrphans()
    {
        if (!Directory.Exists(RunRoot)) return 0;
        int reaped = 0;
        foreach (string dir in Directory.GetDirectories(RunRoot))
        {
            string ownerFile = Path.Combine(dir, "owner");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile).Trim(), out int owner)) continue;
            if (owner == Environment.ProcessId || IsAlive(owner)) continue;
            string pidsFile = Path.Combine(dir, "pids");
            if (File.Exists(pidsFile))
            {
                foreach (string line in File.ReadAllLines(pidsFile))
                {
                    if (int.TryParse(line, out int pid) && IsRedisServer(pid))
                    {
                        try { Process.GetProcessById(pid).Kill(); reaped++; }
                        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { }
                    }
                }
            }
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return reaped;
    }

    internal static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") || (!OperatingSystem.IsLinux() && ProcessExists(pid));

    private static bool ProcessExists(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static bool IsRedisServer(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains("redis-server", StringComparison.Ordinal); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
