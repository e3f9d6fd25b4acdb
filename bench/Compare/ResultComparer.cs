using HashtagBench.Statistics;
using Perfolizer.Horology;
using Perfolizer.Mathematics.Common;
using Perfolizer.Metrology;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Bench.Compare;

/// <summary>The statistical verdict on one benchmark's time.</summary>
internal enum TimeVerdict
{
    /// <summary>No difference beyond the threshold or the noise floor.</summary>
    Same,
    Faster,
    Slower,
    /// <summary>
    /// Not enough samples to test: a failed benchmark, or too few iterations for the rank test to ever reach
    /// significance at alpha. The gate fails on it unless <see cref="CompareSettings.AllowUnknown"/>.
    /// </summary>
    Unknown,
}

/// <summary>How compare decides. <see cref="Filters"/> are BenchmarkDotNet-style globs over the full name (empty: all).</summary>
internal sealed record CompareSettings(Threshold Threshold, Threshold Noise, IReadOnlyList<string> Filters)
{
    /// <summary>Significance level of each one-sided Mann-Whitney test.</summary>
    public SignificanceLevel Alpha { get; init; } = SignificanceLevel.P05;

    /// <summary>Pass a benchmark the test cannot judge (too few samples) instead of failing the gate on it.</summary>
    public bool AllowUnknown { get; init; }

    public static CompareSettings Default { get; } = new(ParseThreshold("5%", "--threshold"), ParseThreshold("2ns", "--noise"), []);

    /// <summary>Parses a relative (5%) or absolute (2ns, 0.5us, 1ms) threshold, with an error that says which option was wrong.</summary>
    public static Threshold ParseThreshold(string text, string option)
    {
        Match m = Regex.Match(text, @"^\s*(\d+(?:\.\d+)?)\s*(%|ns|us|µs|μs|ms|s)\s*$");
        if (!m.Success || double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) <= 0)
            throw new CompareInputException($"{option} '{text}' is not a threshold: give a positive percentage (5%) or time (2ns, 0.5us, 1ms).");
        string unit = m.Groups[2].Value is "µs" or "μs" ? "us" : m.Groups[2].Value;
        return Threshold.Parse(m.Groups[1].Value + unit);
    }
}

/// <summary>One benchmark seen in the base run, the diff run, or both.</summary>
internal sealed record BenchmarkComparison(string Id, BenchmarkResult? Base, BenchmarkResult? Diff, TimeVerdict Verdict)
{
    /// <summary>Diff median / base median: above 1 is slower.</summary>
    public double? Ratio => Base?.MedianNs is > 0 && Diff?.MedianNs is { } d ? d / Base.MedianNs.Value : null;

    public bool MissingInDiff => Diff is null;
    public bool NewInDiff => Base is null;

    /// <summary>The base run measured it and the diff run has it but no measurements: it broke.</summary>
    public bool FailedInDiff => Base is { HasMeasurements: true } && Diff is { HasMeasurements: false };

    /// <summary>A benchmark that allocated nothing now allocates.</summary>
    public bool NewAllocation => Base?.AllocatedBytes == 0 && Diff?.AllocatedBytes > 0;

    /// <summary>Measured in both runs, but the test cannot say whether it changed.</summary>
    public bool Undecided => Base is not null && Diff is not null && !FailedInDiff && Verdict == TimeVerdict.Unknown;

    public bool IsRegression => Verdict == TimeVerdict.Slower || NewAllocation || FailedInDiff;

    /// <summary>What fails the gate: a regression, or (unless allowed) a benchmark the gate could not judge.</summary>
    public bool FailsGate(CompareSettings settings) => IsRegression || (Undecided && !settings.AllowUnknown);
}

/// <summary>
/// Compares two result sets with <see cref="ShiftTest"/> (shared with the load-run gate): a Mann-Whitney equivalence
/// test at the user's threshold and again at an absolute noise floor, so nanosecond-scale jitter on tiny benchmarks is not a regression.
/// </summary>
internal static class ResultComparer
{
    public static IReadOnlyList<BenchmarkComparison> Compare(IReadOnlyDictionary<string, BenchmarkResult> baseRun,
        IReadOnlyDictionary<string, BenchmarkResult> diffRun, CompareSettings settings)
    {
        Regex[] filters = settings.Filters.Select(GlobToRegex).ToArray();
        bool Selected(string id) => filters.Length == 0 || filters.Any(f => f.IsMatch(id));

        var list = new List<BenchmarkComparison>();
        foreach (string id in baseRun.Keys.Union(diffRun.Keys).Where(Selected).Order(StringComparer.Ordinal))
        {
            BenchmarkResult? b = baseRun.GetValueOrDefault(id), d = diffRun.GetValueOrDefault(id);
            TimeVerdict verdict = b is null || d is null ? TimeVerdict.Unknown : Judge(b.SamplesNs, d.SamplesNs, settings);
            list.Add(new BenchmarkComparison(id, b, d, verdict));
        }
        if (!list.Any(c => c.Base is not null && c.Diff is not null))
            throw new CompareInputException(filters.Length == 0
                ? "The base and diff runs have no benchmark in common: are they runs of the same suites?"
                : $"No benchmark matching {string.Join(", ", settings.Filters)} is in both runs.");
        return list;
    }

    /// <summary>Faster or Slower only when the shift is significant at both the threshold and the noise floor (<see cref="ShiftTest"/>).</summary>
    public static TimeVerdict Judge(IReadOnlyList<double> baseNs, IReadOnlyList<double> diffNs, CompareSettings settings) =>
        ShiftTest.Judge(baseNs, diffNs, settings.Threshold, settings.Noise, settings.Alpha, TimeUnit.Nanosecond) switch
        {
            ShiftVerdict.Same => TimeVerdict.Same,
            ShiftVerdict.Higher => TimeVerdict.Slower,
            ShiftVerdict.Lower => TimeVerdict.Faster,
            _ => TimeVerdict.Unknown,
        };

    /// <summary>BenchmarkDotNet-style glob ('*' any run, '?' one char), case-insensitive, over the whole name.</summary>
    internal static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
