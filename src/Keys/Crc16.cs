namespace HashtagBench.Keys;

/// <summary>
/// CRC16/XMODEM (poly 0x1021, init 0, no reflection, no final xor): the CRC Redis Cluster
/// uses for key slots. Check value: CRC16("123456789") = 0x31C3. The public surface is this file; the slicing
/// tables, the CLMUL path and the reference variants the benchmarks compare are internal partials.
/// </summary>
internal static partial class Crc16
{
    public const ushort Polynomial = 0x1021;

    /// <summary>The production CRC: carry-less-multiply folding for long inputs where the CPU has it, else slicing-by-16.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Update(0, data);

    /// <summary>Continues a CRC over more data (CRC of a ‖ b = Update(Compute(a), b)).</summary>
    public static ushort Update(ushort crc, ReadOnlySpan<byte> data) =>
        data.Length >= Crc16Clmul.MinLength && Crc16Clmul.IsSupported ? Crc16Clmul.Update(crc, data) : UpdateSliced(crc, data);
}
