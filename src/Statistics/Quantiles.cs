using Perfolizer.Mathematics.QuantileEstimators;
using Pragmastat;

namespace HashtagBench.Statistics;

/// <summary>
/// Sample quantiles by Perfolizer's Hyndman-Fan estimators, named by the definition each report states. The input
/// need not be sorted; it must not be empty.
/// </summary>
public static class Quantiles
{
    private static readonly HyndmanFanQuantileEstimator Rank = new(HyndmanFanType.Type1);
    private static readonly HyndmanFanQuantileEstimator Linear = new(HyndmanFanType.Type7);

    /// <summary>
    /// Nearest rank (Hyndman-Fan type 1, the inverse of the empirical CDF): the smallest value with at least a
    /// <paramref name="p"/> share of the sample at or below it; always one of the values.
    /// </summary>
    public static double NearestRank(IReadOnlyList<double> values, double p) => Rank.Quantile(Of(values), new Probability(p));

    /// <summary>Linear interpolation between closest ranks (Hyndman-Fan type 7: R's default, Excel PERCENTILE.INC).</summary>
    public static double Interpolated(IReadOnlyList<double> values, double p) => Linear.Quantile(Of(values), new Probability(p));

    /// <summary>The median: the middle value, or the mean of the two middle values of an even count.</summary>
    public static double Median(IReadOnlyList<double> values) => Interpolated(values, 0.5);

    private static Sample Of(IReadOnlyList<double> values) =>
        values.Count == 0 ? throw new ArgumentException("No values.", nameof(values)) : new Sample(values);
}
