using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HashtagBench.Bench.Compare;
using HashtagBench.Contracts;
using System.CommandLine;

namespace HashtagBench.Bench;

/// <summary>
/// First-argument dispatch: <c>compare ...</c> is the regression gate; anything else goes to BenchmarkSwitcher
/// unchanged (<c>--filter</c>, <c>--job short|dry</c>, <c>--list flat</c>, <c>--artifacts</c>, ...).
/// </summary>
public static class BenchCli
{
    public const string Usage = """
        usage:
          dotnet run -c Release --project bench -- --filter '<glob>' [BenchmarkDotNet options, e.g. --job short]
          dotnet run -c Release --project bench -- --list flat
          dotnet run -c Release --project bench -- compare --base <dir|file> --diff <dir|file> [--threshold 5%] [--noise 2ns] [--filter '<glob>']
          dotnet run -c Release --project bench -- gate --base <rev> [--mode time|instructions] --filter '<glob>'... (base and head interleaved in one run; see docs/bench.md)
          dotnet run -c Release --project bench -- latency-floor [--rate 800] [--seconds 5] [--calls 10000] [--rounds 3] [--artifacts <dir>]
          dotnet run -c Release --project bench -- scheduler-accuracy [--users 30000] [--baseline-users 300] [--seconds 20] [--artifacts <dir>]
        Results go to results/bench/<UTC time>/results/ (Markdown, CSV, full JSON) unless --artifacts <dir> is given.
        """;

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare") return RunCompare(args, new InvocationConfiguration());
        if (args.Length > 0 && args[0] == LatencyFloor.Verb) return LatencyFloor.Run(args, new InvocationConfiguration());
        if (args.Length > 0 && args[0] == Gate.CountHost.Verb) return Gate.CountHost.Run(args);
        if (args.Length > 0 && args[0] == Gate.GateCommand.Verb) return Gate.GateCommand.Run(args, Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == LaunchSchedulerAccuracy.Verb) return LaunchSchedulerAccuracy.Run(args, new InvocationConfiguration());
        if (args.Length == 0)
        {
            // BenchmarkSwitcher would prompt on stdin, which hangs a script; say how to pick suites instead.
            Console.WriteLine(Usage);
            return CompareCommand.BadInput;
        }

        string artifacts = BenchConfig.DefaultArtifactsPath(BenchConfig.NewRunName(DateTimeOffset.UtcNow));
        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchCli).Assembly)
            .Run(args, BenchConfig.Create(artifacts)).ToArray();
        foreach (string dir in summaries.Select(s => s.ResultsDirectoryPath).Distinct())
            Console.WriteLine($"results: {dir}");
        // Non-zero when a benchmark could not run, so scripts and CI do not compare half a run.
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }

    /// <summary>
    /// Parses one verb's command line under a root of its own and runs it: a parse error is bad input (exit 2, one
    /// line per error, then <paramref name="usage"/> when given), so exit 1 keeps meaning a failed measurement or gate.
    /// </summary>
    public static int Invoke(Command verb, string rootDescription, string[] args, InvocationConfiguration io, string? usage = null)
    {
        var root = new RootCommand(rootDescription);
        root.Subcommands.Add(verb);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count == 0) return parsed.Invoke(io);
        foreach (var e in parsed.Errors) io.Error.WriteLine($"error: {e.Message}");
        if (usage is not null) io.Error.WriteLine(usage);
        return ExitCodes.BadInput;
    }

    /// <summary>The compare verb. Command-line mistakes exit 2 like bad input, so exit 1 always means a regression.</summary>
    public static int RunCompare(string[] args, InvocationConfiguration io)
    {
        return Invoke(CompareCommand.Create(), "bench compare: the benchmark regression gate.", args, io,
            "usage: compare --base <dir|file> --diff <dir|file> [--threshold 5%] [--noise 2ns] [--filter <glob>...]");
    }
}
