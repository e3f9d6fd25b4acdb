using HashtagBench.Keys;

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

    /// <summary>Read off the strategy's stream-key layout (<see cref="KeyStrategy.TagSource"/>), never its name.</summary>
    public static SlotShape Of(KeyStrategy strategy) => strategy switch
    {
        BucketedStrategy b => new ByEventBucket(b.Buckets),
        { TagSource: TagSource.Event } => new ByEvent(),
        { TagSource: TagSource.User } => new ByUser(),
        _ => throw new SimInputException("strategies", $"Strategy '{strategy}' is not modelled by the simulator."),
    };
}
