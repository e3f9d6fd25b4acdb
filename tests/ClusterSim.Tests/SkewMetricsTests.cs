namespace HashtagBench.ClusterSim.Tests;

public sealed class SkewMetricsTests
{
    [Fact]
    public void Hand_computed_loads_give_hand_computed_metrics()
    {
        // Loads 1,2,3,4: mean 2.5, max 4; variance ((1.5²+0.5²)·2)/4 = 1.25;
        // Gini = Σ|xi-xj| over ordered pairs / (2n²·mean) = 20 / 80.
        var m = SkewMetrics.Of([1, 2, 3, 4], [1, 0, 3, 6]);
        Assert.Equal(1.6, m.MaxOverMean, 12);
        Assert.Equal(Math.Sqrt(1.25) / 2.5, m.Cv, 12);
        Assert.Equal(0.25, m.Gini, 12);
        Assert.Equal(0.4, m.HottestShardShare, 12);
        Assert.Equal(0.6, m.HottestSlotShare, 12);
    }

    [Fact]
    public void Even_loads_are_perfectly_balanced()
    {
        var m = SkewMetrics.Of([5, 5, 5], [1, 1, 1, 1]);
        Assert.Equal(1, m.MaxOverMean, 12);
        Assert.Equal(0, m.Cv, 12);
        Assert.Equal(0, m.Gini, 12);
        Assert.Equal(1 / 3.0, m.HottestShardShare, 12);
        Assert.Equal(0.25, m.HottestSlotShare, 12);
    }

    [Fact]
    public void One_shard_taking_everything_is_maximally_skewed()
    {
        var m = SkewMetrics.Of([0, 0, 0, 8], [8]);
        Assert.Equal(4, m.MaxOverMean, 12);
        Assert.Equal(Math.Sqrt(3), m.Cv, 12); // sd = √((3·2² + 6²)/4) = √12, mean 2
        Assert.Equal(0.75, m.Gini, 12);       // (n-1)/n
        Assert.Equal(1, m.HottestShardShare, 12);
    }

    [Fact]
    public void Band_reports_mean_and_interpolated_percentiles()
    {
        Band b = Band.Of(Enumerable.Range(0, 101).Select(i => (double)i).Reverse());
        Assert.Equal(50, b.Mean, 12);
        Assert.Equal(5, b.P5, 12);
        Assert.Equal(95, b.P95, 12);
    }

    [Fact]
    public void Zero_total_load_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SkewMetrics.Of([0, 0], [0]));
    }
}
