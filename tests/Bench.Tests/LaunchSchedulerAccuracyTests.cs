namespace HashtagBench.Bench.Tests;

/// <summary>The scheduler-accuracy benchmark measures both populations in one run and prints the ratio (counts only, no timing bounds).</summary>
public sealed class LaunchSchedulerAccuracyTests
{
    [Fact]
    public async Task Both_populations_are_measured_and_set_side_by_side()
    {
        SchedulerAccuracy small = await LaunchSchedulerAccuracy.MeasureAsync(30, TimeSpan.FromSeconds(3), CancellationToken.None, ramp: 0.5);
        SchedulerAccuracy large = await LaunchSchedulerAccuracy.MeasureAsync(3000, TimeSpan.FromSeconds(3), CancellationToken.None, ramp: 0.5);

        // Every user polls every 2-4 s: from 0.5 s to 3.5 s most users poll once more (the first poll, in the ramp, is not counted).
        Assert.InRange(large.Fired, 300, 6000);
        Assert.InRange(small.Fired, 1, 60);
        Assert.Equal(large.Fired, large.Lateness.Count);
        Assert.True(large.Lateness.P99 >= 0);
        string md = LaunchSchedulerAccuracy.Markdown(small, large);
        Assert.Contains("| 3,000 |", md);
        Assert.Contains("Ratio 3,000 / 30 users: p50 ", md);
        Assert.DoesNotContain("n/a", md);
    }
}
