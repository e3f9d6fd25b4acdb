namespace HashtagBench.Contracts;

/// <summary>
/// A load scenario's summary.json: its runs, whether its checks and thresholds passed, and what the scenario
/// itself found. Written by the load step, read back by the run report.
/// </summary>
public sealed record LoadSummary(string Scenario, IReadOnlyList<LoadRun> Runs, bool ChecksPassed, bool ThresholdsPassed, LoadFindings Findings)
{
    /// <summary>The slice this load agent ran (load run --agent i/N); null for a single-process run or a merge.</summary>
    public AgentSlice? Agent { get; init; }
    /// <summary>The agents a merge combined, in index order; null unless this summary is a merge's.</summary>
    public IReadOnlyList<AgentSlice>? MergedAgents { get; init; }
    /// <summary>Every node's per-second timeline while the scenario ran; null when nothing was sampled (an older file).</summary>
    public NodeTelemetry? Telemetry { get; init; }
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Latency(long Count, double P50, double P75, double P95, double P99, double P999, double Max, double Mean);

/// <summary>One engine run. Latencies are null when there was no response of that kind (not a latency of 0).</summary>
/// <param name="TargetRps">The open model's injection rate; null for a closed model (a fixed number of calls in flight).</param>
public sealed record LoadRun(
    string Name, DateTime StartedUtc, double Seconds, double? TargetRps, long OkCount, long FailCount, double Rps, double FailPercent,
    Latency? Ok, Latency? Fail, IReadOnlyDictionary<string, long> ErrorsByKind, IReadOnlyDictionary<string, string> ErrorSamples,
    IReadOnlyList<ThresholdCheck> Thresholds, string StopReason, IReadOnlyList<LoadInterval> Timeline)
{
    /// <summary>Latency of every outcome (Ok, failed, refused), each from its intended start; null when no call was recorded.</summary>
    public Latency? All { get; init; }
    /// <summary>Ok responses per second (what was served); <see cref="LoadRun.Rps"/> counts every outcome (what the engine drove).</summary>
    public double OkRps { get; init; }
    /// <summary>Stopped by Ctrl-C/SIGTERM before its phases ended: partial numbers, never a pass.</summary>
    public bool Interrupted { get; init; }
    /// <summary>The injector's lateness (actual send minus intended start) in ms; null for a closed model or an older file.</summary>
    public Latency? Lateness { get; init; }
    /// <summary>CPU seconds per second the injector thread used; null where the OS does not say.</summary>
    public double? InjectorCpu { get; init; }
    /// <summary>How the injector waited for its arrivals; null in an older file.</summary>
    public string? Injector { get; init; }
    /// <summary>The injector's error was large enough to distort the latencies: they describe the harness as much as Redis.</summary>
    public bool HarnessLimited { get; init; }
    /// <summary>Ok latency from each call's actual send (not its intended start), in ms; null with no Ok call or in an older file.</summary>
    public Latency? FromSend { get; init; }
    /// <summary>Redis's own time per command over the run (INFO commandstats deltas); null when it was not read (no cluster, or it failed).</summary>
    public IReadOnlyList<ServerCommandTime>? Server { get; init; }
    /// <summary>Where the run's p99 went: Redis, network and client, or queueing; null in an older file.</summary>
    public LatencyDecomposition? Decomposition { get; init; }
    /// <summary>When the measured phase (the zero of <see cref="LoadInterval.Second"/>) began; null in an older file.</summary>
    public DateTime? MeasuredStartUtc { get; init; }
    /// <summary>What became of the open-model schedule's arrivals: sent, or dropped with a reason; null in an older file.</summary>
    public ArrivalCounts? Arrivals { get; init; }
}

/// <summary>
/// Every arrival of an open-model schedule, accounted for: it was sent, or it was dropped, counted by reason (k6's
/// dropped_iterations). <see cref="Sent"/> + <see cref="DroppedTotal"/> is the schedule; nothing is lost silently.
/// A closed model schedules nothing: 0 sent, none dropped.
/// </summary>
/// <param name="Sent">Arrivals handed to the system under test (each then has an outcome, ok or failed).</param>
/// <param name="Dropped">Arrivals never sent, by reason (<see cref="LateInjector"/>, <see cref="InFlightCap"/>, ...); only reasons that occurred.</param>
public sealed record ArrivalCounts(long Sent, IReadOnlyDictionary<string, long> Dropped)
{
    /// <summary>Due, but the injector had not sent it when the run stopped: it was behind its schedule.</summary>
    public const string LateInjector = "late-injector";
    /// <summary>Due while the most calls allowed in flight were in flight (the harness's own cap, not the server's answer).</summary>
    public const string InFlightCap = "in-flight-cap";
    /// <summary>Its phase was ended early (Ctrl-C, SIGTERM, the hard deadline, the launch's --max-seconds) before the arrival's time came.</summary>
    public const string EndOfPhase = "end-of-phase";
    /// <summary>The run's cap on invocations was reached before it.</summary>
    public const string InvocationCap = "invocation-cap";

    public static ArrivalCounts None { get; } = new(0, new Dictionary<string, long>());

    public long DroppedTotal => Dropped.Values.Sum();
    public long Scheduled => Sent + DroppedTotal;
    /// <summary>Dropped share of the schedule in %; null when nothing was scheduled.</summary>
    public double? DroppedPercent => Scheduled == 0 ? null : 100.0 * DroppedTotal / Scheduled;

    /// <summary>Several agents' counts added (each sent its own slice of one schedule); null when any is unknown (an older file).</summary>
    public static ArrivalCounts? Sum(IEnumerable<ArrivalCounts?> parts)
    {
        long sent = 0;
        var dropped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (ArrivalCounts? p in parts)
        {
            if (p is null) return null;
            sent += p.Sent;
            foreach (var (reason, n) in p.Dropped) dropped[reason] = dropped.GetValueOrDefault(reason) + n;
        }
        return new ArrivalCounts(sent, dropped);
    }

    /// <summary>"0", or the total and its reasons: "12 (in-flight-cap 10, late-injector 2)".</summary>
    public string DroppedText() => DroppedTotal == 0 ? "0"
        : $"{DroppedTotal} ({string.Join(", ", Dropped.Where(d => d.Value > 0).OrderByDescending(d => d.Value).Select(d => $"{d.Key} {d.Value}"))})";
}

/// <summary>One command's server time over a run: INFO commandstats calls and usec, after minus before, summed over <paramref name="Nodes"/>.</summary>
/// <param name="Nodes">The nodes that ran the command during the run (read both before and after).</param>
public sealed record ServerCommandTime(string Command, long Calls, long Micros, IReadOnlyList<string> Nodes)
{
    /// <summary>Mean execution time per call in µs (Redis keeps no percentiles here); null with no call.</summary>
    public double? MicrosPerCall => Calls == 0 ? null : (double)Micros / Calls;
}

/// <summary>
/// A run's latency taken apart, in ms. The four measurements side by side: Redis's execution time per call (a mean,
/// from INFO commandstats), latency from the actual send, latency from the intended start (coordinated-omission
/// corrected) and the injector's lateness. The p99 from the intended start is split into three shares that add
/// up to it: Redis (its mean execution time), network and client (the rest of the typical round trip, send p50 minus
/// Redis), and queueing (the tail above the typical round trip, plus any wait before the send). Null where there is no data.
/// </summary>
/// <param name="ServerMs">Redis's execution time per call (the script and any WAIT, per script call); null when not read.</param>
/// <param name="Dominant">"Redis", "network+client", "queueing", or "Redis+network+client" when there is no server time to split them; null with no Ok call.</param>
/// <param name="Verdict">One sentence for the reader: where the p99 went.</param>
public sealed record LatencyDecomposition(double? ServerMs, Latency? FromSend, Latency? FromIntended, Latency? Lateness,
    double? RedisShareMs, double? NetworkClientShareMs, double? QueueingShareMs, double? QueueingBeforeSendMs, string? Dominant, string Verdict);

/// <summary>One interval (about a second) of a run; <paramref name="Second"/> is when it ended.</summary>
public sealed record LoadInterval(double Second, double Length, long Ok, long Fail, double Rps, Latency? OkLatency, IReadOnlyDictionary<string, long> ErrorsByKind)
{
    /// <summary>Latency of every outcome in the interval; null when it had no call.</summary>
    public Latency? AllLatency { get; init; }
}

/// <param name="Actual">The measured value; meaningless (0) when <see cref="NoData"/>.</param>
public sealed record ThresholdCheck(string Threshold, double Actual, double Limit, bool Pass)
{
    /// <summary>The run was harness-limited: the verdict is about the load generator as much as Redis.</summary>
    public bool HarnessLimited { get; init; }
    /// <summary>The rule had nothing to measure (e.g. an Ok latency with no Ok response): failed, actual n/a.</summary>
    public bool NoData { get; init; }
}

/// <summary>What a scenario found beyond its runs; each scenario fills its own part, the rest stay null.</summary>
public sealed record LoadFindings
{
    /// <summary>strategies: each shard's predicted and measured share of script calls.</summary>
    public IReadOnlyList<ShardComparison>? PerShard { get; init; }
    /// <summary>strategies: the CROSSSLOT incident check of each strategy whose keys span slots.</summary>
    public IReadOnlyList<Incident>? Incidents { get; init; }
    /// <summary>duplicates: how many attempts were retries, and the stream audit.</summary>
    public DuplicatesFinding? Duplicates { get; init; }
    /// <summary>hot-event: each shard's CPU utilisation per strategy.</summary>
    public IReadOnlyList<ShardUtilisation>? HotEvent { get; init; }
    /// <summary>capacity: the ladder and the per-shard rate (also written alone as capacity.json).</summary>
    public CapacityResult? Capacity { get; init; }
    /// <summary>failover: one row per way of using WAIT.</summary>
    public IReadOnlyList<FailoverRow>? Failover { get; init; }
}

/// <summary>A shard's share of script calls: ClusterSim's prediction for the joins sent next to INFO commandstats.</summary>
/// <param name="Predicted">Null where no prediction applies (keys spanning slots are refused wherever the client sent them).</param>
/// <param name="Measured">Null when no shard saw a call.</param>
public sealed record ShardComparison(string Strategy, int Shard, string Endpoint, double? Predicted, double? Measured, long Calls, long Rejected)
{
    /// <summary>Measured minus predicted, as a fraction; null when either is missing.</summary>
    public double? Error => Measured - Predicted;
}

/// <summary>The incident check: every join whose keys span slots must fail with the server's CROSSSLOT.</summary>
public sealed record Incident(string Strategy, int Spanning, int SpanningCrossSlot, int SharedSlot, int SharedSlotOk, bool Reproduced);

/// <summary>
/// Streams read back against what the client was told: each acknowledged join present once (else lost), one
/// acknowledgement per idempotency key (else doubled), and entries nobody was told about counted apart.
/// </summary>
/// <param name="DoubledKeys">Idempotency keys with more than one stream entry (entries attributed to keys through every attempt's token).</param>
/// <param name="Unacknowledged">Stream entries whose attempt was never acknowledged as Enqueued (applied, but the client was told otherwise or nothing).</param>
public sealed record StreamAuditResult(int Attempts, int IdempotencyKeys, int Acknowledged, int Lost, int DoubledKeys, int Unacknowledged, int Uncertain, int StreamsRead)
{
    public bool Passed => Lost == 0 && DoubledKeys == 0;
    /// <summary>Entries beyond the first for doubled keys (how many joins too many the queue holds).</summary>
    public int DoubledEntries { get; init; }
    /// <summary>Entries whose token no attempt of this run sent (should be 0: each run has its own events).</summary>
    public int Unattributed { get; init; }
    /// <summary>
    /// Keys the user was told are queued (Enqueued or Duplicate) with no entry in any stream: includes a retry answered
    /// Duplicate by a primary that then died with the entry.
    /// </summary>
    public int AcknowledgedKeysWithoutEntry { get; init; }
    /// <summary>Keys the script applied more than once (two attempts answered Enqueued or NotReplicated): the dedupe key did not stop the retry.</summary>
    public int ReEnqueuedKeys { get; init; }
    /// <summary>
    /// Idempotency keys whose dedupe key exists but no stream entry does, and the reverse; null when the dedupe keys
    /// were not read. The script writes both in one slot, so they replicate (and are lost) together: both should be 0.
    /// </summary>
    public int? DedupeWithoutEntry { get; init; }
    public int? EntryWithoutDedupe { get; init; }
}

/// <param name="RetriedShare">Fraction of attempts that retried an earlier idempotency key; null when nothing was sent.</param>
public sealed record DuplicatesFinding(double? RetriedShare, double AskedShare, StreamAuditResult Audit);

/// <param name="Utilisation">CPU seconds per second of the shard's primary (1.0 = its one thread saturated).</param>
public sealed record ShardUtilisation(string Strategy, int Shard, double Utilisation, long ScriptCalls);

/// <summary>One step of the capacity ladder, or the closed-model ceiling run (no target).</summary>
/// <param name="TargetRps">Null for the closed model.</param>
/// <param name="P99Ms">p99 of Ok responses; null when none came back.</param>
public sealed record CapacityStep(string Name, double? TargetRps, double AchievedRps, double? P99Ms, double FailPercent, double ShardCpu, bool Saturated);

/// <summary>
/// The capacity scenario's result, written as capacity.json; <see cref="PerShardOpsPerSec"/> is what
/// <c>sim --capacity-from</c> reads.
/// </summary>
/// <param name="PerShardOpsPerSec">Join EVALSHAs per second one primary sustains; null when no step ran.</param>
/// <param name="ClientBound">The shard's thread was not saturated: the load generator was the limit and the rate is extrapolated.</param>
/// <param name="RedisBenchmarkRps">redis-benchmark EVALSHA on the same shard; null when it was not run.</param>
public sealed record CapacityResult(
    double? PerShardOpsPerSec, double? SustainedRps, double? ShardCpuAtSustained, bool ClientBound, bool FirstStepSaturated, bool LadderExhausted,
    int Slot, string Shard, IReadOnlyList<CapacityStep> Steps, CapacityStep Closed, double? RedisBenchmarkRps)
{
    /// <summary>The harness's closed-model rate over redis-benchmark's; null without redis-benchmark.</summary>
    public double? HarnessToRedisBenchmark => RedisBenchmarkRps is > 0 and var rb ? Closed.AchievedRps / rb : null;
}

/// <summary>One failover run: one way of using WAIT, under one fault.</summary>
/// <param name="Wait">How WAIT was used: "none", "1", "1, always".</param>
/// <param name="ErrorWindowSeconds">First failure to last, by when each came back; null when nothing failed.</param>
/// <param name="LastFailingSentAfterFaultSeconds">When the last failing join was sent, after the fault; null when nothing failed.</param>
/// <param name="P99InWindowMs">p99, send to answer, of every call sent between the fault and the heal (the end of injection when it never healed), whatever its outcome; null when none was sent.</param>
/// <param name="RecoverySeconds">From the fault to the end of the first whole second from which, in every later second inside the injection, ≥ 90% of the joins sent in it were served in time (1 s, or twice the pre-fault p99, at most 2.5 s); null if never.</param>
/// <param name="HealSeconds">From the fault until the slot was served again; null when the fault task did not finish.</param>
/// <param name="Classified">Every failure had a known kind (no Other, unknown or bare exception).</param>
public sealed record FailoverRow(
    string Wait, int WaitReplicas, bool WaitSkipsWithoutReplicas, string Fault, double FaultAtSeconds,
    double? ErrorWindowSeconds, double? LastFailingSentAfterFaultSeconds, long Failed, IReadOnlyDictionary<string, long> FailedByKind,
    double? P99InWindowMs, double? RecoverySeconds, double? HealSeconds, bool Healed,
    long NoScriptRecovered, long WaitShortfalls, long WaitsSkipped, long SlotMoves, bool Classified, StreamAuditResult Audit)
{
    /// <summary>--require-replicas: joins whose WAIT reached fewer replicas were answered NotReplicated.</summary>
    public int RequireReplicas { get; init; }
    /// <summary>--retry: how many times a failed join was re-sent with its idempotency key.</summary>
    public int RetryCount { get; init; }
    /// <summary>Retries actually sent.</summary>
    public long RetriesSent { get; init; }
    /// <summary>lagged-kill: primary master_repl_offset at the kill minus the replica's offset before its link was cut; null for other faults.</summary>
    public long? LagBytes { get; init; }
    /// <summary>lagged-kill: the lag in joins, from the offsets and the bytes one join adds to the replication stream; null for other faults.</summary>
    public double? PredictedLostJoins { get; init; }
    /// <summary>lagged-kill: joins acknowledged as Enqueued on the killed shard between the link cut and the kill.</summary>
    public int? AcknowledgedInLagWindow { get; init; }
    /// <summary>--max-lost, when given: the row passes only with at most this many acknowledged joins lost.</summary>
    public int? MaxLost { get; init; }
    /// <summary>Joins (idempotency keys) whose first attempt was sent in the outage window; <see cref="P99InWindowMs"/> is over them.</summary>
    public int OutageJoins { get; init; }
    /// <summary>How long the outage window (by send time) lasted: from the fault to the heal, or to the end of injection.</summary>
    public double? OutageSeconds { get; init; }
    /// <summary>Keys whose first attempt failed and a retry was acknowledged as Enqueued or Duplicate.</summary>
    public int RecoveredByRetry { get; init; }
    /// <summary>Of those, retries answered Enqueued after the promotion was seen: the promoted primary took them.</summary>
    public int RetriesEnqueuedAfterPromotion { get; init; }
    /// <summary>The hot slot's new owner, as the harness saw it (CLUSTER NODES, confirmed by ROLE); null when it never changed.</summary>
    public string? PromotedTo { get; init; }
    /// <summary>The hot slot's owner before the fault.</summary>
    public string? FormerPrimary { get; init; }
    /// <summary>When the harness saw the promotion, in seconds after the fault; null when it saw none.</summary>
    public double? PromotionSeenAfterFaultSeconds { get; init; }
    /// <summary>How many times the hot slot's owner changed while the run and the heal were watched.</summary>
    public int SlotOwnerChanges { get; init; }
    /// <summary>--fault-command: the command's exit code (null: killed at its time limit, or no command).</summary>
    public int? FaultCommandExitCode { get; init; }
    /// <summary>--fault-command: where its output went.</summary>
    public string? FaultCommandLog { get; init; }
    /// <summary>Why the fault did not complete (e.g. the command was not started: the hot slot had no replica with an address); null when it did.</summary>
    public string? FaultError { get; init; }
}
