using BenchmarkDotNet.Attributes;
using HashtagBench.Keys;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace HashtagBench.Bench;

/// <summary>
/// Suite 1: key → slot. Baseline: StackExchange.Redis's own HashSlot, connected to a local cluster (it answers -1
/// without one). Against it: the naive bitwise CRC, the single-table CRC, slicing-by-16 and CLMUL folding (each fed
/// by a plain UTF-8 encode of the whole key), our production string path, and the production path on UTF-8 bytes.
/// </summary>
public class SlotBenchmarks
{
    private BenchCluster? _cluster;
    private string _key = "";
    private byte[] _utf8 = [];

    public static IEnumerable<Named<string>> Keys =>
    [
        new("untagged-39B", SampleKeys.Untagged39),
        new("tagged-55B", SampleKeys.Tagged55),
        new("untagged-1KiB", SampleKeys.Untagged1KiB),
    ];

    [ParamsSource(nameof(Keys))]
    public Named<string> Key { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = Key.Value;
        _utf8 = Encoding.UTF8.GetBytes(_key);
        // Every variant must agree before any of them is timed.
        int expected = HashSlot.Of(_utf8);
        int[] got = [Bitwise(), Table(), Sliced16(), Clmul(), Ours(), OursUtf8()];
        if (got.Any(s => s != expected)) throw new InvalidOperationException($"Slot variants disagree on {Key}: {string.Join(",", got)} vs {expected}.");
    }

    [GlobalSetup(Target = nameof(StackExchangeRedis))]
    public async Task SetupCluster()
    {
        Setup();
        _cluster = await BenchCluster.StartAsync();
        if (StackExchangeRedis() != HashSlot.Of(_utf8))
            throw new InvalidOperationException($"StackExchange.Redis gives slot {StackExchangeRedis()} for {Key}, we give {HashSlot.Of(_utf8)}.");
    }

    [GlobalCleanup(Target = nameof(StackExchangeRedis))]
    public async Task CleanupCluster()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public int StackExchangeRedis() => _cluster!.Mux.HashSlot(_key);

    [Benchmark]
    public int Bitwise() => Utf8Slot.Of<BitwiseCrc>(_key);

    [Benchmark]
    public int Table() => Utf8Slot.Of<TableCrc>(_key);

    [Benchmark]
    public int Sliced16() => Utf8Slot.Of<SlicedCrc>(_key);

    [Benchmark]
    public int Clmul() => Utf8Slot.Of<ClmulCrc>(_key);

    /// <summary>Production: HashSlot.Of(string), vectorised brace search and ASCII narrowing, CRC picked by length.</summary>
    [Benchmark]
    public int Ours() => HashSlot.Of(_key);

    /// <summary>Production on a key that is already UTF-8 (what KeyWriter makes): no narrowing at all.</summary>
    [Benchmark]
    public int OursUtf8() => HashSlot.Of(_utf8);
}

/// <summary>A CRC16 variant, as a type so the generic slot helper calls it without a delegate.</summary>
public interface ICrc16Variant
{
    static abstract ushort Compute(ReadOnlySpan<byte> data);
}

public readonly struct BitwiseCrc : ICrc16Variant { public static ushort Compute(ReadOnlySpan<byte> data) => Crc16.ComputeBitwise(data); }
public readonly struct TableCrc : ICrc16Variant { public static ushort Compute(ReadOnlySpan<byte> data) => Crc16.ComputeTable(data); }
public readonly struct SlicedCrc : ICrc16Variant { public static ushort Compute(ReadOnlySpan<byte> data) => Crc16.ComputeSliced(data); }
public readonly struct ClmulCrc : ICrc16Variant { public static ushort Compute(ReadOnlySpan<byte> data) => Crc16Clmul.Compute(data); }

/// <summary>The straightforward slot function: encode the whole key as UTF-8, find the tag in the bytes, CRC it.</summary>
public static class Utf8Slot
{
    [SkipLocalsInit]
    public static int Of<TCrc>(string key) where TCrc : ICrc16Variant
    {
        int length = Encoding.UTF8.GetByteCount(key);
        byte[]? rented = length > 2048 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> buf = rented ?? stackalloc byte[2048];
        int n = Encoding.UTF8.GetBytes(key, buf);
        int slot = TCrc.Compute(HashSlot.HashedPart(buf[..n])) & (HashSlot.SlotCount - 1);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        return slot;
    }
}
