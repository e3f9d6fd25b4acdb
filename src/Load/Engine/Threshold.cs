using HashtagBench.Keys;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Engine;

/// <summary>
/// A pass/fail rule on a run: <c>p99 &lt; 20ms</c>, <c>p50 &lt;= 2ms</c>, <c>max &lt; 1s</c>, <c>fail% &lt; 0.1</c>,
/// <c>rps &gt;= 0.95*target</c> or <c>rps &gt;= 5000</c>. Latencies are of Ok responses.
/// </summary>
public sealed partial record Threshold(string Text, string Metric, string Op, double Value, bool RelativeToTarget)
{
    public static Threshold Parse(string text)
    {
        Match m = Rule().Match(text.Trim());
        if (!m.Success)
            throw new FormatException($"Cannot parse threshold '{text}'. Examples: 'p99 < 20ms', 'fail% < 0.1', 'rps >= 0.95*target'.");
        string metric = m.Groups["metric"].Value.ToLowerInvariant();
        double value = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        string unit = m.Groups["unit"].Value.ToLowerInvariant();
        bool relative = m.Groups["target"].Success;
        bool latency = metric.StartsWith('p') || metric == "max";
        if (latency)
        {
            if (relative) throw new FormatException($"'{text}': only rps can be relative to the target.");
            value *= unit switch { "us" or "µs" => 0.001, "s" => 1000, "ms" or "" => 1, _ => throw new FormatException($"'{text}': unknown unit '{unit}'.") };
        }
        else if (unit.Length > 0) throw new FormatException($"'{text}': {metric} takes no unit.");
        return new Threshold(text.Trim(), metric, m.Groups["op"].Value, value, relative);
    }

    /// <summary>The measured value this rule looks at.</summary>
    public double Actual(RunSummary s) => Metric switch
    {
        "p50" => s.Ok.P50, "p75" => s.Ok.P75, "p95" => s.Ok.P95, "p99" => s.Ok.P99, "p99.9" => s.Ok.P999, "max" => s.Ok.Max,
        "fail%" => s.FailPercent,
        "rps" => s.Rps,
        _ => throw new InvalidOperationException($"Unknown metric {Metric}."),
    };

    public ThresholdResult Evaluate(RunSummary s)
    {
        double limit = RelativeToTarget ? Value * s.TargetRps : Value;
        double actual = Actual(s);
        bool pass = Op switch { "<" => actual < limit, "<=" => actual <= limit, ">" => actual > limit, ">=" => actual >= limit, _ => false };
        return new ThresholdResult(Text, actual, limit, pass) { HarnessLimited = s.HarnessLimited };
    }

    [GeneratedRegex(@"^(?<metric>p50|p75|p95|p99\.9|p99|max|fail%|rps)\s*(?<op><=|>=|<|>)\s*(?<value>[0-9]*\.?[0-9]+)\s*(?:(?<target>\*\s*target)|(?<unit>ms|us|µs|s))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Rule();
}

public sealed record ThresholdResult(string Threshold, double Actual, double Limit, bool Pass)
{
    /// <summary>The run's injector was late enough to distort its latencies (<see cref="RunSummary.HarnessLimited"/>): the verdict is about the harness as much as Redis.</summary>
    public bool HarnessLimited { get; init; }
}
