using HashtagBench.Keys;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>
/// The reference gateway's waiting room on the wire: one method per request (join, status, enter, leave, hold seat),
/// each sending exactly <see cref="Traffic.Commands"/> for its step in order, with the same TTLs, under the
/// options' key schema. Expected answers (duplicate, expired, not ready, rate limited…) are outcomes; Redis errors
/// come back as <see cref="StepOutcome.Failed"/> with a <see cref="FailureKind"/>, never as exceptions.
/// </summary>
public sealed class WaitingRoomClient
{
    private const string AnonymousUser = "anonymous";
    // Status reads the admission rate over three windows (1, 5 and 15 minutes), as the gateway's sliding-window ETA does.
    private static readonly int[] MetricsWindowsSeconds = [60, 300, 900];

    private readonly IRedisLeases _leases;
    private readonly RedisValue _dedupeTtl, _seatHoldTtl;
    private long _commandsSent;

    /// <summary>Every command on <paramref name="db"/>: one multiplexed connection per node pipelines whatever is in flight.</summary>
    public WaitingRoomClient(IDatabase db, WaitingRoomOptions? options = null)
        : this(new SharedDatabase(db ?? throw new ArgumentNullException(nameof(db))), options)
    {
    }

    /// <summary>Each round trip (one command, or one pipeline) on a connection leased from <paramref name="leases"/>.</summary>
    public WaitingRoomClient(IRedisLeases leases, WaitingRoomOptions? options = null)
    {
        _leases = leases ?? throw new ArgumentNullException(nameof(leases));
        Options = options ?? new WaitingRoomOptions();
        Options.Validate();
        _dedupeTtl = (long)Math.Ceiling(Options.DedupeTtl.TotalSeconds);
        _seatHoldTtl = (long)Math.Ceiling(Options.SeatHoldTtl.TotalSeconds);
    }

    public WaitingRoomOptions Options { get; }

    /// <summary>Commands of the model's lists sent so far (every request's, all threads): the client's calls.</summary>
    public long CommandsSent => Interlocked.Read(ref _commandsSent);
    private WaitingRoomSchema Schema => Options.Schema;
    private long Now => Options.Clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Whether this user joins as <c>anonymous</c> (a stable function of the ID, so a rerun picks the same users).</summary>
    public bool IsAnonymous(string userId) =>
        Options.AnonymousShare > 0 && KeyStrategy.BucketOf("anonymous-share:" + userId, 1_000_000) < Options.AnonymousShare * 1_000_000;

    /// <summary>
    /// POST join: rate limit, idempotency check, the enqueue script (EVALSHA), the queue pipeline, the stored answer;
    /// then, in the background, the position read and the waiting data's rewrite (<see cref="JoinStepResult.Background"/>).
    /// </summary>
    public Task<JoinStepResult> JoinAsync(string eventId, string userId, string? idempotencyKey = null) =>
        JoinAsync(eventId, userId, idempotencyKey, waitingToken: null, clientIp: null);

    /// <summary>
    /// The join of a known visitor (a launch's population): its own user ID (as given: <c>anonymous</c> included),
    /// idempotency key, waiting token and client IP, so a rerun writes the same keys. The user remembers the IP for
    /// its later requests.
    /// </summary>
    public Task<JoinStepResult> JoinAsync(KeyArgs visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        KeyInput.Validate(visitor.WaitingToken, nameof(visitor.WaitingToken));
        KeyInput.Validate(visitor.ClientIp, nameof(visitor.ClientIp));
        return JoinAsync(visitor.EventId, visitor.UserId, visitor.IdempotencyKey, visitor.WaitingToken, visitor.ClientIp);
    }

    private async Task<JoinStepResult> JoinAsync(string eventId, string userId, string? idempotencyKey, string? waitingToken, string? clientIp)
    {
        // IDs go into keys: one with a brace would move the hash tag. Refused before anything is sent.
        KeyInput.Validate(eventId, nameof(eventId));
        KeyInput.Validate(userId, nameof(userId));
        if (idempotencyKey is not null) KeyInput.Validate(idempotencyKey, nameof(idempotencyKey));
        DateTimeOffset joinedAt = Options.Clock.GetUtcNow();
        var user = new WaitingUser(eventId, IsAnonymous(userId) ? AnonymousUser : userId, waitingToken ?? NewUuid(),
            idempotencyKey ?? NewUuid(), joinedAt.ToUnixTimeSeconds(), joinedAt)
        { ClientIp = clientIp };
        var r = new Request(this, Step.Join, user, user.JoinIdempotencyKey);
        try
        {
            if (await MiddlewareAsync(r).ConfigureAwait(false) is StepOutcome early) return new(early, user, BackgroundResult.None);

            RedisCommand c = r.Next("EVALSHA", KeyClass.Stream);
            RedisKey[] scriptKeys = r.ScriptKeys(c);
            RedisResult reply = await Send(db => EnqueueScript.EvaluateAsync(db, scriptKeys,
                [user.WaitingToken, eventId, user.UserId, _dedupeTtl])).ConfigureAwait(false);
            if (reply is not { Length: 2 } || (long)reply[0] != 1)
                return new(StepOutcome.Duplicate, user, BackgroundResult.None); // 409: not a 2xx, so no stored answer
            user = user with { StreamId = (string?)reply[1] };

            // One pipeline, as the gateway sends it: one round trip on one leased connection.
            string waiting = QueueData(user, position: 0, "waiting");
            WaitingUser queued = user;
            await Send(db =>
            {
                IBatch batch = db.CreateBatch();
                RedisCommand e;
                Task[] sent =
                [
                    SetAsync(batch, r, r.Next("SET", KeyClass.Waiting), waiting),
                    batch.SortedSetAddAsync(r.Key(r.Next("ZADD", KeyClass.EventQueue)), queued.WaitingToken, queued.JoinScore),
                    batch.KeyExpireAsync(r.Key(e = r.Next("EXPIRE", KeyClass.EventQueue)), r.Ttl(e)),
                    SetAsync(batch, r, r.Next("SET", KeyClass.Heartbeat), "alive"),
                    batch.SortedSetAddAsync(r.Key(r.Next("ZADD", KeyClass.PositionIndex)), queued.WaitingToken, queued.JoinScore),
                    batch.KeyExpireAsync(r.Key(e = r.Next("EXPIRE", KeyClass.PositionIndex)), r.Ttl(e)),
                ];
                batch.Execute();
                return Task.WhenAll(sent);
            }).ConfigureAwait(false);

            await StoreAnswerAsync(r, 202, $"{{\"waiting_token\":\"{user.WaitingToken}\",\"position_hint\":0,\"status\":\"waiting\"}}").ConfigureAwait(false);
            return new(StepOutcome.Joined, user, JoinBackgroundAsync(r, user));
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new(StepOutcome.Failed, user, BackgroundResult.None, Fail(ex));
        }
    }

    // The gateway's goroutine after the join's answer: find the entry, read the position, rewrite the waiting data.
    private async Task<BackgroundResult> JoinBackgroundAsync(Request r, WaitingUser user)
    {
        try
        {
            RedisCommand c = r.Next("XRANGE", KeyClass.Stream);
            await Send(db => db.StreamRangeAsync(r.Key(c), user.StreamId, user.StreamId, flags: r.Flags(c))).ConfigureAwait(false);
            long? position = await PositionAsync(r, KeyClass.PositionIndex, user).ConfigureAwait(false);
            await SetAsync(r, r.Next("SET", KeyClass.Waiting), QueueData(user, position ?? 0, "waiting")).ConfigureAwait(false);
            return new BackgroundResult(position);
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new BackgroundResult(null, Fail(ex));
        }
    }

    /// <summary>
    /// GET status, which is also the heartbeat. A missing heartbeat means the token expired: the gateway cleans it up
    /// (GET, ZREM, XRANGE - +, XDEL, DEL) and answers 404, here <see cref="StepOutcome.Expired"/> with step StatusExpired.
    /// </summary>
    public async Task<StatusStepResult> StatusAsync(WaitingUser user)
    {
        var r = new Request(this, Step.Status, user);
        try
        {
            if (await MiddlewareAsync(r).ConfigureAwait(false) is StepOutcome early) return new(Step.Status, early);
            RedisCommand c = r.Next("EXISTS", KeyClass.Heartbeat);
            if (!await Send(db => db.KeyExistsAsync(r.Key(c), r.Flags(c))).ConfigureAwait(false))
            {
                r.Plan.Reroute(Step.StatusExpired);
                await CleanUpExpiredAsync(r, user).ConfigureAwait(false);
                return new(Step.StatusExpired, StepOutcome.Expired);
            }
            RedisCommand expire = r.Next("EXPIRE", KeyClass.Heartbeat);
            await Send(db => db.KeyExpireAsync(r.Key(expire), r.Ttl(expire))).ConfigureAwait(false);
            if ((await GetAsync(r, r.Next("GET", KeyClass.Waiting)).ConfigureAwait(false)).IsNull) return new(Step.Status, StepOutcome.NotFound);

            long? position = await PositionAsync(r, KeyClass.PositionIndex, user).ConfigureAwait(false);
            long now = Now;
            foreach (int window in MetricsWindowsSeconds)
            {
                RedisCommand count = r.Next("ZCOUNT", KeyClass.AdmissionMetrics);
                await Send(db => db.SortedSetLengthAsync(r.Key(count), now - window, now, flags: r.Flags(count))).ConfigureAwait(false);
            }
            long? rank = await PositionAsync(r, KeyClass.EventQueue, user).ConfigureAwait(false);
            bool ready = rank is long q && MayEnter(q, Waited(user));
            return new(Step.Status, StepOutcome.Waiting, position, rank, ready);
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new(r.Plan.Step, StepOutcome.Failed, Failure: Fail(ex));
        }
    }

    private async Task CleanUpExpiredAsync(Request r, WaitingUser user)
    {
        // No waiting data left: nothing to clean, the gateway answers 404 all the same.
        if ((await GetAsync(r, r.Next("GET", KeyClass.Waiting)).ConfigureAwait(false)).IsNull) return;
        await ZRemAsync(r, user).ConfigureAwait(false);
        await RemoveStreamEntryAsync(r, user).ConfigureAwait(false);
        await DelAsync(r.Key(r.Next("DEL", KeyClass.Waiting))).ConfigureAwait(false);
    }

    // XRANGE - + over the whole stream (O(n): the shared anonymous stream is never trimmed), then XDEL of the match.
    private async Task RemoveStreamEntryAsync(Request r, WaitingUser user)
    {
        RedisCommand c = r.Next("XRANGE", KeyClass.Stream);
        StreamEntry[] entries = await Send(db => db.StreamRangeAsync(r.Key(c), flags: r.Flags(c))).ConfigureAwait(false);
        RedisKey stream = r.Key(c);
        c = r.Next("XDEL", KeyClass.Stream);
        foreach (StreamEntry e in entries)
        {
            if (e["token"] != user.WaitingToken) continue;
            RedisValue id = e.Id;
            await Send(db => db.StreamDeleteAsync(stream, [id])).ConfigureAwait(false);
            return;
        }
    }

    /// <summary>
    /// POST enter: the waiting data, the queue rank, then the entry rule (rank ≤ 100 and a minimum wait; ranks
    /// 11–100 take an admission-bucket token), and on a grant the reservation and the queue updates.
    /// </summary>
    /// <param name="reservationToken">The token a grant hands out (a launch's population gives its own); null: a new UUID.</param>
    public async Task<EnterStepResult> EnterAsync(WaitingUser user, string? idempotencyKey = null, string? reservationToken = null)
    {
        if (reservationToken is not null) KeyInput.Validate(reservationToken, nameof(reservationToken));
        // Start on the longest path; the rank and the bucket decide which one this request really takes.
        var r = new Request(this, Step.Enter, user, idempotencyKey ?? NewUuid(), EnterPath.Bucketed);
        try
        {
            if (await MiddlewareAsync(r).ConfigureAwait(false) is StepOutcome early) return new(early, user);
            if ((await GetAsync(r, r.Next("GET", KeyClass.Waiting)).ConfigureAwait(false)).IsNull) return new(StepOutcome.NotFound, user);
            long? rank = await PositionAsync(r, KeyClass.EventQueue, user).ConfigureAwait(false);
            if (rank is not long q || !MayEnter(q, Waited(user)))
            {
                r.Plan.Reroute(Step.Enter, EnterPath.NotReady);
                return new(StepOutcome.NotReady, user, rank, EnterPath.NotReady);
            }
            long now = Now;
            EnterPath path = EnterPath.Front;
            if (NeedsBucket(q))
            {
                RedisCommand c = r.Next("EVAL", KeyClass.AdmissionBucket);
                var admitted = (long)await EvalAsync(r, c, WaitingRoomScripts.AdmissionBucket,
                    Options.AdmissionCapacity, Options.AdmissionPerSecond, 1, now).ConfigureAwait(false);
                if (admitted != 1)
                {
                    r.Plan.Reroute(Step.Enter, EnterPath.Throttled);
                    return new(StepOutcome.Throttled, user, q, EnterPath.Throttled);
                }
                path = EnterPath.Bucketed;
            }
            else r.Plan.Reroute(Step.Enter, EnterPath.Front);

            string rt = reservationToken ?? NewUuid();
            user = user with { ReservationToken = rt };
            r = r.WithReservation(rt);
            await SetAsync(r, r.Next("SET", KeyClass.Reservation),
                $"{{\"event_id\":{Json(user.EventId)},\"user_id\":{Json(user.UserId)},\"waiting_token\":\"{user.WaitingToken}\",\"granted_at\":\"{Options.Clock.GetUtcNow():O}\"}}").ConfigureAwait(false);
            await SetAsync(r, r.Next("SET", KeyClass.Waiting), QueueData(user, q, "ready")).ConfigureAwait(false);
            await DelAsync(r.Key(r.Next("DEL", KeyClass.Heartbeat))).ConfigureAwait(false);
            await ZRemAsync(r, user).ConfigureAwait(false);
            // Admission metrics: scored by unix second, trimmed to the last hour on every grant.
            RedisKey metrics = r.Key(r.Next("ZADD", KeyClass.AdmissionMetrics));
            string member = user.UserId;
            await Send(db => db.SortedSetAddAsync(metrics, member, now)).ConfigureAwait(false);
            RedisKey trimmed = r.Key(r.Next("ZREMRANGEBYSCORE", KeyClass.AdmissionMetrics));
            await Send(db => db.SortedSetRemoveRangeByScoreAsync(trimmed, double.NegativeInfinity, now - Traffic.MetricsRetentionSeconds)).ConfigureAwait(false);
            await StoreAnswerAsync(r, 200, $"{{\"admission\":\"granted\",\"reservation_token\":\"{rt}\",\"ttl_sec\":{Traffic.ReservationTtl}}}").ConfigureAwait(false);
            return new(StepOutcome.Granted, user, q, path);
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new(StepOutcome.Failed, user, Failure: Fail(ex));
        }
    }

    /// <summary>DELETE leave (no idempotency check: the middleware skips DELETE): heartbeat, waiting data, queue entry, stream entry.</summary>
    public async Task<LeaveStepResult> LeaveAsync(WaitingUser user)
    {
        var r = new Request(this, Step.Leave, user);
        try
        {
            if (await MiddlewareAsync(r).ConfigureAwait(false) is StepOutcome early) return new(early);
            bool known = !(await GetAsync(r, r.Next("GET", KeyClass.Waiting)).ConfigureAwait(false)).IsNull;
            await DelAsync(r.Key(r.Next("DEL", KeyClass.Heartbeat))).ConfigureAwait(false);
            await DelAsync(r.Key(r.Next("DEL", KeyClass.Waiting))).ConfigureAwait(false);
            // Without the waiting data the gateway does not know the event: it answers "left" and stops here.
            if (known)
            {
                await ZRemAsync(r, user).ConfigureAwait(false);
                await RemoveStreamEntryAsync(r, user).ConfigureAwait(false);
            }
            return new(StepOutcome.Left);
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new(StepOutcome.Failed, Fail(ex));
        }
    }

    /// <summary>POST hold seat (optional, for admitted users): the 3-key seat-hold script over the event's seat, hold and inventory keys.</summary>
    public async Task<HoldSeatStepResult> HoldSeatAsync(WaitingUser user, string seat, string? idempotencyKey = null)
    {
        KeyInput.Validate(seat, nameof(seat));
        var r = new Request(this, Step.HoldSeat, user, idempotencyKey ?? NewUuid(), seat: seat);
        try
        {
            if (await MiddlewareAsync(r).ConfigureAwait(false) is StepOutcome early) return new(early);
            RedisCommand c = r.Next("EVAL", KeyClass.SeatStatus);
            RedisResult reply = await EvalAsync(r, c, WaitingRoomScripts.HoldSeat, seat, user.UserId, _seatHoldTtl).ConfigureAwait(false);
            var parts = (RedisResult[])reply!;
            HoldSeatStepResult result = (long)parts[0] == 1
                ? new(StepOutcome.Held, long.Parse((string)parts[1]!, System.Globalization.CultureInfo.InvariantCulture))
                : new((string?)parts[1] == "SOLD_OUT" ? StepOutcome.SoldOut : StepOutcome.SeatUnavailable);
            await StoreAnswerAsync(r, 200, $"{{\"outcome\":\"{result.Outcome}\"}}").ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            return new(StepOutcome.Failed, Failure: Fail(ex));
        }
    }

    // The middleware: the rate-limit script on every request; for POST, the idempotency check and the fingerprint.
    // Returns the outcome when the request ends here, null when the handler runs.
    private async Task<StepOutcome?> MiddlewareAsync(Request r)
    {
        RedisCommand c = r.Next("EVAL", KeyClass.RateLimit);
        var limit = (RedisResult[])(await EvalAsync(r, c, WaitingRoomScripts.RateLimit,
            Options.RateLimitBurst, Options.RateLimitPerSecond, 1000, 1).ConfigureAwait(false))!;
        if ((long)limit[0] != 1) return StepOutcome.RateLimited;
        if (!Traffic.IsPost(r.Step)) return null;

        c = r.Next("GET", KeyClass.Idempotency);
        if (!(await GetAsync(r, c).ConfigureAwait(false)).IsNull)
        {
            // A stored answer: the gateway compares the fingerprint and replays the answer. Off the model's list,
            // which counts first attempts (every POST carries a fresh key).
            RedisKey fingerprint = r.Key(KeyClass.IdempotencyFingerprint);
            CommandFlags flags = r.Flags(c);
            await Send(db => db.StringGetAsync(fingerprint, flags)).ConfigureAwait(false);
            return StepOutcome.Replayed;
        }
        await SetAsync(r, r.Next("SET", KeyClass.IdempotencyFingerprint), Fingerprint(r)).ConfigureAwait(false);
        return null;
    }

    // After a 2xx answer the middleware stores it under the idempotency key.
    private async Task StoreAnswerAsync(Request r, int status, string body)
    {
        string record = $"{{\"status_code\":{status},\"headers\":{{\"content-type\":\"application/json\"}},\"body\":{Json(body)},\"created_at\":\"{Options.Clock.GetUtcNow():O}\"}}";
        await SetAsync(r, r.Next("SET", KeyClass.Idempotency), record).ConfigureAwait(false);
    }

    /// <summary>
    /// One round trip: <paramref name="send"/> issues one command (or one pipeline) on a leased connection, which
    /// goes back to the pool when every answer is in (or the send failed).
    /// </summary>
    private async Task<T> Send<T>(Func<IDatabase, Task<T>> send)
    {
        IDatabase db = await _leases.LeaseAsync().ConfigureAwait(false);
        try { return await send(db).ConfigureAwait(false); }
        finally { _leases.Return(db); }
    }

    private async Task Send(Func<IDatabase, Task> send) =>
        await Send(async db => { await send(db).ConfigureAwait(false); return true; }).ConfigureAwait(false);

    private Task<RedisValue> GetAsync(Request r, RedisCommand c) => Send(db => db.StringGetAsync(r.Key(c), r.Flags(c)));

    private Task<bool> ZRemAsync(Request r, WaitingUser user)
    {
        RedisKey key = r.Key(r.Next("ZREM", KeyClass.EventQueue));
        return Send(db => db.SortedSetRemoveAsync(key, user.WaitingToken));
    }

    // SET key value EX ttl, as the gateway's go-redis client sends it (StringSetAsync would send SETEX).
    private static Task<RedisResult> SetAsync(IDatabaseAsync db, Request r, RedisCommand c, RedisValue value) =>
        db.ExecuteAsync("SET", [r.Key(c), value, "EX", (long)r.Ttl(c).TotalSeconds], r.Flags(c));

    private Task<RedisResult> SetAsync(Request r, RedisCommand c, RedisValue value) => Send(db => SetAsync(db, r, c, value));

    // DEL, as the gateway sends it (KeyDeleteAsync sends UNLINK to a Redis 4+ server).
    private Task<RedisResult> DelAsync(RedisKey key) => Send(db => db.ExecuteAsync("DEL", [key]));

    // EVAL with the script text, as the gateway sends its token buckets (ScriptEvaluateAsync would SCRIPT LOAD and
    // EVALSHA). The keys go as RedisKey so the client routes by them and checks they share a slot.
    private Task<RedisResult> EvalAsync(Request r, RedisCommand c, string script, params RedisValue[] args)
    {
        object[] parts = [script, c.Keys.Count, .. r.ScriptKeys(c).Cast<object>(), .. args.Cast<object>()];
        return Send(db => db.ExecuteAsync("EVAL", parts, r.Flags(c)));
    }

    /// <summary>
    /// A 1-based position: ZRANK in the user's own ZSET; with N buckets, plus a <c>ZCOUNT -inf (score</c> in each
    /// other bucket (everyone who joined earlier there). Sent together: N commands on N slots, one pipeline (one
    /// round trip per node it reaches).
    /// </summary>
    private async Task<long?> PositionAsync(Request r, KeyClass zset, WaitingUser user)
    {
        RedisCommand own = r.Next("ZRANK", zset);
        if (Schema.Buckets == 1) return await Send(db => db.SortedSetRankAsync(r.Key(own), user.WaitingToken, flags: r.Flags(own))).ConfigureAwait(false) + 1;
        var counts = new RedisCommand[Schema.Buckets - 1];
        for (int i = 0; i < counts.Length; i++) counts[i] = r.Next("ZCOUNT", zset);
        return await Send(async db =>
        {
            IBatch batch = db.CreateBatch();
            Task<long?> rank = batch.SortedSetRankAsync(r.Key(own), user.WaitingToken, flags: r.Flags(own));
            Task<long>[] earlier = [.. counts.Select(c => batch.SortedSetLengthAsync(r.Key(c), double.NegativeInfinity, user.JoinScore, Exclude.Stop, r.Flags(c)))];
            batch.Execute();
            await Task.WhenAll([rank, .. earlier]).ConfigureAwait(false);
            return rank.Result is long x ? x + 1 + earlier.Sum(t => t.Result) : (long?)null;
        }).ConfigureAwait(false);
    }

    // The entry rule: the options' bands (a launch file's), else the reference's.
    private bool MayEnter(long rank, double waitedSeconds) => Options.EntryBands is { } bands
        ? BandOf(bands, rank) is { } b && waitedSeconds >= b.MinWaitSeconds
        : EntryRule.MayEnter(rank, waitedSeconds);

    private bool NeedsBucket(long rank) => Options.EntryBands is { } bands ? BandOf(bands, rank)?.Bucket == true : EntryRule.NeedsBucket(rank);

    private static EntryBand? BandOf(IReadOnlyList<EntryBand> bands, long rank) => bands.FirstOrDefault(b => rank <= b.UpToRank);

    private double Waited(WaitingUser user) => (Options.Clock.GetUtcNow() - user.JoinedAt).TotalSeconds;

    // The waiting data the gateway keeps under queue:waiting:<wt> (its QueueData JSON).
    private static string QueueData(WaitingUser u, long position, string status) =>
        $"{{\"event_id\":{Json(u.EventId)},\"user_id\":{Json(u.UserId)},\"joined_at\":\"{u.JoinedAt:O}\",\"position\":{position},\"status\":\"{status}\"}}";

    // The gateway's request fingerprint: SHA-256 hex of method, path and body.
    private static string Fingerprint(Request r) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"POST:/api/v1/queue/{r.Step}::{r.User.EventId}:{r.User.WaitingToken}:")));

    private static string Json(string s) => JsonSerializer.Serialize(s);
    private static string NewUuid() => Guid.NewGuid().ToString();
    private static StepFailure Fail(Exception ex) => new(FailureClassifier.Classify(ex), ex.Message);

    /// <summary>One request: its model plan, its key inputs, and how its commands route.</summary>
    internal sealed class Request
    {
        private readonly WaitingRoomClient _client;
        private readonly KeyArgs _args;
        private readonly int _ownBucket;

        public Request(WaitingRoomClient client, Step step, WaitingUser user, string idempotencyKey = "", EnterPath? path = null, string seat = "")
            : this(client, step, user, new CommandPlan(client.Schema, step, path),
                new KeyArgs(user.EventId, user.UserId, idempotencyKey, user.WaitingToken, user.ReservationToken ?? "", user.ClientIp ?? client.Options.ClientIp, seat))
        {
        }

        private Request(WaitingRoomClient client, Step step, WaitingUser user, CommandPlan plan, KeyArgs args)
        {
            _client = client;
            Step = step;
            User = user;
            Plan = plan;
            _args = args;
            _ownBucket = client.Schema.BucketOf(user.UserId);
        }

        public Step Step { get; }
        public WaitingUser User { get; }
        public CommandPlan Plan { get; }

        public RedisCommand Next(string name, KeyClass key)
        {
            RedisCommand c = Plan.Next(name, key);
            Interlocked.Increment(ref _client._commandsSent);
            return c;
        }

        public Request WithReservation(string reservationToken) =>
            new(_client, Step, User with { ReservationToken = reservationToken }, Plan, _args with { ReservationToken = reservationToken });

        /// <summary>The command's key; for a bucketed fan-out, the other bucket it counts.</summary>
        public RedisKey Key(RedisCommand c) => Key(c.Key, c.OtherBucket);

        /// <summary>A script's KEYS, in order.</summary>
        public RedisKey[] ScriptKeys(RedisCommand c) => [.. c.Keys.Select(k => Key(k))];

        public RedisKey Key(KeyClass keyClass, int otherBucket = 0) =>
            _client.Schema.Key(keyClass, _args, _client.Options.KeyPrefix, (_ownBucket + otherBucket) % _client.Schema.Buckets);

        public TimeSpan Ttl(RedisCommand c) =>
            TimeSpan.FromSeconds(c.TtlSeconds ?? throw new InvalidOperationException($"{c.Name} {c.Key} has no TTL in the model."));

        // Replica reads route what the model marks readable, as the reference's READ_ONLY client does.
        public CommandFlags Flags(RedisCommand c) => c.Read && _client.Options.ReplicaReads ? CommandFlags.PreferReplica : CommandFlags.None;
    }
}
