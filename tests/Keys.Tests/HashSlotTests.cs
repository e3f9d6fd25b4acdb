using System.Text;

namespace HashtagBench.Keys.Tests;

public sealed class HashSlotTests
{
    // Values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("123456789", 0x31C3 & 16383)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    public void Known_slots(string key, int slot) => Assert.Equal(slot, HashSlot.Of(key));

    [Theory]
    [InlineData("foo{}{bar}", "foo{}{bar}")]   // empty first tag: whole key
    [InlineData("foo{{bar}}zap", "{bar")]      // tag runs from the first '{' to the first '}' after it
    [InlineData("foo{bar}{zap}", "bar")]       // only the first tag counts
    [InlineData("foo{bar", "foo{bar")]         // no closing brace: whole key
    [InlineData("foo}bar{", "foo}bar{")]       // '}' before '{' does not close anything
    [InlineData("{}", "{}")]
    [InlineData("a{b}c", "b")]
    public void Hashed_part_follows_the_Redis_rule(string key, string hashed)
    {
        Assert.Equal(hashed, HashSlot.HashedPart(key.AsSpan()).ToString());
        Assert.Equal(HashSlot.Of(hashed), HashSlot.Of(key));
    }

    [Theory]
    [InlineData("dedupe:{evt_2025_1001}:user123:evt_2025_1001:1728336000")]
    [InlineData("dedupe:user123:evt_2025_1001:1728336000")]
    [InlineData("stream:event:{évènement-ü}:user:用户")]
    [InlineData("ключ:{событие}:😀")]
    [InlineData("")]
    public void String_and_UTF8_span_overloads_agree(string key)
    {
        Assert.Equal(HashSlot.Of(Encoding.UTF8.GetBytes(key)), HashSlot.Of(key));
    }

    [Fact]
    public void Long_non_ascii_keys_use_the_pooled_path_and_still_agree()
    {
        string key = string.Concat(Enumerable.Repeat("ü漢", 400));
        Assert.Equal(HashSlot.Of(Encoding.UTF8.GetBytes(key)), HashSlot.Of(key));
        string ascii = new('k', 1024);
        Assert.Equal(HashSlot.Of(Encoding.UTF8.GetBytes(ascii)), HashSlot.Of(ascii));
    }

    [Fact]
    public void String_overload_allocates_nothing()
    {
        string[] keys = ["dedupe:{evt_2025_1001}:user123:evt_2025_1001:1728336000", "dedupe:user123:evt_2025_1001:1728336000", "ключ:{событие}:x", new string('k', 1024)];
        foreach (string k in keys) HashSlot.Of(k); // warm up (JIT, ArrayPool)
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 1000; i++) foreach (string k in keys) sum += HashSlot.Of(k);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public void TagOf_returns_the_tag_or_null()
    {
        Assert.Equal("evt1", HashSlot.TagOf("dedupe:{evt1}:k"));
        Assert.Null(HashSlot.TagOf("dedupe:k"));
        Assert.Null(HashSlot.TagOf("dedupe:{}:k"));
    }
}
