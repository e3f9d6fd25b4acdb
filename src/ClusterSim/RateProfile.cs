using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// Join attempts per second over time, piecewise linear between points (seconds from start, attempts/s).
/// A constant rate is two points; a ticket-opening spike is e.g. 0:1000, 60:50000, 600:50000, 900:2000.
/// </summary>
public sealed record RateProfile
{
    public RateProfile(IReadOnlyList<(double Seconds, double PerSecond)> points)
    {
        SimInputException.Require(points.Count >= 2, "profile", "A rate profile needs at least two points (time:rate), e.g. 0:1000,600:1000.");
        for (int i = 0; i < points.Count; i++)
        {
            var (t, r) = points[i];
            SimInputException.Require(double.IsFinite(t) && t >= 0, "profile", $"Profile time {t} s must be a finite number of seconds, 0 or more.");
            SimInputException.Require(double.IsFinite(r) && r >= 0, "rate", $"A join rate cannot be negative or infinite (got {r.ToString(CultureInfo.InvariantCulture)}/s at {t} s).");
            if (i > 0) SimInputException.Require(t > points[i - 1].Seconds, "profile", $"Profile times must increase: {t} s follows {points[i - 1].Seconds} s.");
        }
        Points = points.ToArray();
        SimInputException.Require(PeakPerSecond > 0, "rate", "The join rate is zero everywhere: nothing to simulate.");
    }

    public IReadOnlyList<(double Seconds, double PerSecond)> Points { get; }

    public double DurationSeconds => Points[^1].Seconds - Points[0].Seconds;
    public double PeakPerSecond => Points.Max(p => p.PerSecond);

    /// <summary>Attempts over the whole profile (area under the rate curve).</summary>
    public double TotalAttempts => Points.Zip(Points.Skip(1), (a, b) => (b.Seconds - a.Seconds) * (a.PerSecond + b.PerSecond) / 2).Sum();

    public double MeanPerSecond => TotalAttempts / DurationSeconds;

    public static RateProfile Constant(double perSecond, double seconds)
    {
        SimInputException.Require(double.IsFinite(perSecond) && perSecond >= 0, "rate", $"A join rate cannot be negative or infinite (got {perSecond.ToString(CultureInfo.InvariantCulture)}/s).");
        SimInputException.Require(double.IsFinite(seconds) && seconds > 0, "duration", $"The duration must be above 0 s (got {seconds.ToString(CultureInfo.InvariantCulture)}).");
        return new RateProfile([(0, perSecond), (seconds, perSecond)]);
    }

    /// <summary>Parses "t:rate,t:rate,..." (seconds:attempts per second).</summary>
    public static RateProfile Parse(string text)
    {
        var points = new List<(double, double)>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] p = item.Split(':');
            if (p.Length != 2 || !TryDouble(p[0], out double t) || !TryDouble(p[1], out double r))
                throw new SimInputException("profile", $"Cannot read profile point '{item}': expected seconds:rate, e.g. 60:50000.");
            points.Add((t, r));
        }
        return new RateProfile(points);
    }

    private static bool TryDouble(string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);

    public override string ToString() => string.Join(", ", Points.Select(p => FormattableString.Invariant($"{p.Seconds:0.##}s:{p.PerSecond:0.##}/s")));
}
