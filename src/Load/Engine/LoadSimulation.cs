namespace HashtagBench.Load.Engine;

/// <summary>
/// One phase of load, as in NBomber. Inject/RampingInject are open models (arrivals on a schedule, whatever
/// the latency); KeepConstant/RampingConstant are closed models (N copies looping); Pause sends nothing.
/// </summary>
public abstract record LoadSimulation(TimeSpan During)
{
    /// <summary>Inject <paramref name="rate"/> invocations every <paramref name="interval"/>.</summary>
    public static LoadSimulation Inject(int rate, TimeSpan interval, TimeSpan during) => new InjectSim(Check(rate, nameof(rate)) / Interval(interval), Interval(interval), Duration(during), Ramp: false);

    /// <summary>
    /// Inject <paramref name="perSecond"/> invocations per second, fractional rates included (0.5/s is one every 2 s):
    /// the arrivals are spaced 1/rate apart, with no whole count per interval to round.
    /// </summary>
    public static LoadSimulation InjectPerSecond(double perSecond, TimeSpan during) =>
        double.IsFinite(perSecond) && perSecond > 0
            ? new InjectSim(perSecond, 1, Duration(during), Ramp: false)
            : throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "The rate must be a positive number per second.");

    /// <summary>Ramp the injection rate linearly from the previous phase's rate to <paramref name="rate"/> per interval.</summary>
    public static LoadSimulation RampingInject(int rate, TimeSpan interval, TimeSpan during) => new InjectSim(Check(rate, nameof(rate)) / Interval(interval), Interval(interval), Duration(during), Ramp: true);

    /// <summary>Keep <paramref name="copies"/> invocations running back to back.</summary>
    public static LoadSimulation KeepConstant(int copies, TimeSpan during) => new ConstantSim(Check(copies, nameof(copies)), Duration(during), Ramp: false);

    /// <summary>Ramp the number of copies linearly from the previous phase's to <paramref name="copies"/>.</summary>
    public static LoadSimulation RampingConstant(int copies, TimeSpan during) => new ConstantSim(Check(copies, nameof(copies)), Duration(during), Ramp: true);

    public static LoadSimulation Pause(TimeSpan during) => new PauseSim(Duration(during));

    private static int Check(int value, string name) => value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} cannot be negative.");
    private static double Interval(TimeSpan t) => t > TimeSpan.Zero ? t.TotalSeconds : throw new ArgumentOutOfRangeException("interval", t, "The interval must be positive.");
    private static TimeSpan Duration(TimeSpan t) => t > TimeSpan.Zero ? t : throw new ArgumentOutOfRangeException("during", t, "The duration must be positive.");
}

/// <summary>Open model: <paramref name="PerSecond"/> arrivals per second at the end of the phase.</summary>
internal sealed record InjectSim(double PerSecond, double IntervalSeconds, TimeSpan During, bool Ramp) : LoadSimulation(During)
{
    /// <summary>
    /// When the <paramref name="k"/>-th arrival (1-based) is due, in seconds into the phase: where the integrated rate
    /// N(t) = a·t + b·t²/2 reaches k. Exact for a linear ramp, including one that starts at zero (stepping by
    /// 1/rate(t) there would jump past the whole phase). +∞ when the rate never gets there.
    /// </summary>
    public double ArrivalTime(long k, double from)
    {
        double a = Ramp ? from : PerSecond;
        double b = Ramp ? (PerSecond - from) / During.TotalSeconds : 0;
        if (Math.Abs(b) < 1e-12) return a > 0 ? k / a : double.PositiveInfinity;
        double disc = a * a + 2 * b * k;
        return disc < 0 ? double.PositiveInfinity : (-a + Math.Sqrt(disc)) / b;
    }

    /// <summary>
    /// How many arrivals are due before <paramref name="t"/> seconds into the phase: the largest k with
    /// <see cref="ArrivalTime"/>(k) &lt; t (0 for none). The integrated rate N(t) gives it to within rounding; the
    /// steps after it settle the rounding with <see cref="ArrivalTime"/> itself, so it agrees with the injector's schedule exactly.
    /// </summary>
    public long ArrivalsBefore(double t, double from)
    {
        t = Math.Min(t, During.TotalSeconds);
        if (!(t > 0)) return 0;
        double a = Ramp ? from : PerSecond;
        double b = Ramp ? (PerSecond - from) / During.TotalSeconds : 0;
        long n = (long)Math.Max(0, Math.Floor(a * t + b * t * t / 2));
        while (n > 0 && ArrivalTime(n, from) >= t) n--;
        while (ArrivalTime(n + 1, from) < t) n++;
        return n;
    }
}

internal sealed record ConstantSim(int Copies, TimeSpan During, bool Ramp) : LoadSimulation(During)
{
    public int CopiesAt(double t, int from) => Ramp ? (int)Math.Round(from + (Copies - from) * Math.Clamp(t / During.TotalSeconds, 0, 1)) : Copies;
}

internal sealed record PauseSim(TimeSpan During) : LoadSimulation(During);
