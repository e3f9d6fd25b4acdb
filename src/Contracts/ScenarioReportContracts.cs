using System.Text.Json.Serialization;

namespace HashtagBench.Contracts;

/// <summary>
/// What a load scenario found, typed, for its report: the scenario fills one of these and src/Reporting renders it
/// (<c>ScenarioReport.Render</c>), so no report text is built where the load runs. summary.json keeps
/// <see cref="LoadFindings"/>; these records add only what the prose needs beside it (the options it names, chart files).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "scenario")]
[JsonDerivedType(typeof(MultiEventFindings), "multi-event")]
[JsonDerivedType(typeof(StrategiesFindings), "strategies")]
[JsonDerivedType(typeof(DuplicatesFindings), "duplicates")]
[JsonDerivedType(typeof(HotEventFindings), "hot-event")]
[JsonDerivedType(typeof(CapacityFindings), "capacity")]
[JsonDerivedType(typeof(FailoverFindings), "failover")]
[JsonDerivedType(typeof(AgentMergeFindings), "agents")]
public abstract record ScenarioReportFindings;

/// <summary>multi-event: the workload it ran.</summary>
public sealed record MultiEventFindings(int Events, string Popularity, int Users) : ScenarioReportFindings;

/// <summary>One strategy's incident check beside the run it judged (the run's measured part is in the sentence).</summary>
public sealed record IncidentFinding(Incident Check, double FailPercent, long Total, IReadOnlyDictionary<string, long> ErrorsByKind);

/// <summary>strategies: the incident checks in the order they ran, the per-shard comparison and its chart.</summary>
/// <param name="ChartFile">The per-shard chart's file name, beside the report.</param>
public sealed record StrategiesFindings(IReadOnlyList<IncidentFinding> Incidents, IReadOnlyList<ShardComparison> PerShard, string ChartFile)
    : ScenarioReportFindings;

/// <summary>duplicates: the retried share and the stream audit (what summary.json holds as its duplicates finding).</summary>
public sealed record DuplicatesFindings(DuplicatesFinding Duplicates) : ScenarioReportFindings;

/// <summary>hot-event: one shard of one strategy's run, with that run's Ok p99.</summary>
public sealed record HotShardRow(ShardUtilisation Shard, double? P99Ms);

/// <param name="HotShare">The hot event's share of the traffic.</param>
/// <param name="Rate">The joins per second asked for.</param>
public sealed record HotEventFindings(double HotShare, double Rate, IReadOnlyList<HotShardRow> Rows, string ChartFile) : ScenarioReportFindings;

/// <summary>capacity: the ladder's result with the limits it was judged against.</summary>
/// <param name="Event">The one event every join was tagged with.</param>
/// <param name="FirstStepRps">The first step's target, named when even it saturated.</param>
/// <param name="StepsAsked">--steps: how many ladder steps were allowed.</param>
/// <param name="BenchClients">Calls in flight for the closed-model run and redis-benchmark's clients.</param>
/// <param name="RedisBenchmarkNotRun">Why redis-benchmark was not run; empty when it was.</param>
public sealed record CapacityFindings(CapacityResult Result, string Event, double SaturationP99Ms, double SaturationFailPercent,
    double FirstStepRps, int StepsAsked, int BenchClients, string RedisBenchmarkNotRun, string ChartFile) : ScenarioReportFindings;

/// <summary>failover: the fault as it was asked for, and one row per way of using WAIT.</summary>
/// <param name="Fault">The built-in fault's name, or "--fault-command".</param>
/// <param name="LaggedKill">The fault was lagged-kill, whose columns need their own explanation.</param>
/// <param name="MaxLost">--max-lost, when given.</param>
public sealed record FailoverFindings(string Fault, bool LaggedKill, TimeSpan FaultAt, TimeSpan Duration, TimeSpan WaitTimeout, int? MaxLost,
    IReadOnlyList<FailoverRow> Rows) : ScenarioReportFindings;

/// <summary>load merge: the agents merged, in index order, the audit joined across them, and whether any counted per-shard load.</summary>
/// <param name="JoinedAudit">The agents' stream audits joined; null unless every agent audited.</param>
/// <param name="PerShardSeen">An agent reported per-shard counters, which are the cluster's and so are not summed.</param>
public sealed record AgentMergeFindings(IReadOnlyList<AgentResult> Agents, StreamAuditResult? JoinedAudit, bool PerShardSeen) : ScenarioReportFindings;

/// <summary>load overhead: one attempt at one rate of the engine's no-op probe, in ms.</summary>
/// <param name="Launched">Invocations per scheduled second.</param>
/// <param name="InjectorCpu">CPU seconds per second of the injector thread; null where the OS does not say.</param>
/// <param name="Retrying">Missed, and the rate gets a second attempt.</param>
public sealed record OverheadAttempt(int TargetRate, double Launched, double LatencyP50Ms, double LatencyP99Ms, double LatenessP50Ms, double LatenessP99Ms,
    double LatenessP999Ms, double LatenessMaxMs, double? InjectorCpu, bool OnSchedule, bool Retrying);
