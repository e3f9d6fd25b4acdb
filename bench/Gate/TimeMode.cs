using CliWrap;
using HashtagBench.Bench.Compare;
using System.Diagnostics;

namespace HashtagBench.Bench.Gate;

/// <summary>One launch: a fresh process of one side running the selected benchmarks once, in-process.</summary>
internal sealed record LaunchResult(string Side, int Index, IReadOnlyDictionary<string, double> MedianNs, int ExitCode, TimeSpan Elapsed);

/// <summary>
/// The time mode: launches alternate between the sides in ABBA order (A B B A A B ...), so a machine that drifts
/// (other builds starting, clocks ramping) hits both sides alike and a linear trend cancels within each four. Each
/// launch runs BenchmarkDotNet in-process (no boilerplate build per launch) with one short job for every launch, and
/// gives one value per row: the fastest of its iterations, not their median. On this 2-core machine at load 15-30
/// (other builds), the medians of one op's launches ranged 24 ns to 1010 ns: an iteration's time is mostly how
/// often it was preempted, which only ever adds, so the least-preempted iteration is the launch's estimate. After <see cref="GateRules.MinLaunches"/> launches a side, every further round re-runs
/// only the methods that still have an undecided row, until all are decided, the launch cap, or the time budget.
/// </summary>
internal static class TimeMode
{
    /// <summary>The launch job when the caller gives none: short iterations, so a launch of 29 rows takes ~30 s here.</summary>
    public static readonly string[] DefaultJob = ["--warmupCount", "2", "--iterationCount", "10", "--iterationTime", "10"];

    private static readonly string[] JobOptions = ["--job", "-j", "--warmupCount", "--iterationCount", "--iterationTime", "--invocationCount", "--unrollFactor", "--strategy", "--minIterationCount", "--maxIterationCount"];

    /// <summary>Splits the BenchmarkDotNet arguments into the --filter globs and the rest (a job given by the caller stays).</summary>
    public static (IReadOnlyList<string> Filters, IReadOnlyList<string> Others) SplitFilters(IReadOnlyList<string> bdnArgs)
    {
        var filters = new List<string>();
        var rest = new List<string>();
        for (int i = 0; i < bdnArgs.Count; i++)
        {
            if (bdnArgs[i] is "--filter" or "-f")
            {
                while (i + 1 < bdnArgs.Count && !bdnArgs[i + 1].StartsWith('-')) filters.Add(bdnArgs[++i]);
                continue;
            }
            if (bdnArgs[i] is "--artifacts" or "--inProcess" or "-i")
                throw new GateInputException($"{bdnArgs[i]} is set by the gate itself (each launch has its own folder and runs in-process).");
            rest.Add(bdnArgs[i]);
        }
        return (filters, rest);
    }

    public static IReadOnlyList<string> LaunchArgs(IReadOnlyList<string> filters, IReadOnlyList<string> rest, string artifacts)
    {
        var args = new List<string> { "--filter" };
        args.AddRange(filters);
        args.AddRange(rest);
        if (!rest.Any(a => JobOptions.Contains(a))) args.AddRange(DefaultJob);
        args.AddRange(["--inProcess", "--artifacts", artifacts]);
        return args;
    }

    /// <summary>The side of launch i (0-based) in ABBA order: base, head, head, base, base, head, ...</summary>
    public static int SideOf(int launch) => ((launch + 1) / 2) % 2;

    /// <summary>The filter globs that re-run exactly the methods of these rows ("Ns.Type.Method(params)" → "Ns.Type.Method").</summary>
    public static IReadOnlyList<string> MethodFilters(IEnumerable<string> rowIds) =>
        rowIds.Select(id => id.IndexOf('(') is var p and >= 0 ? id[..p] : id).Distinct().Order(StringComparer.Ordinal).ToList();

    public sealed record Outcome(IReadOnlyList<RowDecision> Decisions, IReadOnlyList<LaunchResult> Launches, bool BudgetSpent, IReadOnlyList<string> BrokenInHead);

    public static async Task<Outcome> RunAsync(GateSide baseSide, GateSide head, IReadOnlyList<string> bdnArgs, GateRules rules, TimeSpan budget,
        string workDir, TextWriter log, CancellationToken ct)
    {
        (IReadOnlyList<string> filters, IReadOnlyList<string> rest) = SplitFilters(bdnArgs);
        if (filters.Count == 0) throw new GateInputException("give the suites to gate with --filter (e.g. --filter '*SlotBenchmarks*' '*SlotGuardBenchmarks*').");
        GateSide[] sides = [baseSide, head];
        var samples = new Dictionary<string, (List<double> Base, List<double> Head)>(StringComparer.Ordinal);
        var launches = new List<LaunchResult>();
        var broken = new SortedSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> current = filters;
        IReadOnlyList<RowDecision> decisions = [];
        bool budgetSpent = false;
        for (int i = 0; ; i++)
        {
            GateSide side = sides[SideOf(i)];
            string dir = Path.Combine(workDir, "launches", $"{i + 1:000}-{side.Name}");
            LaunchResult launch = await LaunchAsync(side, i, LaunchArgs(current, rest, dir), dir, ct);
            launches.Add(launch);
            log.WriteLine($"// launch {i + 1} ({side.Name}): {launch.MedianNs.Count} rows in {launch.Elapsed.TotalSeconds:0} s, exit {launch.ExitCode}");
            if (launch.MedianNs.Count == 0)
            {
                // A side that measures nothing cannot be compared: the base is bad input, the head a broken head.
                if (side == baseSide) throw new GateInputException($"a base launch measured nothing (exit {launch.ExitCode}); see {dir}.");
                broken.Add(string.Join(" ", current));
                break;
            }
            foreach (var (id, median) in launch.MedianNs)
            {
                if (!samples.TryGetValue(id, out var s)) samples[id] = s = ([], []);
                (side == baseSide ? s.Base : s.Head).Add(median);
            }
            if (SideOf(i + 1) == SideOf(i)) continue; // decide after whole AB/BA pairs only
            decisions = GateDecision.DecideAll(samples.Select(kv => new RowSamples(kv.Key, kv.Value.Base, kv.Value.Head)).OrderBy(r => r.Id, StringComparer.Ordinal).ToList(), rules);
            if (!GateDecision.WantsMoreLaunches(decisions, rules)) break;
            // Below the minimum every row runs, whatever the budget (the budget is for the extra launches of
            // undecided rows: stopping earlier would leave every row undecided and the gate would guard nothing);
            // after it, only methods with an undecided row run.
            bool warm = decisions.All(d => d.BaseLaunches >= rules.MinLaunches && d.HeadLaunches >= rules.MinLaunches);
            if (warm && clock.Elapsed >= budget) { budgetSpent = true; break; }
            current = warm ? MethodFilters(decisions.Where(d => d.Verdict == RowVerdict.Undecided).Select(d => d.Id)) : filters;
        }
        // Rows measured in base but never in head: the head broke them.
        foreach (var (id, s) in samples.Where(kv => kv.Value.Base.Count > 0 && kv.Value.Head.Count == 0)) broken.Add(id);
        return new Outcome(decisions, launches, budgetSpent, broken.ToList());
    }

    /// <summary>
    /// Every method JIT'd once, fully optimised. With tiering, a launch measured tier-0 code whenever the background
    /// tier-up thread was starved: at load 20+ here the fastest iteration of one op ranged 22-600 ns across launches.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> RuntimeSettings = new Dictionary<string, string?>
    {
        ["DOTNET_TieredCompilation"] = "0",
        ["DOTNET_TieredPGO"] = "0",
    };

    internal static IReadOnlyDictionary<string, string?> LaunchEnvironment(GateSide side)
    {
        var env = new Dictionary<string, string?>(RuntimeSettings);
        foreach (var (k, v) in side.Environment) env[k] = v;
        return env;
    }

    private static async Task<LaunchResult> LaunchAsync(GateSide side, int index, IReadOnlyList<string> args, string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var sw = Stopwatch.StartNew();
        CommandResult r = await Cli.Wrap("dotnet")
            .WithArguments([side.BenchDll, .. args])
            .WithWorkingDirectory(side.SourceDir)
            .WithEnvironmentVariables(LaunchEnvironment(side))
            .WithStandardOutputPipe(PipeTarget.ToFile(Path.Combine(dir, "launch.log")))
            .WithStandardErrorPipe(PipeTarget.ToFile(Path.Combine(dir, "launch.err")))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        var medians = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Directory.Exists(dir) && Directory.GetFiles(dir, BdnResultReader.FullJsonPattern, SearchOption.AllDirectories).Length > 0)
            foreach (var (id, b) in BdnResultReader.Load(dir))
                if (b.HasMeasurements) medians[id] = b.SamplesNs.Min();
        return new LaunchResult(side.Name, index, medians, r.ExitCode, sw.Elapsed);
    }
}
