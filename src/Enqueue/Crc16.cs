using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HashtagBench.Enqueue;

/// <summary>
/// CRC16/XMODEM (poly 0x1021, init 0, no reflection, no final xor): the CRC Redis Cluster
/// uses for key slots. Check value: CRC16("123456789") = 0x31C3.
/// </summary>
public static class Crc16
{
    public const ushort Polynomial = 0x1021;

    // Slicing-by-8 tables: Tables[0] is the classic byte table; Tables[k][b] is the CRC of
    // byte b followed by k zero bytes, so 8 input bytes fold in with 8 independent lookups.
    private static readonly ushort[] Tables = BuildTables();

    /// <summary>The production CRC: slicing-by-8 with a table-driven tail.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Update(0, data);

    /// <summary>Continues a CRC over more data (CRC of a ‖ b = Update(Compute(a), b)).</summary>
    public static ushort Update(ushort crc, ReadOnlySpan<byte> data)
    {
        ref ushort t = ref MemoryMarshal.GetArrayDataReference(Tables);
        ref byte p = ref MemoryMarshal.GetReference(data);
        nint i = 0, n = data.Length;
        uint c = crc;
        for (; i + 8 <= n; i += 8)
        {
            // Big-endian CRC: the current CRC is xored into the first two bytes of the block.
            uint b0 = Unsafe.Add(ref p, i) ^ (c >> 8);
            uint b1 = Unsafe.Add(ref p, i + 1) ^ (c & 0xFF);
            c = (uint)(Unsafe.Add(ref t, 7 * 256 + (nint)b0)
                ^ Unsafe.Add(ref t, 6 * 256 + (nint)b1)
                ^ Unsafe.Add(ref t, 5 * 256 + (nint)Unsafe.Add(ref p, i + 2))
                ^ Unsafe.Add(ref t, 4 * 256 + (nint)Unsafe.Add(ref p, i + 3))
                ^ Unsafe.Add(ref t, 3 * 256 + (nint)Unsafe.Add(ref p, i + 4))
                ^ Unsafe.Add(ref t, 2 * 256 + (nint)Unsafe.Add(ref p, i + 5))
                ^ Unsafe.Add(ref t, 1 * 256 + (nint)Unsafe.Add(ref p, i + 6))
                ^ Unsafe.Add(ref t, (nint)Unsafe.Add(ref p, i + 7)));
        }
        for (; i < n; i++)
            c = (ushort)((c << 8) ^ Unsafe.Add(ref t, (nint)(((c >> 8) ^ Unsafe.Add(ref p, i)) & 0xFF)));
        return (ushort)c;
    }

    /// <summary>Single-table (Sarwate) CRC: one lookup per byte. Kept for benchmarks.</summary>
    public static ushort ComputeTable(ReadOnlySpan<byte> data)
    {
        ushort[] t = Tables;
        uint c = 0;
        foreach (byte b in data)
            c = (ushort)((c << 8) ^ t[((c >> 8) ^ b) & 0xFF]);
        return (ushort)c;
    }

    /// <summary>Bit-at-a-time reference implementation: the spec, written out. Kept for tests and benchmarks.</summary>
    public static ushort ComputeBitwise(ReadOnlySpan<byte> data)
    {
        int crc = 0;
        foreach (byte b in data)
        {
            crc ^= b << 8;
            for (int k = 0; k < 8; k++)
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ Polynomial : crc << 1;
        }
        return (ushort)crc;
    }

    private static ushort[] BuildTables()
    {
        var t = new ushort[8 * 256];
        for (int b = 0; b < 256; b++)
            t[b] = ComputeBitwise([(byte)b]);
        for (int k = 1; k < 8; k++)
            for (int b = 0; b < 256; b++)
            {
                ushort prev = t[(k - 1) * 256 + b];
                // Append one zero byte to the message whose CRC is prev.
                t[k * 256 + b] = (ushort)((prev << 8) ^ t[prev >> 8]);
            }
        return t;
    }
}
