namespace HashtagBench.Keys.Tests;

public sealed class KeyStrategyTests
{
    public static TheoryData<string> CoLocatedStrategies => new() { "event", "user", "bucketed:1", "bucketed:8", "bucketed:64" };

    [Fact]
    public void Legacy_reproduces_the_incident_keys_which_span_slots()
    {
        JoinKeys k = KeyStrategy.Legacy.Keys("evt_2025_1001", "user123", "user123:evt_2025_1001:1728336000");
        Assert.Equal("dedupe:user123:evt_2025_1001:1728336000", k.DedupeKey);
        Assert.Equal("stream:event:{evt_2025_1001}:user:user123", k.StreamKey);
        Assert.NotEqual(HashSlot.Of(k.DedupeKey), HashSlot.Of(k.StreamKey));
        Assert.False(KeyStrategy.Legacy.CoLocated);
    }

    [Fact]
    public void EventTag_puts_the_event_tag_in_both_keys()
    {
        JoinKeys k = KeyStrategy.EventTag.Keys("evt_2025_1001", "user123", "idem-1");
        Assert.Equal("dedupe:{evt_2025_1001}:idem-1", k.DedupeKey);
        Assert.Equal("stream:event:{evt_2025_1001}:user:user123", k.StreamKey);
    }

    [Fact]
    public void UserTag_puts_the_user_tag_in_both_keys()
    {
        JoinKeys k = KeyStrategy.UserTag.Keys("evt", "user123", "idem-1");
        Assert.Equal("user123", HashSlot.TagOf(k.DedupeKey));
        Assert.Equal("user123", HashSlot.TagOf(k.StreamKey));
    }

    [Theory]
    [MemberData(nameof(CoLocatedStrategies))]
    public void Co_located_strategies_share_one_slot_on_many_inputs(string name)
    {
        KeyStrategy s = KeyStrategy.Parse(name);
        for (int i = 0; i < 2000; i++)
        {
            JoinKeys k = s.Keys($"evt{i % 37}", $"u{i}", $"idem:{i}:{i * 7}");
            Assert.Equal(SlotGuard.Validate(k), HashSlot.Of(k.StreamKey));
            Assert.Equal(s.Tag($"evt{i % 37}", $"u{i}"), HashSlot.TagOf(k.StreamKey));
        }
    }

    [Fact]
    public void Bucketed_keeps_a_user_in_one_bucket_and_spreads_users_over_all_buckets()
    {
        KeyStrategy s = KeyStrategy.Bucketed(8);
        Assert.Equal(s.Keys("e", "alice", "k1").StreamKey, s.Keys("e", "alice", "k2").StreamKey);
        var buckets = Enumerable.Range(0, 2000).Select(i => KeyStrategy.BucketOf($"user{i}", 8)).ToHashSet();
        Assert.Equal(8, buckets.Count);
        Assert.Equal("bucketed:8", s.Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(16385)]
    public void Bucketed_rejects_bad_bucket_counts(int n) => Assert.Throws<ArgumentOutOfRangeException>(() => KeyStrategy.Bucketed(n));

    [Theory]
    [InlineData("legacy", "legacy")]
    [InlineData("EVENT", "event")]
    [InlineData("user", "user")]
    [InlineData("bucketed:16", "bucketed:16")]
    [InlineData("Bucketed(4)", "bucketed:4")]
    public void Parse_round_trips_names(string text, string name) => Assert.Equal(name, KeyStrategy.Parse(text).Name);

    [Fact]
    public void Parse_rejects_unknown_strategies() => Assert.Throws<FormatException>(() => KeyStrategy.Parse("shard"));

    [Fact]
    public void Slot_guard_names_each_key_and_its_slot()
    {
        JoinKeys k = KeyStrategy.Legacy.Keys("evt1", "u1", "idem1");
        var ex = Assert.Throws<CrossSlotKeysException>(() => SlotGuard.Validate(k));
        Assert.Equal(2, ex.Keys.Count);
        Assert.Contains($"'{k.DedupeKey}' → slot {HashSlot.Of(k.DedupeKey)}", ex.Message);
        Assert.Contains($"'{k.StreamKey}' → slot {HashSlot.Of(k.StreamKey)}", ex.Message);
    }

    [Fact]
    public void Slot_guard_accepts_three_co_located_keys_and_rejects_an_empty_set()
    {
        Assert.Equal(HashSlot.Of("x"), SlotGuard.Validate(["a:{x}", "b:{x}:c", "{x}"]));
        Assert.Throws<ArgumentException>(() => SlotGuard.Validate(ReadOnlySpan<string>.Empty));
    }
}
