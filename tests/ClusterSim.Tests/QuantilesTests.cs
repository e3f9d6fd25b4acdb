using HashtagBench.Statistics;

namespace HashtagBench.ClusterSim.Tests;

/// <summary>The quantile definitions the reports name, as Perfolizer computes them.</summary>
public sealed class QuantilesTests
{
    // Unsorted on purpose: the estimators sort.
    private static readonly double[] Ten = [7, 1, 10, 4, 2, 9, 3, 6, 8, 5];

    [Fact]
    public void Nearest_rank_is_the_smallest_value_with_the_share_at_or_below_it()
    {
        Assert.Equal(5, Quantiles.NearestRank(Ten, 0.50));  // ceil(0.5·10) = 5th value
        Assert.Equal(10, Quantiles.NearestRank(Ten, 0.99)); // ceil(9.9) = 10th
        Assert.Equal(9, Quantiles.NearestRank(Ten, 0.90));  // exactly 9 of 10 at or below 9
        Assert.Equal(1, Quantiles.NearestRank(Ten, 0.05));  // ceil(0.5) = 1st
        Assert.Equal(7, Quantiles.NearestRank([7], 0.99));
    }

    [Fact]
    public void Interpolated_matches_excel_percentile_inc()
    {
        Assert.Equal(5.5, Quantiles.Interpolated(Ten, 0.50), 12); // position 0.5·9 = 4.5
        Assert.Equal(9.91, Quantiles.Interpolated(Ten, 0.99), 12); // position 8.91: 9 + 0.91·(10 - 9)
        Assert.Equal(1.45, Quantiles.Interpolated(Ten, 0.05), 12); // 0.45 past the first
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(5.5, Quantiles.Median(Ten), 12);
        Assert.Equal(2, Quantiles.Median([3, 1, 2]), 12);
    }

    [Fact]
    public void An_empty_sample_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Quantiles.NearestRank([], 0.5));
        Assert.Throws<ArgumentException>(() => Quantiles.Median([]));
    }
}
