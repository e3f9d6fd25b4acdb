namespace HashtagBench.Keys;

/// <summary>Slower CRC variants kept as references for tests and benchmarks.</summary>
internal static partial class Crc16
{
    /// <summary>Single-table (Sarwate) CRC: one lookup per byte. Kept for benchmarks.</summary>
    internal static ushort ComputeTable(ReadOnlySpan<byte> data)
    {
        ushort[] t = Tables;
        uint c = 0;
        foreach (byte b in data)
            c = (ushort)((c << 8) ^ t[((c >> 8) ^ b) & 0xFF]);
        return (ushort)c;
    }

    /// <summary>Bit-at-a-time reference implementation: the spec, written out. Kept for tests and benchmarks.</summary>
    internal static ushort ComputeBitwise(ReadOnlySpan<byte> data)
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
}
