namespace HashtagBench.ClusterSim.Tests;

public sealed class PopularityTests
{
    private static double Harmonic(int n) => Enumerable.Range(1, n).Sum(k => 1.0 / k);

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    public void Zipf_1_gives_rank_k_the_share_1_over_k_H_N(int events)
    {
        double[] w = Popularity.Zipf(1).Weights(events);
        double h = Harmonic(events);
        for (int k = 1; k <= events; k++) Assert.Equal(1 / (k * h), w[k - 1], 12);
    }

    [Fact]
    public void Sampled_joins_follow_the_Zipf_shares()
    {
        const int events = 20, draws = 2_000_000;
        double[] w = Popularity.Zipf(1).Weights(events);
        var alias = new AliasTable(w);
        var rng = new SplitMix64(42);
        var counts = new int[events];
        for (int i = 0; i < draws; i++) counts[alias.Sample(rng.Next())]++;
        for (int k = 0; k < events; k++)
        {
            double sd = Math.Sqrt(w[k] * (1 - w[k]) / draws);
            Assert.InRange(counts[k] / (double)draws, w[k] - 5 * sd, w[k] + 5 * sd);
        }
        Assert.Equal(1 / Harmonic(events), w[0], 12);
    }

    [Fact]
    public void Uniform_and_single_hot_weights()
    {
        Assert.All(Popularity.Uniform.Weights(4), x => Assert.Equal(0.25, x, 12));
        double[] hot = Popularity.SingleHot(0.6).Weights(5);
        Assert.Equal(0.6, hot[0], 12);
        Assert.All(hot.Skip(1), x => Assert.Equal(0.1, x, 12));
        Assert.Equal([1.0], Popularity.SingleHot(0.3).Weights(1));
    }

    [Theory]
    [InlineData("uniform", "uniform")]
    [InlineData("zipf:1.1", "zipf:1.1")]
    [InlineData("HOT:0.5", "hot:0.5")]
    public void Parses_command_line_names(string text, string name) => Assert.Equal(name, Popularity.Parse(text).Name);
}
