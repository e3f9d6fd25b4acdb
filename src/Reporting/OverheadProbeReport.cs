using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting;

/// <summary>load overhead's table, printed a row at a time as the probe climbs (µs, so the floor's digits show), and its verdict.</summary>
public static class OverheadProbeReport
{
    /// <summary>The injector's name, then the table's header and separator.</summary>
    public static IReadOnlyList<string> Header(string injector) =>
    [
        $"injector: {injector}",
        "| target/s | achieved/s | latency p50 µs | latency p99 µs | lateness p50 µs | lateness p99 µs | lateness p99.9 µs | lateness max µs | injector CPU | on schedule |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ];

    public static string Row(OverheadAttempt a)
    {
        string cpu = a.InjectorCpu is double c ? string.Create(CultureInfo.InvariantCulture, $"{c * 100:0.0} %") : "n/a";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {a.TargetRate} | {a.Launched:0} | {a.LatencyP50Ms * 1000:0} | {a.LatencyP99Ms * 1000:0} | {a.LatenessP50Ms * 1000:0} | {a.LatenessP99Ms * 1000:0} | {a.LatenessP999Ms * 1000:0} | {a.LatenessMaxMs * 1000:0} | {cpu} | {(a.OnSchedule ? "yes" : a.Retrying ? "no, retrying" : "no")} |");
    }

    /// <param name="limitMs">The p99 lateness a rate was held to: <paramref name="maxLatenessMs"/> or twice the first rate's floor.</param>
    public static string Verdict(double best, double limitMs, double maxLatenessMs) => string.Create(CultureInfo.InvariantCulture,
        $"engine sustains {best:0} injections/s on schedule (p99 lateness ≤ {limitMs:0.##} ms: {maxLatenessMs:0.##} ms or twice the 1,000/s floor)");
}
