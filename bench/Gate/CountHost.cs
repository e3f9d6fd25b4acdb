using System.Runtime.InteropServices;
using System.Text.Json;

namespace HashtagBench.Bench.Gate;

/// <summary>What the count host ran, in order, so the parent can map callgrind's dumps to ops.</summary>
internal sealed record CountManifest(int Warmup, int N1, int N2, int Reps, IReadOnlyList<CountManifestOp> Ops);

internal sealed record CountManifestOp(string Name, int N1, int N2);

/// <summary>
/// <c>count</c>: the process callgrind runs. For each op: a warm-up (every method JIT'd, statics and pools set up),
/// then an N1-iteration loop and an N2-iteration loop, each between two calls of libc's getppid(), which callgrind
/// is told to dump before (<c>--dump-before=getppid</c>): every dump holds the instructions since the previous
/// one, so one process yields every op's loop counts, and (I(N2) - I(N1)) / (N2 - N1) cancels the marker, the
/// loop set-up and anything else constant. Each pair runs <c>reps</c> times and the parent takes the smallest count
/// of each length: another runtime thread (finalizer, start-up work) only ever adds instructions to a segment. A GC runs between segments (outside them), and the gen0 budget the
/// gate sets is larger than any loop allocates, so no collection lands inside a counted loop. Run natively it does
/// the same work (the markers cost nothing), which is how the tests check it.
/// </summary>
internal static partial class CountHost
{
    public const string Verb = "count";

    /// <summary>Dumps before the first op: the start-up segment.</summary>
    public const int LeadingDumps = 1;

    /// <summary>Dumps per repetition of an op: warm-up or GC, N1 loop, GC, N2 loop.</summary>
    public const int DumpsPerRep = 4;

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();

    /// <summary>count --manifest FILE [--warmup W] [--n1 N] [--n2 N] [--reps R] [--filter GLOB...]</summary>
    public static int Run(string[] args)
    {
        try { return Count(args); }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return Contracts.ExitCodes.BadInput;
        }
    }

    private static int Count(string[] args)
    {
        string? manifest = null;
        int warmup = 200, n1 = 1_000, n2 = 3_000, reps = 4;
        var filters = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--manifest": manifest = Next(); break;
                case "--warmup": warmup = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--n1": n1 = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--n2": n2 = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--filter":
                    while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) filters.Add(args[++i]);
                    break;
                default: throw new ArgumentException($"count: unknown argument '{args[i]}'");
            }
        }
        if (manifest is null || warmup < 1 || n1 < 1 || n2 <= n1 || reps < 1) throw new ArgumentException("count needs --manifest FILE, 1 <= n1 < n2, warmup >= 1 and reps >= 1");

        List<CountOp> ops = CountOps.All().Where(o => CountOps.Selected(o.Name, filters)).ToList();
        if (ops.Count == 0) throw new ArgumentException($"count: no op matches {string.Join(" ", filters)}");
        var ran = new List<CountManifestOp>();
        Mark();
        var pads = new List<byte[]>();
        foreach (CountOp op in ops)
        {
            int w = Math.Max(1, warmup / op.Divisor), a = Math.Max(1, n1 / op.Divisor), b = Math.Max(a + 1, n2 / op.Divisor);
            for (int r = 0; r < reps; r++)
            {
                // A pad of r·8 bytes before the fresh inputs moves them to another offset within a 32-byte block.
                pads.Add(new byte[8 * r + 1]);
                Action<int> loop = op.Create();
                loop(w);
                Settle();
                Mark();
                loop(a);
                Mark();
                Settle();
                Mark();
                loop(b);
                Mark();
            }
            ran.Add(new CountManifestOp(op.Name, a, b));
        }
        GC.KeepAlive(pads);
        File.WriteAllText(manifest, JsonSerializer.Serialize(new CountManifest(warmup, n1, n2, reps, ran)));
        return 0;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    // Not inlined: the P/Invoke stub is the same call every time, so its cost cancels in the difference.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Mark() => GetParentPid();
}
