namespace HashtagBench.TestSupport;

/// <summary>A clock the test moves: queue scores, waits and bucket refills without sleeping.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
}
