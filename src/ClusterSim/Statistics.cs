using HashtagBench.Statistics;
namespace HashtagBench.ClusterSim;

/// <summary>Mean and the 5th-95th percentile band of a quantity over the Monte Carlo seeds.</summary>
public readonly record struct Band(double Mean, double P5, double P95)
{
    public static Band Of(IEnumerable<double> samples)
    {
        double[] s = samples.ToArray();
        if (s.Length == 0) throw new ArgumentException("No samples.", nameof(samples));
        // Linear interpolation between closest ranks (Excel PERCENTILE.INC): with 20 seeds a nearest rank would be one seed.
        return new Band(s.Average(), Quantiles.Interpolated(s, 0.05), Quantiles.Interpolated(s, 0.95));
    }
}

/// <summary>How uneven a load spread is.</summary>
/// <param name="MaxOverMean">Hottest shard's load over the mean shard load (1 = perfectly even).</param>
/// <param name="Cv">Coefficient of variation: population standard deviation of shard loads over their mean.</param>
/// <param name="Gini">Gini coefficient of shard loads: 0 even, (N-1)/N when one shard takes everything.</param>
/// <param name="HottestShardShare">Hottest shard's fraction of all load.</param>
/// <param name="HottestSlotShare">Hottest slot's fraction of all load (a floor no resharding can get under).</param>
internal sealed record SkewMetrics(double MaxOverMean, double Cv, double Gini, double HottestShardShare, double HottestSlotShare)
{
    public static SkewMetrics Of(ReadOnlySpan<double> shardLoads, ReadOnlySpan<double> slotLoads)
    {
        int n = shardLoads.Length;
        if (n == 0) throw new ArgumentException("No shard loads.", nameof(shardLoads));
        double total = 0, max = 0;
        foreach (double x in shardLoads)
        {
            if (x < 0 || !double.IsFinite(x)) throw new ArgumentException("Loads must be finite and non-negative.", nameof(shardLoads));
            total += x;
            max = Math.Max(max, x);
        }
        if (total <= 0) throw new ArgumentException("Total load is zero.", nameof(shardLoads));
        double mean = total / n, sq = 0;
        foreach (double x in shardLoads) sq += (x - mean) * (x - mean);
        double[] sorted = shardLoads.ToArray();
        Array.Sort(sorted);
        // Gini = Σ (2i - n - 1) x_(i) / (n Σ x), i = 1..n over ascending loads: the mean absolute difference form, sorted.
        double g = 0;
        for (int i = 0; i < n; i++) g += (2.0 * (i + 1) - n - 1) * sorted[i];
        return new SkewMetrics(max / mean, Math.Sqrt(sq / n) / mean, g / (n * total), max / total, MaxShare(slotLoads));
    }

    private static double MaxShare(ReadOnlySpan<double> loads)
    {
        double total = 0, max = 0;
        foreach (double x in loads) { total += x; max = Math.Max(max, x); }
        return total > 0 ? max / total : 0;
    }
}

/// <summary>
/// Analytic balls-into-bins expectations for equal-weight balls (events under uniform popularity) thrown into
/// bins with given probabilities (shards: their slot fractions; slots: 1/16384 each).
/// </summary>
public static class BallsIntoBins
{
    /// <summary>Up to this many balls <see cref="ExpectedMaxLoad"/> is exact; above it, Poissonised.</summary>
    public const int ExactBallLimit = 200;

    /// <summary>
    /// E[max bin load]. Up to <see cref="ExactBallLimit"/> balls, exact: the multinomial is independent Poisson
    /// counts conditioned on their total, so P(max ≤ m) = P(ΣY = B, all Y ≤ m) / P(ΣY = B), computed by multiplying
    /// truncated Poisson generating polynomials. Above it, Poissonised: E[max] = Σ_{m≥0} (1 - Π_j P(Y_j ≤ m)), which
    /// is within 0.1% of the exact answer from 100 balls in 3 bins on (checked against Monte Carlo).
    /// </summary>
    public static double ExpectedMaxLoad(long balls, IReadOnlyList<double> binProbabilities)
    {
        if (balls < 1) throw new ArgumentOutOfRangeException(nameof(balls), balls, "Need at least one ball.");
        // Bins with equal probability are one group (16384 slots are one group).
        var groups = binProbabilities.Where(p => p > 0).GroupBy(p => p).Select(g => (P: g.Key, Count: g.Count())).ToArray();
        return balls <= ExactBallLimit ? ExactMaxLoad((int)balls, groups) : PoissonisedMaxLoad(balls, groups);
    }

    private static double ExactMaxLoad(int balls, (double P, int Count)[] groups)
    {
        double total = Math.Exp(-balls + balls * Math.Log(balls) - LogFactorial(balls)); // P(ΣY = B), ΣY ~ Poisson(B)
        double expected = 0;
        for (int m = 0; m < balls; m++)
        {
            double[] product = [1];
            foreach (var (p, count) in groups)
            {
                double lambda = balls * p;
                var truncated = new double[Math.Min(m, balls) + 1];
                for (int i = 0; i < truncated.Length; i++) truncated[i] = Math.Exp(-lambda + i * Math.Log(lambda) - LogFactorial(i));
                product = Multiply(product, Power(truncated, count, balls), balls);
            }
            double allAtMostM = product.Length > balls ? Math.Min(1, product[balls] / total) : 0;
            expected += 1 - allAtMostM;
            if (1 - allAtMostM < 1e-15) break;
        }
        return expected;
    }

    /// <summary>Polynomial power by squaring, coefficients above <paramref name="maxDegree"/> dropped.</summary>
    private static double[] Power(double[] poly, int exponent, int maxDegree)
    {
        double[] result = [1], square = poly;
        while (true)
        {
            if ((exponent & 1) != 0) result = Multiply(result, square, maxDegree);
            exponent >>= 1;
            if (exponent == 0) return result;
            square = Multiply(square, square, maxDegree);
        }
    }

    private static double[] Multiply(double[] a, double[] b, int maxDegree)
    {
        var c = new double[Math.Min(a.Length + b.Length - 1, maxDegree + 1)];
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == 0) continue;
            for (int j = 0; j < b.Length && i + j < c.Length; j++) c[i + j] += a[i] * b[j];
        }
        return c;
    }

    private static double PoissonisedMaxLoad(long balls, (double P, int Count)[] bins)
    {
        var groups = bins.Select(g => new PoissonCdf(balls * g.P, g.Count)).ToArray();
        long mLo = groups.Max(g => g.NegligibleBelow);
        foreach (var g in groups) g.AdvanceTo(mLo);
        double expected = mLo; // every m below mLo has P(max ≤ m) ≈ 0, i.e. adds 1
        double maxLambda = groups.Max(g => g.Lambda);
        for (long m = mLo; m < balls; m++)
        {
            double logAllBelow = 0;
            foreach (var g in groups) logAllBelow += g.Count * Math.Log(g.Cdf);
            double term = -double.ExpM1(logAllBelow);
            expected += term;
            if (m > maxLambda && term < 1e-15) break;
            foreach (var g in groups) g.Step();
        }
        return expected;
    }

    public static double ExpectedHottestShare(long balls, IReadOnlyList<double> binProbabilities) =>
        ExpectedMaxLoad(balls, binProbabilities) / balls;

    /// <summary>√E[CV²] of bin loads: exact for the multinomial, E Σ (X_j - b/n)² = Σ b p_j(1-p_j) + (b p_j - b/n)².</summary>
    public static double RmsCv(long balls, IReadOnlyList<double> binProbabilities)
    {
        int n = binProbabilities.Count;
        double mean = (double)balls / n, sq = 0;
        foreach (double p in binProbabilities)
            sq += balls * p * (1 - p) + (balls * p - mean) * (balls * p - mean);
        return Math.Sqrt(sq / n) / mean;
    }

    /// <summary>Walks the Poisson CDF upwards from where it stops being negligible (log-space start: λ can be millions).</summary>
    private sealed class PoissonCdf(double lambda, int count)
    {
        private long _m = -1;
        private double _pmf;

        public double Lambda { get; } = lambda;
        public int Count { get; } = count;
        public double Cdf { get; private set; }
        public long NegligibleBelow { get; } = Math.Max(0, (long)Math.Floor(lambda - 12 * Math.Sqrt(lambda) - 10));

        public void AdvanceTo(long m)
        {
            _m = NegligibleBelow;
            _pmf = Math.Exp(-Lambda + _m * Math.Log(Lambda) - LogFactorial(_m));
            Cdf = _pmf;
            while (_m < m) Step();
        }

        public void Step()
        {
            _m++;
            _pmf *= Lambda / _m;
            Cdf = Math.Min(1, Cdf + _pmf);
        }
    }

    internal static double LogFactorial(long n)
    {
        if (n < 2) return 0;
        if (n < 64)
        {
            double s = 0;
            for (int i = 2; i <= n; i++) s += Math.Log(i);
            return s;
        }
        double x = n; // Stirling series; error below 1e-15 relative for n ≥ 64
        return x * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI * x) + 1 / (12 * x) - 1 / (360 * x * x * x);
    }
}
