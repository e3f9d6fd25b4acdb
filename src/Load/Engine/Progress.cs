using Spectre.Console;

namespace HashtagBench.Load.Engine;

/// <summary>
/// Progress output: a live Spectre.Console bar on an interactive terminal; one plain line per second when
/// output is redirected or CI=true (logs stay readable and nothing is redrawn).
/// </summary>
internal static class ConsoleProgress
{
    public static bool Interactive =>
        !Console.IsOutputRedirected && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static async Task<T> RunAsync<T>(string title, Func<IProgressSink, Task<T>> run)
    {
        if (!Interactive) return await run(new PlainSink(Console.Out)).ConfigureAwait(false);
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                ProgressTask task = ctx.AddTask(Markup.Escape(title), maxValue: 100);
                result = await run(new LiveSink(task)).ConfigureAwait(false);
                task.Value = 100;
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// One second as a line: p50/p99 of Ok responses and p99 of every outcome ("all": failed and refused calls too),
    /// each "n/a" in a second without such calls, never 0.
    /// </summary>
    public static string Line(string scenario, IntervalStats s, double elapsed, double total) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"[{scenario}] {elapsed,5:0}s/{total:0}s  rps {s.Rps,8:0}  ok {s.Ok,7}  fail {s.Fail,6}  p50 {Ms(s.OkLatency, s.OkLatency.P50)}  p99 {Ms(s.OkLatency, s.OkLatency.P99)}  p99(all) {Ms(s.AllLatency, s.AllLatency.P99)}") +
        (s.ErrorsByKind.Count == 0 ? "" : "  errors " + string.Join(",", s.ErrorsByKind.Select(e => $"{e.Key}={e.Value}")));

    private static string Ms(Percentiles p, double value) => p.IsEmpty ? $"{"n/a",9}" : $"{p.Show(value),7}ms";

    private sealed class PlainSink(TextWriter output) : IProgressSink
    {
        public void Interval(string scenario, IntervalStats s, double elapsed, double total) => output.WriteLine(Line(scenario, s, elapsed, total));
    }

    private sealed class LiveSink(ProgressTask task) : IProgressSink
    {
        public void Interval(string scenario, IntervalStats s, double elapsed, double total)
        {
            task.Value = Math.Min(99, 100 * elapsed / Math.Max(total, 1e-9));
            task.Description = Markup.Escape($"{scenario}: {s.Rps:0} rps, p99 {s.OkLatency.Show(s.OkLatency.P99, ifEmpty: "n/a ")}ms, p99(all) {s.AllLatency.Show(s.AllLatency.P99, ifEmpty: "n/a ")}ms, fail {s.Fail}");
        }
    }
}
