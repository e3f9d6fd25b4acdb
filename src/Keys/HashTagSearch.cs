using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HashtagBench.Keys;

/// <summary>
/// Finds the hash tag of a key in one vectorised pass: every load is compared with '{' and '}' at once and the
/// positions come out of two bit masks. Keys of 8 to 64 elements (every realistic key) take two overlapping
/// vector loads of the widest fitting size, with no loop and no second search; shorter or longer keys use two
/// span IndexOf calls (themselves vectorised by the runtime).
/// </summary>
internal static class HashTagSearch
{
    /// <summary>Start and length of the part Redis hashes: the tag when there is a non-empty one, else the whole key.</summary>
    public static (int Start, int Length) HashedRange(ReadOnlySpan<char> key) =>
        HashedRange(ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(key)), key.Length);

    /// <inheritdoc cref="HashedRange(ReadOnlySpan{char})"/>
    public static (int Start, int Length) HashedRange(ReadOnlySpan<byte> key) =>
        HashedRange(ref MemoryMarshal.GetReference(key), key.Length);

    private static (int Start, int Length) HashedRange<T>(ref T p, int n) where T : unmanaged, IBinaryInteger<T>
    {
        // The combined mask has one bit per element, so the key must fit in 64 elements.
        if (n <= 64)
        {
            if (Fits(n, Vector512<T>.Count) && Vector512.IsHardwareAccelerated)
                return FromMasks(Masks512(ref p, 0), Masks512(ref p, n - Vector512<T>.Count), n - Vector512<T>.Count, n);
            if (Fits(n, Vector256<T>.Count) && Vector256.IsHardwareAccelerated)
                return FromMasks(Masks256(ref p, 0), Masks256(ref p, n - Vector256<T>.Count), n - Vector256<T>.Count, n);
            if (Fits(n, Vector128<T>.Count) && Vector128.IsHardwareAccelerated)
                return FromMasks(Masks128(ref p, 0), Masks128(ref p, n - Vector128<T>.Count), n - Vector128<T>.Count, n);
        }
        return Scalar(MemoryMarshal.CreateReadOnlySpan(ref p, n));
    }

    /// <summary>Two loads of <paramref name="lanes"/> cover the key without reading outside it.</summary>
    private static bool Fits(int n, int lanes) => n >= lanes && n <= 2 * lanes;

    /// <summary>
    /// Combines the masks of a load at 0 and a load at <paramref name="second"/> (overlapping the first when the key
    /// is shorter than two vectors; overlapping lanes agree, so OR is exact) into one mask over the whole key.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int, int) FromMasks((ulong Open, ulong Close) a, (ulong Open, ulong Close) b, int second, int n)
    {
        ulong open = a.Open | b.Open << second;
        if (open == 0) return (0, n);
        int o = BitOperations.TrailingZeroCount(open);
        // First '}' strictly after the first '{' (o < 64 here; o + 1 == 64 leaves nothing after it).
        ulong close = o == 63 ? 0 : (a.Close | b.Close << second) & (ulong.MaxValue << (o + 1));
        if (close == 0) return (0, n);
        int length = BitOperations.TrailingZeroCount(close) - o - 1;
        return length == 0 ? (0, n) : (o + 1, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong, ulong) Masks512<T>(ref T p, int offset) where T : unmanaged, IBinaryInteger<T>
    {
        Vector512<T> v = Vector512.LoadUnsafe(ref p, (nuint)offset);
        return (Vector512.Equals(v, Vector512.Create(T.CreateTruncating('{'))).ExtractMostSignificantBits(),
                Vector512.Equals(v, Vector512.Create(T.CreateTruncating('}'))).ExtractMostSignificantBits());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong, ulong) Masks256<T>(ref T p, int offset) where T : unmanaged, IBinaryInteger<T>
    {
        Vector256<T> v = Vector256.LoadUnsafe(ref p, (nuint)offset);
        return (Vector256.Equals(v, Vector256.Create(T.CreateTruncating('{'))).ExtractMostSignificantBits(),
                Vector256.Equals(v, Vector256.Create(T.CreateTruncating('}'))).ExtractMostSignificantBits());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong, ulong) Masks128<T>(ref T p, int offset) where T : unmanaged, IBinaryInteger<T>
    {
        Vector128<T> v = Vector128.LoadUnsafe(ref p, (nuint)offset);
        return (Vector128.Equals(v, Vector128.Create(T.CreateTruncating('{'))).ExtractMostSignificantBits(),
                Vector128.Equals(v, Vector128.Create(T.CreateTruncating('}'))).ExtractMostSignificantBits());
    }

    private static (int, int) Scalar<T>(ReadOnlySpan<T> key) where T : unmanaged, IBinaryInteger<T>
    {
        int open = key.IndexOf(T.CreateTruncating('{'));
        if (open < 0) return (0, key.Length);
        int close = key[(open + 1)..].IndexOf(T.CreateTruncating('}'));
        // No closing brace, or "{}": Redis hashes the whole key.
        return close <= 0 ? (0, key.Length) : (open + 1, close);
    }
}
