using Perfolizer.Horology;
using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.SignificanceTesting;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace HashtagBench.Statistics;

/// <summary>Whether a candidate sample shifted against a baseline.</summary>
public enum ShiftVerdict
{
    /// <summary>No shift beyond the threshold or the noise floor.</summary>
    Same,
    /// <summary>The candidate is lower (faster, for times).</summary>
    Lower,
    /// <summary>The candidate is higher (slower, for times).</summary>
    Higher,
    /// <summary>Too few samples for the rank test to ever reach significance at alpha: no verdict, never "same".</summary>
    Unknown,
}

/// <summary>
/// The regression test both gates use, as dotnet/performance's ResultsComparer does: a one-sided Mann-Whitney
/// equivalence test (Perfolizer) at the user's threshold, and again at an absolute noise floor; a sample is only
/// called higher or lower when both say it differs, so jitter below the floor is never a regression.
/// </summary>
public static class ShiftTest
{
    private static readonly SimpleEquivalenceTest MannWhitney = new(MannWhitneyTest.Instance);

    /// <param name="unit">The unit the samples are in; an absolute threshold (2ns, 1ms) is read in it.</param>
    public static ShiftVerdict Judge(IReadOnlyList<double> baseline, IReadOnlyList<double> candidate, Threshold threshold, Threshold noise,
        SignificanceLevel alpha, TimeUnit unit)
    {
        // With n and m samples the smallest one-sided p-value a rank test can produce is 1 / C(n+m, n) (every
        // candidate sample above every baseline sample). Unless that is below alpha the test can never call a
        // change, and 2 samples a side (p >= 1/6) would only ever say "same": so the verdict is Unknown, never Same.
        if (!CanReachSignificance(baseline.Count, candidate.Count, alpha.Value)) return ShiftVerdict.Unknown;
        var x = new Sample(baseline, unit);
        var y = new Sample(candidate, unit);

        ComparisonResult byThreshold = MannWhitney.Perform(x, y, threshold, alpha);
        if (byThreshold == ComparisonResult.Unknown) return ShiftVerdict.Unknown;
        if (byThreshold == ComparisonResult.Indistinguishable) return ShiftVerdict.Same;
        if (MannWhitney.Perform(x, y, noise, alpha) == ComparisonResult.Indistinguishable) return ShiftVerdict.Same;
        // Perform(baseline, candidate): Lesser means baseline < candidate, i.e. the candidate is higher.
        return byThreshold == ComparisonResult.Lesser ? ShiftVerdict.Higher : ShiftVerdict.Lower;
    }

    /// <summary>True when 1 / C(n+m, n), the smallest one-sided Mann-Whitney p-value for these sample sizes, is below alpha.</summary>
    public static bool CanReachSignificance(int n, int m, double alpha)
    {
        if (n < 1 || m < 1) return false;
        double arrangements = 1; // C(n+m, n), computed incrementally; it only has to pass 1/alpha
        for (int i = 1; i <= Math.Min(n, m) && arrangements * alpha <= 1; i++)
            arrangements = arrangements * (Math.Max(n, m) + i) / i;
        return 1 / arrangements < alpha;
    }
}
