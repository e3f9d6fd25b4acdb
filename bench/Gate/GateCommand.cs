using HashtagBench.Contracts;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace HashtagBench.Bench.Gate;

/// <summary>What the gate was asked to do, parsed from its command line.</summary>
internal sealed record GateOptions(string BaseRev, string Mode, GateRules Rules, TimeSpan Budget, double CountThreshold, CountSettings Count,
    IReadOnlyDictionary<string, string?> HeadEnv, IReadOnlyDictionary<string, string?> BaseEnv, string? WorkDir, bool KeepWorktree, IReadOnlyList<string> BdnArgs);

/// <summary>
/// <c>gate --base REV [gate options] [BenchmarkDotNet args]</c>: builds REV (a git worktree) and the working tree,
/// runs both in the same run, and decides. Time mode (default): interleaved launches, per-launch medians,
/// Mann-Whitney plus a minimum effect (<see cref="GateDecision"/>). Instruction mode (<c>--mode instructions</c>):
/// instructions per op under callgrind at 1 % (<see cref="InstructionMode"/>). Exit 0 pass, 1 a row slower (or
/// broken in the head), 2 bad input or a side that could not be built or run, 130 interrupted.
/// </summary>
internal static class GateCommand
{
    public const string Verb = "gate";

    public const string Usage = """
        usage: gate --base REV [--mode time|instructions] [--min-effect 3%] [--alpha 0.05] [--min-launches 6] [--max-launches 30]
                    [--budget 20m] [--threshold 1%] [--head-env K=V]... [--base-env K=V]... [--work DIR] [--keep-worktree]
                    [BenchmarkDotNet args: --filter '<glob>'... , a job such as --job short]
          e.g. gate --base origin/main --filter '*SlotBenchmarks*' '*SlotGuardBenchmarks*'
               gate --base HEAD --mode instructions --head-env HASHTAG_BENCH_SLOWDOWN=1
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        GateOptions options;
        try { options = Parse(args.Skip(1).ToList()); }
        catch (Exception ex) when (ex is ArgumentException or GateInputException or FormatException)
        {
            error.WriteLine($"error: {ex.Message}");
            error.WriteLine(Usage);
            return ExitCodes.BadInput;
        }
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        try
        {
            return RunAsync(options, output, error, cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            error.WriteLine("gate: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (GateInputException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static GateOptions Parse(IReadOnlyList<string> args)
    {
        string? rev = null, mode = "time", work = null;
        var rules = new GateRules();
        TimeSpan budget = TimeSpan.FromMinutes(20);
        double threshold = InstructionMode.DefaultThreshold;
        var count = new CountSettings();
        var headEnv = new Dictionary<string, string?>();
        var baseEnv = new Dictionary<string, string?>();
        bool keep = false;
        var rest = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--base": rev = Next(); break;
                case "--mode": mode = Next(); break;
                case "--min-effect": rules = rules with { MinEffect = Percent(Next(), a) }; break;
                case "--alpha": rules = rules with { Alpha = Number(Next(), a) }; break;
                case "--min-launches": rules = rules with { MinLaunches = (int)Number(Next(), a) }; break;
                case "--max-launches": rules = rules with { MaxLaunches = (int)Number(Next(), a) }; break;
                case "--budget": budget = Duration(Next(), a); break;
                case "--threshold": threshold = Percent(Next(), a); break;
                case "--n1": count = count with { N1 = (int)Number(Next(), a) }; break;
                case "--n2": count = count with { N2 = (int)Number(Next(), a) }; break;
                case "--head-env": Env(headEnv, Next()); break;
                case "--base-env": Env(baseEnv, Next()); break;
                case "--work": work = Next(); break;
                case "--keep-worktree": keep = true; break;
                default: rest.Add(a); break;
            }
        }
        if (string.IsNullOrWhiteSpace(rev)) throw new ArgumentException("--base REV is required (a commit, branch or tag: the side the head is compared with).");
        if (mode is not ("time" or "instructions")) throw new ArgumentException($"--mode '{mode}': give time or instructions.");
        rules.Validate();
        if (threshold is not (> 0 and < 1)) throw new ArgumentException("--threshold must be in (0%, 100%).");
        if (count.N1 < 1 || count.N2 <= count.N1) throw new ArgumentException("--n1 and --n2 must satisfy 1 <= n1 < n2.");
        _ = TimeMode.SplitFilters(rest); // refuses --artifacts / --inProcess early
        return new GateOptions(rev, mode, rules, budget, threshold, count, headEnv, baseEnv, work, keep, rest);
    }

    private static async Task<int> RunAsync(GateOptions o, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string root = GateSides.RepoRoot(Directory.GetCurrentDirectory());
        string sha = await GateSides.ResolveAsync(root, o.BaseRev, ct);
        string work = Path.GetFullPath(o.WorkDir ?? BenchConfig.DefaultArtifactsPath("gate-" + BenchConfig.NewRunName(DateTimeOffset.UtcNow), root));
        Directory.CreateDirectory(work);
        if (o.Mode == "instructions" && !OnPath("valgrind")) throw new GateInputException("valgrind is not on PATH (Debian: apt-get install valgrind); the instruction mode counts under callgrind.");
        // Outside the checkout, so the head's build and globs never see the base's sources.
        // One per work folder: gates running at once on the same base do not remove each other's worktree.
        string baseSrc = Path.Combine(Path.GetTempPath(), $"hashtag-bench-gate-{sha[..12]}-{HashtagBench.Keys.HashSlot.Of(work):00000}");
        error.WriteLine($"// gate: base {o.BaseRev} = {sha[..12]} in {baseSrc}; head = working tree {root}; results in {work}");
        await GateSides.AddWorktreeAsync(root, sha, baseSrc, ct);
        try
        {
            error.WriteLine("// gate: building base and head (bench/Bench.csproj, Release)");
            string baseDll = await GateSides.BuildAsync(baseSrc, Path.Combine(work, "build-base"), Path.Combine(work, "build-base.log"), ct);
            string headDll = await GateSides.BuildAsync(root, Path.Combine(work, "build-head"), Path.Combine(work, "build-head.log"), ct);
            var baseSide = new GateSide("base", sha, baseSrc, baseDll, o.BaseEnv);
            var head = new GateSide("head", "working tree", root, headDll, o.HeadEnv);
            string md;
            int exit;
            // Builds stay in the work folder (a rerun with the same --work builds incrementally); each run's
            // launches and report go to a folder of their own.
            string run = Path.Combine(work, "run-" + BenchConfig.NewRunName(DateTimeOffset.UtcNow));
            Directory.CreateDirectory(run);
            if (o.Mode == "time")
            {
                TimeMode.Outcome outcome = await TimeMode.RunAsync(baseSide, head, o.BdnArgs, o.Rules, o.Budget, run, error, ct);
                (md, exit) = GateReport.Time(outcome, o, sha, clock.Elapsed);
            }
            else
            {
                (IReadOnlyList<string> filters, _) = TimeMode.SplitFilters(o.BdnArgs);
                Task<IReadOnlyDictionary<string, double>> b = InstructionMode.CountAsync(baseSide, filters, Path.Combine(run, "count-base"), o.Count, ct);
                Task<IReadOnlyDictionary<string, double>> h = InstructionMode.CountAsync(head, filters, Path.Combine(run, "count-head"), o.Count, ct);
                IReadOnlyList<CountRow> rows = InstructionMode.Compare(await b, await h, o.CountThreshold);
                (md, exit) = GateReport.Instructions(rows, o, sha, clock.Elapsed);
            }
            output.Write(md);
            File.WriteAllText(Path.Combine(run, "gate.md"), md);
            output.WriteLine($"results: {Path.Combine(run, "gate.md")}");
            return exit;
        }
        finally
        {
            if (!o.KeepWorktree) await GateSides.RemoveWorktreeAsync(root, baseSrc);
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));

    private static void Env(Dictionary<string, string?> env, string kv)
    {
        int eq = kv.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"'{kv}' is not NAME=VALUE.");
        env[kv[..eq]] = kv[(eq + 1)..];
    }

    internal static double Percent(string text, string option)
    {
        string t = text.Trim();
        bool pct = t.EndsWith('%');
        if (!double.TryParse(pct ? t[..^1] : t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new ArgumentException($"{option} '{text}' is not a percentage (e.g. 3%).");
        return pct ? v / 100 : v;
    }

    private static double Number(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw new ArgumentException($"{option} '{text}' is not a number.");

    internal static TimeSpan Duration(string text, string option)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+(?:\.\d+)?)(s|m|h)$");
        if (!m.Success) throw new ArgumentException($"{option} '{text}' is not a duration (e.g. 90s, 20m, 1h).");
        double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(v), "m" => TimeSpan.FromMinutes(v), _ => TimeSpan.FromHours(v) };
    }
}

/// <summary>The gate's Markdown report and exit code.</summary>
internal static class GateReport
{
    public static (string Markdown, int Exit) Time(TimeMode.Outcome outcome, GateOptions o, string sha, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        IReadOnlyList<RowDecision> d = outcome.Decisions;
        sb.AppendLine(Inv($"Time mode: base {o.BaseRev} ({sha[..12]}) vs working tree, {outcome.Launches.Count} launches interleaved ABBA, per-launch medians; a change needs Mann-Whitney p < {o.Rules.Alpha}/{Math.Max(1, d.Count)} and at least {o.Rules.MinEffect:P0}; same needs the equivalence test at ±{o.Rules.MinEffect:P0}."));
        sb.AppendLine();
        sb.AppendLine("| row | base median | head median | head/base | p (slower) | launches (base/head) | verdict |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (RowDecision r in d.OrderByDescending(r => r.Verdict == RowVerdict.Slower).ThenBy(r => r.Id, StringComparer.Ordinal))
            sb.AppendLine(Inv($"| {r.Id} | {Ns(r.BaseMedian)} | {Ns(r.HeadMedian)} | {Fmt(r.Ratio, "0.000")} | {Fmt(r.PSlower, "0.0000")} | {r.BaseLaunches}/{r.HeadLaunches} | {Verdict(r.Verdict)} |"));
        sb.AppendLine();
        int slower = d.Count(r => r.Verdict == RowVerdict.Slower), undecided = d.Count(r => r.Verdict == RowVerdict.Undecided);
        sb.AppendLine(Inv($"{d.Count} rows: {slower} slower, {d.Count(r => r.Verdict == RowVerdict.Faster)} faster, {d.Count(r => r.Verdict == RowVerdict.Same)} same, {undecided} undecided{(outcome.BudgetSpent ? $" (budget {o.Budget.TotalMinutes:0} min spent)" : "")}; {elapsed.TotalMinutes:0.0} min."));
        bool fail = slower > 0 || outcome.BrokenInHead.Count > 0;
        if (outcome.BrokenInHead.Count > 0) sb.AppendLine($"broken in head (measured in base, not in head): {string.Join("; ", outcome.BrokenInHead)}");
        sb.AppendLine(fail ? $"gate: FAIL, {slower} slower: {string.Join("; ", d.Where(r => r.Verdict == RowVerdict.Slower).Select(r => Inv($"{r.Id} ({r.Ratio:0.000}x)")))}"
            : undecided > 0 ? $"gate: PASS, {undecided} row(s) undecided after the launch budget (neither shown slower nor shown within ±{o.Rules.MinEffect.ToString("P0", CultureInfo.InvariantCulture)})"
            : "gate: PASS");
        return (sb.ToString(), fail ? ExitCodes.Failed : ExitCodes.Ok);
    }

    public static (string Markdown, int Exit) Instructions(IReadOnlyList<CountRow> rows, GateOptions o, string sha, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv($"Instruction mode: base {o.BaseRev} ({sha[..12]}) vs working tree, instructions per op under callgrind ((I(N2) - I(N1)) / (N2 - N1), N1 = {o.Count.N1}, N2 = {o.Count.N2}); threshold {o.CountThreshold:P1}."));
        sb.AppendLine();
        sb.AppendLine("| row | base instr/op | head instr/op | head/base | verdict |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (CountRow r in rows.OrderByDescending(r => r.Verdict == RowVerdict.Slower).ThenBy(r => r.Id, StringComparer.Ordinal))
            sb.AppendLine(Inv($"| {r.Id} | {Fmt(r.BaseInstructions, "0.0")} | {Fmt(r.HeadInstructions, "0.0")} | {Fmt(r.Ratio, "0.0000")} | {(r.BaseInstructions is null ? "new in head" : r.HeadInstructions is null ? "**missing in head**" : Verdict(r.Verdict))} |"));
        sb.AppendLine();
        int slower = rows.Count(r => r.Verdict == RowVerdict.Slower), missing = rows.Count(r => r.BaseInstructions is not null && r.HeadInstructions is null);
        double spread = rows.Where(r => r.Ratio is not null).Select(r => Math.Abs(r.Ratio!.Value - 1)).DefaultIfEmpty(double.NaN).Max();
        sb.AppendLine(Inv($"{rows.Count} rows: {slower} slower, {rows.Count(r => r.Verdict == RowVerdict.Faster)} faster, {rows.Count(r => r.Verdict == RowVerdict.Same)} same; largest |head/base - 1| = {(double.IsNaN(spread) ? "n/a" : spread.ToString("P3", CultureInfo.InvariantCulture))}; {elapsed.TotalMinutes:0.0} min."));
        bool fail = slower > 0 || missing > 0;
        sb.AppendLine(fail ? $"gate: FAIL, {slower} slower, {missing} missing in head: {string.Join("; ", rows.Where(r => r.Verdict == RowVerdict.Slower).Select(r => Inv($"{r.Id} ({r.Ratio:0.0000}x)")))}" : "gate: PASS");
        return (sb.ToString(), fail ? ExitCodes.Failed : ExitCodes.Ok);
    }

    private static string Verdict(RowVerdict v) => v switch
    {
        RowVerdict.Slower => "**slower**",
        RowVerdict.Faster => "faster",
        RowVerdict.Same => "same",
        _ => "undecided",
    };

    private static string Ns(double? ns) => Compare.CompareReport.Time(ns) is "-" ? "n/a" : Compare.CompareReport.Time(ns);

    private static string Fmt(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
