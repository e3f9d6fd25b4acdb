using System.Globalization;

namespace HashtagBench.Bench.Compare;

/// <summary>Writes a comparison as a GitHub Markdown table plus a one-line verdict.</summary>
internal static class CompareReport
{
    public static void Write(TextWriter output, IReadOnlyList<BenchmarkComparison> comparisons, CompareSettings settings)
    {
        output.WriteLine($"Threshold {settings.Threshold}, noise floor {settings.Noise}, Mann-Whitney at alpha {settings.Alpha.Value.ToString(CultureInfo.InvariantCulture)}.");
        output.WriteLine();
        output.WriteLine("| benchmark | base median | diff median | diff/base | verdict | allocated/op (base → diff) |");
        output.WriteLine("|---|---:|---:|---:|---|---|");
        // Regressions first, then improvements, then the rest in name order.
        foreach (BenchmarkComparison c in comparisons.OrderByDescending(c => c.FailsGate(settings)).ThenByDescending(c => c.Verdict == TimeVerdict.Faster))
            output.WriteLine($"| {c.Id} | {Time(c.Base?.MedianNs)} | {Time(c.Diff?.MedianNs)} | {Ratio(c.Ratio)} | {Verdict(c)} | {Allocation(c)} |");
        output.WriteLine();

        int compared = comparisons.Count(c => c.Base is not null && c.Diff is not null);
        List<BenchmarkComparison> failing = comparisons.Where(c => c.FailsGate(settings)).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{compared} compared: {comparisons.Count(c => c.Verdict == TimeVerdict.Slower)} slower, {comparisons.Count(c => c.Verdict == TimeVerdict.Faster)} faster, " +
            $"{comparisons.Count(c => c.Verdict == TimeVerdict.Same)} same, {comparisons.Count(c => c.Undecided)} undecided, {comparisons.Count(c => c.NewAllocation)} new allocation(s); " +
            $"{comparisons.Count(c => c.MissingInDiff)} missing from diff, {comparisons.Count(c => c.NewInDiff)} new in diff."));
        if (failing.Count == 0)
        {
            int allowed = comparisons.Count(c => c.Undecided);
            output.WriteLine(allowed == 0 ? "compare: PASS" : $"compare: PASS, with {allowed} undecided benchmark(s) allowed by --allow-unknown");
        }
        else
        {
            string what = failing.All(c => c.IsRegression) ? "regression(s)" : "regression(s) or undecided";
            output.WriteLine($"compare: FAIL, {failing.Count} {what}: {string.Join("; ", failing.Select(r => $"{r.Id} ({Verdict(r)})"))}" +
                             (failing.Any(c => !c.IsRegression) ? ". Undecided means too few samples for the test; run more iterations, or pass --allow-unknown." : ""));
        }
    }

    private static string Verdict(BenchmarkComparison c)
    {
        if (c.MissingInDiff) return "missing from diff";
        if (c.NewInDiff) return "new in diff";
        if (c.FailedInDiff) return "**failed in diff**";
        string time = c.Verdict switch
        {
            TimeVerdict.Slower => "**slower**",
            TimeVerdict.Faster => "faster",
            TimeVerdict.Same => "same",
            _ => "**undecided** (too few samples to test)",
        };
        return c.NewAllocation ? $"{time}, **new allocation**" : time;
    }

    private static string Allocation(BenchmarkComparison c)
    {
        if (c.Base?.AllocatedBytes is not { } b || c.Diff?.AllocatedBytes is not { } d) return $"{Bytes(c.Base?.AllocatedBytes)} → {Bytes(c.Diff?.AllocatedBytes)}";
        string delta = d == b ? "" : string.Create(CultureInfo.InvariantCulture, $" ({(d > b ? "+" : "")}{d - b} B)");
        return $"{Bytes(b)} → {Bytes(d)}{delta}";
    }

    private static string Bytes(long? b) => b is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v} B") : "-";

    private static string Ratio(double? r) => r is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    internal static string Time(double? ns) => ns switch
    {
        null => "-",
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns:0.00} ns"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:0.00} µs"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000:0.00} s"),
    };
}
