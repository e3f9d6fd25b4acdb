using HashtagBench.Keys;
using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// What a strategy's stream-key slot depends on. The slots themselves always come from the strategy's own
/// <see cref="KeyStrategy.Tag"/> and <see cref="HashSlot"/>; the shape only says which inputs vary it, so each
/// distinct slot is hashed once (per event, per user, or per event × bucket) rather than once per join.
/// </summary>
internal abstract record SlotShape
{
    /// <summary>Legacy and EventTag: the stream key's tag is the event ID.</summary>
    public sealed record ByEvent : SlotShape;

    /// <summary>UserTag: the tag is the user ID, whatever the event.</summary>
    public sealed record ByUser : SlotShape;

    /// <summary>Bucketed(n): the tag is event ID and the user's bucket.</summary>
    public sealed record ByEventBucket(int Buckets) : SlotShape;

    public static SlotShape Of(KeyStrategy strategy)
    {
        string name = strategy.Name;
        if (name is "legacy" or "event") return new ByEvent();
        if (name == "user") return new ByUser();
        if (name.StartsWith("bucketed:", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return new ByEventBucket(n);
        throw new SimInputException("strategies", $"Strategy '{name}' is not modelled by the simulator (legacy, event, user, bucketed:N are).");
    }
}
