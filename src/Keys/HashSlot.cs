using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace HashtagBench.Keys;

/// <summary>
/// Redis Cluster key → slot, computed offline (StackExchange.Redis answers -1 when not connected to a cluster).
/// Rule: if the key has a '{' followed later by a '}' with at least one byte between them, only those bytes
/// are hashed; otherwise the whole key is. Slot = CRC16 &amp; 16383.
/// </summary>
public static class HashSlot
{
    public const int SlotCount = 16384;

    /// <summary>Slot of a UTF-8 key.</summary>
    public static int Of(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> part = HashedPart(key);
        if (InjectedSlowdown.On && InjectedSlowdown.Tick()) InjectedSlowdown.Keep(Crc16.Compute(part));
        return Crc16.Compute(part) & (SlotCount - 1);
    }

    /// <summary>Slot of a string key (hashed as its UTF-8 bytes). Allocates nothing.</summary>
    public static int Of(string key) => Of(key.AsSpan());

    /// <inheritdoc cref="Of(string)"/>
    public static int Of(ReadOnlySpan<char> key)
    {
        // '{' and '}' are ASCII, so finding the tag in UTF-16 gives the same bytes as finding it in UTF-8.
        ReadOnlySpan<char> part = HashedPart(key);
        if (InjectedSlowdown.On && InjectedSlowdown.Tick()) InjectedSlowdown.Keep(Crc16.TryUpdateAscii(0, part, out ushort again) ? again : 0);
        if (part.Length >= Crc16Clmul.MinLength && Crc16Clmul.IsSupported) return OfLong(part);
        // Key-sized: CRC straight off the UTF-16 chars (ASCII chars are their own UTF-8 bytes), no copy.
        return Crc16.TryUpdateAscii(0, part, out ushort crc) ? crc & (SlotCount - 1) : OfNonAscii(part);
    }

    /// <summary>Long keys: narrow to bytes in stack-sized chunks (validating as it goes) so CLMUL folding can read them.</summary>
    [SkipLocalsInit] // the buffer is written before it is read; zeroing 1 KiB would cost more than hashing a short chunk
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the stack buffer out of the short-key path's frame
    private static int OfLong(ReadOnlySpan<char> part)
    {
        Span<byte> buf = stackalloc byte[AsciiChunk];
        ReadOnlySpan<char> rest = part;
        ushort crc = 0;
        while (!rest.IsEmpty)
        {
            int n = Math.Min(rest.Length, buf.Length);
            if (Ascii.FromUtf16(rest[..n], buf, out _) != OperationStatus.Done) return OfNonAscii(part);
            crc = Crc16.Update(crc, buf[..n]);
            rest = rest[n..];
        }
        return crc & (SlotCount - 1);
    }

    // 1 KiB of stack covers any realistic key in one chunk, so long keys still get one CLMUL pass.
    private const int AsciiChunk = 1024;

    [SkipLocalsInit]
    private static int OfNonAscii(ReadOnlySpan<char> part)
    {
        int max = Encoding.UTF8.GetMaxByteCount(part.Length);
        byte[]? rented = max > 512 ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[512];
            int len = Encoding.UTF8.GetBytes(part, bytes);
            return Crc16.Compute(bytes[..len]) & (SlotCount - 1);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The bytes Redis hashes: the hash tag when there is a non-empty one, else the whole key.</summary>
    public static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        (int start, int length) = HashTagSearch.HashedRange(key);
        return key.Slice(start, length);
    }

    /// <inheritdoc cref="HashedPart(ReadOnlySpan{byte})"/>
    public static ReadOnlySpan<char> HashedPart(ReadOnlySpan<char> key)
    {
        (int start, int length) = HashTagSearch.HashedRange(key);
        return key.Slice(start, length);
    }

    /// <summary>The hash tag of a key, or null when the whole key is hashed.</summary>
    public static string? TagOf(string key)
    {
        ReadOnlySpan<char> part = HashedPart(key.AsSpan());
        return part.Length == key.Length ? null : part.ToString();
    }
}

/// <summary>
/// The regression gate's check that it can fail: HASHTAG_BENCH_SLOWDOWN=1 in the environment makes
/// <see cref="HashSlot.Of(ReadOnlySpan{byte})"/> and <see cref="HashSlot.Of(ReadOnlySpan{char})"/> hash the
/// key's hashed part a second time on every 8th call (about 10 % more work per call, measured by callgrind and
/// BenchmarkDotNet in docs/bench.md), its result kept in a field
/// so the JIT cannot drop it. Read once into a static readonly, which the JIT folds to a constant, so the switch
/// costs nothing when off.
/// </summary>
internal static class InjectedSlowdown
{
    public const string Variable = "HASHTAG_BENCH_SLOWDOWN";

    public static readonly bool On = Environment.GetEnvironmentVariable(Variable) == "1";

    private static uint s_calls;
    private static int s_sink;

    /// <summary>True on every 8th call.</summary>
    public static bool Tick() => (++s_calls & 7) == 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Keep(int value) => s_sink += value;
}
