using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace HashtagBench.Keys;

/// <summary>A join's two keys as UTF-8 bytes (StackExchange.Redis takes a byte[] as a RedisKey without re-encoding).</summary>
public readonly record struct Utf8JoinKeys(byte[] DedupeKey, byte[] StreamKey);

/// <summary>
/// Zero-allocation key formatting: writes the keys of a <see cref="KeyStrategy"/> as UTF-8 into a caller's or a
/// stack buffer, byte for byte the same as the strategy's strings encoded as UTF-8. A key made
/// here allocates only its final byte array (an interpolated key allocates a UTF-16 string, twice the bytes, that
/// StackExchange.Redis then encodes again on every send).
/// </summary>
public sealed class KeyWriter
{
    /// <summary>
    /// Longest key any layout produces from IDs that pass <see cref="KeyInput.Validate"/> (≤ 200 UTF-8 bytes
    /// each, two IDs per key, plus literals and a bucket number), rounded up: keys of validated IDs always fit.
    /// </summary>
    public const int MaxValidatedKeyBytes = 512;

    private readonly KeyLayout _dedupe, _stream;

    private KeyWriter(KeyStrategy strategy)
    {
        Strategy = strategy;
        _dedupe = strategy.DedupeLayout;
        _stream = strategy.StreamLayout;
    }

    public KeyStrategy Strategy { get; }

    /// <summary>The writer for a strategy's layouts. Resolve it once and reuse it: it holds no per-call state.</summary>
    public static KeyWriter For(KeyStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new(strategy);
    }

    /// <summary>Validates the IDs exactly as <see cref="KeyStrategy.Keys"/> does, then builds both keys.</summary>
    public Utf8JoinKeys Keys(string eventId, string userId, string idempotencyKey)
    {
        KeyInput.Validate(eventId, nameof(eventId));
        KeyInput.Validate(userId, nameof(userId));
        KeyInput.Validate(idempotencyKey, nameof(idempotencyKey));
        int bucket = _stream.BucketOf(userId);
        return new(ToKey(_dedupe, eventId, userId, idempotencyKey, bucket), ToKey(_stream, eventId, userId, idempotencyKey, bucket));
    }

    /// <summary>The dedupe key, without validating the IDs. Allocates only the key's bytes.</summary>
    public byte[] DedupeKey(string eventId, string userId, string idempotencyKey) =>
        ToKey(_dedupe, eventId, userId, idempotencyKey, _dedupe.BucketOf(userId));

    /// <summary>The stream key, without validating the IDs. Allocates only the key's bytes.</summary>
    public byte[] StreamKey(string eventId, string userId, string idempotencyKey) =>
        ToKey(_stream, eventId, userId, idempotencyKey, _stream.BucketOf(userId));

    /// <summary>Writes the dedupe key as UTF-8; false when <paramref name="destination"/> is too small.</summary>
    public bool TryWriteDedupeKey(string eventId, string userId, string idempotencyKey, Span<byte> destination, out int written) =>
        TryWrite(_dedupe.Utf8Parts, eventId, userId, idempotencyKey, _dedupe.BucketOf(userId), destination, scratch: false, out written);

    /// <summary>Writes the stream key as UTF-8; false when <paramref name="destination"/> is too small.</summary>
    public bool TryWriteStreamKey(string eventId, string userId, string idempotencyKey, Span<byte> destination, out int written) =>
        TryWrite(_stream.Utf8Parts, eventId, userId, idempotencyKey, _stream.BucketOf(userId), destination, scratch: false, out written);

    [SkipLocalsInit]
    private static byte[] ToKey(KeyLayout layout, string e, string u, string k, int bucket)
    {
        KeyLayout.Utf8Part[] parts = layout.Utf8Parts;
        Span<byte> stack = stackalloc byte[MaxValidatedKeyBytes];
        if (TryWrite(parts, e, u, k, bucket, stack, scratch: true, out int n)) return stack[..n].ToArray();

        // Unvalidated, very long IDs: size a pooled buffer for the worst case (3 UTF-8 bytes per UTF-16 char).
        byte[] rented = ArrayPool<byte>.Shared.Rent(64 + Encoding.UTF8.GetMaxByteCount(e.Length + u.Length + k.Length)
            + parts.Sum(p => p.Literal.Length));
        try
        {
            if (!TryWrite(parts, e, u, k, bucket, rented, scratch: true, out n)) throw new InvalidOperationException("A worst-case sized key buffer was too small.");
            return rented.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // Walks the same parts KeyStrategy.Keys formats into a string. Each Put advances n and answers false when the
    // part did not fit, which stops the walk. With scratch, d is our own buffer and bytes past the key may be written.
    private static bool TryWrite(KeyLayout.Utf8Part[] parts, string e, string u, string k, int bucket, Span<byte> d, bool scratch, out int n)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(k);
        n = 0;
        foreach (ref readonly KeyLayout.Utf8Part p in parts.AsSpan())
        {
            bool fitted = p.Kind switch
            {
                KeyPartKind.Literal => scratch ? PutPadded(in p, d, ref n) : Put(p.Literal, d, ref n),
                KeyPartKind.EventId => Put(e, d, ref n),
                KeyPartKind.UserId => Put(u, d, ref n),
                KeyPartKind.IdempotencyKey => Put(k, d, ref n),
                _ => Put(bucket, d, ref n),
            };
            if (!fitted) return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PutPadded(in KeyLayout.Utf8Part literal, Span<byte> d, ref int n)
    {
        // Short literals (all of ours) with 16 bytes of room: one unaligned vector store; the padding past the
        // literal is overwritten by the next part or lies beyond the key, in a buffer that is ours.
        if (literal.IsShort && d.Length - n >= Vector128<byte>.Count)
        {
            literal.Short.StoreUnsafe(ref MemoryMarshal.GetReference(d), (nuint)n);
            n += literal.Literal.Length;
            return true;
        }
        return Put(literal.Literal, d, ref n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Put(ReadOnlySpan<byte> literal, Span<byte> d, ref int n)
    {
        if (!literal.TryCopyTo(d[n..])) return false;
        n += literal.Length;
        return true;
    }

    private static bool Put(string s, Span<byte> d, ref int n)
    {
        Span<byte> free = d[n..];
        if (s.Length <= free.Length && TryNarrowAscii(s, free))
        {
            n += s.Length;
            return true;
        }
        // Not all ASCII (or no room): the UTF-8 encoder decides, and reports a short buffer.
        if (!Encoding.UTF8.TryGetBytes(s, free, out int written)) return false;
        n += written;
        return true;
    }

    private static bool Put(int value, Span<byte> d, ref int n)
    {
        if (!value.TryFormat(d[n..], out int written, default, CultureInfo.InvariantCulture)) return false;
        n += written;
        return true;
    }

    /// <summary>
    /// Narrows an all-ASCII string into <paramref name="dst"/> (at least as long) with at most two overlapping
    /// vector loads per 16 chars: IDs are short, and a general transcoder's set-up costs more than the copy.
    /// False, with <paramref name="dst"/> partly written, when a char is not ASCII.
    /// </summary>
    private static bool TryNarrowAscii(ReadOnlySpan<char> src, Span<byte> dst)
    {
        ref ushort s = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(src));
        ref byte d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length;
        if (n >= 16 && Vector128.IsHardwareAccelerated)
        {
            Vector128<ushort> seen = Vector128<ushort>.Zero;
            for (int i = 0; ; i += 16)
            {
                // The last block overlaps the one before instead of running a scalar tail.
                if (i > n - 16) i = n - 16;
                Vector128<ushort> a = Vector128.LoadUnsafe(ref s, (nuint)i), b = Vector128.LoadUnsafe(ref s, (nuint)i + 8);
                seen |= a | b;
                Vector128.Narrow(a, b).StoreUnsafe(ref d, (nuint)i);
                if (i == n - 16) break;
            }
            return (seen & Vector128.Create((ushort)0xFF80)) == Vector128<ushort>.Zero;
        }
        if (n >= 8 && Vector128.IsHardwareAccelerated)
        {
            Vector128<ushort> a = Vector128.LoadUnsafe(ref s), b = Vector128.LoadUnsafe(ref s, (nuint)(n - 8));
            Unsafe.WriteUnaligned(ref d, Vector128.Narrow(a, a).AsUInt64().ToScalar());
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, n - 8), Vector128.Narrow(b, b).AsUInt64().ToScalar());
            return ((a | b) & Vector128.Create((ushort)0xFF80)) == Vector128<ushort>.Zero;
        }
        uint or = 0;
        for (int i = 0; i < n; i++)
        {
            uint c = Unsafe.Add(ref s, i);
            or |= c;
            Unsafe.Add(ref d, i) = (byte)c;
        }
        return or < 0x80;
    }
}
