using HashtagBench.Contracts;
using System.CommandLine;

namespace HashtagBench.Bench.Compare;

/// <summary>
/// compare: the CI regression gate. Exit 0 when nothing regressed, 1 on a regression (slower beyond the threshold
/// and the noise floor, a new allocation on a 0 B benchmark, a benchmark that failed in the diff run) or a benchmark
/// too few samples could judge (unless --allow-unknown), 2 on bad input.
/// </summary>
internal static class CompareCommand
{
    // The exit-code convention every hashtag-bench verb shares.
    public const int Pass = ExitCodes.Ok, Regression = ExitCodes.Failed, BadInput = ExitCodes.BadInput;

    public static Command Create()
    {
        var baseOpt = new Option<string>("--base") { Description = "Baseline: a *-report-full.json file or a folder searched recursively (e.g. results/baseline).", Required = true };
        var diffOpt = new Option<string>("--diff") { Description = "Candidate run, same forms as --base (e.g. results/bench/<run>).", Required = true };
        var threshold = new Option<string>("--threshold") { Description = "Smallest change that counts: a percentage (5%) or a time (2ns).", DefaultValueFactory = _ => "5%" };
        var noise = new Option<string>("--noise") { Description = "Absolute noise floor: shifts below it are never a regression.", DefaultValueFactory = _ => "2ns" };
        var allowUnknown = new Option<bool>("--allow-unknown") { Description = "Pass benchmarks with too few samples to judge instead of failing on them." };
        var filter = new Option<string[]>("--filter") { Description = "Only benchmarks whose full name matches one of these globs (e.g. '*SlotBenchmarks*').", AllowMultipleArgumentsPerToken = true };

        var cmd = new Command("compare", "Compare two BenchmarkDotNet full-JSON result sets; exit 1 on a regression.");
        cmd.Options.Add(baseOpt);
        cmd.Options.Add(diffOpt);
        cmd.Options.Add(threshold);
        cmd.Options.Add(noise);
        cmd.Options.Add(filter);
        cmd.Options.Add(allowUnknown);
        cmd.SetAction(r => Run(r.GetValue(baseOpt)!, r.GetValue(diffOpt)!, r.GetValue(threshold)!, r.GetValue(noise)!,
            r.GetValue(filter) ?? [], r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, r.GetValue(allowUnknown)));
        return cmd;
    }

    public static int Run(string basePath, string diffPath, string threshold, string noise, IReadOnlyList<string> filters, TextWriter output, TextWriter error,
        bool allowUnknown = false)
    {
        try
        {
            var settings = new CompareSettings(CompareSettings.ParseThreshold(threshold, "--threshold"), CompareSettings.ParseThreshold(noise, "--noise"), filters)
            {
                AllowUnknown = allowUnknown,
            };
            IReadOnlyList<BenchmarkComparison> comparisons = ResultComparer.Compare(
                BdnResultReader.Load(basePath), BdnResultReader.Load(diffPath), settings);
            CompareReport.Write(output, comparisons, settings);
            return comparisons.Any(c => c.FailsGate(settings)) ? Regression : Pass;
        }
        catch (CompareInputException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return BadInput;
        }
    }
}
