using HashtagBench.Keys;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests;

/// <summary>The enqueue script against a real 3-shard / 6-node cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EnqueueClusterTests(ClusterFixture fx)
{
    private static string Unique(string prefix) => JoinChecks.Unique(prefix);

    [Fact]
    public async Task Legacy_keys_get_the_servers_own_CROSSSLOT()
    {
        await JoinChecks.AssertLegacyGetsTheServersCrossSlotAsync(fx.Mux);
    }

    [Fact]
    public async Task Legacy_keys_get_the_clients_multi_slot_refusal()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.Legacy, new EnqueueOptions { SlotGuard = false });
        JoinResult r = await client.JoinAsync(Unique("evt"), "u1", Unique("idem"));
        var failed = Assert.IsType<JoinResult.Failed>(r);
        Assert.Equal(FailureKind.CrossSlotClient, failed.Kind);
        Assert.Contains("single slot", failed.Message);
    }

    [Fact]
    public async Task Legacy_keys_are_stopped_by_the_slot_guard_before_sending()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.Legacy);
        long before = fx.Mux.OperationCount;
        JoinResult r = await client.JoinAsync(Unique("evt"), "u1", Unique("idem"));
        Assert.Equal(before, fx.Mux.OperationCount);
        var failed = Assert.IsType<JoinResult.Failed>(r);
        Assert.Equal(FailureKind.CrossSlotGuard, failed.Kind);
        Assert.Contains("slot", failed.Message);
    }

    [Theory]
    [InlineData("event")]
    [InlineData("user")]
    [InlineData("bucketed:4")]
    [InlineData("bucketed:1")]
    public async Task Join_enqueues_once_and_a_repeated_idempotency_key_is_a_duplicate(string strategy)
    {
        KeyStrategy s = KeyStrategy.Parse(strategy);
        var client = new EnqueueClient(fx.Mux, s);
        string evt = Unique("evt"), user = Unique("user"), idem = Unique("idem");

        var first = Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(evt, user, idem));
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, user, idem));
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, user, idem));

        JoinKeys keys = s.Keys(evt, user, idem);
        IDatabase db = fx.Mux.GetDatabase();
        StreamEntry[] entries = await db.StreamRangeAsync(keys.StreamKey);
        StreamEntry only = Assert.Single(entries);
        Assert.Equal(first.StreamId, (string)only.Id!);
        Assert.Equal(first.Token, (string)only["token"]!);
        Assert.Equal(evt, (string)only["event_id"]!);
        Assert.Equal(user, (string)only["user_id"]!);
        // timestamp comes from the server's TIME, in microseconds.
        long ts = long.Parse((string)only["timestamp"]!);
        Assert.InRange(ts, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1000, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds() * 1000);
        TimeSpan? ttl = await db.KeyTimeToLiveAsync(keys.DedupeKey);
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value.TotalSeconds, 3500, 3600);
    }

    [Theory]
    [InlineData("event")]
    [InlineData("user")]
    [InlineData("bucketed:16")]
    public async Task Non_ASCII_ids_land_on_the_keys_the_strategy_strings_name(string strategy)
    {
        // The client sends KeyWriter's UTF-8 bytes; the string keys read back here must name the same Redis keys.
        KeyStrategy s = KeyStrategy.Parse(strategy);
        var client = new EnqueueClient(fx.Mux, s);
        string evt = Unique("évènement"), user = Unique("用户😀"), idem = Unique("clé");
        Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(evt, user, idem));
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, user, idem));

        JoinKeys keys = s.Keys(evt, user, idem);
        IDatabase db = fx.Mux.GetDatabase();
        StreamEntry only = Assert.Single(await db.StreamRangeAsync(keys.StreamKey));
        Assert.Equal(user, (string)only["user_id"]!);
        Assert.True(await db.KeyExistsAsync(keys.DedupeKey));
        Assert.Equal(HashSlot.Of(keys.StreamKey), (int)(long)await db.ExecuteAsync("CLUSTER", "KEYSLOT", keys.StreamKey));
    }

    [Fact]
    public async Task Eval_mode_gives_the_same_result_as_evalsha()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { Mode = SendMode.Eval });
        string evt = Unique("evt"), idem = Unique("idem");
        Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(evt, "u", idem));
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, "u", idem));
    }

    [Fact]
    public async Task NOSCRIPT_after_a_script_cache_flush_is_recovered()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag);
        Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(Unique("evt"), "u", Unique("idem")));
        // What a promoted replica looks like to the client: a primary with an empty script cache.
        foreach (IServer p in fx.Primaries()) await p.ExecuteAsync("SCRIPT", "FLUSH");
        long before = client.NoScriptRecoveries;
        string evt = Unique("evt"), idem = Unique("idem");
        Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(evt, "u", idem));
        Assert.Equal(before + 1, client.NoScriptRecoveries);
        // The EVAL fallback re-cached the script: the next EVALSHA on that node hits.
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, "u", idem));
        Assert.Equal(before + 1, client.NoScriptRecoveries);
    }

    [Fact]
    public async Task Wait_option_reports_the_replica_acknowledgement()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { WaitReplicas = 1, WaitTimeout = TimeSpan.FromSeconds(2) });
        for (int i = 0; i < 5; i++)
            Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(Unique("evt"), "u", Unique("idem")));
        // Every shard has a healthy replica here, so WAIT 1 is always satisfied.
        Assert.Equal(0, client.WaitShortfalls);
        Assert.Equal(0, client.WaitsSkipped);
    }

    [Fact]
    public async Task Wait_for_more_replicas_than_a_shard_has_is_skipped_not_waited_out()
    {
        // One replica per shard, two asked for: WAIT could only time out (5 s each here). The client reads the
        // primary's replica count first, skips it and counts the shortfall; the joins still land.
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { WaitReplicas = 2, WaitTimeout = TimeSpan.FromSeconds(5) });
        const int joins = 6;
        for (int i = 0; i < joins; i++)
            Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(Unique("evt"), "u", Unique("idem")));
        Assert.Equal(joins, client.WaitsSkipped);
        Assert.Equal(joins, client.WaitShortfalls);

        // Turned off, the same WAIT is sent and comes back short (a short timeout keeps the test quick).
        var waiting = new EnqueueClient(fx.Mux, KeyStrategy.EventTag,
            new EnqueueOptions { WaitReplicas = 2, WaitTimeout = TimeSpan.FromMilliseconds(50), SkipWaitWithoutReplicas = false });
        Assert.IsType<JoinResult.Enqueued>(await waiting.JoinAsync(Unique("evt"), "u", Unique("idem")));
        Assert.Equal(0, waiting.WaitsSkipped);
        Assert.Equal(1, waiting.WaitShortfalls);
    }

    [Fact]
    public void A_wait_without_a_timeout_is_refused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { WaitReplicas = 1, WaitTimeout = TimeSpan.Zero }));
        Assert.Contains("WaitTimeout", ex.Message);
    }

    [Fact]
    public async Task Bad_input_is_rejected_and_nothing_is_sent()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag);
        long before = fx.Mux.OperationCount;
        string[] bad = ["", " ", "a{b}", "{}", "x}", "tab\there", new string('x', KeyInput.MaxIdBytes + 1)];
        foreach (string b in bad)
        {
            await Assert.ThrowsAsync<InvalidKeyInputException>(() => client.JoinAsync(b, "u", "k"));
            await Assert.ThrowsAsync<InvalidKeyInputException>(() => client.JoinAsync("e", b, "k"));
            await Assert.ThrowsAsync<InvalidKeyInputException>(() => client.JoinAsync("e", "u", b));
        }
        Assert.Equal(before, fx.Mux.OperationCount);
    }

    [Fact]
    public async Task Concurrent_joins_across_20_events_leave_exactly_one_entry_per_idempotency_key()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag);
        string run = Unique("run");
        var joins = new List<(string Evt, string User, string Idem)>();
        for (int e = 0; e < 20; e++)
            for (int u = 0; u < 15; u++)
                for (int k = 0; k < 2; k++)
                    joins.Add(($"{run}-evt{e}", $"user{u}", $"{run}:{e}:{u}:{k}"));
        // Every join is sent three times at once, as retrying gateways would.
        var work = joins.SelectMany(j => Enumerable.Repeat(j, 3)).OrderBy(_ => Random.Shared.Next()).ToList();
        JoinResult[] results = await Task.WhenAll(work.Select(j => client.JoinAsync(j.Evt, j.User, j.Idem)));

        Assert.Equal(joins.Count, results.Count(r => r is JoinResult.Enqueued));
        Assert.Equal(joins.Count * 2, results.Count(r => r is JoinResult.Duplicate));
        IDatabase db = fx.Mux.GetDatabase();
        foreach (var group in joins.GroupBy(j => (j.Evt, j.User)))
        {
            StreamEntry[] entries = await db.StreamRangeAsync(KeyStrategy.EventTag.Keys(group.Key.Evt, group.Key.User, "x").StreamKey);
            Assert.Equal(group.Count(), entries.Length);
            Assert.Equal(entries.Length, entries.Select(en => (string)en["token"]!).Distinct().Count());
        }
    }

    [Fact]
    public async Task Slots_match_the_servers_CLUSTER_KEYSLOT_for_random_keys()
    {
        var rng = new Random(2026);
        var keys = new List<string> { "", "{}", "{}{}", "{{}}", "}{", "{a}{b}", "a{{b}}c", "{用户}", "ü{ß}", "😀{😀}x" };
        string[] parts = ["evt", "{", "}", "{}", ":", "user", "ü", "漢", "😀", "é", "x", "42", "{{", "}}"];
        while (keys.Count < 1200)
            keys.Add(string.Concat(Enumerable.Range(0, rng.Next(1, 9)).Select(_ => parts[rng.Next(parts.Length)])) + rng.Next(1000));
        IServer server = fx.Mux.GetServer(fx.Mux.GetEndPoints()[0]);
        // Pipelined: all 1,200 requests in flight at once.
        RedisResult[] slots = await Task.WhenAll(keys.Select(k => server.ExecuteAsync("CLUSTER", "KEYSLOT", k)));
        for (int i = 0; i < keys.Count; i++)
            Assert.True((int)slots[i] == HashSlot.Of(keys[i]), $"key '{keys[i]}': server {(int)slots[i]}, ours {HashSlot.Of(keys[i])}");
    }
}
