using System.Buffers;
using System.Text;

namespace HashtagBench.Enqueue;

/// <summary>
/// Redis Cluster key → slot, computed offline (StackExchange.Redis answers -1 when not connected to a cluster).
/// Rule: if the key has a '{' followed later by a '}' with at least one byte between them, only those bytes
/// are hashed; otherwise the whole key is. Slot = CRC16 &amp; 16383.
/// </summary>
public static class HashSlot
{
    public const int SlotCount = 16384;

    /// <summary>Slot of a UTF-8 key.</summary>
    public static int Of(ReadOnlySpan<byte> key) => Crc16.Compute(HashedPart(key)) & (SlotCount - 1);

    /// <summary>Slot of a string key (hashed as its UTF-8 bytes). Allocates nothing.</summary>
    public static int Of(string key) => Of(key.AsSpan());

    /// <inheritdoc cref="Of(string)"/>
    public static int Of(ReadOnlySpan<char> key)
    {
        // '{' and '}' are ASCII, so finding the tag in UTF-16 gives the same bytes as finding it in UTF-8.
        ReadOnlySpan<char> part = HashedPart(key);
        if (Ascii.IsValid(part))
        {
            // Fast path: ASCII chars are their own UTF-8 bytes; narrow in stack-sized chunks.
            Span<byte> buf = stackalloc byte[256];
            ushort crc = 0;
            while (!part.IsEmpty)
            {
                int n = Math.Min(part.Length, buf.Length);
                Ascii.FromUtf16(part[..n], buf, out _);
                crc = Crc16.Update(crc, buf[..n]);
                part = part[n..];
            }
            return crc & (SlotCount - 1);
        }
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
        int open = key.IndexOf((byte)'{');
        if (open < 0) return key;
        int close = key[(open + 1)..].IndexOf((byte)'}');
        // No closing brace, or "{}": Redis hashes the whole key.
        return close <= 0 ? key : key.Slice(open + 1, close);
    }

    /// <inheritdoc cref="HashedPart(ReadOnlySpan{byte})"/>
    public static ReadOnlySpan<char> HashedPart(ReadOnlySpan<char> key)
    {
        int open = key.IndexOf('{');
        if (open < 0) return key;
        int close = key[(open + 1)..].IndexOf('}');
        return close <= 0 ? key : key.Slice(open + 1, close);
    }

    /// <summary>The hash tag of a key, or null when the whole key is hashed.</summary>
    public static string? TagOf(string key)
    {
        ReadOnlySpan<char> part = HashedPart(key.AsSpan());
        return part.Length == key.Length ? null : part.ToString();
    }
}
