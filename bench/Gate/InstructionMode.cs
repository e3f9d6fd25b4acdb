using CliWrap;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HashtagBench.Bench.Gate;

/// <summary>Instructions per op of one row on both sides; Ratio = head / base.</summary>
internal sealed record CountRow(string Id, double? BaseInstructions, double? HeadInstructions, RowVerdict Verdict)
{
    public double? Ratio => BaseInstructions is > 0 && HeadInstructions is { } h ? h / BaseInstructions : null;
}

/// <summary>
/// The instruction mode: each side's <see cref="CountHost"/> runs once under <c>valgrind --tool=callgrind</c>, and
/// the gate compares instructions per op at a 1 % threshold. Counts do not depend on what else the machine runs, so
/// both sides run at the same time and one run a side is enough. The runtime is pinned so the same binary runs the
/// same instructions: no tiering (each method JIT'd once, fully optimised, no call-counting stubs or background
/// re-JIT), no PGO instrumentation, workstation non-concurrent GC (no background GC thread), a fixed 64 MiB gen0
/// budget (GC timing does not depend on the machine's cache size), no diagnostics server thread, no loop-alignment
/// padding (executed NOPs whose number depends on the code's address). ReadyToRun stays
/// on: precompiled framework code is as fixed as JIT'd code, and JIT-ing the whole framework under valgrind costs
/// minutes of start-up.
/// </summary>
internal static class InstructionMode
{
    public const double DefaultThreshold = 0.01;

    public static readonly IReadOnlyDictionary<string, string?> RuntimeSettings = new Dictionary<string, string?>
    {
        ["DOTNET_TieredCompilation"] = "0",
        ["DOTNET_TieredPGO"] = "0",
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_gcConcurrent"] = "0",
        ["DOTNET_GCgen0size"] = "0x4000000",
        ["DOTNET_EnableDiagnostics"] = "0",
        // Loop alignment pads with NOPs whose count depends on where the code lands, which differs between two
        // builds in two folders: +7 or +14 instructions per op on the CRC table loops in an A/A run until this was off.
        ["DOTNET_JitAlignLoops"] = "0",
    };

    public static IReadOnlyList<string> ValgrindArgs(string outFile) =>
        ["--tool=callgrind", "--smc-check=all-non-file", "--dump-before=getppid", $"--callgrind-out-file={outFile}"];

    /// <summary>Verdict at the threshold: counts are exact, so no test, only the relative change.</summary>
    public static RowVerdict Judge(double? baseCount, double? headCount, double threshold) =>
        baseCount is not > 0 || headCount is null ? RowVerdict.Undecided
        : headCount.Value > baseCount.Value * (1 + threshold) ? RowVerdict.Slower
        : headCount.Value < baseCount.Value * (1 - threshold) ? RowVerdict.Faster
        : RowVerdict.Same;

    public static IReadOnlyList<CountRow> Compare(IReadOnlyDictionary<string, double> baseCounts, IReadOnlyDictionary<string, double> headCounts, double threshold) =>
        baseCounts.Keys.Union(headCounts.Keys).Order(StringComparer.Ordinal)
            .Select(id =>
            {
                double? b = baseCounts.TryGetValue(id, out double x) ? x : null, h = headCounts.TryGetValue(id, out double y) ? y : null;
                return new CountRow(id, b, h, Judge(b, h, threshold));
            }).ToList();

    /// <summary>Runs one side's count host under callgrind and returns instructions per op by row.</summary>
    public static async Task<IReadOnlyDictionary<string, double>> CountAsync(GateSide side, IReadOnlyList<string> filters, string dir, CountSettings settings, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        string outFile = Path.Combine(dir, "callgrind.out"), manifest = Path.Combine(dir, "manifest.json");
        var env = new Dictionary<string, string?>(RuntimeSettings);
        foreach (var (k, v) in side.Environment) env[k] = v;
        string[] host = [side.BenchDll, CountHost.Verb, "--manifest", manifest, "--warmup", $"{settings.Warmup}", "--n1", $"{settings.N1}", "--n2", $"{settings.N2}", "--reps", $"{settings.Reps}",
            .. filters.Count > 0 ? ["--filter", .. filters] : Array.Empty<string>()];
        CommandResult r = await Cli.Wrap("valgrind")
            .WithArguments([.. ValgrindArgs(outFile), "dotnet", .. host])
            // The same working folder for both sides, so no path of a different length shifts the heap of one.
            .WithWorkingDirectory(Path.GetDirectoryName(Path.GetFullPath(dir))!)
            .WithEnvironmentVariables(env)
            .WithStandardOutputPipe(PipeTarget.ToFile(Path.Combine(dir, "count.log")))
            .WithStandardErrorPipe(PipeTarget.ToFile(Path.Combine(dir, "valgrind.log")))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (r.ExitCode != 0 || !File.Exists(manifest))
            throw new GateInputException($"the {side.Name} count under callgrind failed (exit {r.ExitCode}; does {side.Revision[..Math.Min(12, side.Revision.Length)]} have the bench 'count' verb?); see {dir}.");
        CountManifest m = JsonSerializer.Deserialize<CountManifest>(File.ReadAllText(manifest)) ?? throw new GateInputException($"{manifest} is empty.");
        return PerOp(m, ReadDumps(outFile));
    }

    /// <summary>Instructions of each numbered dump (callgrind.out.1, .2, ...): each holds the cost since the previous dump.</summary>
    public static IReadOnlyList<long> ReadDumps(string outFile)
    {
        var totals = new List<long>();
        for (int i = 1; File.Exists($"{outFile}.{i}"); i++)
        {
            Match t = Regex.Match(File.ReadAllText($"{outFile}.{i}"), @"^totals:\s*(\d+)", RegexOptions.Multiline);
            if (!t.Success) throw new GateInputException($"{outFile}.{i} has no totals line: not a callgrind dump.");
            totals.Add(long.Parse(t.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        return totals;
    }

    /// <summary>
    /// Per op: (min over reps of the N2 loop - min over reps of the N1 loop) / (N2 - N1). Dump 1 is start-up; then
    /// each rep of each op has 4 dumps: warm-up or GC, N1 loop, GC, N2 loop.
    /// </summary>
    public static IReadOnlyDictionary<string, double> PerOp(CountManifest m, IReadOnlyList<long> dumps)
    {
        int expected = CountHost.LeadingDumps + m.Ops.Count * m.Reps * CountHost.DumpsPerRep;
        if (dumps.Count != expected)
            throw new GateInputException($"callgrind wrote {dumps.Count} dumps, the count host marks {expected}: something else called getppid, or the run stopped early.");
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int j = 0; j < m.Ops.Count; j++)
        {
            long n1 = long.MaxValue, n2 = long.MaxValue;
            for (int r = 0; r < m.Reps; r++)
            {
                int first = CountHost.LeadingDumps + (j * m.Reps + r) * CountHost.DumpsPerRep;
                n1 = Math.Min(n1, dumps[first + 1]);
                n2 = Math.Min(n2, dumps[first + 3]);
            }
            result[m.Ops[j].Name] = (double)(n2 - n1) / (m.Ops[j].N2 - m.Ops[j].N1);
        }
        return result;
    }
}

/// <summary>Loop sizes of the count host.</summary>
internal sealed record CountSettings(int Warmup = 200, int N1 = 1_000, int N2 = 3_000, int Reps = 4);
