using System.Text;

namespace HashtagBench.Keys.Tests;

/// <summary>The CLMUL folding path and the chunked string path against the bitwise reference.</summary>
public sealed class Crc16FastPathTests
{
    [Fact]
    public void Clmul_agrees_with_the_bitwise_reference_on_every_length_and_offset()
    {
        var rng = new Random(42);
        byte[] data = new byte[4200];
        rng.NextBytes(data);
        // Every length around the 16/64-byte block edges, then a sweep up to 4 KiB; odd offsets test unaligned loads.
        IEnumerable<int> lengths = Enumerable.Range(0, 300).Concat(Enumerable.Range(0, 40).Select(i => 300 + i * 97));
        foreach (int len in lengths)
            foreach (int offset in new[] { 0, 1, 7 })
            {
                ReadOnlySpan<byte> s = data.AsSpan(offset, len);
                ushort expected = Crc16.ComputeBitwise(s);
                Assert.Equal(expected, Crc16Clmul.Compute(s));
                Assert.Equal(expected, Crc16.Compute(s));
                Assert.Equal(expected, Crc16.ComputeSliced(s));
            }
    }

    [Fact]
    public void Clmul_continues_a_running_crc()
    {
        byte[] data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("dedupe:user123:evt_2025_1001:", 20)));
        ushort whole = Crc16.ComputeBitwise(data);
        foreach (int split in new[] { 0, 1, 15, 16, 63, 64, 65, 200, data.Length })
            Assert.Equal(whole, Crc16Clmul.Update(Crc16.ComputeBitwise(data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void Ascii_char_path_matches_the_bytes_and_refuses_non_ascii()
    {
        string ascii = string.Concat(Enumerable.Range(0, 300).Select(i => (char)(32 + i % 95)));
        for (int len = 0; len <= ascii.Length; len++)
        {
            Assert.True(Crc16.TryUpdateAscii(0, ascii.AsSpan(0, len), out ushort crc));
            Assert.Equal(Crc16.ComputeBitwise(Encoding.ASCII.GetBytes(ascii[..len])), crc);
        }
        // Non-ASCII anywhere (a block, the tail, the first two bytes) is caught, including chars whose low byte is ASCII.
        foreach (string s in new[] { "ü", "aü", "abcdefghijklmnopqrstuvwxyzü", "\u0141bcdefghijklmnopq", "abcdefghijklmnopqrstuvwx\u0100yz", "\u007f\u0080" })
            Assert.False(Crc16.TryUpdateAscii(0, System.Text.RegularExpressions.Regex.Unescape(s), out _));
    }

    [Fact]
    public void Fold_constants_are_powers_of_x_mod_the_polynomial()
    {
        // x^16 mod P is the polynomial's low part; x^n for n < 16 is itself.
        Assert.Equal(1UL << 15, Crc16Clmul.XPowMod(15));
        Assert.Equal((ulong)Crc16.Polynomial, Crc16Clmul.XPowMod(16));
    }

    [Fact]
    public void Long_string_keys_take_the_chunked_ascii_path_and_agree()
    {
        foreach (int len in new[] { 127, 128, 1023, 1024, 1025, 2048, 5000 })
        {
            string ascii = string.Concat(Enumerable.Range(0, len).Select(i => (char)('a' + i % 26)));
            Assert.Equal(Crc16.ComputeBitwise(Encoding.ASCII.GetBytes(ascii)) & 16383, HashSlot.Of(ascii));
            // Non-ASCII past the first chunk: the narrowing fails late and the UTF-8 path restarts from the key's start.
            string mixed = ascii + "ü";
            Assert.Equal(Crc16.ComputeBitwise(Encoding.UTF8.GetBytes(mixed)) & 16383, HashSlot.Of(mixed));
        }
    }
}
