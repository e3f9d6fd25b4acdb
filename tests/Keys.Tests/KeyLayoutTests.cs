using System.Text;
using System.Text.Json;

namespace HashtagBench.Keys.Tests;

/// <summary>The strategies as types, and the one layout both key builders walk.</summary>
public sealed class KeyLayoutTests
{
    public static TheoryData<string> AllStrategies => ["legacy", "event", "user", "bucketed:1", "bucketed:3", "bucketed:16", "bucketed:16384"];

    [Fact]
    public void Each_variant_exposes_its_type_shape_and_bucket_count()
    {
        Assert.IsType<LegacyStrategy>(KeyStrategy.Parse("legacy"));
        Assert.IsType<EventTagStrategy>(KeyStrategy.Parse("event"));
        Assert.IsType<UserTagStrategy>(KeyStrategy.Parse("user"));
        Assert.Equal(16, Assert.IsType<BucketedStrategy>(KeyStrategy.Parse("bucketed:16")).Buckets);

        Assert.Equal(TagSource.Event, KeyStrategy.Legacy.TagSource);
        Assert.Equal(TagSource.Event, KeyStrategy.EventTag.TagSource);
        Assert.Equal(TagSource.User, KeyStrategy.UserTag.TagSource);
        Assert.Equal(TagSource.EventBucket, KeyStrategy.Bucketed(5).TagSource);

        // Co-location is read off the layouts: legacy's dedupe key has no tag at all.
        Assert.Null(KeyStrategy.Legacy.DedupeLayout.HashTag);
        Assert.False(KeyStrategy.Legacy.CoLocated);
        Assert.All(new[] { KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(5) }, s => Assert.True(s.CoLocated));
    }

    [Fact]
    public void Layouts_read_as_templates()
    {
        Assert.Equal("dedupe:<idempotency-key>", KeyStrategy.Legacy.DedupeLayout.ToString());
        Assert.Equal("dedupe:{<event>}:<idempotency-key>", KeyStrategy.EventTag.DedupeLayout.ToString());
        Assert.Equal("stream:event:<event>:user:{<user>}", KeyStrategy.UserTag.StreamLayout.ToString());
        Assert.Equal("stream:event:{<event>:<bucket/16>}:user:<user>", KeyStrategy.Bucketed(16).StreamLayout.ToString());
        Assert.Equal("<event>:<bucket/16>", KeyStrategy.Bucketed(16).StreamLayout.HashTag!.ToString());
    }

    [Fact]
    public void User_and_bucketed_keys_are_pinned()
    {
        JoinKeys user = KeyStrategy.UserTag.Keys("evt", "u1", "k1");
        Assert.Equal(new JoinKeys("dedupe:{u1}:k1", "stream:event:evt:user:{u1}"), user);
        int b = KeyStrategy.BucketOf("u1", 16);
        Assert.Equal(new JoinKeys($"dedupe:{{evt:{b}}}:k1", $"stream:event:{{evt:{b}}}:user:u1"), KeyStrategy.Bucketed(16).Keys("evt", "u1", "k1"));
    }

    [Fact]
    public void Name_is_ToString_and_JSON_so_reports_read_as_before()
    {
        KeyStrategy s = KeyStrategy.Bucketed(16);
        Assert.Equal("bucketed:16", $"{s}");
        Assert.Equal("event", KeyStrategy.EventTag.ToString());
        Assert.Equal("\"bucketed:16\"", JsonSerializer.Serialize(s));
        Assert.Equal("""{"S":"legacy"}""", JsonSerializer.Serialize(new { S = KeyStrategy.Legacy }));
        Assert.Equal(s, JsonSerializer.Deserialize<KeyStrategy>("\"bucketed:16\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<KeyStrategy>("\"shard\""));
    }

    [Fact]
    public void Strategies_are_equal_by_variant_and_bucket_count()
    {
        Assert.Equal(KeyStrategy.Bucketed(16), new BucketedStrategy(16));
        Assert.Equal(KeyStrategy.Bucketed(16).GetHashCode(), KeyStrategy.Parse("bucketed:16").GetHashCode());
        Assert.NotEqual(KeyStrategy.Bucketed(16), KeyStrategy.Bucketed(8));
        // Same stream layout, different strategies.
        Assert.Equal(KeyStrategy.Legacy.StreamLayout, KeyStrategy.EventTag.StreamLayout);
        Assert.NotEqual(KeyStrategy.Legacy, KeyStrategy.EventTag);
        Assert.Equal(new EventTagStrategy(), KeyStrategy.EventTag);
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void String_and_UTF8_keys_agree_on_random_inputs(string name)
    {
        KeyStrategy strategy = KeyStrategy.Parse(name);
        KeyWriter writer = KeyWriter.For(strategy);
        var random = new Random(name.Sum(c => c)); // fixed per strategy: a failure replays
        for (int i = 0; i < 500; i++)
        {
            string e = RandomId(random), u = RandomId(random), k = RandomId(random);
            JoinKeys strings = strategy.Keys(e, u, k);
            Utf8JoinKeys bytes = writer.Keys(e, u, k);
            Assert.Equal(Encoding.UTF8.GetBytes(strings.DedupeKey), bytes.DedupeKey);
            Assert.Equal(Encoding.UTF8.GetBytes(strings.StreamKey), bytes.StreamKey);
            // The unvalidated entry points write the same bytes.
            Assert.Equal(bytes.StreamKey, writer.StreamKey(e, u, k));
            Assert.Equal(bytes.DedupeKey, writer.DedupeKey(e, u, k));
            // The tag read off the layout is the one Redis finds in the key.
            Assert.Equal(HashSlot.TagOf(strings.StreamKey), strategy.Tag(e, u));
            Assert.Equal(HashSlot.Of(strategy.Tag(e, u)), HashSlot.Of(bytes.StreamKey));
            // (Legacy's keys may share a slot by chance, about once in 16384 draws: only co-location is a promise.)
            if (strategy.CoLocated) Assert.Equal(HashSlot.Of(bytes.DedupeKey), HashSlot.Of(bytes.StreamKey));
        }
    }

    [Fact]
    public void Slot_guard_on_UTF8_keys_agrees_with_the_string_guard()
    {
        var (e, u, k) = ("évènement", "用户😀", "clé");
        Assert.Equal(SlotGuard.Validate(KeyStrategy.EventTag.Keys(e, u, k)), SlotGuard.Validate(KeyWriter.For(KeyStrategy.EventTag).Keys(e, u, k)));

        JoinKeys strings = KeyStrategy.Legacy.Keys(e, u, k);
        var fromStrings = Assert.Throws<CrossSlotKeysException>(() => SlotGuard.Validate(strings));
        var fromBytes = Assert.Throws<CrossSlotKeysException>(() => SlotGuard.Validate(KeyWriter.For(KeyStrategy.Legacy).Keys(e, u, k)));
        Assert.Equal(fromStrings.Message, fromBytes.Message);
        Assert.Equal(fromStrings.Keys, fromBytes.Keys);
    }

    [Fact]
    public void The_hash_tag_follows_the_Redis_rule_across_parts()
    {
        static KeyPart L(string s) => KeyPart.Literal(s);
        Assert.Null(new KeyLayout(L("a:"), KeyPart.EventId).HashTag);                       // no brace
        Assert.Null(new KeyLayout(L("a:{"), KeyPart.EventId).HashTag);                      // never closed
        Assert.Null(new KeyLayout(L("a:{}"), KeyPart.EventId, L("}")).HashTag);             // "{}" hashes the whole key
        Assert.Equal("x", new KeyLayout(L("}a{x}y{"), KeyPart.UserId).HashTag!.ToString()); // first '{', next '}'
        Assert.Equal("<user>:z", new KeyLayout(L("a{"), KeyPart.UserId, L(":z}b}"), KeyPart.EventId).HashTag!.ToString());
    }

    [Fact]
    public void Key_parts_refuse_nonsense()
    {
        Assert.Throws<ArgumentException>(() => KeyPart.Literal(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyPart.Bucket(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BucketedStrategy(HashSlot.SlotCount + 1));
    }

    /// <summary>1..40 chars of ASCII, Latin-1, Cyrillic, CJK and surrogate pairs; never braces, control chars or only spaces.</summary>
    private static string RandomId(Random r)
    {
        var sb = new StringBuilder();
        int length = r.Next(1, 41);
        while (sb.Length < length)
        {
            switch (r.Next(5))
            {
                case 0: case 1: sb.Append((char)r.Next('!', 'z' + 1)); break; // '{' is 0x7B, '}' 0x7D: above 'z'
                case 2: sb.Append((char)r.Next(0xC0, 0x180)); break;
                case 3: sb.Append((char)r.Next(0x4E00, 0x9FFF)); break;
                default: sb.Append(char.ConvertFromUtf32(r.Next(0x1F600, 0x1F650))); break;
            }
        }
        return sb.ToString();
    }
}
