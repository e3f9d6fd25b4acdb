using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HashtagBench.Keys;

/// <summary>
/// CRC16/XMODEM by carry-less-multiply folding (PCLMULQDQ), for long inputs.
/// The CRC is M(x)·x^16 mod P. Reading a 16-byte block as a big-endian 128-bit polynomial A followed by R more
/// bits, A·x^(128+R) ≡ (A_hi·(x^192 mod P) + A_lo·(x^128 mod P))·x^R, so each block is folded into the next
/// with two 64×16-bit carry-less products. What is left (one 16-byte accumulator and a short tail) goes through
/// slicing-by-16. Four accumulators run side by side so the multiplier's latency overlaps.
/// </summary>
internal static class Crc16Clmul
{
    /// <summary>
    /// Shortest input worth folding: below it, setting up and draining the accumulators costs more than
    /// slicing-by-16 saves (see the Crc16 benchmarks: 39- and 55-byte keys stay on slicing-by-16).
    /// </summary>
    public const int MinLength = 128;

    public static bool IsSupported => Pclmulqdq.IsSupported && Ssse3.IsSupported;

    // Fold constants: the low lane multiplies the low 64 bits, the high lane the high 64 bits.
    private static readonly Vector128<ulong> Fold128 = Keys(128), Fold256 = Keys(256), Fold384 = Keys(384), Fold512 = Keys(512);
    private static readonly Vector128<byte> ReverseBytes = Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    /// <summary>CRC of data (any length; falls back to slicing-by-16 when CLMUL is absent or the input is short).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Update(0, data);

    /// <inheritdoc cref="Crc16.Update"/>
    [SkipLocalsInit]
    public static ushort Update(ushort crc, ReadOnlySpan<byte> data)
    {
        if (!IsSupported || data.Length < 16) return Crc16.UpdateSliced(crc, data);

        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length, i;
        // A running CRC enters the message as an xor into its first 16 bits.
        Vector128<ulong> acc = Load(ref p, 0) ^ Vector128.Create(0UL, (ulong)crc << 48);
        if (n >= 64)
        {
            Vector128<ulong> a1 = Load(ref p, 16), a2 = Load(ref p, 32), a3 = Load(ref p, 48);
            for (i = 64; i + 64 <= n; i += 64)
            {
                acc = Fold(acc, Fold512) ^ Load(ref p, i);
                a1 = Fold(a1, Fold512) ^ Load(ref p, i + 16);
                a2 = Fold(a2, Fold512) ^ Load(ref p, i + 32);
                a3 = Fold(a3, Fold512) ^ Load(ref p, i + 48);
            }
            acc = Fold(acc, Fold384) ^ Fold(a1, Fold256) ^ Fold(a2, Fold128) ^ a3;
        }
        else
        {
            i = 16;
        }
        for (; i + 16 <= n; i += 16)
            acc = Fold(acc, Fold128) ^ Load(ref p, i);

        // The accumulator is a 128-bit message congruent to everything folded so far: hash its bytes, then the tail.
        Span<byte> rest = stackalloc byte[16];
        Ssse3.Shuffle(acc.AsByte(), ReverseBytes).CopyTo(rest);
        return Crc16.UpdateSliced(Crc16.UpdateSliced(0, rest), data[i..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load(ref byte p, int offset) =>
        Ssse3.Shuffle(Vector128.LoadUnsafe(ref p, (nuint)offset), ReverseBytes).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> a, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(a, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(a, k, 0x11);

    private static Vector128<ulong> Keys(int bits) => Vector128.Create(XPowMod(bits), XPowMod(bits + 64));

    /// <summary>x^n mod P (P = x^16 + 0x1021), as a 16-bit polynomial.</summary>
    public static ulong XPowMod(int n)
    {
        uint r = 1;
        for (int k = 0; k < n; k++)
        {
            r <<= 1;
            if ((r & 0x10000) != 0) r ^= 0x10000 | Crc16.Polynomial;
        }
        return r;
    }
}
