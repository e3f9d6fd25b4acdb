using HashtagBench.Statistics;
using System.Globalization;

namespace HashtagBench.Reporting;

// The load-run regression gate's settings and verdict (computed by src/Load/Compare's LoadCompare, rendered by
// LoadCompareReport): here, below Load, so the report can read them typed.

/// <summary>What counts as a load-run regression. Percentages are fractions (0.10 = 10%); shares and fail rates in percentage points.</summary>
/// <param name="MaxP99Regression">p99 may grow by this fraction: an exact p99 beyond it, with the per-second p99 series significantly higher by half of it (Mann-Whitney), is a regression.</param>
/// <param name="NoiseMs">Absolute floor: per-second p99 shifts below it are never a regression, whatever the ratio.</param>
/// <param name="MaxFailIncrease">The fail rate may grow by this many percentage points.</param>
/// <param name="MaxShardDrift">A shard's measured share of calls may move by this many percentage points.</param>
public sealed record LoadCompareSettings(double MaxP99Regression, double NoiseMs, double MaxFailIncrease, double MaxShardDrift)
{
    public static LoadCompareSettings Default { get; } = new(0.10, 0.05, 0.5, 5);

    /// <summary>Significance level of the one-sided Mann-Whitney test on the per-second p99 series.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Pass a run whose series is too short for the test to judge, instead of failing on it.</summary>
    public bool AllowUnknown { get; init; }

    /// <summary>Reads "10%" (or "10") as 0.10, naming the option when it is not a percentage.</summary>
    public static double ParsePercent(string text, string option)
    {
        string t = text.Trim().TrimEnd('%').Trim();
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < 0)
            throw new ArgumentException($"{option} '{text}' is not a percentage: give e.g. 10%.");
        return v / 100;
    }
}

public sealed record PercentileDelta(string Percentile, double? BaseMs, double? DiffMs)
{
    /// <summary>diff / base − 1; null without both.</summary>
    public double? Change => BaseMs is > 0 && DiffMs is { } d ? d / BaseMs.Value - 1 : null;
}

/// <summary>One run in both results: exact percentile deltas, the per-second p99 test, the fail rates, and what regressed.</summary>
public sealed record RunComparison(string Run, IReadOnlyList<PercentileDelta> Percentiles, int BaseSeconds, int DiffSeconds, ShiftVerdict P99Shift,
    double? BaseFailPercent, double? DiffFailPercent, IReadOnlyList<string> Regressions);

/// <summary>A shard's measured share of calls in both results, in percent.</summary>
public sealed record ShardDrift(string Strategy, int Shard, double? BasePercent, double? DiffPercent)
{
    public double? DriftPoints => DiffPercent - BasePercent;
}

public sealed record LoadComparison(string Base, string Diff, IReadOnlyList<RunComparison> Runs, IReadOnlyList<ShardDrift> Shards, IReadOnlyList<string> Regressions)
{
    public bool Passed => Regressions.Count == 0;
}
