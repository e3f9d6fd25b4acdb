using System.Text;

namespace HashtagBench.Keys.Tests;

public sealed class KeyWriterTests
{
    public static TheoryData<string> Strategies => ["legacy", "event", "user", "bucketed:1", "bucketed:16", "bucketed:1000", "bucketed:16384"];

    private static readonly (string E, string U, string K)[] Inputs =
    [
        ("evt_2025_1001", "user123", "user123:evt_2025_1001:1728336000"),
        ("e", "u", "k"),
        ("évènement-ü", "用户", "clé:😀"),           // non-ASCII in every field (surrogate pair too)
        ("evt-ascii-then-ü", "user-ascii-then-用", "k"),   // ASCII prefix, then non-ASCII
        (new string('e', 200), new string('u', 200), new string('k', 200)), // longest valid IDs
        ("Ω", new string('ü', 100), "x"),
    ];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Keys_equal_the_strategy_strings_as_UTF8_byte_for_byte(string name)
    {
        KeyStrategy strategy = KeyStrategy.Parse(name);
        KeyWriter writer = KeyWriter.For(strategy);
        Assert.Same(strategy.GetType(), writer.Strategy.GetType());
        foreach (var (e, u, k) in Inputs)
        {
            JoinKeys expected = strategy.Keys(e, u, k);
            Utf8JoinKeys actual = writer.Keys(e, u, k);
            Assert.Equal(Encoding.UTF8.GetBytes(expected.DedupeKey), actual.DedupeKey);
            Assert.Equal(Encoding.UTF8.GetBytes(expected.StreamKey), actual.StreamKey);
            Assert.Equal(HashSlot.Of(expected.StreamKey), HashSlot.Of(actual.StreamKey));
        }
    }

    [Fact]
    public void TryWrite_reports_a_short_buffer_and_fits_exactly()
    {
        KeyWriter writer = KeyWriter.For(KeyStrategy.EventTag);
        byte[] expected = Encoding.UTF8.GetBytes("dedupe:{evt1}:ключ");
        Span<byte> exact = new byte[expected.Length];
        Assert.True(writer.TryWriteDedupeKey("evt1", "u1", "ключ", exact, out int written));
        Assert.Equal(expected, exact[..written].ToArray());
        for (int size = 0; size < expected.Length; size++)
            Assert.False(writer.TryWriteDedupeKey("evt1", "u1", "ключ", new byte[size], out _));
    }

    [Fact]
    public void TryWrite_leaves_the_callers_bytes_past_the_key_alone()
    {
        // Inside its own buffer the writer stores short literals 16 bytes at a time; a caller's buffer must not see that.
        KeyWriter writer = KeyWriter.For(KeyStrategy.Bucketed(16));
        byte[] buffer = Enumerable.Repeat((byte)0xEE, 256).ToArray();
        Assert.True(writer.TryWriteStreamKey("e", "u", "k", buffer, out int written));
        Assert.Equal(writer.StreamKey("e", "u", "k"), buffer[..written]);
        Assert.All(buffer[written..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Unvalidated_ids_longer_than_the_stack_buffer_still_format()
    {
        KeyWriter writer = KeyWriter.For(KeyStrategy.UserTag);
        string big = new('用', 400); // 1,200 UTF-8 bytes: past the 512-byte stack buffer
        Assert.Equal(Encoding.UTF8.GetBytes($"stream:event:{big}:user:{{{big}}}"), writer.StreamKey(big, big, "k"));
    }

    [Fact]
    public void Keys_validates_like_KeyStrategy()
    {
        KeyWriter writer = KeyWriter.For(KeyStrategy.EventTag);
        var ex = Assert.Throws<InvalidKeyInputException>(() => writer.Keys("evt{1}", "u", "k"));
        Assert.Equal(KeyInputProblem.Brace, ex.Problem);
        Assert.Equal("eventId", ex.Field);
    }

    [Fact]
    public void Formatting_allocates_only_the_final_key()
    {
        KeyWriter writer = KeyWriter.For(KeyStrategy.Bucketed(16));
        const string e = "evt_2025_1001", u = "user123", k = "user123:evt_2025_1001:1728336000";
        byte[] warm = writer.DedupeKey(e, u, k);
        int length = warm.Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] key = writer.DedupeKey(e, u, k);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // One byte[]: object header + length, then the bytes rounded up to the pointer size.
        Assert.Equal(24 + ((length + 7) & ~7), allocated);
        Assert.Equal(warm, key);

        Span<byte> buffer = stackalloc byte[KeyWriter.MaxValidatedKeyBytes];
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(writer.TryWriteStreamKey(e, u, k, buffer, out _));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Null_ids_throw_ArgumentNullException()
    {
        KeyWriter writer = KeyWriter.For(KeyStrategy.Bucketed(4));
        Assert.Throws<ArgumentNullException>(() => writer.DedupeKey("e", null!, "k"));
        Assert.Throws<ArgumentNullException>(() => writer.StreamKey(null!, "u", "k"));
        Assert.Throws<ArgumentNullException>(() => writer.TryWriteDedupeKey("e", "u", null!, new byte[64], out _));
    }

    [Fact]
    public void Ascii_ids_of_every_length_narrow_exactly()
    {
        // Lengths around the 8- and 16-char vector paths, with a non-ASCII char at every position of some of them.
        KeyWriter writer = KeyWriter.For(KeyStrategy.Legacy);
        for (int len = 1; len <= 70; len++)
        {
            string ascii = string.Concat(Enumerable.Range(0, len).Select(i => (char)('!' + i % 90)));
            Assert.Equal(Encoding.UTF8.GetBytes("dedupe:" + ascii), (byte[])writer.DedupeKey("e", "u", ascii)!);
            for (int at = 0; at < len; at += 5)
            {
                string mixed = ascii[..at] + "é" + ascii[(at + 1)..];
                Assert.Equal(Encoding.UTF8.GetBytes("dedupe:" + mixed), (byte[])writer.DedupeKey("e", "u", mixed)!);
            }
        }
    }

    [Fact]
    public void Every_strategy_has_a_writer_whatever_way_it_was_built()
    {
        // No name parsing behind For: a bucketed strategy made with new, the factory, Parse or a copy all write.
        KeyStrategy[] built = [new BucketedStrategy(7), KeyStrategy.Bucketed(7), KeyStrategy.Parse("Bucketed(7)"), KeyStrategy.Bucketed(7) with { }];
        byte[] expected = Encoding.UTF8.GetBytes(KeyStrategy.Bucketed(7).Keys("e1", "u1", "k1").StreamKey);
        foreach (KeyStrategy s in built)
            Assert.Equal(expected, KeyWriter.For(s).StreamKey("e1", "u1", "k1"));
    }
}
