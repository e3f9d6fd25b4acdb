using HashtagBench.Contracts;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Engine;

/// <summary>
/// A pass/fail rule on a run: <c>p99 &lt; 20ms</c>, <c>p50 &lt;= 2ms</c>, <c>max &lt; 1s</c>, <c>fail% &lt; 0.1</c>,
/// <c>rps &gt;= 0.95*target</c>, <c>okrps &gt;= 0.9*target</c>, <c>rps &gt;= 5000</c>, <c>dropped &lt;= 10</c> or <c>dropped% &lt; 0.1</c>.
/// <list type="bullet">
/// <item>A latency (p50, p75, p95, p99, p99.9, max) is of Ok responses; suffixed <c>(all)</c>, as in <c>p99(all) &lt; 2s</c>,
/// it is of every outcome (Ok, failed and refused calls), each from its intended start. <c>(ok)</c> spells the default out.</item>
/// <item><c>rps</c> is the rate the engine drove: every outcome per second, failures included (what it always meant);
/// <c>okrps</c> counts only Ok responses, what was served.</item>
/// <item><c>dropped</c> counts the scheduled arrivals never sent (<see cref="ArrivalCounts"/>), <c>dropped%</c> their share
/// of the schedule. The user's rules (<see cref="ParseRules"/>) get <see cref="DefaultDropped"/> (none may be dropped) unless they have one on them.</item>
/// <item>A latency rule on a run with no call of that kind has nothing to pass on: it fails, its actual shown as n/a.</item>
/// </list>
/// </summary>
public sealed partial record Threshold(string Text, string Metric, string Op, double Value, bool RelativeToTarget)
{
    /// <summary>True for a latency rule over every outcome (<c>p99(all)</c>), false for Ok responses only.</summary>
    public bool OfAll => Metric.EndsWith("(all)", StringComparison.Ordinal);

    public bool IsLatency => Metric.StartsWith('p') || Metric.StartsWith("max", StringComparison.Ordinal);

    /// <summary>A rule on dropped arrivals (<c>dropped</c> or <c>dropped%</c>).</summary>
    public bool IsDropped => Metric.StartsWith("dropped", StringComparison.Ordinal);

    /// <summary>The rule every list gets unless it says otherwise: a run that dropped a scheduled arrival fails.</summary>
    public const string DefaultDropped = "dropped <= 0";

    /// <summary>
    /// The user's rules parsed, plus <see cref="DefaultDropped"/> when none of them is on dropped arrivals: an arrival
    /// never sent fails the run unless the user allows some (e.g. <c>dropped &lt;= 10</c>, <c>dropped% &lt; 0.1</c>).
    /// </summary>
    public static IReadOnlyList<Threshold> ParseRules(IEnumerable<string> rules)
    {
        List<Threshold> parsed = rules.Select(Parse).ToList();
        if (!parsed.Any(t => t.IsDropped)) parsed.Add(Parse(DefaultDropped));
        return parsed;
    }

    public static Threshold Parse(string text)
    {
        Match m = Rule().Match(text.Trim());
        if (!m.Success)
            throw new FormatException($"Cannot parse threshold '{text}'. Examples: 'p99 < 20ms', 'p99(all) < 2s', 'fail% < 0.1', 'rps >= 0.95*target', 'okrps >= 0.9*target', 'dropped <= 10', 'dropped% < 0.1'.");
        string metric = m.Groups["metric"].Value.ToLowerInvariant();
        double value = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        string unit = m.Groups["unit"].Value.ToLowerInvariant();
        bool relative = m.Groups["target"].Success;
        bool latency = metric.StartsWith('p') || metric == "max";
        string kind = m.Groups["kind"].Value.ToLowerInvariant();
        if (kind.Length > 0 && !latency) throw new FormatException($"'{text}': only a latency (p50 … max) can say (ok) or (all).");
        if (relative && metric is not ("rps" or "okrps")) throw new FormatException($"'{text}': only rps and okrps can be relative to the target.");
        if (latency)
        {
            value *= unit switch { "us" or "µs" => 0.001, "s" => 1000, "ms" or "" => 1, _ => throw new FormatException($"'{text}': unknown unit '{unit}'.") };
            if (kind == "all") metric += "(all)";
        }
        else if (unit.Length > 0) throw new FormatException($"'{text}': {metric} takes no unit.");
        return new Threshold(text.Trim(), metric, m.Groups["op"].Value, value, relative);
    }

    /// <summary>The measured value this rule looks at; null for a latency of a kind of call the run did not have, and for dropped arrivals not recorded (or a dropped% of an empty schedule).</summary>
    public double? Actual(RunSummary s)
    {
        if (IsLatency)
        {
            Percentiles p = OfAll ? s.All : s.Ok;
            if (p.IsEmpty) return null;
            return Metric.Replace("(all)", "", StringComparison.Ordinal) switch
            {
                "p50" => p.P50,
                "p75" => p.P75,
                "p95" => p.P95,
                "p99" => p.P99,
                "p99.9" => p.P999,
                "max" => p.Max,
                _ => throw new InvalidOperationException($"Unknown metric {Metric}."),
            };
        }
        return Metric switch
        {
            "fail%" => s.FailPercent,
            "rps" => s.Rps,
            "okrps" => s.OkRps,
            "dropped" => s.Arrivals?.DroppedTotal,
            "dropped%" => s.Arrivals?.DroppedPercent,
            _ => throw new InvalidOperationException($"Unknown metric {Metric}."),
        };
    }

    public ThresholdResult Evaluate(RunSummary s)
    {
        double limit = RelativeToTarget ? Value * s.TargetRps : Value;
        if (Actual(s) is not double actual)
            return new ThresholdResult(Text, 0, limit, false) { HarnessLimited = s.HarnessLimited, NoData = true };
        bool pass = Op switch { "<" => actual < limit, "<=" => actual <= limit, ">" => actual > limit, ">=" => actual >= limit, _ => false };
        return new ThresholdResult(Text, actual, limit, pass) { HarnessLimited = s.HarnessLimited };
    }

    [GeneratedRegex(@"^(?<metric>p50|p75|p95|p99\.9|p99|max|fail%|okrps|rps|dropped%|dropped)\s*(?:\(\s*(?<kind>ok|all)\s*\))?\s*(?<op><=|>=|<|>)\s*(?<value>[0-9]*\.?[0-9]+)\s*(?:(?<target>\*\s*target)|(?<unit>ms|us|µs|s))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Rule();
}

public sealed record ThresholdResult(string Threshold, double Actual, double Limit, bool Pass)
{
    /// <summary>The run's injector was late enough to distort its latencies (<see cref="RunSummary.HarnessLimited"/>): the verdict is about the harness as much as Redis.</summary>
    public bool HarnessLimited { get; init; }

    /// <summary>The rule had nothing to look at (a latency of a kind of call the run did not have): it fails, and its actual is n/a, not <see cref="Actual"/>.</summary>
    public bool NoData { get; init; }

    /// <summary>"pass", "FAIL", with " (harness-limited)" when the run's injector error was large enough to matter.</summary>
    public string Verdict => (Pass ? "pass" : "FAIL") + (HarnessLimited ? " (harness-limited)" : "");
}
