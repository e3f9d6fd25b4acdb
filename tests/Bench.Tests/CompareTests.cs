using HashtagBench.Bench.Compare;
using System.CommandLine;
using System.Text.Json.Nodes;

namespace HashtagBench.Bench.Tests;

/// <summary>The compare gate on hand-made reports: base has a 10 ns and a 100 ns benchmark (0 B) and a 30 ns one (152 B).</summary>
public sealed class CompareTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private static readonly string Base = Path.Combine(Fixtures, "base");

    private static string Fixture(string name) => Path.Combine(Fixtures, name);

    private static (int Exit, string Output, string Error) Run(string diff, string threshold = "5%", string noise = "2ns", string? basePath = null, params string[] filters)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CompareCommand.Run(basePath ?? Base, diff, threshold, noise, filters, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static IReadOnlyList<BenchmarkComparison> Comparisons(string diff) =>
        ResultComparer.Compare(BdnResultReader.Load(Base), BdnResultReader.Load(Fixture(diff)), CompareSettings.Default);

    private static BenchmarkComparison Single(IReadOnlyList<BenchmarkComparison> list, string id) => Assert.Single(list, c => c.Id == id);

    private const string Short = "Demo.Crc.Slot(Key: short)", Long = "Demo.Crc.Slot(Key: long)", Format = "Demo.Keys.Format";

    [Fact]
    public void Regression_beyond_the_threshold_fails_the_gate()
    {
        var list = Comparisons("regression.json");
        BenchmarkComparison slow = Single(list, Long);
        Assert.Equal(TimeVerdict.Slower, slow.Verdict);
        Assert.True(slow.IsRegression);
        Assert.InRange(slow.Ratio!.Value, 1.25, 1.35);
        Assert.All(list.Where(c => c.Id != Long), c => Assert.Equal(TimeVerdict.Same, c.Verdict));

        var (exit, output, _) = Run(Fixture("regression.json"));
        Assert.Equal(CompareCommand.Regression, exit);
        Assert.Contains("compare: FAIL, 1 regression(s): Demo.Crc.Slot(Key: long) (**slower**)", output);
    }

    [Fact]
    public void Improvement_passes_and_is_reported_as_faster()
    {
        BenchmarkComparison fast = Single(Comparisons("improvement.json"), Long);
        Assert.Equal(TimeVerdict.Faster, fast.Verdict);
        Assert.False(fast.IsRegression);
        Assert.InRange(fast.Ratio!.Value, 0.55, 0.65);

        var (exit, output, _) = Run(Fixture("improvement.json"));
        Assert.Equal(CompareCommand.Pass, exit);
        Assert.Contains("1 faster", output);
        Assert.EndsWith("compare: PASS", output.TrimEnd());
    }

    [Fact]
    public void Jitter_and_a_shift_below_the_noise_floor_are_the_same()
    {
        var list = Comparisons("noise.json");
        Assert.All(list, c => Assert.Equal(TimeVerdict.Same, c.Verdict));
        // The 10 ns benchmark moved 15% (1.5 ns): beyond 5%, but under the 2 ns floor.
        Assert.InRange(Single(list, Short).Ratio!.Value, 1.10, 1.20);
        Assert.Equal(CompareCommand.Pass, Run(Fixture("noise.json")).Exit);
    }

    [Fact]
    public void The_same_shift_is_a_regression_when_the_noise_floor_is_lower()
    {
        var (exit, output, _) = Run(Fixture("noise.json"), noise: "0.5ns");
        Assert.Equal(CompareCommand.Regression, exit);
        Assert.Contains(Short, output.Split('\n').Last(l => l.StartsWith("compare:", StringComparison.Ordinal)));
    }

    [Fact]
    public void New_allocation_on_a_zero_byte_benchmark_fails_but_more_bytes_on_an_allocating_one_do_not()
    {
        var list = Comparisons("new-allocation.json");
        BenchmarkComparison now = Single(list, Short);
        Assert.Equal(TimeVerdict.Same, now.Verdict);
        Assert.True(now.NewAllocation);
        Assert.True(now.IsRegression);
        BenchmarkComparison more = Single(list, Format);
        Assert.False(more.NewAllocation);
        Assert.False(more.IsRegression);

        var (exit, output, _) = Run(Fixture("new-allocation.json"));
        Assert.Equal(CompareCommand.Regression, exit);
        Assert.Contains("0 B → 24 B (+24 B)", output);
        Assert.Contains("152 B → 200 B (+48 B)", output);
        Assert.Contains("**new allocation**", output);
    }

    [Fact]
    public void Benchmark_missing_from_the_diff_is_reported_but_does_not_fail()
    {
        BenchmarkComparison gone = Single(Comparisons("missing.json"), Format);
        Assert.True(gone.MissingInDiff);
        Assert.False(gone.IsRegression);

        var (exit, output, _) = Run(Fixture("missing.json"));
        Assert.Equal(CompareCommand.Pass, exit);
        Assert.Contains("| Demo.Keys.Format | 29.99 ns | - | - | missing from diff | 152 B → - |", output);
        Assert.Contains("missing from diff", output);
        Assert.Contains("1 missing from diff", output);
    }

    [Fact]
    public void Benchmark_that_failed_in_the_diff_fails_the_gate()
    {
        BenchmarkComparison broken = Single(Comparisons("failed.json"), Long);
        Assert.True(broken.FailedInDiff);
        Assert.Equal(TimeVerdict.Unknown, broken.Verdict);
        Assert.Equal(CompareCommand.Regression, Run(Fixture("failed.json")).Exit);
    }

    [Fact]
    public void Malformed_json_is_a_clear_input_error()
    {
        var (exit, output, error) = Run(Fixture("malformed.json"));
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error);
        Assert.Contains("malformed.json' is not valid JSON (line 1", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public void Json_that_is_not_a_BenchmarkDotNet_report_is_rejected()
    {
        var (exit, _, error) = Run(Fixture("not-bdn.json"));
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Contains("has no \"Benchmarks\" array", error);
    }

    [Fact]
    public void Missing_path_and_a_folder_without_reports_are_clear_errors()
    {
        var (exit, _, error) = Run(Fixture("no-such-run"));
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Contains("no-such-run' does not exist", error);

        string empty = Directory.CreateTempSubdirectory("bench-compare-").FullName;
        try
        {
            (exit, _, error) = Run(empty);
            Assert.Equal(CompareCommand.BadInput, exit);
            Assert.Contains("No BenchmarkDotNet full JSON report (*-report-full.json)", error);
        }
        finally { Directory.Delete(empty, recursive: true); }
    }

    [Fact]
    public void The_same_benchmark_twice_in_one_run_is_an_error()
    {
        var ex = Assert.Throws<CompareInputException>(() => BdnResultReader.Load(Fixture("duplicate.json")));
        Assert.Contains("appears twice", ex.Message);
    }

    [Fact]
    public void Bad_threshold_is_an_input_error()
    {
        var (exit, _, error) = Run(Fixture("noise.json"), threshold: "five");
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Contains("--threshold 'five' is not a threshold", error);
        Assert.Throws<CompareInputException>(() => CompareSettings.ParseThreshold("0%", "--noise"));
        Assert.Equal("0.5μs", CompareSettings.ParseThreshold("0.5us", "--noise").ToString());
    }

    [Fact]
    public void Filter_limits_the_comparison_and_must_match_something()
    {
        var (exit, output, _) = Run(Fixture("regression.json"), filters: "*Keys*");
        Assert.Equal(CompareCommand.Pass, exit);
        Assert.DoesNotContain(Long, output);

        (exit, _, string error) = Run(Fixture("regression.json"), filters: "*Nothing*");
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Contains("No benchmark matching *Nothing*", error);
    }

    [Fact]
    public void Command_line_reaches_the_gate_and_usage_errors_exit_2()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new InvocationConfiguration { Output = output, Error = error };
        int exit = BenchCli.RunCompare(["compare", "--base", Base, "--diff", Fixture("regression.json"), "--threshold", "10%"], io);
        Assert.Equal(CompareCommand.Regression, exit);
        Assert.Contains("Threshold 10%", output.ToString());

        exit = BenchCli.RunCompare(["compare", "--diff", Fixture("regression.json")], io);
        Assert.Equal(CompareCommand.BadInput, exit);
        Assert.Contains("--base", error.ToString());
    }

    [Fact]
    public void Too_few_samples_give_an_unknown_verdict()
    {
        Assert.Equal(TimeVerdict.Unknown, ResultComparer.Judge([10.0], [20.0, 21.0], CompareSettings.Default));
        Assert.Equal(TimeVerdict.Unknown, ResultComparer.Judge([], [], CompareSettings.Default));
    }

    [Theory]
    [InlineData(2, 2, false)] // smallest p = 1/6
    [InlineData(3, 3, false)] // 1/20 = alpha: never below it
    [InlineData(3, 4, true)]  // 1/35
    [InlineData(15, 1, false)] // 1/16
    [InlineData(15, 2, true)] // 1/136
    [InlineData(0, 15, false)]
    public void Significance_is_reachable_only_with_enough_samples(int n, int m, bool reachable) =>
        Assert.Equal(reachable, HashtagBench.Statistics.ShiftTest.CanReachSignificance(n, m, 0.05));

    [Fact]
    public void Two_samples_a_side_never_claim_slower_even_when_far_apart()
    {
        Assert.Equal(TimeVerdict.Unknown, ResultComparer.Judge([10.0, 10.1], [500.0, 501.0], CompareSettings.Default));
        Assert.Equal(TimeVerdict.Slower, ResultComparer.Judge([10.0, 10.1, 10.2], [500.0, 501.0, 502.0, 503.0], CompareSettings.Default));
    }

    [Fact]
    public void A_one_sample_diff_50x_slower_fails_the_gate_unless_unknown_is_allowed()
    {
        string dir = WriteVariant(b => b["FullName"]!.GetValue<string>() == Long,
            b => b["Statistics"]!["OriginalValues"] = new JsonArray(50 * b["Statistics"]!["Median"]!.GetValue<double>()));
        try
        {
            var (exit, output, _) = Run(dir);
            Assert.Equal(CompareCommand.Regression, exit);
            Assert.Contains("undecided", output);
            Assert.Contains("compare: FAIL", output);

            var io = new StringWriter();
            exit = CompareCommand.Run(Base, dir, "5%", "2ns", [], io, new StringWriter(), allowUnknown: true);
            Assert.Equal(CompareCommand.Pass, exit);
            Assert.Contains("allowed by --allow-unknown", io.ToString());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void One_benchmark_under_two_jobs_is_told_apart_by_its_job()
    {
        // The same FullName twice with different jobs, in base and in diff: matched job for job, no "appears twice".
        string twoJobs = WriteVariant(_ => true, _ => { }, duplicateAs: "Crc.Slot: Job-XYZ(IterationCount=5) [Key: long]");
        try
        {
            var results = BdnResultReader.Load(twoJobs);
            Assert.Contains($"{Long} [ShortRun]", results.Keys);
            Assert.Contains($"{Long} [Job-XYZ(IterationCount=5)]", results.Keys);
            var list = ResultComparer.Compare(results, BdnResultReader.Load(twoJobs), CompareSettings.Default);
            Assert.All(list, c => Assert.Equal(TimeVerdict.Same, c.Verdict));
        }
        finally { Directory.Delete(twoJobs, recursive: true); }
    }

    /// <summary>A copy of the base report with some benchmarks changed (and optionally the long one added again under another job).</summary>
    private static string WriteVariant(Func<JsonNode, bool> which, Action<JsonNode> change, string? duplicateAs = null)
    {
        JsonNode doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Base, "Demo-report-full.json")))!;
        JsonArray list = doc["Benchmarks"]!.AsArray();
        foreach (JsonNode? b in list.ToList())
            if (which(b!)) change(b!);
        if (duplicateAs is not null)
        {
            JsonNode copy = list.Single(b => b!["FullName"]!.GetValue<string>() == Long)!.DeepClone();
            copy["DisplayInfo"] = duplicateAs;
            list.Add(copy);
        }
        string dir = Directory.CreateTempSubdirectory("compare-variant").FullName;
        File.WriteAllText(Path.Combine(dir, "Variant-report-full.json"), doc.ToJsonString());
        return dir;
    }
}
