using System.Text;

namespace HashtagBench.Keys.Tests;

/// <summary>The one-pass vectorised brace search against the Redis rule written out naively.</summary>
public sealed class HashTagSearchTests
{
    // Redis: first '{'; first '}' after it; a non-empty tag between them is hashed, else the whole key.
    private static (int, int) Reference(string key)
    {
        int open = key.IndexOf('{');
        if (open < 0) return (0, key.Length);
        for (int i = open + 1; i < key.Length; i++)
            if (key[i] == '}') return i == open + 1 ? (0, key.Length) : (open + 1, i - open - 1);
        return (0, key.Length);
    }

    [Fact]
    public void Agrees_with_the_rule_on_random_keys_of_every_length_for_chars_and_bytes()
    {
        var rng = new Random(7);
        char[] alphabet = ['a', 'b', ':', '{', '}', '_', '1', 'ü', '\u017b' /* low byte '{' */, '\u017d' /* low byte '}' */];
        for (int len = 0; len <= 150; len++)
            for (int trial = 0; trial < 60; trial++)
            {
                // Mostly plain chars with a few braces, so tags, empty tags and unclosed braces all occur.
                string key = new(Enumerable.Range(0, len).Select(_ => rng.Next(10) < 7 ? alphabet[rng.Next(3)] : alphabet[rng.Next(alphabet.Length)]).ToArray());
                Assert.Equal(Reference(key), HashTagSearch.HashedRange(key.AsSpan()));
                if (key.All(c => c < 0x80))
                    Assert.Equal(Reference(key), HashTagSearch.HashedRange(Encoding.ASCII.GetBytes(key)));
            }
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    public void Braces_at_the_last_lanes_of_a_64_element_mask(int len)
    {
        string brace = new string('a', len - 2) + "{b";
        Assert.Equal(Reference(brace), HashTagSearch.HashedRange(brace.AsSpan()));
        string tag = new string('a', len - 3) + "{b}";
        Assert.Equal((len - 2, 1), HashTagSearch.HashedRange(tag.AsSpan()));
        Assert.Equal((len - 2, 1), HashTagSearch.HashedRange(Encoding.ASCII.GetBytes(tag)));
        string openLast = new string('a', len - 1) + "{";
        Assert.Equal((0, len), HashTagSearch.HashedRange(openLast.AsSpan()));
    }
}
