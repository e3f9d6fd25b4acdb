using CliWrap;
using CliWrap.Buffered;

namespace HashtagBench.Bench.Gate;

/// <summary>A built side of the gate: which revision, and the Bench.dll built from it.</summary>
internal sealed record GateSide(string Name, string Revision, string SourceDir, string BenchDll, IReadOnlyDictionary<string, string?> Environment);

/// <summary>The gate could not run (bad revision, a build that failed, a missing tool): exit 2, one line.</summary>
internal sealed class GateInputException(string message) : Exception(message);

/// <summary>
/// Builds the two sides: the base revision in a detached git worktree (removed afterwards) and the working tree as it
/// is (uncommitted changes included). Each builds bench/Bench.csproj into its own --artifacts-path under the gate's
/// folder, so neither touches the checkout's bin/ and obj/ (other builds may be running there).
/// </summary>
internal static class GateSides
{
    public static string RepoRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Bench.sln"))) return d.FullName;
        throw new GateInputException($"no Bench.sln above '{start}': run the gate from a checkout of hashtag-bench.");
    }

    public static async Task<string> ResolveAsync(string root, string rev, CancellationToken ct)
    {
        BufferedCommandResult r = await Git(root, ["rev-parse", "--verify", "--quiet", rev + "^{commit}"], ct);
        string sha = r.StandardOutput.Trim();
        if (r.ExitCode != 0 || sha.Length == 0) throw new GateInputException($"--base '{rev}' is not a commit of {root}.");
        return sha;
    }

    public static async Task<string> AddWorktreeAsync(string root, string sha, string dir, CancellationToken ct)
    {
        // A worktree kept by an earlier run (--keep-worktree) at the same commit is reused: its unchanged files keep
        // their timestamps, so the base build is incremental.
        if (Directory.Exists(dir))
        {
            BufferedCommandResult at = await Git(dir, ["rev-parse", "HEAD"], ct);
            if (at.ExitCode == 0 && at.StandardOutput.Trim() == sha && (await Git(dir, ["status", "--porcelain", "--untracked-files=no"], ct)).StandardOutput.Trim().Length == 0) return dir;
            throw new GateInputException($"{dir} exists and is not a clean worktree at {sha[..12]}: remove it (git worktree remove --force {dir}).");
        }
        BufferedCommandResult r = await Git(root, ["worktree", "add", "--detach", "--force", dir, sha], ct);
        if (r.ExitCode != 0) throw new GateInputException($"git worktree add {dir} {sha[..12]} failed: {FirstLine(r.StandardError)}");
        if (!File.Exists(Path.Combine(dir, "bench", "Bench.csproj"))) throw new GateInputException($"the base revision {sha[..12]} has no bench/Bench.csproj.");
        return dir;
    }

    public static async Task RemoveWorktreeAsync(string root, string dir)
    {
        // Not cancellable: a cancelled gate still removes what it added.
        await Git(root, ["worktree", "remove", "--force", dir], CancellationToken.None);
    }

    /// <summary>dotnet build -c Release bench/Bench.csproj --artifacts-path OUT [extra]; returns the built Bench.dll.</summary>
    public static async Task<string> BuildAsync(string sourceDir, string artifacts, string log, CancellationToken ct)
    {
        CommandResult r = await Cli.Wrap("dotnet")
            .WithArguments(["build", "-c", "Release", Path.Combine(sourceDir, "bench", "Bench.csproj"), "--artifacts-path", artifacts, "-nologo", "-v", "q"])
            .WithWorkingDirectory(sourceDir)
            .WithStandardOutputPipe(PipeTarget.ToFile(log))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        string dll = Path.Combine(artifacts, "bin", "Bench", "release", "Bench.dll");
        if (r.ExitCode != 0 || !File.Exists(dll)) throw new GateInputException($"building {sourceDir} failed (exit {r.ExitCode}); see {log}.");
        return dll;
    }

    private static Task<BufferedCommandResult> Git(string root, string[] args, CancellationToken ct) =>
        Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(root).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(ct).Task;

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
}
