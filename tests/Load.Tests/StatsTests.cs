using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Tests;

public sealed class StatsTests
{
    [Fact]
    public void Ok_calls_finishing_on_many_threads_at_once_are_each_counted()
    {
        // Calls complete on thread-pool threads, many at once. A recorder over a plain LongHistogram lost a count
        // whenever two completions' count++ interleaved (4,000-14,000 of ~40 million here, every time; one call in
        // 899 on a busy machine in the agents' run): the interval totals, the summary and the histogram log then all
        // missed that call. Calls of about the same latency land in the same bucket, so the writers contend for one count. They write
        // for 1.5 s (a loop of a few million finishes inside one time slice and rarely overlaps another), each
        // counting its own calls, while the test ticks as the engine does.
        const int writers = 4;
        using var stats = new Stats(histogramLog: null);
        using var go = new Barrier(writers + 1);
        var recorded = new long[writers];
        var stop = false;
        Thread[] threads = [.. Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            Response ok = Response.Ok();
            go.SignalAndWait();
            long n = 0;
            while (!Volatile.Read(ref stop))
            {
                stats.Record(ok, 1000);
                stats.RecordFromSend(1000);
                n++;
            }
            recorded[w] = n;
        }))];
        foreach (Thread t in threads) t.Start();
        go.SignalAndWait();
        var intervals = new List<IntervalStats>();
        var writing = System.Diagnostics.Stopwatch.StartNew();
        while (writing.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Thread.Sleep(5);
            intervals.Add(stats.Tick(intervals.Count, 0.005));
        }
        Volatile.Write(ref stop, true);
        foreach (Thread t in threads) t.Join();
        intervals.Add(stats.Tick(intervals.Count, 0.005));

        long calls = recorded.Sum();
        Assert.True(calls > 0);
        Assert.Equal(calls, stats.OkTotal.TotalCount);
        Assert.Equal(calls, intervals.Sum(s => s.Ok));
        Assert.Equal(calls, stats.FromSendTotal.TotalCount);
    }

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
