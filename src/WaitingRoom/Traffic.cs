namespace HashtagBench.WaitingRoom;

/// <summary>The gateway's operations that touch Redis; each is one HTTP request of one user.</summary>
public enum Step
{
    /// <summary>POST join: the enqueue script, the queue pipeline, then the background position read.</summary>
    Join,
    /// <summary>GET status, every poll interval; it is also the heartbeat.</summary>
    Status,
    /// <summary>GET status after the heartbeat expired: the gateway cleans the token up and answers 404.</summary>
    StatusExpired,
    /// <summary>POST enter, once the entry rule allows.</summary>
    Enter,
    /// <summary>Leave the queue (optional).</summary>
    Leave,
    /// <summary>The incident write-up's 3-key seat hold, for a share of admitted users (the reference never calls it).</summary>
    HoldSeat,
}

/// <summary>Where a command sits in its request; commands of one <see cref="Pipeline"/> go to Redis as one batch.</summary>
public enum Phase
{
    /// <summary>The middleware before the handler: rate limit, then (POST only) the idempotency check.</summary>
    Middleware,
    /// <summary>The handler's own commands, one round trip each.</summary>
    Handler,
    /// <summary>The handler's pipeline: sent together.</summary>
    Pipeline,
    /// <summary>Sent by the gateway in the background after it answered.</summary>
    Background,
    /// <summary>After a 2xx answer: the middleware stores the answer under the idempotency key.</summary>
    AfterResponse,
}

/// <summary>
/// One Redis command of a step. <see cref="OtherBucket"/> is 0 for the user's own bucket; j &gt; 0 means bucket
/// (own + j) mod N, the fan-out of a bucketed position read. <see cref="Read"/> commands are the ones a read-only
/// cluster client may send to a replica.
/// </summary>
public sealed record RedisCommand(string Name, KeyClass Key, bool Read, Phase Phase, int? TtlSeconds = null, int OtherBucket = 0)
{
    /// <summary>Every key the command touches: a script's KEYS in order, else <see cref="Key"/> alone.</summary>
    public IReadOnlyList<KeyClass> Keys { get; init; } = [Key];
}

/// <summary>How an enter request goes.</summary>
/// <param name="BucketChecked">Ranks 11–100 take a token from the event's admission bucket first.</param>
/// <param name="Granted">The user got a reservation token (the grant commands run, and the answer is stored).</param>
public sealed record EnterPath(bool BucketChecked, bool Granted)
{
    /// <summary>Rank 1–10: no bucket, granted.</summary>
    public static EnterPath Front { get; } = new(false, true);
    /// <summary>Rank 11–100: a bucket token, granted. The reference's 27 + 9N count assumes this path.</summary>
    public static EnterPath Bucketed { get; } = new(true, true);
    /// <summary>Not ready yet (rank over 100, or too short a wait): only the reads run.</summary>
    public static EnterPath NotReady { get; } = new(false, false);
    /// <summary>Bucket empty: read, bucket, no grant.</summary>
    public static EnterPath Throttled { get; } = new(true, false);
}

/// <summary>The reference's entry rule: rank (1-based) 100 or better, and a minimum wait that grows with rank.</summary>
public static class EntryRule
{
    public const int MaxRank = 100;

    /// <summary>Seconds a user of this rank must have waited: 0 for ranks 1–10, 2 for 11–50, 5 for 51–100; null above 100.</summary>
    public static double? MinWaitSeconds(long rank) => rank switch
    {
        < 1 => throw new ArgumentOutOfRangeException(nameof(rank), rank, "Ranks start at 1."),
        <= 10 => 0,
        <= 50 => 2,
        <= MaxRank => 5,
        _ => null,
    };

    /// <summary>Ranks 11–100 take a token from the event's admission bucket.</summary>
    public static bool NeedsBucket(long rank) => rank is > 10 and <= MaxRank;

    public static bool MayEnter(long rank, double waitedSeconds) => MinWaitSeconds(rank) is double min && waitedSeconds >= min;
}

/// <summary>
/// The reference gateway's Redis traffic, command by command and in order, per step. This is the one description
/// both the client that sends it (src/Enqueue's WaitingRoomClient) and the simulator that counts it read; tests
/// check the client against it with MONITOR.
/// </summary>
public static class Traffic
{
    /// <summary>The rate-limit hash's EXPIRE inside its script, and the queue ZSETs' EXPIRE.</summary>
    public const int RateLimitTtl = 3600, QueueTtl = 3600;
    /// <summary>Idempotency answer and fingerprint; heartbeat.</summary>
    public const int IdempotencyTtl = 300, HeartbeatTtl = 300;
    public const int WaitingTtl = 1800, ReservationTtl = 30;
    /// <summary>Admission metrics older than this are trimmed on each grant; the status windows are 1, 5 and 15 minutes.</summary>
    public const int MetricsRetentionSeconds = 3600;

    /// <summary>Whether the middleware checks idempotency: POST requests only.</summary>
    public static bool IsPost(Step step) => step is Step.Join or Step.Enter or Step.HoldSeat;

    /// <summary>The commands of one request, in the order the gateway sends them, under <paramref name="schema"/>.</summary>
    public static IReadOnlyList<RedisCommand> Commands(Step step, WaitingRoomSchema schema, EnterPath? enter = null)
    {
        var c = new List<RedisCommand>(24) { new("EVAL", KeyClass.RateLimit, false, Phase.Middleware) };
        bool post = IsPost(step);
        if (post)
        {
            c.Add(new("GET", KeyClass.Idempotency, true, Phase.Middleware));
            c.Add(new("SET", KeyClass.IdempotencyFingerprint, false, Phase.Middleware, IdempotencyTtl));
        }
        bool answered2xx = true;
        switch (step)
        {
            case Step.Join:
                c.Add(new("EVALSHA", KeyClass.Stream, false, Phase.Handler) { Keys = [KeyClass.Dedupe, KeyClass.Stream] });
                c.Add(new("SET", KeyClass.Waiting, false, Phase.Pipeline, WaitingTtl));
                c.Add(new("ZADD", KeyClass.EventQueue, false, Phase.Pipeline));
                c.Add(new("EXPIRE", KeyClass.EventQueue, false, Phase.Pipeline, QueueTtl));
                c.Add(new("SET", KeyClass.Heartbeat, false, Phase.Pipeline, HeartbeatTtl));
                c.Add(new("ZADD", KeyClass.PositionIndex, false, Phase.Pipeline));
                c.Add(new("EXPIRE", KeyClass.PositionIndex, false, Phase.Pipeline, QueueTtl));
                // The middleware stores the 202 before the answer leaves; the handler's goroutine runs after that.
                c.Add(new("SET", KeyClass.Idempotency, false, Phase.AfterResponse, IdempotencyTtl));
                c.Add(new("XRANGE", KeyClass.Stream, true, Phase.Background));
                AddPosition(c, KeyClass.PositionIndex, schema, Phase.Background);
                c.Add(new("SET", KeyClass.Waiting, false, Phase.Background, WaitingTtl));
                return c;
            case Step.Status:
                c.Add(new("EXISTS", KeyClass.Heartbeat, true, Phase.Handler));
                c.Add(new("EXPIRE", KeyClass.Heartbeat, false, Phase.Handler, HeartbeatTtl));
                c.Add(new("GET", KeyClass.Waiting, true, Phase.Handler));
                AddPosition(c, KeyClass.PositionIndex, schema, Phase.Handler);
                for (int window = 0; window < 3; window++) c.Add(new("ZCOUNT", KeyClass.AdmissionMetrics, true, Phase.Handler));
                AddPosition(c, KeyClass.EventQueue, schema, Phase.Handler);
                break;
            case Step.StatusExpired:
                c.Add(new("EXISTS", KeyClass.Heartbeat, true, Phase.Handler));
                AddCleanup(c);
                answered2xx = false;
                break;
            case Step.Enter:
                enter ??= EnterPath.Bucketed;
                c.Add(new("GET", KeyClass.Waiting, true, Phase.Handler));
                AddPosition(c, KeyClass.EventQueue, schema, Phase.Handler);
                if (enter.BucketChecked) c.Add(new("EVAL", KeyClass.AdmissionBucket, false, Phase.Handler));
                if (enter.Granted)
                {
                    c.Add(new("SET", KeyClass.Reservation, false, Phase.Handler, ReservationTtl));
                    c.Add(new("SET", KeyClass.Waiting, false, Phase.Handler, WaitingTtl));
                    c.Add(new("DEL", KeyClass.Heartbeat, false, Phase.Handler));
                    c.Add(new("ZREM", KeyClass.EventQueue, false, Phase.Handler));
                    c.Add(new("ZADD", KeyClass.AdmissionMetrics, false, Phase.Handler));
                    c.Add(new("ZREMRANGEBYSCORE", KeyClass.AdmissionMetrics, false, Phase.Handler));
                }
                answered2xx = enter.Granted;
                break;
            case Step.Leave:
                c.Add(new("GET", KeyClass.Waiting, true, Phase.Handler));
                c.Add(new("DEL", KeyClass.Heartbeat, false, Phase.Handler));
                c.Add(new("DEL", KeyClass.Waiting, false, Phase.Handler));
                c.Add(new("ZREM", KeyClass.EventQueue, false, Phase.Handler));
                c.Add(new("XRANGE", KeyClass.Stream, true, Phase.Handler));
                c.Add(new("XDEL", KeyClass.Stream, false, Phase.Handler));
                break;
            case Step.HoldSeat:
                c.Add(new("EVAL", KeyClass.SeatStatus, false, Phase.Handler) { Keys = [KeyClass.SeatStatus, KeyClass.SeatHold, KeyClass.Inventory] });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, null);
        }
        if (post && answered2xx) c.Add(new("SET", KeyClass.Idempotency, false, Phase.AfterResponse, IdempotencyTtl));
        return c;
    }

    /// <summary>
    /// One user's whole visit: join, <paramref name="polls"/> status calls, then enter (or leave, or expiry), and
    /// the seat hold if asked. With <see cref="EnterPath.Bucketed"/> and the <c>event</c> schema this is the
    /// reference's 27 + 9N commands.
    /// </summary>
    public static IReadOnlyList<RedisCommand> Visit(WaitingRoomSchema schema, int polls, VisitEnd end = VisitEnd.Enter, EnterPath? enter = null, bool holdSeat = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(polls);
        var all = new List<RedisCommand>(Commands(Step.Join, schema));
        var status = Commands(Step.Status, schema);
        for (int i = 0; i < polls; i++) all.AddRange(status);
        enter ??= EnterPath.Bucketed;
        switch (end)
        {
            case VisitEnd.Enter:
                all.AddRange(Commands(Step.Enter, schema, enter));
                if (holdSeat && enter.Granted) all.AddRange(Commands(Step.HoldSeat, schema));
                break;
            case VisitEnd.Leave: all.AddRange(Commands(Step.Leave, schema)); break;
            case VisitEnd.Expire: all.AddRange(Commands(Step.StatusExpired, schema)); break;
        }
        return all;
    }

    // Cleanup after an expired heartbeat: GET, ZREM, XRANGE - +, XDEL, DEL; then a 404.
    private static void AddCleanup(List<RedisCommand> c)
    {
        c.Add(new("GET", KeyClass.Waiting, true, Phase.Handler));
        c.Add(new("ZREM", KeyClass.EventQueue, false, Phase.Handler));
        c.Add(new("XRANGE", KeyClass.Stream, true, Phase.Handler));
        c.Add(new("XDEL", KeyClass.Stream, false, Phase.Handler));
        c.Add(new("DEL", KeyClass.Waiting, false, Phase.Handler));
    }

    // A position is a ZRANK; with N buckets it is the ZRANK in the user's own bucket plus, in each other bucket, a
    // ZCOUNT of the scores before the user's: N commands on N slots. That fan-out is the price of spreading.
    private static void AddPosition(List<RedisCommand> c, KeyClass zset, WaitingRoomSchema schema, Phase phase)
    {
        c.Add(new("ZRANK", zset, true, phase));
        for (int j = 1; j < schema.Buckets; j++) c.Add(new("ZCOUNT", zset, true, phase, OtherBucket: j));
    }
}

/// <summary>How a visit ends.</summary>
public enum VisitEnd { Enter, Leave, Expire }
