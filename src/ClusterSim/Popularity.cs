using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>How joins spread over events. Weights are in popularity rank order (event 0 is the most popular).</summary>
public abstract record Popularity
{
    public static Popularity Uniform { get; } = new UniformPopularity();
    public static Popularity Zipf(double exponent) => new ZipfPopularity(exponent);
    public static Popularity SingleHot(double share) => new SingleHotPopularity(share);

    /// <summary>uniform | zipf:S | hot:SHARE, as on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Per-event probabilities (sum 1) for <paramref name="events"/> events.</summary>
    public double[] Weights(int events)
    {
        SimInputException.Require(events >= 1, "events", $"The workload needs at least 1 event (got {events}).");
        double[] w = RawWeights(events);
        double sum = w.Sum();
        for (int i = 0; i < w.Length; i++) w[i] /= sum;
        return w;
    }

    protected abstract double[] RawWeights(int events);

    public sealed override string ToString() => Name;

    /// <summary>Parses uniform, zipf:S (S &gt; 0) or hot:SHARE (0 &lt; SHARE ≤ 1).</summary>
    public static Popularity Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s == "uniform") return Uniform;
        string[] parts = s.Split(':', 2);
        if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            if (parts[0] == "zipf") return Zipf(v);
            if (parts[0] is "hot" or "single-hot") return SingleHot(v);
        }
        throw new SimInputException("popularity", $"Unknown popularity '{text}'. Use uniform, zipf:S (e.g. zipf:1.1) or hot:SHARE (e.g. hot:0.5).");
    }

    private sealed record UniformPopularity : Popularity
    {
        public override string Name => "uniform";
        protected override double[] RawWeights(int events) => Enumerable.Repeat(1.0, events).ToArray();
    }

    private sealed record ZipfPopularity : Popularity
    {
        public ZipfPopularity(double exponent)
        {
            SimInputException.Require(exponent > 0 && double.IsFinite(exponent), "zipf",
                $"The Zipf exponent must be a finite number above 0 (got {exponent.ToString(CultureInfo.InvariantCulture)}); use uniform for equal popularity.");
            Exponent = exponent;
        }

        public double Exponent { get; }
        public override string Name => $"zipf:{Exponent.ToString(CultureInfo.InvariantCulture)}";
        // Rank k (1-based) gets k^-s; normalised by the generalised harmonic number H(N,s).
        protected override double[] RawWeights(int events) => Enumerable.Range(1, events).Select(k => Math.Pow(k, -Exponent)).ToArray();
    }

    private sealed record SingleHotPopularity : Popularity
    {
        public SingleHotPopularity(double share)
        {
            SimInputException.Require(share > 0 && share <= 1, "hot",
                $"The hot event's share must be in (0, 1] (got {share.ToString(CultureInfo.InvariantCulture)}).");
            Share = share;
        }

        public double Share { get; }
        public override string Name => $"hot:{Share.ToString(CultureInfo.InvariantCulture)}";
        // One event takes Share, the rest split the remainder evenly (a lone event takes everything).
        protected override double[] RawWeights(int events) =>
            events == 1 ? [1.0] : [Share, .. Enumerable.Repeat((1 - Share) / (events - 1), events - 1)];
    }
}
