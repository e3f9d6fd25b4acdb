using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Tests;

public sealed class StatsTests
{
    [Fact]
    public async Task Every_interval_counts_each_failure_and_its_kind_together_while_calls_finish_during_the_ticks()
    {
        using var stats = new Stats(histogramLog: null);
        using var stop = new CancellationTokenSource();
        // Four writers record failures as fast as they can while the test ticks: a tick that took the failures'
        // histogram and the kinds' counts at two moments would see one without the other in some interval.
        Task[] writers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var r = Response.Fail(w % 2 == 0 ? "client.cancelled" : "server.error");
            while (!stop.IsCancellationRequested) stats.Record(r, 100);
        }))];
        var intervals = new List<IntervalStats>();
        // At least 400 ticks, and on until the writers (thread-pool tasks that may start late) have been caught mid-record often.
        var bound = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 400 || (intervals.Sum(s => s.Fail) < 100_000 && bound.Elapsed < TimeSpan.FromSeconds(30)); i++)
            intervals.Add(stats.Tick(i, 0.001));
        stop.Cancel();
        await Task.WhenAll(writers);
        intervals.Add(stats.Tick(intervals.Count, 0.001));

        Assert.True(intervals.Sum(s => s.Fail) > 0);
        foreach (IntervalStats s in intervals)
            Assert.Equal(s.Fail, s.ErrorsByKind.Values.Sum());
        Assert.Equal(stats.FailTotal.TotalCount, stats.ErrorsByKind.Values.Sum());
    }
}
