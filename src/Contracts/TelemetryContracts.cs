namespace HashtagBench.Contracts;

/// <summary>
/// What the node sampler saw during a scenario: every node's per-second timeline, from the sampler's start
/// (<paramref name="StartedUtc"/>, the zero of <see cref="NodeSample.Second"/>).
/// </summary>
public sealed record NodeTelemetry(DateTime StartedUtc, double IntervalSeconds, IReadOnlyList<NodeTimeline> Nodes);

/// <summary>One node's timeline. <paramref name="Shard"/> is the shard it belonged to when sampling started.</summary>
/// <param name="SamplerCost">The server time the sampler's own INFO calls took; null when fewer than two samples came back.</param>
public sealed record NodeTimeline(string Node, int? Shard, string Role, IReadOnlyList<NodeSample> Samples, SamplerCost? SamplerCost)
{
    public int Gaps => Samples.Count(s => !s.Ok);
}

/// <summary>
/// One second of one node. A failed sample (the node was down or did not answer in time) has <paramref name="Ok"/>
/// false and every value null: a gap, never 0. Rates are over the time since the previous successful sample.
/// </summary>
/// <param name="CpuPercent">used_cpu_sys + used_cpu_user per wall second, in % of one core.</param>
/// <param name="OpsByCommand">Calls per second by command (INFO commandstats), commands with calls only.</param>
/// <param name="ReplicaLagBytes">A replica's distance behind its primary at the same tick; null for a primary or when either was not sampled.</param>
/// <param name="CrossSlotErrors">errorstat_CROSSSLOT so far; null when the server has no errorstats.</param>
public sealed record NodeSample(double Second, bool Ok, string? Role, double? CpuPercent, double? OpsPerSec, IReadOnlyDictionary<string, double>? OpsByCommand,
    long? UsedMemoryBytes, long? ReplicaLagBytes, long? CrossSlotErrors);

/// <summary>
/// The sampler's own cost on one node, from the server's cmdstat_info. Between two of the sampler's reads that saw
/// exactly one INFO call in between (its own previous one), the usec added is that call's server time alone; the median
/// of those, times the sampler's calls, is its cost. Every INFO in the window (other clients' too) is kept beside it as
/// the upper bound.
/// </summary>
/// <param name="SamplerCalls">INFO calls the sampler made that came back.</param>
/// <param name="MedianUsecPerCall">Null when no interval held the sampler's call alone.</param>
/// <param name="ShareOfCore">The sampler's server time per wall second (1 = a whole core); null without a median.</param>
/// <param name="ShareOfNodeCpu">The same over the CPU the node used in the window; null when it used none.</param>
/// <param name="AllInfoUsec">usec of every INFO call the server ran in the window (any client): the upper bound.</param>
public sealed record SamplerCost(double Seconds, long SamplerCalls, double? MedianUsecPerCall, double? ShareOfCore, double? ShareOfNodeCpu, long AllInfoCalls, long AllInfoUsec);
