using HashtagBench.Load.Rehearsal;
using HdrHistogram;
using System.Diagnostics;

namespace HashtagBench.Load.Tests;

/// <summary>The launch's timer wheel: one dispatcher for many idle users. Counts and order only; time bounds are very wide.</summary>
public sealed class UserSchedulerTests
{
    [Fact]
    public void Thirty_thousand_timers_fire_exactly_once_each_in_due_order_and_never_early()
    {
        const int n = 30_000;
        var clock = Stopwatch.StartNew();
        var firedAt = new long[n];
        var fireCount = new int[n];
        var order = new int[n];
        int next = 0; // written by the dispatcher thread only
        using var done = new ManualResetEventSlim();
        using var scheduler = new UserScheduler<int>((item, due) =>
        {
            firedAt[item] = clock.ElapsedTicks;
            fireCount[item]++;
            order[next++] = item;
            if (next == n) done.Set();
        }, clock);

        // Due times spread over 1.5 s from 0.2 s on, scheduled in a shuffled order from several threads.
        var due = new long[n];
        var rng = new Random(7);
        for (int i = 0; i < n; i++) due[i] = UserScheduler<int>.ToTicks(0.2 + 1.5 * rng.NextDouble());
        int[] shuffled = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        Parallel.ForEach(shuffled.Chunk(1000), chunk => { foreach (int i in chunk) scheduler.Schedule(due[i], i); });
        scheduler.Start();

        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), $"only {scheduler.Fired} of {n} fired");
        IReadOnlyList<(long Due, int Item)> left = scheduler.Stop();

        Assert.Empty(left);
        Assert.All(fireCount, c => Assert.Equal(1, c));
        Assert.Equal(n, scheduler.Fired);
        for (int i = 1; i < n; i++) Assert.True(due[order[i]] >= due[order[i - 1]], $"item {order[i]} fired after a later-due one");
        for (int i = 0; i < n; i++) Assert.True(firedAt[i] >= due[i], $"item {i} fired early");
        Assert.Equal(n, scheduler.Lateness.TotalCount);
    }

    [Fact]
    public void An_earlier_timer_scheduled_while_the_dispatcher_sleeps_wakes_it()
    {
        var fired = new List<string>();
        using var both = new CountdownEvent(2);
        using var scheduler = new UserScheduler<string>((item, _) => { lock (fired) fired.Add(item); both.Signal(); });
        scheduler.Start();
        scheduler.Schedule(scheduler.NowTicks + UserScheduler<string>.ToTicks(3), "late");
        Thread.Sleep(50); // the dispatcher now waits for "late"
        scheduler.Schedule(scheduler.NowTicks + UserScheduler<string>.ToTicks(0.05), "early");

        Assert.True(both.Wait(TimeSpan.FromSeconds(30)));
        scheduler.Stop();
        Assert.Equal(["early", "late"], fired);
    }

    [Fact]
    public void A_stalled_handler_shows_as_lateness_of_the_timers_behind_it_and_stop_returns_what_never_fired()
    {
        using var scheduler = new UserScheduler<int>((item, _) => { if (item == 0) Thread.Sleep(300); });
        long now = scheduler.NowTicks;
        for (int i = 0; i < 10; i++) scheduler.Schedule(now + UserScheduler<int>.ToTicks(0.01), i);
        scheduler.Schedule(now + UserScheduler<int>.ToTicks(3600), 99);
        scheduler.Start();
        SpinWait.SpinUntil(() => scheduler.Fired == 10, TimeSpan.FromSeconds(30));
        IReadOnlyList<(long Due, int Item)> left = scheduler.Stop();

        Assert.Equal(99, Assert.Single(left).Item);
        // The nine timers due with item 0 waited for its 300 ms handler: their lateness includes the stall.
        Assert.Equal(10, scheduler.Lateness.TotalCount);
        Assert.True(scheduler.Lateness.GetMaxValue() >= 290_000, $"max lateness {scheduler.Lateness.GetMaxValue()} µs");
    }
}
