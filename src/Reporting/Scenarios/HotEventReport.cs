using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>hot-event: each primary's utilisation with and without buckets, then their chart.</summary>
internal static class HotEventReport
{
    public static IReadOnlyList<string> Render(HotEventFindings f) =>
    [
        string.Create(CultureInfo.InvariantCulture,
            $"One event takes {f.HotShare:P0} of {f.Rate:0} joins/s. Utilisation is each primary's CPU seconds per second (1.0 = its one thread saturated).\n\n") +
        MarkdownTable.Render(f.Rows,
            new("strategy", x => x.Shard.Strategy),
            new("shard", x => x.Shard.Shard),
            new("utilisation", x => x.Shard.Utilisation, "0.00"),
            new("script calls", x => x.Shard.ScriptCalls),
            new("p99 ms", x => x.P99Ms, "0.00")),
        ScenarioReport.ChartLink("hot shard", f.ChartFile),
    ];
}
