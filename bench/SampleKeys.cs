namespace HashtagBench.Bench;

/// <summary>The IDs and keys every suite uses: the incident's event, user and idempotency key.</summary>
internal static class SampleKeys
{
    public const string EventId = "evt_2025_1001";
    public const string UserId = "user123";
    public const string IdempotencyKey = "user123:evt_2025_1001:1728336000";

    /// <summary>The fixed dedupe key (event-tagged), 55 bytes.</summary>
    public const string Tagged55 = "dedupe:{evt_2025_1001}:user123:evt_2025_1001:1728336000";

    /// <summary>The incident's untagged dedupe key, 39 bytes.</summary>
    public const string Untagged39 = "dedupe:user123:evt_2025_1001:1728336000";

    /// <summary>An untagged 1 KiB key: where CRC throughput, not call overhead, dominates.</summary>
    public static readonly string Untagged1KiB = string.Concat(Enumerable.Repeat("dedupe:user123:evt_2025_1001:", 40))[..1024];
}

/// <summary>A named benchmark input; BenchmarkDotNet shows <see cref="ToString"/> in the Params column.</summary>
public sealed record Named<T>(string Name, T Value)
{
    public override string ToString() => Name;
}
