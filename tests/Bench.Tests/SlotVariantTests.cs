using HashtagBench.Keys;
using System.Text;

namespace HashtagBench.Bench.Tests;

/// <summary>The benchmark-only CRC variants compute the production slot.</summary>
public sealed class SlotVariantTests
{
    [Theory]
    [InlineData("dedupe:user123:evt_2025_1001:1728336000")]
    [InlineData("dedupe:{evt_2025_1001}:user123:evt_2025_1001:1728336000")]
    [InlineData("ключ:{событие}:😀")]
    [InlineData("{}")]
    [InlineData("")]
    public void Benchmark_slot_variants_agree_with_production(string key)
    {
        int expected = HashSlot.Of(key);
        Assert.Equal(expected, Utf8Slot.Of<BitwiseCrc>(key));
        Assert.Equal(expected, Utf8Slot.Of<TableCrc>(key));
        Assert.Equal(expected, Utf8Slot.Of<SlicedCrc>(key));
        Assert.Equal(expected, Utf8Slot.Of<ClmulCrc>(key));
    }

    [Fact]
    public void Benchmark_slot_variants_agree_on_the_1KiB_key()
    {
        string key = SampleKeys.Untagged1KiB;
        int expected = Crc16.ComputeBitwise(Encoding.UTF8.GetBytes(key)) & 16383;
        Assert.Equal(expected, HashSlot.Of(key));
        Assert.Equal(expected, Utf8Slot.Of<TableCrc>(key));
        Assert.Equal(expected, Utf8Slot.Of<ClmulCrc>(key));
    }
}
