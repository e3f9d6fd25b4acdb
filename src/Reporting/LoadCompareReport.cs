using HashtagBench.Statistics;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>load compare's report: the limits, exact percentiles, the per-second p99 test, shard shares, and the verdict.</summary>
public static class LoadCompareReport
{
    /// <summary>The verdict, fit for a pull-request comment.</summary>
    public static string Render(LoadComparison c, LoadCompareSettings settings)
    {
        var md = new StringBuilder("## Load regression gate\n\n");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Base `{c.Base}` vs diff `{c.Diff}`. Limits: exact p99 +{settings.MaxP99Regression:0.#%}, with the per-second p99 series higher by at least half that (Mann-Whitney, α {settings.Alpha}, noise floor {settings.NoiseMs:0.###} ms), fail rate +{settings.MaxFailIncrease:0.###} pp, shard share ±{settings.MaxShardDrift:0.#} pp.\n"));
        md.Append(MarkdownTable.Render(c.Runs.SelectMany(r => r.Percentiles.Select(p => (r.Run, P: p))).ToList(),
            new("run", x => x.Run),
            new("percentile", x => x.P.Percentile),
            new("base ms", x => x.P.BaseMs, "0.000"),
            new("diff ms", x => x.P.DiffMs, "0.000"),
            new("change", x => x.P.Change, "+0.0%;-0.0%;0.0%")));
        md.AppendLine();
        md.Append(MarkdownTable.Render(c.Runs,
            new("run", r => r.Run),
            new("seconds (base/diff)", r => $"{r.BaseSeconds}/{r.DiffSeconds}"),
            new("per-second p99", r => r.P99Shift switch { ShiftVerdict.Higher => "**higher**", ShiftVerdict.Lower => "lower", ShiftVerdict.Same => "same", _ => "too few seconds to judge" }),
            new("base fail%", r => r.BaseFailPercent, "0.###"),
            new("diff fail%", r => r.DiffFailPercent, "0.###")));
        md.AppendLine();
        if (c.Shards.Count > 0)
        {
            md.Append(MarkdownTable.Render(c.Shards,
                new("strategy", s => s.Strategy),
                new("shard", s => s.Shard),
                new("base share %", s => s.BasePercent, "0.0"),
                new("diff share %", s => s.DiffPercent, "0.0"),
                new("drift pp", s => s.DriftPoints, "+0.0;-0.0;0.0")));
            md.AppendLine();
        }
        else md.AppendLine("Per-shard shares: n/a (neither result measured them; the strategies scenario does).\n");
        if (c.Passed) md.AppendLine("load compare: PASS");
        else
        {
            foreach (string r in c.Regressions) md.AppendLine($"- {r}");
            md.AppendLine().AppendLine($"load compare: FAIL, {c.Regressions.Count} regression(s)");
        }
        return md.ToString();
    }
}
