using HashtagBench.Statistics;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace HashtagBench.Bench.Gate;

/// <summary>A row's verdict: head against base.</summary>
internal enum RowVerdict
{
    /// <summary>Shown to be within ±MinEffect of the base (both one-sided tests of the equivalence test pass).</summary>
    Same,
    /// <summary>Significantly slower (after the multiple-comparison correction) and by at least MinEffect: fails the gate.</summary>
    Slower,
    Faster,
    /// <summary>Neither: more launches are needed, or the budget ran out.</summary>
    Undecided,
}

/// <summary>How the time mode decides.</summary>
/// <param name="MinEffect">Smallest change that counts (0.03 = 3 %): a significant shift smaller than this is not a regression.</param>
/// <param name="Alpha">Family-wise error rate: a change is called at Alpha / rows (Bonferroni), so an A/A run of 29 rows flags one with probability at most Alpha.</param>
/// <param name="MinLaunches">Launches per side before any verdict; with Bonferroni at 29 rows the rank test needs at least 6 a side to reach significance at all.</param>
/// <param name="MaxLaunches">Launches per side at most, whatever the budget.</param>
internal sealed record GateRules(double MinEffect = 0.03, double Alpha = 0.05, int MinLaunches = 6, int MaxLaunches = 30)
{
    public void Validate()
    {
        if (MinEffect is not (> 0 and < 1)) throw new ArgumentException("--min-effect must be in (0%, 100%).");
        if (Alpha is not (> 0 and < 0.5)) throw new ArgumentException("--alpha must be in (0, 0.5).");
        if (MinLaunches < 2 || MaxLaunches < MinLaunches) throw new ArgumentException("--min-launches must be >= 2 and <= --max-launches.");
    }
}

/// <summary>One row's per-launch values (nanoseconds per op, the fastest iteration of the launch), one per launch of each side.</summary>
internal sealed record RowSamples(string Id, IReadOnlyList<double> Base, IReadOnlyList<double> Head);

/// <summary>The decision on one row.</summary>
/// <param name="Ratio">Median of the head's launch medians over the base's: above 1 is slower. Null with no data on a side.</param>
/// <param name="PSlower">One-sided Mann-Whitney p-value for "head is slower"; null when untested.</param>
internal sealed record RowDecision(string Id, RowVerdict Verdict, double? BaseMedian, double? HeadMedian, double? Ratio, double? PSlower, double? PFaster,
    int BaseLaunches, int HeadLaunches, string Why);

/// <summary>
/// The time mode's decision on per-launch medians. Each launch is one process, so its median is one independent
/// sample of the row; base and head launches alternate, so drift of the machine lands on both sides alike.
/// Slower/Faster: the one-sided Mann-Whitney test at Alpha / rows, and the medians differ by at least MinEffect.
/// Same: an equivalence test (two one-sided Mann-Whitney tests at Alpha against the base scaled by 1 ± MinEffect),
/// so "same" is shown, never assumed from a test that failed to see a difference. Anything else is Undecided and
/// asks for more launches.
/// </summary>
internal static class GateDecision
{
    public static RowDecision Decide(RowSamples row, GateRules rules, int rows)
    {
        int n = row.Base.Count, m = row.Head.Count;
        double? baseMedian = n > 0 ? Quantiles.Median(row.Base) : null, headMedian = m > 0 ? Quantiles.Median(row.Head) : null;
        double? ratio = baseMedian is > 0 && headMedian is { } h ? h / baseMedian : null;
        RowDecision Result(RowVerdict v, double? pSlower, double? pFaster, string why) => new(row.Id, v, baseMedian, headMedian, ratio, pSlower, pFaster, n, m, why);

        if (n < rules.MinLaunches || m < rules.MinLaunches)
            return Result(RowVerdict.Undecided, null, null, $"{Math.Min(n, m)} of {rules.MinLaunches} launches a side");
        double changeAlpha = rules.Alpha / Math.Max(1, rows);
        double pSlower = PGreater(row.Head, row.Base), pFaster = PGreater(row.Base, row.Head);
        if (pSlower < changeAlpha && ratio >= 1 + rules.MinEffect) return Result(RowVerdict.Slower, pSlower, pFaster, "slower");
        if (pFaster < changeAlpha && ratio <= 1 - rules.MinEffect) return Result(RowVerdict.Faster, pSlower, pFaster, "faster");
        // Equivalence: head < base·(1+δ) and head > base·(1-δ), each shown at Alpha.
        double pBelowUpper = PGreater(Scaled(row.Base, 1 + rules.MinEffect), row.Head);
        double pAboveLower = PGreater(row.Head, Scaled(row.Base, 1 - rules.MinEffect));
        if (pBelowUpper < rules.Alpha && pAboveLower < rules.Alpha) return Result(RowVerdict.Same, pSlower, pFaster, "within ±min effect");
        return Result(RowVerdict.Undecided, pSlower, pFaster, pSlower < changeAlpha || pFaster < changeAlpha
            ? "a significant shift below the min effect, not yet shown within it" : "not yet separated or shown equal");
    }

    public static IReadOnlyList<RowDecision> DecideAll(IReadOnlyList<RowSamples> rows, GateRules rules) =>
        rows.Select(r => Decide(r, rules, rows.Count)).ToList();

    /// <summary>True when another round of launches can still change something: a row is undecided and the launch cap is not reached.</summary>
    public static bool WantsMoreLaunches(IReadOnlyList<RowDecision> decisions, GateRules rules) =>
        decisions.Any(d => d.Verdict == RowVerdict.Undecided && Math.Min(d.BaseLaunches, d.HeadLaunches) < rules.MaxLaunches);

    /// <summary>One-sided Mann-Whitney p-value for "x is stochastically greater than y" (Perfolizer).</summary>
    internal static double PGreater(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        MannWhitneyTest.Instance.Perform(new Sample(x), new Sample(y), AlternativeHypothesis.Greater, Threshold.Zero).PValue;

    private static double[] Scaled(IReadOnlyList<double> values, double factor) => values.Select(v => v * factor).ToArray();
}
