using HashtagBench.Bench.Gate;
using HashtagBench.Contracts;

namespace HashtagBench.Bench.Tests;

/// <summary>
/// The gate's decisions on synthetic per-launch medians and callgrind dumps: identical code passes, a 10 % shift
/// fails, too few launches asks for more, and the differential count cancels what the count host adds around a loop.
/// </summary>
public sealed class GateDecisionTests
{
    private static readonly GateRules Rules = new();

    /// <summary>Per-launch medians around <paramref name="center"/> with ±<paramref name="spread"/> relative noise, seeded.</summary>
    private static double[] Launches(int n, double center, double spread, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => center * (1 + spread * (2 * rng.NextDouble() - 1))).ToArray();
    }

    [Fact]
    public void Mann_Whitney_direction_greater_means_the_first_sample_is_higher()
    {
        double[] low = [10, 11, 12, 13, 14, 15], high = [20, 21, 22, 23, 24, 25];
        Assert.True(GateDecision.PGreater(high, low) < 0.01);
        Assert.True(GateDecision.PGreater(low, high) > 0.9);
    }

    [Fact]
    public void A_over_A_rows_are_never_slower_across_29_rows_and_many_seeds()
    {
        int flagged = 0, worst = 0, runs = 50;
        for (int run = 0; run < runs; run++)
        {
            var rows = Enumerable.Range(0, 29).Select(i => new RowSamples($"row{i}", Launches(12, 100 + i, 0.08, run * 100 + i), Launches(12, 100 + i, 0.08, run * 100 + i + 50_000))).ToList();
            int n = GateDecision.DecideAll(rows, Rules).Count(d => d.Verdict is RowVerdict.Slower or RowVerdict.Faster);
            flagged += n;
            worst = Math.Max(worst, n);
        }
        // Bonferroni at alpha 0.05 over 29 rows, each direction: about 0.1 flagged rows per A/A run expected (the
        // p-values of 12 against 12 are approximate); the bar is at most 1 of 29 in any run.
        Assert.True(worst <= 1, $"an A/A run flagged {worst} rows");
        Assert.True(flagged <= 15, $"{flagged} rows flagged over {runs} A/A runs");
    }

    [Fact]
    public void A_ten_percent_shift_is_slower_and_fails()
    {
        var row = new RowSamples("r", Launches(8, 100, 0.02, 1), Launches(8, 110, 0.02, 2));
        RowDecision d = GateDecision.Decide(row, Rules, rows: 29);
        Assert.Equal(RowVerdict.Slower, d.Verdict);
        Assert.InRange(d.Ratio!.Value, 1.07, 1.13);
    }

    [Fact]
    public void A_significant_shift_below_the_min_effect_is_not_slower()
    {
        // 1 % slower with almost no noise: significant, but below the 3 % minimum effect.
        var row = new RowSamples("r", Launches(10, 100, 0.002, 3), Launches(10, 101, 0.002, 4));
        RowDecision d = GateDecision.Decide(row, Rules, rows: 29);
        Assert.NotEqual(RowVerdict.Slower, d.Verdict);
        Assert.Equal(RowVerdict.Same, d.Verdict);
    }

    [Fact]
    public void Too_few_launches_is_undecided_and_asks_for_more()
    {
        var few = new RowSamples("r", Launches(3, 100, 0.01, 5), Launches(3, 130, 0.01, 6));
        IReadOnlyList<RowDecision> d = GateDecision.DecideAll([few], Rules);
        Assert.Equal(RowVerdict.Undecided, d[0].Verdict);
        Assert.True(GateDecision.WantsMoreLaunches(d, Rules));
        // Noisy and overlapping at the minimum: still undecided, more launches wanted until the cap.
        var noisy = new RowSamples("n", Launches(6, 100, 0.30, 7), Launches(6, 104, 0.30, 8));
        d = GateDecision.DecideAll([noisy], Rules);
        Assert.Equal(RowVerdict.Undecided, d[0].Verdict);
        Assert.True(GateDecision.WantsMoreLaunches(d, Rules));
        Assert.False(GateDecision.WantsMoreLaunches(d, Rules with { MaxLaunches = 6 }));
    }

    [Fact]
    public void Launches_alternate_abba_and_rerun_only_undecided_methods()
    {
        Assert.Equal([0, 1, 1, 0, 0, 1, 1, 0], Enumerable.Range(0, 8).Select(TimeMode.SideOf));
        Assert.Equal(["Ns.Slot.Ours", "Ns.Slot.OursUtf8"], TimeMode.MethodFilters(["Ns.Slot.Ours(Key: a)", "Ns.Slot.Ours(Key: b)", "Ns.Slot.OursUtf8(Key: a)"]));
    }

    [Fact]
    public void Launch_arguments_add_the_default_job_only_when_none_is_given()
    {
        (var filters, var rest) = TimeMode.SplitFilters(["--filter", "*Slot*", "*Guard*", "--job", "short"]);
        Assert.Equal(["*Slot*", "*Guard*"], filters);
        Assert.DoesNotContain("--iterationTime", TimeMode.LaunchArgs(filters, rest, "/tmp/x"));
        Assert.Contains("--iterationTime", TimeMode.LaunchArgs(filters, [], "/tmp/x"));
        Assert.Contains("--inProcess", TimeMode.LaunchArgs(filters, [], "/tmp/x"));
    }

    [Fact]
    public void Differential_count_takes_the_smallest_segment_of_each_length()
    {
        // 2 ops, 2 reps: op A costs 50/op, op B 7/op, every loop segment carries 105 of marker overhead; one N2
        // segment of op A also carries 9,000 from another thread, which the minimum over reps removes.
        var m = new CountManifest(10, 100, 300, 2, [new("A", 100, 300), new("B", 100, 300)]);
        long[] dumps =
        [
            1_000_000,
            999, 5_105, 777, 15_105 + 9_000,
            888, 5_105, 777, 15_105,
            999, 805, 777, 2_205,
            888, 805, 777, 2_205,
        ];
        IReadOnlyDictionary<string, double> per = InstructionMode.PerOp(m, dumps);
        Assert.Equal(50, per["A"]);
        Assert.Equal(7, per["B"]);
        Assert.Throws<GateInputException>(() => InstructionMode.PerOp(m, dumps[..^1]));
    }

    [Fact]
    public void Instruction_verdict_is_at_one_percent()
    {
        Assert.Equal(RowVerdict.Same, InstructionMode.Judge(1000, 1009, 0.01));
        Assert.Equal(RowVerdict.Slower, InstructionMode.Judge(1000, 1011, 0.01));
        Assert.Equal(RowVerdict.Faster, InstructionMode.Judge(1000, 989, 0.01));
        Assert.Equal(RowVerdict.Undecided, InstructionMode.Judge(null, 1000, 0.01));
    }

    [Fact]
    public void Bad_gate_input_is_exit_2_with_one_error_line()
    {
        foreach (string[] args in new[] { new[] { "gate" }, ["gate", "--base", "HEAD", "--mode", "wall"], ["gate", "--base", "HEAD", "--artifacts", "x"], ["gate", "--base", "HEAD", "--min-effect", "abc"] })
        {
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.Equal(ExitCodes.BadInput, GateCommand.Run(args, o, e));
            Assert.StartsWith("error: ", e.ToString());
            Assert.DoesNotContain("   at ", e.ToString());
        }
    }
}

/// <summary>
/// Runs only with HASHTAG_BENCH_VALGRIND_TESTS=1 and valgrind on PATH: three callgrind runs of the count host take
/// about a minute on 2 cores (valgrind slows .NET start-up ~50x), too long for the default suite.
/// </summary>
public sealed class ValgrindFactAttribute : FactAttribute
{
    public ValgrindFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("HASHTAG_BENCH_VALGRIND_TESTS") != "1") Skip = "set HASHTAG_BENCH_VALGRIND_TESTS=1 to run the callgrind tests (about 1 min)";
        else if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "valgrind")))) Skip = "valgrind is not on PATH";
    }
}

/// <summary>The instruction mode on one slot op: the same binary counts the same, the injected slowdown is caught at 1 %.</summary>
public sealed class InstructionModeTests
{
    [ValgrindFact]
    public async Task Same_binary_counts_within_half_a_percent_and_the_slowdown_is_caught()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Bench.dll");
        string work = Path.Combine(Path.GetTempPath(), $"gate-count-test-{Environment.ProcessId}");
        string[] filter = ["*SlotBenchmarks.OursUtf8(Key: untagged-39B)"];
        var settings = new CountSettings(Warmup: 100, N1: 500, N2: 1500, Reps: 2);
        GateSide Side(string name, bool slow) => new(name, "test", AppContext.BaseDirectory, dll,
            slow ? new Dictionary<string, string?> { ["HASHTAG_BENCH_SLOWDOWN"] = "1" } : new Dictionary<string, string?>());
        try
        {
            var runs = await Task.WhenAll(
                InstructionMode.CountAsync(Side("a1", false), filter, Path.Combine(work, "a1"), settings, CancellationToken.None),
                InstructionMode.CountAsync(Side("a2", false), filter, Path.Combine(work, "a2"), settings, CancellationToken.None),
                InstructionMode.CountAsync(Side("slow", true), filter, Path.Combine(work, "slow"), settings, CancellationToken.None));
            string op = Assert.Single(runs[0].Keys);
            Assert.InRange(runs[1][op] / runs[0][op], 0.995, 1.005);
            IReadOnlyList<CountRow> rows = InstructionMode.Compare(runs[0], runs[2], InstructionMode.DefaultThreshold);
            Assert.Equal(RowVerdict.Slower, Assert.Single(rows).Verdict);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}
