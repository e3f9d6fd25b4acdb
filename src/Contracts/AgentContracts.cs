namespace HashtagBench.Contracts;

/// <summary>
/// One load agent's share of a run split across <paramref name="Count"/> agents: arrival k of the schedule, user
/// u and the idempotency keys it makes belong to agent <paramref name="Index"/> when k mod Count (u mod Count) is
/// its index, so the agents together send the single-agent schedule exactly once.
/// </summary>
/// <param name="RunId">Shared by every agent of the run: the prefix of every key they write (cleanup goes by it).</param>
/// <param name="StartAtUtc">The wall-clock instant every agent started its load at.</param>
public sealed record AgentSlice(string RunId, int Index, int Count, DateTime StartAtUtc)
{
    /// <summary>This machine's clock minus the cluster's (Redis TIME) when the agent checked it, in ms; null when not measured.</summary>
    public double? ClockOffsetMs { get; init; }

    /// <summary>"i/N", as --agent takes it.</summary>
    public string Label => $"{Index}/{Count}";
}

/// <summary>One load agent's result folder: its summary.json (with its slice) and where its histogram logs are.</summary>
public sealed record AgentResult(string Dir, LoadSummary Summary, AgentSlice Slice);
