namespace HashtagBench.WaitingRoom;

/// <summary>Every kind of key the reference gateway writes. Its text per strategy is in <see cref="WaitingRoomSchema"/>.</summary>
public enum KeyClass
{
    /// <summary><c>ratelimit:ip:&lt;ip&gt;</c>: the token-bucket hash the middleware runs on every request.</summary>
    RateLimit,
    /// <summary><c>idempotency:&lt;k&gt;</c>: the stored answer of a POST.</summary>
    Idempotency,
    /// <summary><c>idempotency:&lt;k&gt;:fingerprint</c>: the request fingerprint of a POST.</summary>
    IdempotencyFingerprint,
    /// <summary>The enqueue script's KEYS[1] (the join strategy's dedupe key).</summary>
    Dedupe,
    /// <summary>The enqueue script's KEYS[2] (the join strategy's stream key).</summary>
    Stream,
    /// <summary><c>queue:waiting:&lt;wt&gt;</c>: the waiting token's JSON.</summary>
    Waiting,
    /// <summary><c>queue:event:{E}</c>: the event's queue ZSET (score: join time in unix seconds).</summary>
    EventQueue,
    /// <summary><c>heartbeat:&lt;wt&gt;</c>: alive while the user polls.</summary>
    Heartbeat,
    /// <summary><c>position_index:{E}</c>: the event's position ZSET.</summary>
    PositionIndex,
    /// <summary><c>metrics:admission:&lt;E&gt;</c>: admissions by time, for the 1/5/15-minute rates.</summary>
    AdmissionMetrics,
    /// <summary><c>admission:bucket:&lt;E&gt;</c>: the event's admission token bucket.</summary>
    AdmissionBucket,
    /// <summary><c>queue:reservation:&lt;rt&gt;</c>: the reservation token handed out on entry.</summary>
    Reservation,
    /// <summary><c>seat:{E}:&lt;seat&gt;:status</c>: the optional seat-hold script's KEYS[1].</summary>
    SeatStatus,
    /// <summary><c>hold:{E}:&lt;seat&gt;</c>: the seat-hold script's KEYS[2].</summary>
    SeatHold,
    /// <summary><c>inventory:{E}</c>: the seat-hold script's KEYS[3].</summary>
    Inventory,
}

/// <summary>What a key's slot depends on: the inputs Redis hashes (the hash tag, or the whole key when it has none).</summary>
[Flags]
public enum SlotInputs
{
    None = 0,
    Event = 1,
    Bucket = 2,
    User = 4,
    IdempotencyKey = 8,
    WaitingToken = 16,
    ReservationToken = 32,
    ClientIp = 64,
    Seat = 128,
}

/// <summary>The inputs of one user's keys. The bucket is derived from the user (<see cref="HashtagBench.Keys.KeyStrategy.BucketOf"/>).</summary>
public sealed record KeyArgs(string EventId, string UserId, string IdempotencyKey, string WaitingToken,
    string ReservationToken = "", string ClientIp = "", string Seat = "");
