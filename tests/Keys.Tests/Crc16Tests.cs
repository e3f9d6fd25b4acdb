using System.Text;

namespace HashtagBench.Keys.Tests;

public sealed class Crc16Tests
{
    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Check_value_matches_CRC16_XMODEM() => Assert.Equal(0x31C3, Crc16.Compute(Check));

    [Fact]
    public void Every_variant_gives_the_check_value()
    {
        Assert.Equal(0x31C3, Crc16.ComputeBitwise(Check));
        Assert.Equal(0x31C3, Crc16.ComputeTable(Check));
    }

    [Fact]
    public void Empty_input_is_zero() => Assert.Equal(0, Crc16.Compute([]));

    [Fact]
    public void Sliced_and_table_variants_agree_with_the_bitwise_reference_on_every_length()
    {
        var rng = new Random(1234);
        for (int len = 0; len <= 1100; len += len < 40 ? 1 : 37)
        {
            byte[] data = new byte[len];
            rng.NextBytes(data);
            ushort expected = Crc16.ComputeBitwise(data);
            Assert.Equal(expected, Crc16.Compute(data));
            Assert.Equal(expected, Crc16.ComputeTable(data));
        }
    }

    [Fact]
    public void Update_continues_a_crc_across_chunks()
    {
        byte[] data = Encoding.UTF8.GetBytes("dedupe:{evt_2025_1001}:user123:evt_2025_1001:1728336000");
        ushort whole = Crc16.Compute(data);
        for (int split = 0; split <= data.Length; split++)
            Assert.Equal(whole, Crc16.Update(Crc16.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }
}
