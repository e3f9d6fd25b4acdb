using HashtagBench.Keys;
using Spectre.Console;

namespace HashtagBench.Load.Engine;

/// <summary>
/// Progress output: a live Spectre.Console bar on an interactive terminal; one plain line per second when
/// output is redirected or CI=true (logs stay readable and nothing is redrawn).
/// </summary>
public static class ConsoleProgress
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

    public static string Line(string scenario, IntervalStats s, double elapsed, double total) =>
        $"[{scenario}] {elapsed,5:0}s/{total:0}s  rps {s.Rps,8:0}  ok {s.Ok,7}  fail {s.Fail,6}  p50 {s.OkLatency.P50,7:0.00}ms  p99 {s.OkLatency.P99,7:0.00}ms" +
        (s.ErrorsByKind.Count == 0 ? "" : "  errors " + string.Join(",", s.ErrorsByKind.Select(e => $"{e.Key}={e.Value}")));

    private sealed class PlainSink(TextWriter output) : IProgressSink
    {
        public void Interval(string scenario, IntervalStats s, double elapsed, double total) => output.WriteLine(Line(scenario, s, elapsed, total));
    }

    private sealed class LiveSink(ProgressTask task) : IProgressSink
    {
        public void Interval(string scenario, IntervalStats s, double elapsed, double total)
        {
            task.Value = Math.Min(99, 100 * elapsed / Math.Max(total, 1e-9));
            task.Description = Markup.Escape($"{scenario}: {s.Rps:0} rps, p99 {s.OkLatency.P99:0.00} ms, fail {s.Fail}");
        }
    }
}
