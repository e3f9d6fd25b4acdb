using System.CommandLine;
using System.Globalization;
using HashtagBench.Load.Engine;

namespace HashtagBench.Load;

/// <summary>
/// The engine's own ceiling: a no-op scenario injected at rising rates. A rate is sustained when the engine
/// launches at least 99% of the schedule and the no-op's latency from its intended start (pure scheduling lateness)
/// stays at or under <see cref="MaxLatenessMs"/> at p99. The scheduler sleeps on .NET timers, which wake a few ms late
/// on Linux; scenario latencies include that lateness (they are measured from the intended start), so they err high.
/// </summary>
public static class OverheadProbe
{
    public static readonly int[] Rates = [1_000, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000];
    public const double MaxLatenessMs = 5;

    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "Seconds per rate." };
        var cmd = new Command("overhead", "Measure how many injections per second the engine sustains on its intended schedule (no-op scenario).");
        cmd.Options.Add(seconds);
        cmd.SetAction(async (r, ct) =>
        {
            double best = 0;
            Console.WriteLine("| target/s | achieved/s | p50 µs | p99 µs | max µs | on schedule |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (int rate in Rates)
            {
                TimeSpan during = TimeSpan.FromSeconds(r.GetValue(seconds));
                RunSummary s = await RunAsync(rate, during, ct);
                double launched = s.Total / during.TotalSeconds; // invocations per scheduled second
                bool kept = launched >= 0.99 * rate && s.Ok.P99 <= MaxLatenessMs;
                if (kept) best = launched;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rate} | {launched:0} | {s.Ok.P50 * 1000:0} | {s.Ok.P99 * 1000:0} | {s.Ok.Max * 1000:0} | {(kept ? "yes" : "no")} |"));
                if (!kept) break;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine sustains {best:0} injections/s on schedule"));
            return 0;
        });
        return cmd;
    }

    public static Task<RunSummary> RunAsync(int rate, TimeSpan during, CancellationToken ct)
    {
        Scenario noop = Scenario.Create("noop", static _ => Task.FromResult(Response.Ok()))
            .WithLoadSimulations(LoadSimulation.Inject(Math.Max(1, rate / 100), TimeSpan.FromMilliseconds(10), during))
            .WithLimits(maxInFlight: 100_000, maxInvocations: (long)(rate * during.TotalSeconds) + 1);
        return new LoadRunner(noop).RunAsync(ct);
    }
}
