using HashtagBench.Contracts;
using System.CommandLine;
using System.Diagnostics;
using HashtagBench.Cli.Common;
using HashtagBench.Cli.Run;
using HashtagBench.Provisioning;

namespace HashtagBench.Cli;

/// <summary>
/// bench: the BenchmarkDotNet suites and the compare gate. They live in their own app (BenchmarkDotNet rebuilds
/// the project that holds the benchmarks), so this verb forwards every argument it does not know to that app
/// unchanged, and hands the cluster down through the environment: the password never reaches its command line.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var cmd = new Command("bench", "Run the BenchmarkDotNet suites (--filter '*Slot*' --job short|dry, --list flat, ...) or the regression gate (compare --base DIR --diff DIR); arguments pass through to BenchmarkDotNet.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        cluster.AddTo(cmd, endpointOnly: true);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            ExternalEndpoint? external = cluster.External(r);
            string dll = RepoPaths.Locate().BenchDll;
            var args = new List<string> { dll };
            args.AddRange(r.UnmatchedTokens);
            return await ForwardAsync("dotnet", args, external?.ToEnvironment(), ct);
        }));
        return cmd;
    }

    /// <summary>Runs the child with this console; a cancelled verb kills its whole tree.</summary>
    public static async Task<int> ForwardAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        try
        {
            await p.WaitForExitAsync(ct);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return ExitCodes.Interrupted;
        }
    }
}
