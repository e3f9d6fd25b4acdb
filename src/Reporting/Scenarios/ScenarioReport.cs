using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>A load scenario's own sections of its report, from its typed findings: one renderer per finding type.</summary>
public static class ScenarioReport
{
    /// <summary>The sections in report order, each one paragraph, table or chart link.</summary>
    public static IReadOnlyList<string> Render(ScenarioReportFindings findings) => findings switch
    {
        MultiEventFindings m => [MultiEventReport.Render(m)],
        StrategiesFindings s => StrategiesReport.Render(s),
        DuplicatesFindings d => [StreamAuditReport.Render(d.Duplicates)],
        HotEventFindings h => HotEventReport.Render(h),
        CapacityFindings c => CapacityReport.Render(c),
        FailoverFindings f => FailoverReport.Render(f),
        AgentMergeFindings a => AgentMergeReport.Render(a),
        _ => throw new ArgumentException($"No report renders {findings.GetType().Name}.", nameof(findings)),
    };

    /// <summary>A chart beside the report, linked by its file name.</summary>
    internal static string ChartLink(string alt, string chartFile) => $"![{alt}]({chartFile})";
}

/// <summary>multi-event: the workload in one sentence.</summary>
internal static class MultiEventReport
{
    public static string Render(MultiEventFindings f) => $"{f.Events} events, popularity {f.Popularity}, {f.Users:N0} users, EventTag keys.";
}
