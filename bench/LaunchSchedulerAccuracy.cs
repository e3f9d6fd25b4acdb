using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Rehearsal;
using HdrHistogram;
using System.CommandLine;
using System.Globalization;
using System.Text;

namespace HashtagBench.Bench;

/// <summary>One population's timer accuracy: how late the poll timers fired (fired − due), in ms.</summary>
internal sealed record SchedulerAccuracy(int Users, double Seconds, Percentiles Lateness, long Fired)
{
    public double FiredPerSecond => Fired / Seconds;
}

/// <summary>
/// scheduler-accuracy: does the launch's one-dispatcher timer wheel stay accurate when 30,000 users wait? In one
/// run it drives N waiting users (each polls every U(2, 4) s; the poll is a tiny action on the thread pool that
/// schedules the next one, as a real poll's completion does) and then the same with a small population, and prints
/// the lateness p50/p99/max of both and their ratio. No Redis: this measures the harness alone. A plain timed loop,
/// not BenchmarkDotNet: the quantity is a distribution of timer errors over seconds of wall time.
/// </summary>
internal static class LaunchSchedulerAccuracy
{
    public const string Verb = "scheduler-accuracy";

    public static int Run(string[] args, InvocationConfiguration io)
    {
        var users = new Option<int>("--users") { Description = "Waiting users of the measured population.", DefaultValueFactory = _ => 30_000 };
        var baseline = new Option<int>("--baseline-users") { Description = "Waiting users of the small population it is set beside.", DefaultValueFactory = _ => 300 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per population (after a 4 s ramp in which every user makes its first poll).", DefaultValueFactory = _ => 20 };
        var output = new Option<string?>("--artifacts") { Description = "Folder for scheduler-accuracy.md (default results/bench/<UTC time>)." };
        var cmd = new Command(Verb, "Poll-timer lateness of the launch's scheduler with 30,000 waiting users beside 300, one run.");
        foreach (Option o in new Option[] { users, baseline, seconds, output }) cmd.Options.Add(o);
        cmd.SetAction(async (r, ct) =>
        {
            int n = r.GetValue(users), b = r.GetValue(baseline);
            double length = r.GetValue(seconds);
            if (n is < 1 or > 1_000_000 || b is < 1 or > 1_000_000 || length is <= 0 or > 600)
            {
                io.Error.WriteLine("error: --users and --baseline-users must be in [1, 1000000], --seconds in (0, 600]");
                return ExitCodes.BadInput;
            }
            // The small population first, then the large one: the JIT is warm for both measured windows.
            SchedulerAccuracy small = await MeasureAsync(b, TimeSpan.FromSeconds(length), ct);
            SchedulerAccuracy large = await MeasureAsync(n, TimeSpan.FromSeconds(length), ct);
            string md = Markdown(small, large);
            io.Output.WriteLine(md);
            string dir = r.GetValue(output) ?? BenchConfig.DefaultArtifactsPath(BenchConfig.NewRunName(DateTimeOffset.UtcNow));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "scheduler-accuracy.md");
            await File.WriteAllTextAsync(path, md, CancellationToken.None);
            io.Output.WriteLine($"results: {path}");
            return ct.IsCancellationRequested ? ExitCodes.Interrupted
                : small.Lateness.IsEmpty || large.Lateness.IsEmpty ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return BenchCli.Invoke(cmd, "bench scheduler-accuracy", args, io);
    }

    /// <summary>
    /// <paramref name="users"/> users, each first due at U(0, 4) s, then every U(2, 4) s after its poll ran. Only the
    /// timers due after the 4 s ramp count: the steady state, where every user is waiting.
    /// </summary>
    /// <param name="ramp">Seconds in which every user makes its first poll (not measured).</param>
    public static async Task<SchedulerAccuracy> MeasureAsync(int users, TimeSpan during, CancellationToken ct, double ramp = 4)
    {
        var rng = new Random(users);
        var lateness = new LongHistogram(Stats.HighestMicros, 3);
        long measureFrom = UserScheduler<int>.ToTicks(ramp);
        UserScheduler<int>? scheduler = null;
        scheduler = new UserScheduler<int>((user, due) =>
        {
            long now = scheduler!.NowTicks;
            if (due >= measureFrom) lateness.RecordValue(Math.Max(0, (long)((now - due) * 1e6 / System.Diagnostics.Stopwatch.Frequency)));
            // The poll itself: a tiny action on the thread pool whose completion schedules the next poll.
            double interval = 2 + 2 * Random.Shared.NextDouble();
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Scheduler.Schedule(s.Scheduler.NowTicks + UserScheduler<int>.ToTicks(s.Interval), s.User),
                (Scheduler: scheduler!, User: user, Interval: interval), preferLocal: false);
        });
        for (int u = 0; u < users; u++) scheduler.Schedule(UserScheduler<int>.ToTicks(ramp * rng.NextDouble()), u);
        scheduler.Start();
        try { await Task.Delay(TimeSpan.FromSeconds(ramp) + during, ct); }
        catch (OperationCanceledException) { }
        scheduler.Stop();
        scheduler.Dispose();
        double measured = Math.Max(1e-9, scheduler.Clock.Elapsed.TotalSeconds - ramp);
        return new SchedulerAccuracy(users, measured, Percentiles.From(lateness), lateness.TotalCount);
    }

    public static string Markdown(SchedulerAccuracy small, SchedulerAccuracy large)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Launch scheduler: poll-timer lateness (fired − due)");
        sb.AppendLine();
        sb.AppendLine($"One dispatcher thread; polls every U(2, 4) s; {Environment.ProcessorCount} logical CPU(s), {UserScheduler<int>.TimerKind}. Steady state only (after the 4 s ramp).");
        sb.AppendLine();
        sb.AppendLine("| waiting users | timers fired | per s | p50 ms | p99 ms | max ms |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (SchedulerAccuracy a in new[] { small, large })
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {a.Users:N0} | {a.Fired:N0} | {a.FiredPerSecond:N0} | {a.Lateness.Show(a.Lateness.P50, "0.000")} | {a.Lateness.Show(a.Lateness.P99, "0.000")} | {a.Lateness.Show(a.Lateness.Max, "0.000")} |"));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Ratio {large.Users:N0} / {small.Users:N0} users: p50 {Ratio(large.Lateness.P50, small.Lateness.P50)}, p99 {Ratio(large.Lateness.P99, small.Lateness.P99)}, max {Ratio(large.Lateness.Max, small.Lateness.Max)}."));
        return sb.ToString();

        string Ratio(double a, double b) => small.Lateness.IsEmpty || large.Lateness.IsEmpty || b <= 0 ? "n/a" : (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×";
    }
}
