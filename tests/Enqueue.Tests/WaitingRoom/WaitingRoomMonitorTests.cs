using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests.WaitingRoom;

/// <summary>
/// What the client really sends, seen by MONITOR on a real redis-server, against the model's list
/// (<see cref="Traffic.Commands"/>): every step and enter path, every strategy, in order, with keys and TTLs.
/// Commands a Lua script runs inside the server are left out: the model counts the script call.
/// </summary>
public sealed class WaitingRoomMonitorTests(StandaloneRedisFixture fx) : IClassFixture<StandaloneRedisFixture>
{
    private const string Ip = "10.1.2.3";

    [Theory]
    [InlineData("legacy")]
    [InlineData("event")]
    [InlineData("event-all")]
    [InlineData("user")]
    [InlineData("bucketed:4")]
    public async Task Every_step_sends_the_models_commands_in_order_with_keys_and_TTLs(string schemaName)
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Parse(schemaName);
        string prefix = $"t{Guid.NewGuid():N}"[..9] + ":", evt = "evt_" + Guid.NewGuid().ToString("N")[..8];
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var client = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { Schema = schema, KeyPrefix = prefix, ClientIp = Ip, Clock = clock });

        // Join, then its background.
        JoinStepResult join = null!;
        var sent = await fx.Monitor.CaptureAsync(fx.Db, async () => { join = await client.JoinAsync(evt, "user-1"); await join.Background; });
        Assert.Equal(StepOutcome.Joined, join.Outcome);
        Assert.Equal(1, (await join.Background).Position);
        AssertSame(schema, Step.Join, null, Args(join.User, join.User.JoinIdempotencyKey), prefix, sent);

        StatusStepResult status = null!;
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => status = await client.StatusAsync(join.User));
        Assert.Equal((StepOutcome.Waiting, 1L, 1L, true), (status.Outcome, status.Position, status.QueueRank, status.ReadyForEntry));
        AssertSame(schema, Step.Status, null, Args(join.User, ""), prefix, sent);

        // Rank 1: no bucket, granted.
        EnterStepResult enter = null!;
        string k = Guid.NewGuid().ToString();
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => enter = await client.EnterAsync(join.User, k));
        Assert.Equal((StepOutcome.Granted, EnterPath.Front), (enter.Outcome, enter.Path));
        AssertSame(schema, Step.Enter, EnterPath.Front, Args(enter.User, k), prefix, sent);

        // The grant deleted the heartbeat: the next status is the expired path with its cleanup.
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => status = await client.StatusAsync(enter.User));
        Assert.Equal((Step.StatusExpired, StepOutcome.Expired), (status.Step, status.Outcome));
        AssertSame(schema, Step.StatusExpired, null, Args(enter.User, ""), prefix, sent);

        HoldSeatStepResult hold = null!;
        k = Guid.NewGuid().ToString();
        await fx.Db.StringSetAsync(schema.Key(KeyClass.Inventory, Args(enter.User, k), prefix), 10);
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => hold = await client.HoldSeatAsync(enter.User, "A-12", k));
        Assert.Equal((StepOutcome.Held, 9L), (hold.Outcome, hold.Remaining));
        AssertSame(schema, Step.HoldSeat, null, Args(enter.User, k, "A-12"), prefix, sent);

        // Eleven users one second apart (distinct scores, so a bucketed rank counts every bucket): the last is rank 11.
        WaitingUser last = null!;
        for (int u = 2; u <= 12; u++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            JoinStepResult j = await client.JoinAsync(evt, $"user-{u}");
            await j.Background;
            last = j.User;
        }
        k = Guid.NewGuid().ToString();
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => enter = await client.EnterAsync(last, k));
        Assert.Equal((StepOutcome.NotReady, 11L), (enter.Outcome, enter.Rank)); // rank 11 must wait 2 s
        AssertSame(schema, Step.Enter, EnterPath.NotReady, Args(last, k), prefix, sent);

        clock.Advance(TimeSpan.FromSeconds(2));
        k = Guid.NewGuid().ToString();
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => enter = await client.EnterAsync(last, k));
        Assert.Equal((StepOutcome.Granted, EnterPath.Bucketed, 11L), (enter.Outcome, enter.Path, enter.Rank));
        AssertSame(schema, Step.Enter, EnterPath.Bucketed, Args(enter.User, k), prefix, sent);

        // An empty admission bucket (no refill since now): throttled.
        clock.Advance(TimeSpan.FromSeconds(1));
        JoinStepResult next = await client.JoinAsync(evt, "user-13");
        await next.Background;
        clock.Advance(TimeSpan.FromSeconds(5));
        await fx.Db.HashSetAsync(schema.Key(KeyClass.AdmissionBucket, Args(next.User, ""), prefix),
            [new("tokens", 0), new("last_refill", clock.Now.ToUnixTimeSeconds())]);
        k = Guid.NewGuid().ToString();
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => enter = await client.EnterAsync(next.User, k));
        Assert.Equal((StepOutcome.Throttled, 11L), (enter.Outcome, enter.Rank));
        AssertSame(schema, Step.Enter, EnterPath.Throttled, Args(next.User, k), prefix, sent);

        LeaveStepResult leave = null!;
        sent = await fx.Monitor.CaptureAsync(fx.Db, async () => leave = await client.LeaveAsync(next.User));
        Assert.Equal(StepOutcome.Left, leave.Outcome);
        AssertSame(schema, Step.Leave, null, Args(next.User, ""), prefix, sent);
        Assert.Empty(await fx.Db.StreamRangeAsync(schema.Key(KeyClass.Stream, Args(next.User, ""), prefix)));
    }

    [Fact]
    public async Task Scripts_run_their_own_commands_inside_the_server_not_on_the_wire()
    {
        var client = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { KeyPrefix = "lua:" });
        List<Monitored> all = [];
        var sent = await fx.Monitor.CaptureAsync(fx.Db, async () => await (await client.JoinAsync("evt_lua", "u1")).Background);
        // MONITOR shows the rate limit's HMGET/TIME/HMSET/EXPIRE and the enqueue script's EXISTS/TIME/XADD/SETEX as [lua].
        Assert.Equal(["HMGET", "TIME", "HMSET", "EXPIRE", "EXISTS", "TIME", "XADD", "SETEX"], sent.Where(m => m.FromLua).Select(m => m.Name));
        Assert.Equal(Traffic.Commands(Step.Join, WaitingRoomSchema.Event).Count, sent.Count(m => !m.FromLua));
    }

    [Fact]
    public async Task Anonymous_users_share_one_stream_per_event()
    {
        var everyone = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { AnonymousShare = 1, KeyPrefix = "anon:" });
        string evt = "evt_" + Guid.NewGuid().ToString("N")[..8];
        for (int u = 0; u < 3; u++) await (await everyone.JoinAsync(evt, $"u{u}")).Background;
        Assert.Equal(3, await fx.Db.StreamLengthAsync($"anon:stream:event:{{{evt}}}:user:anonymous"));

        var half = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { AnonymousShare = 0.5 });
        int anonymous = Enumerable.Range(0, 2000).Count(i => half.IsAnonymous($"user-{i}"));
        Assert.InRange(anonymous, 850, 1150);
        Assert.Equal(half.IsAnonymous("user-7"), half.IsAnonymous("user-7"));
        Assert.False(new WaitingRoomClient(fx.Db).IsAnonymous("user-7"));
    }

    [Fact]
    public async Task A_retried_post_is_answered_by_the_middleware_before_the_handler_runs()
    {
        var client = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { KeyPrefix = "retry:" });
        string evt = "evt_" + Guid.NewGuid().ToString("N")[..8], k = Guid.NewGuid().ToString();
        JoinStepResult first = await client.JoinAsync(evt, "u1", k);
        await first.Background;
        JoinStepResult retry = null!;
        var sent = await fx.Monitor.CaptureAsync(fx.Db, async () => retry = await client.JoinAsync(evt, "u1", k));
        Assert.Equal((StepOutcome.Joined, StepOutcome.Replayed), (first.Outcome, retry.Outcome));
        // Rate limit, the stored answer, its fingerprint: the script and the queue never see the retry.
        Assert.Equal(["EVAL", "GET", "GET"], sent.Where(m => !m.FromLua).Select(m => m.Name));
        Assert.Equal(1, await fx.Db.SortedSetLengthAsync($"retry:queue:event:{{{evt}}}"));
    }

    [Fact]
    public async Task An_empty_rate_limit_bucket_answers_429_and_nothing_else_runs()
    {
        var client = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { KeyPrefix = "rl:", ClientIp = "10.9.9.9", RateLimitBurst = 1, RateLimitPerSecond = 1 });
        // No tokens, and a last refill ahead of the server clock: nothing refills, however slow this machine is.
        await fx.Db.HashSetAsync("rl:ratelimit:ip:10.9.9.9", [new("tokens", 0), new("last_refill", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds())]);
        JoinStepResult join = null!;
        var sent = await fx.Monitor.CaptureAsync(fx.Db, async () => join = await client.JoinAsync("evt_rl", "u1"));
        Assert.Equal(StepOutcome.RateLimited, join.Outcome);
        Assert.Equal(["EVAL"], sent.Where(m => !m.FromLua).Select(m => m.Name));
        Assert.Equal(StepOutcome.RateLimited, (await client.StatusAsync(join.User)).Outcome);
    }

    [Fact]
    public async Task Unknown_tokens_and_bad_input_are_answers_not_exceptions()
    {
        var client = new WaitingRoomClient(fx.Db, new WaitingRoomOptions { KeyPrefix = "nf:" });
        var ghost = new WaitingUser("evt_nf", "u1", Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), 0, DateTimeOffset.UtcNow);
        Assert.Equal(StepOutcome.NotFound, (await client.EnterAsync(ghost)).Outcome);
        Assert.Equal((Step.StatusExpired, StepOutcome.Expired), ((await client.StatusAsync(ghost)).Step, (await client.StatusAsync(ghost)).Outcome));
        Assert.Equal(StepOutcome.Left, (await client.LeaveAsync(ghost)).Outcome);
        // Bad input is the caller's bug: refused before anything is sent.
        await Assert.ThrowsAsync<HashtagBench.Keys.InvalidKeyInputException>(() => client.JoinAsync("evt_{x}", "u1"));
        Assert.Throws<ArgumentException>(() => new WaitingRoomClient(fx.Db, new WaitingRoomOptions { KeyPrefix = "{run}:" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaitingRoomClient(fx.Db, new WaitingRoomOptions { AnonymousShare = 1.5 }));
    }

    private static KeyArgs Args(WaitingUser u, string idempotencyKey, string seat = "") =>
        new(u.EventId, u.UserId, idempotencyKey, u.WaitingToken, u.ReservationToken ?? "", Ip, seat);

    private static void AssertSame(WaitingRoomSchema schema, Step step, EnterPath? path, KeyArgs args, string prefix, List<Monitored> sent)
    {
        int own = schema.BucketOf(args.UserId);
        var expected = Traffic.Commands(step, schema, path)
            .Select(c => Line(c.Name, c.Keys.Select(k => schema.Key(k, args, prefix, (own + c.OtherBucket) % schema.Buckets)), c.TtlSeconds))
            .ToList();
        var actual = sent.Where(m => !m.FromLua).Select(Line).ToList();
        Assert.Equal(expected, actual);
    }

    // NAME key[,key…] [ttl]: the script's KEYS for EVAL/EVALSHA, the EX of a SET, the seconds of an EXPIRE.
    private static string Line(Monitored m)
    {
        var a = m.Args;
        return m.Name switch
        {
            "EVAL" or "EVALSHA" => Line(m.Name, a.Skip(2).Take(int.Parse(a[1])), null),
            "SET" => Line(m.Name, [a[0]], a.Skip(2).SkipWhile(x => !x.Equals("EX", StringComparison.OrdinalIgnoreCase)).Skip(1).Select(int.Parse).Cast<int?>().FirstOrDefault()),
            "EXPIRE" => Line(m.Name, [a[0]], int.Parse(a[1])),
            _ => Line(m.Name, [a[0]], null),
        };
    }

    private static string Line(string name, IEnumerable<string> keys, int? ttl) => $"{name} {string.Join(",", keys)}{(ttl is int t ? $" ttl={t}" : "")}";
}
