using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HashtagBench.Keys;

/// <summary>Slicing-by-16: the CRC for key-sized inputs, and the ASCII-from-UTF-16 path.</summary>
internal static partial class Crc16
{
    private const int Slices = 16;

    // Slicing tables: Tables[0] is the classic byte table; Tables[k][b] is the CRC of byte b followed by k zero
    // bytes. The CRC is linear, so k+1 input bytes fold in with k+1 independent lookups (8 KiB: fits in L1).
    private static readonly ushort[] Tables = BuildTables();

    /// <summary>Slicing-by-16 on any CPU: the fastest for key-sized inputs.</summary>
    internal static ushort ComputeSliced(ReadOnlySpan<byte> data) => UpdateSliced(0, data);

    /// <inheritdoc cref="Update"/>
    internal static ushort UpdateSliced(ushort crc, ReadOnlySpan<byte> data) =>
        (ushort)Sliced(crc, ref MemoryMarshal.GetReference(data), data.Length, out _);

    /// <summary>
    /// CRC of the UTF-8 bytes of <paramref name="chars"/> when every char is ASCII (each char is then its own
    /// byte), read straight from the UTF-16 string with no narrowing copy. False when a char is not ASCII.
    /// </summary>
    internal static bool TryUpdateAscii(ushort crc, ReadOnlySpan<char> chars, out ushort result)
    {
        result = (ushort)Sliced(crc, ref MemoryMarshal.GetReference(chars), chars.Length, out uint seen);
        return seen < 0x80;
    }

    /// <summary>
    /// Slicing-by-16 over bytes or chars (T is byte or char; the JIT compiles one copy each). Every block and the
    /// tail cost one dependent step: the lookups for bytes 2.. do not depend on the running CRC, so they overlap
    /// the previous step, and only the first two bytes wait for it. <paramref name="seen"/> ORs every element, so
    /// callers reading chars can tell whether all were ASCII.
    /// </summary>
    private static uint Sliced<T>(uint c, ref T p, nint n, out uint seen) where T : unmanaged
    {
        ref ushort t = ref MemoryMarshal.GetArrayDataReference(Tables);
        uint or = 0;
        nint i = 0;
        for (; i + Slices <= n; i += Slices)
        {
            uint b2 = At(ref p, i + 2), b3 = At(ref p, i + 3), b4 = At(ref p, i + 4), b5 = At(ref p, i + 5),
                b6 = At(ref p, i + 6), b7 = At(ref p, i + 7), b8 = At(ref p, i + 8), b9 = At(ref p, i + 9),
                b10 = At(ref p, i + 10), b11 = At(ref p, i + 11), b12 = At(ref p, i + 12), b13 = At(ref p, i + 13),
                b14 = At(ref p, i + 14), b15 = At(ref p, i + 15);
            uint rest = Lookup(ref t, 13, b2) ^ Lookup(ref t, 12, b3) ^ Lookup(ref t, 11, b4) ^ Lookup(ref t, 10, b5)
                ^ Lookup(ref t, 9, b6) ^ Lookup(ref t, 8, b7) ^ Lookup(ref t, 7, b8) ^ Lookup(ref t, 6, b9)
                ^ Lookup(ref t, 5, b10) ^ Lookup(ref t, 4, b11) ^ Lookup(ref t, 3, b12) ^ Lookup(ref t, 2, b13)
                ^ Lookup(ref t, 1, b14) ^ Lookup(ref t, 0, b15);
            uint b0 = At(ref p, i), b1 = At(ref p, i + 1);
            or |= b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7 | b8 | b9 | b10 | b11 | b12 | b13 | b14 | b15;
            // Big-endian CRC: the running CRC is xored into the first two bytes of the block.
            c = rest ^ Lookup(ref t, 15, (b0 ^ (c >> 8)) & 0xFF) ^ Lookup(ref t, 14, (b1 ^ c) & 0xFF);
        }

        int tail = (int)(n - i);
        if (tail == 1)
        {
            uint b = At(ref p, i);
            or |= b;
            c = (c << 8 ^ Lookup(ref t, 0, ((c >> 8) ^ b) & 0xFF)) & 0xFFFF;
        }
        else if (tail > 1)
        {
            // The same step for a block of 2..15 bytes. Counted from the end, the k-th last byte always uses
            // table k, so the bytes that do not meet the running CRC are one unrolled fall-through, no loop.
            uint rest = 0;
            switch (tail)
            {
                case 15: rest ^= Tail(ref t, ref p, n, 12, ref or); goto case 14;
                case 14: rest ^= Tail(ref t, ref p, n, 11, ref or); goto case 13;
                case 13: rest ^= Tail(ref t, ref p, n, 10, ref or); goto case 12;
                case 12: rest ^= Tail(ref t, ref p, n, 9, ref or); goto case 11;
                case 11: rest ^= Tail(ref t, ref p, n, 8, ref or); goto case 10;
                case 10: rest ^= Tail(ref t, ref p, n, 7, ref or); goto case 9;
                case 9: rest ^= Tail(ref t, ref p, n, 6, ref or); goto case 8;
                case 8: rest ^= Tail(ref t, ref p, n, 5, ref or); goto case 7;
                case 7: rest ^= Tail(ref t, ref p, n, 4, ref or); goto case 6;
                case 6: rest ^= Tail(ref t, ref p, n, 3, ref or); goto case 5;
                case 5: rest ^= Tail(ref t, ref p, n, 2, ref or); goto case 4;
                case 4: rest ^= Tail(ref t, ref p, n, 1, ref or); goto case 3;
                case 3: rest ^= Tail(ref t, ref p, n, 0, ref or); goto case 2;
                case 2: break;
            }
            uint b0 = At(ref p, i), b1 = At(ref p, i + 1);
            or |= b0 | b1;
            c = rest ^ Lookup(ref t, tail - 1, (b0 ^ (c >> 8)) & 0xFF) ^ Lookup(ref t, tail - 2, (b1 ^ c) & 0xFF);
        }
        seen = or;
        return c;
    }

    /// <summary>Table <paramref name="k"/> applied to the k-th last element (k = 0 is the last).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Tail<T>(ref ushort t, ref T p, nint n, int k, ref uint or) where T : unmanaged
    {
        uint b = At(ref p, n - 1 - k);
        or |= b;
        return Lookup(ref t, k, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint At<T>(ref T p, nint i) where T : unmanaged =>
        typeof(T) == typeof(byte) ? Unsafe.As<T, byte>(ref Unsafe.Add(ref p, i)) : Unsafe.As<T, char>(ref Unsafe.Add(ref p, i));

    // Chars above 0xFF only reach here on the ASCII path, which discards the result; masking keeps the read in bounds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Lookup(ref ushort t, int table, uint b) => Unsafe.Add(ref t, table * 256 + (nint)(b & 0xFF));

    private static ushort[] BuildTables()
    {
        var t = new ushort[Slices * 256];
        for (int b = 0; b < 256; b++)
            t[b] = ComputeBitwise([(byte)b]);
        for (int k = 1; k < Slices; k++)
            for (int b = 0; b < 256; b++)
            {
                ushort prev = t[(k - 1) * 256 + b];
                // Append one zero byte to the message whose CRC is prev.
                t[k * 256 + b] = (ushort)((prev << 8) ^ t[prev >> 8]);
            }
        return t;
    }
}
