namespace HashtagBench.Enqueue;

/// <summary>Why a join did not enqueue. Every failure gets a kind; load and failover reports group by it.</summary>
public enum FailureKind
{
    /// <summary>Our slot guard refused the key set before sending (keys span slots).</summary>
    CrossSlotGuard,
    /// <summary>StackExchange.Redis refused a multi-slot key set client-side ("Multi-key operations must involve a single slot").</summary>
    CrossSlotClient,
    /// <summary>The server answered CROSSSLOT: the incident.</summary>
    CrossSlotServer,
    /// <summary>NOSCRIPT that the EVAL fallback could not recover.</summary>
    NoScript,
    /// <summary>CLUSTERDOWN / MASTERDOWN: the slot has no serving primary right now.</summary>
    ClusterDown,
    /// <summary>MOVED/ASK that the client did not follow (it normally does).</summary>
    Redirect,
    /// <summary>TRYAGAIN, LOADING, READONLY and other transient server states.</summary>
    Transient,
    /// <summary>Connection refused, reset or unavailable.</summary>
    Connection,
    /// <summary>Client-side timeout: the outcome is unknown (the join may have been applied).</summary>
    Timeout,
    /// <summary>Anything else, with the message kept.</summary>
    Other,
    /// <summary>
    /// The script ran and enqueued, but WAIT reached fewer replicas than <see cref="EnqueueOptions.RequireReplicas"/>
    /// (or was skipped because the primary had too few online): answered as a failure, as a gateway answers 503.
    /// The entry is in the stream; the client must retry with the same idempotency key.
    /// </summary>
    NotReplicated,
}

/// <summary>Outcome of one join.</summary>
public abstract record JoinResult
{
    public sealed record Enqueued(string StreamId, string Token) : JoinResult;
    public sealed record Duplicate : JoinResult;
    /// <param name="Token">The token this attempt sent (the script writes it into the stream entry), so an attempt that was
    /// applied but not acknowledged can still be found; null when nothing was sent (the slot guard refused it).</param>
    public sealed record Failed(FailureKind Kind, string Message, string? Token = null) : JoinResult;

    public static JoinResult DuplicateResult { get; } = new Duplicate();

    /// <summary>The token this attempt sent, whatever its outcome; null for a duplicate or an attempt never sent.</summary>
    public string? SentToken => this switch
    {
        Enqueued e => e.Token,
        Failed f => f.Token,
        _ => null,
    };
}
