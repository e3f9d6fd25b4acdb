namespace HashtagBench.ClusterSim;

/// <summary>
/// SplitMix64: one add and two multiply-xorshifts per draw. Statistically fine for Monte Carlo counting, seedable,
/// and several times faster than System.Random, which matters at 10M draws per seed.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n) by multiply-shift (Lemire) on the top 32 bits; n ≤ 2^31.</summary>
    public int NextInt(int n) => (int)(((Next() >> 32) * (ulong)n) >> 32);

    /// <summary>A well-mixed 64-bit value from two inputs (seed, index): independent streams per seed and item.</summary>
    public static ulong Mix(ulong a, ulong b) => new SplitMix64(a ^ (b * 0xD1B54A32D192ED03UL) ^ 0x632BE59BD9B4E019UL).Next();
}

/// <summary>Vose's alias table: O(1) draws from a discrete distribution with one 64-bit random number.</summary>
internal sealed class AliasTable
{
    private readonly uint[] _threshold;
    private readonly int[] _alias;

    public AliasTable(ReadOnlySpan<double> weights)
    {
        int n = weights.Length;
        _threshold = new uint[n];
        _alias = new int[n];
        double sum = 0;
        foreach (double w in weights) sum += w;
        var scaled = new double[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = 0; i < n; i++)
        {
            scaled[i] = weights[i] * n / sum;
            (scaled[i] < 1 ? small : large).Push(i);
        }
        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Peek();
            SetColumn(s, scaled[s], l);
            scaled[l] -= 1 - scaled[s];
            if (scaled[l] < 1) small.Push(large.Pop());
        }
        // Leftovers are 1 up to rounding: full columns that never take their alias.
        foreach (int i in small.Concat(large)) SetColumn(i, 1, i);
    }

    public int Count => _alias.Length;

    /// <summary>Top 32 bits pick the column, low 32 bits decide column or alias.</summary>
    public int Sample(ulong r)
    {
        int i = (int)(((r >> 32) * (ulong)_alias.Length) >> 32);
        return (uint)r < _threshold[i] ? i : _alias[i];
    }

    private void SetColumn(int i, double p, int alias)
    {
        _threshold[i] = p >= 1 ? uint.MaxValue : (uint)(p * 4294967296.0);
        _alias[i] = p >= 1 ? i : alias;
    }
}

/// <summary>Random-looking IDs ("evt-k3j9x2m1qz7a"): CRC16 is linear, so sequential IDs would give structured, not random, slots.</summary>
internal static class IdGen
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    private const int Length = 12;

    public static string Of(string prefix, ulong bits) => string.Create(prefix.Length + Length, (prefix, bits), static (span, st) =>
    {
        st.prefix.AsSpan().CopyTo(span);
        ulong b = st.bits;
        for (int i = st.prefix.Length; i < span.Length; i++)
        {
            span[i] = Alphabet[(int)(b % 36)];
            b /= 36;
        }
    });
}
