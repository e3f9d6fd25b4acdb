using HashtagBench.WaitingRoom;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>
/// How <see cref="WaitingRoomClient"/> talks to Redis: the key schema and the reference gateway's settings.
/// Defaults are the reference's production values.
/// </summary>
public sealed record WaitingRoomOptions
{
    /// <summary>The key of every class, per strategy.</summary>
    public WaitingRoomSchema Schema { get; init; } = WaitingRoomSchema.Event;

    /// <summary>Put before every key (a run ID, e.g. <c>run42:</c>), outside any hash tag. No braces.</summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary>Send the replica-readable commands with PreferReplica, as the reference's READ_ONLY cluster client does.</summary>
    public bool ReplicaReads { get; init; }

    /// <summary>
    /// Share (0–1) of users who join as <c>user_id = "anonymous"</c>, as the reference's browser does: they all append
    /// to the one shared, never-trimmed <c>stream:event:{E}:user:anonymous</c>. Which users is a stable function of the user ID.
    /// </summary>
    public double AnonymousShare { get; init; }

    /// <summary>The client address the rate limit keys on (<c>ratelimit:ip:&lt;ip&gt;</c>).</summary>
    public string ClientIp { get; init; } = "127.0.0.1";

    /// <summary>Rate limit: bucket size and refill per second (reference production: 15000 and 10000).</summary>
    public int RateLimitBurst { get; init; } = 15000;
    public int RateLimitPerSecond { get; init; } = 10000;

    /// <summary>Admission bucket per event on enter for ranks 11–100: capacity and refill per second (reference: 500 and 50).</summary>
    public int AdmissionCapacity { get; init; } = 500;
    public double AdmissionPerSecond { get; init; } = 50;

    /// <summary>
    /// The entry rule's rank bands (a launch file's <c>admission.entryRule</c>): a rank past the last band may not
    /// enter, a band's minimum wait applies, bucket bands take an admission token. Null: the reference's <see cref="HashtagBench.WaitingRoom.EntryRule"/>.
    /// </summary>
    public IReadOnlyList<EntryBand>? EntryBands { get; init; }

    /// <summary>The join script's dedupe TTL: the reference passes 300 s.</summary>
    public TimeSpan DedupeTtl { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a seat hold lives (SETEX in the hold script); the reference's test uses 60 s.</summary>
    public TimeSpan SeatHoldTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The gateway's clock: queue scores, joined-at, the admission bucket's now and the metrics windows.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Schema);
        if (KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0) throw new ArgumentException("KeyPrefix cannot hold braces: it would become the hash tag.", nameof(KeyPrefix));
        if (AnonymousShare is < 0 or > 1 || double.IsNaN(AnonymousShare)) throw new ArgumentOutOfRangeException(nameof(AnonymousShare), AnonymousShare, "AnonymousShare is a share: 0 to 1.");
        if (string.IsNullOrWhiteSpace(ClientIp)) throw new ArgumentException("ClientIp is empty.", nameof(ClientIp));
        if (RateLimitBurst < 1 || RateLimitPerSecond < 1) throw new ArgumentOutOfRangeException(nameof(RateLimitBurst), "The rate limit needs a burst and a refill of at least 1.");
        if (AdmissionCapacity < 1 || !(AdmissionPerSecond >= 0)) throw new ArgumentOutOfRangeException(nameof(AdmissionCapacity), "The admission bucket needs a capacity of at least 1 and a refill of 0 or more.");
        if (DedupeTtl < TimeSpan.FromSeconds(1) || SeatHoldTtl < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(DedupeTtl), "TTLs are whole seconds, at least 1.");
        ArgumentNullException.ThrowIfNull(Clock);
        if (EntryBands is { } bands && (bands.Count == 0 || bands.Zip(bands.Skip(1)).Any(p => p.Second.UpToRank <= p.First.UpToRank) || bands[0].UpToRank < 1))
            throw new ArgumentException("EntryBands needs rank bands in increasing order, the first from rank 1.", nameof(EntryBands));
    }
}
