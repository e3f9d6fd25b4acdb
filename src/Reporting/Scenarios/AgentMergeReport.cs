using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>load merge: which agents were merged, the audit joined across them, and why per-shard counters are not summed.</summary>
internal static class AgentMergeReport
{
    public static IReadOnlyList<string> Render(AgentMergeFindings f)
    {
        AgentSlice first = f.Agents[0].Slice;
        var sections = new List<string>
        {
            $"Merged from {f.Agents.Count} load agents of run `{first.RunId}`, started at {first.StartAtUtc:yyyy-MM-ddTHH:mm:ss.fff}Z:\n\n" +
            MarkdownTable.Render(f.Agents,
                new("agent", a => a.Slice.Label),
                new("folder", a => a.Dir),
                new("clock offset ms", a => a.Slice.ClockOffsetMs, "+0.0;-0.0;0.0"),
                new("calls", a => a.Summary.Runs.Sum(r => r.OkCount + r.FailCount)),
                new("dropped arrivals", a => ArrivalCounts.Sum(a.Summary.Runs.Select(r => r.Arrivals))?.DroppedText()),
                new("checks", a => a.Summary.ChecksPassed ? "pass" : "**FAIL**")),
        };
        if (f.JoinedAudit is { } joined)
            sections.Add(StreamAuditReport.Render(joined, $"joined across {f.Agents.Count} agents, each of whose streams, entries and keys are its own"));
        if (f.PerShardSeen)
            sections.Add("Per-shard counters (INFO commandstats, INFO cpu) are the cluster's, seen by every agent at once: they are not summed here; see each agent's report.");
        return sections;
    }
}
