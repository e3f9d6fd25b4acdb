namespace HashtagBench.Contracts;

// The launch rehearsal's typed seams: `load run launch` writes a LaunchRunResult per strategy, the comparer turns
// it and `sim --launch`'s prediction into a LaunchComparison, and `run --launch` reports both. Latencies are in ms
// and null when there was no call of that kind (never 0).

/// <summary>One strategy's live launch against a cluster (`load run launch`).</summary>
/// <param name="Scale">The factor the file was scaled by (1: as written); <paramref name="ScaleNote"/> says what changed.</param>
/// <param name="KeyPrefix">Written before every key, outside any hash tag: tagged keys keep their slot on a rerun.</param>
/// <param name="Seconds">From the first arrival's intended time to the last answer.</param>
/// <param name="Steps">Per step (join, status, enter, leave, hold-seat, status-expired) and one row "all".</param>
/// <param name="Nodes">Every node at the start, with its shard (index in slot order) and role.</param>
/// <param name="MeasuredCommands">INFO commandstats calls per node and command, after minus before (nested script calls and replicated writes included, as the server counts them).</param>
/// <param name="Interrupted">Stopped by Ctrl-C/SIGTERM: partial numbers, never a pass.</param>
public sealed record LaunchRunResult(
    string Launch, string Strategy, ulong Seed, double Scale, string ScaleNote, string RunId, string KeyPrefix,
    DateTime StartedUtc, double Seconds,
    IReadOnlyList<LaunchStepResult> Steps,
    LaunchLifecycle Users,
    IReadOnlyList<ThresholdCheck> Thresholds, bool ThresholdsPassed,
    IReadOnlyList<LaunchNode> Nodes,
    IReadOnlyList<NodeCommandCount> MeasuredCommands,
    NodeTelemetry? Telemetry,
    IReadOnlyList<NodeMemory> MemoryLeft,
    bool Interrupted)
{
    /// <summary>Where each event of the launch sat: event ID to slot and shard under this strategy (its queue key).</summary>
    public IReadOnlyList<LaunchEventPlacement> Events { get; init; } = [];
    /// <summary>Keys the run removed at the end (0 with --keep-data).</summary>
    public long KeysRemoved { get; init; }
    /// <summary>The harness's own error: how late the user timers fired (fired − due); null when none fired.</summary>
    public Latency? SchedulerLateness { get; init; }
    /// <summary>Each user's arrival (its first visit's join, on the file's profile): sent, or dropped when the run stopped first; null in an older file.</summary>
    public ArrivalCounts? Arrivals { get; init; }
    /// <summary>The gateway client's shape, its pool and each node's CPU per call and connections; null for a run that recorded none.</summary>
    public GatewayClientResult? Client { get; init; }
    /// <summary>
    /// With replica reads: where the client sent each shard's reads when the run started, which the prediction follows;
    /// null when the launch reads primaries only (or for a run recorded before routes were).
    /// </summary>
    public IReadOnlyList<ReplicaReadRoute>? ReadRoutes { get; init; }
    /// <summary>
    /// When the users started arriving, in seconds of <see cref="Telemetry"/>'s clock: before it the harness opened the
    /// gateway's connections and warmed up, which a gateway that has run for hours does not pay at launch. Null in an
    /// older file (every sample counts).
    /// </summary>
    public double? DriveFromSecond { get; init; }
}

/// <summary>One shard's replica reads as the client really routes them.</summary>
/// <param name="Primary">The shard's primary (host:port as the cluster announces it).</param>
/// <param name="Replicas">Its replicas as the cluster lists them.</param>
/// <param name="ReadsOn">Where a PreferReplica read of its slots goes: every replica when the client sees them all, else the
/// ones it sees, or the primary itself when it sees none.</param>
public sealed record ReplicaReadRoute(string Primary, IReadOnlyList<string> Replicas, IReadOnlyList<string> ReadsOn);

/// <summary>One step's requests: every outcome's latency from its intended time, and Ok's alone.</summary>
public sealed record LaunchStepResult(string Step, long Requests, long Ok, long Failed, Latency? OkLatency, Latency? AllLatency,
    IReadOnlyDictionary<string, long> FailuresByKind)
{
    /// <summary>Failed share of requests in %; null with no request.</summary>
    public double? FailPercent => Requests == 0 ? null : 100.0 * Failed / Requests;
}

/// <summary>How every user's visit ended. Every user is counted once: Entered + Left + Expired + Failed + Unfinished = Users.</summary>
/// <param name="FailureReasons">Failed users by reason (e.g. "join: CROSSSLOT", "status: Timeout").</param>
/// <param name="Unfinished">Still waiting when the run stopped (its time limit, or an interrupt).</param>
public sealed record LaunchLifecycle(int Users, int Entered, int Left, int Expired, int Failed, int Unfinished,
    IReadOnlyDictionary<string, int> FailureReasons);

public sealed record LaunchNode(string Endpoint, int Shard, string Role);

/// <param name="Usec">INFO commandstats usec over the same calls (the command's own time as the server counts it); null in an older file.</param>
public sealed record NodeCommandCount(string Endpoint, string Command, long Calls, long? Usec = null);

/// <summary>A node's used_memory and DBSIZE before the launch and after it (before the run's keys are removed).</summary>
public sealed record NodeMemory(string Endpoint, int Shard, string Role, long? BytesBefore, long? BytesAfter, long? KeysBefore, long? KeysAfter);

public sealed record LaunchEventPlacement(string EventId, int Slot, int Shard);

/// <summary>
/// Measured against predicted, per node: each node's share of all commands the server counted, and per command.
/// Shares are of the run's total on every node, so a per-node error is in percentage points.
/// </summary>
public sealed record LaunchComparison(string Strategy, double TolerancePp, IReadOnlyList<NodeShareRow> Nodes, IReadOnlyList<NodeCommandRow> Commands)
{
    /// <summary>The largest |measured − predicted| node share, in percentage points; null with no node.</summary>
    public double? WorstShareErrorPp => Nodes.Count == 0 ? null : Nodes.Max(n => Math.Abs(n.ErrorPp));
    public bool WithinTolerance => WorstShareErrorPp is { } w && w <= TolerancePp && Unplaced == 0;
    /// <summary>What the servers counted that the waiting room's commands cannot produce (the harness's INFO, CLUSTER, PING…): left out of the shares.</summary>
    public IReadOnlyList<NodeCommandCount> Excluded { get; init; } = [];
    /// <summary>Commands the prediction counted on a shard no node of the run served (its node list lacked a primary): never silently dropped.</summary>
    public long Unplaced { get; init; }
}

/// <param name="PredictedPerSec">Mean commands per second over the run; null when the run had no length.</param>
public sealed record NodeShareRow(string Endpoint, int Shard, string Role, long Predicted, long Measured, double PredictedShare, double MeasuredShare,
    double? PredictedPerSec, double? MeasuredPerSec)
{
    /// <summary>Measured minus predicted share, in percentage points.</summary>
    public double ErrorPp => 100 * (MeasuredShare - PredictedShare);
}

public sealed record NodeCommandRow(string Endpoint, int Shard, string Role, string Command, long Predicted, long Measured, double PredictedShare, double MeasuredShare)
{
    public double ErrorPp => 100 * (MeasuredShare - PredictedShare);
}

/// <summary>Something the launch showed that the reference design never measured, with its number.</summary>
/// <param name="Number">The headline figure as printed, e.g. "XRANGE 1.9 ms at 100,000 entries (0.02 ms at 1,000)".</param>
public sealed record LaunchFinding(string Title, string Number, string Detail);
