using System.Text.Json.Serialization;

namespace HashtagBench.ClusterSim;

/// <summary>What one node does in one second, as the CPU model reads it.</summary>
/// <param name="CommandUsec">Σ calls × INFO commandstats usec per call of the commands it runs (on a replica, the ones it applies too).</param>
/// <param name="Commands">Top-level commands it parses (a script's inner calls are inside its usec; a replica's applied ones count).</param>
/// <param name="Reads">Reads that each deliver one connection's batch of one or more commands (a replica's reads of its primary's stream count).</param>
/// <param name="Connections">Client connections held open to the node.</param>
/// <param name="Shipped">Replicated commands a primary writes to its replicas, counted once per replica.</param>
/// <param name="ShipWrites">Round trips of a primary that wrote (each one a write to every replica's socket), counted once per replica.</param>
/// <param name="LinkReads">A replica's reads of its primary's replication stream (no reply goes back).</param>
public readonly record struct NodeLoad(double CommandUsec, double Commands, double Reads, double Connections, double Shipped = 0, double ShipWrites = 0,
    double LinkReads = 0)
{
    public static NodeLoad operator +(NodeLoad a, NodeLoad b) => new(a.CommandUsec + b.CommandUsec, a.Commands + b.Commands, a.Reads + b.Reads,
        a.Connections + b.Connections, a.Shipped + b.Shipped, a.ShipWrites + b.ShipWrites, a.LinkReads + b.LinkReads);
}

/// <summary>One calibration step's model error: (model − measured) ÷ measured CPU.</summary>
public sealed record FitResidual(string Step, string Role, double MeasuredCpu, double ModelCpu)
{
    public double Relative => MeasuredCpu > 0 ? (ModelCpu - MeasuredCpu) / MeasuredCpu : double.NaN;
}

/// <summary>How well the fitted terms describe the steps they came from.</summary>
/// <param name="RmsRelative">Root mean square of the steps' relative errors.</param>
/// <param name="LoadAverage">The measuring machine's mean 1-minute load average while the steps ran (null: unknown); a shared machine gives noisy terms.</param>
public sealed record CpuFit(int Steps, double RmsRelative, double MaxRelative, double? LoadAverage, IReadOnlyList<FitResidual> Residuals)
{
    /// <summary>Half-width of the forecast band, relative: two RMS errors (about 95 % of the steps when the errors are normal).</summary>
    [JsonIgnore] public double Band => 2 * RmsRelative;
}

/// <summary>
/// A node's CPU for the whole request, not command time alone. Per second, in microseconds of the engine (main)
/// thread, which is what EngineCPUUtilization reports on ElastiCache nodes with 4+ vCPUs:
/// <code>
/// cpu = B + Σ usec_cmd + p·commands + r·reads + w·W + k·connections + s·shipped + q·ship_writes + l·link_reads
/// W   = (reads + link_reads) / (1 + (reads + link_reads)·τ)          the event loop's wake-ups
/// </code>
/// B: the idle node (serverCron, cluster bus, replication pings); usec_cmd: INFO commandstats per call; p: per
/// command outside it (parsing, lookup, slot and ACL checks); r: per read (the read and the reply's write, TLS
/// included when measured over TLS); w: per wake-up of the event loop (epoll_wait, beforeSleep). Wake-ups follow
/// the dead-time law: once woken, the engine takes in every read that arrives within τ, so reads/s cost
/// reads / (1 + reads·τ) wake-ups, which is why a cheap command costs less per call as load rises. k: per open
/// connection per second (clientsCron); s: per replicated command per replica on the primary (feeding the backlog
/// and the replica's buffer); q: per round trip that wrote, per replica (the write to the replica's socket). A
/// replica runs the same terms on what it applies: its primary's replicated commands (each
/// <see cref="AppliedCommandUsec"/> of command time) arrive on one link, l per read of it (no reply to write), at
/// most one read per primary round trip that wrote. The terms come from <c>hashtag-bench calibrate</c> on the
/// cluster it is pointed at.
/// </summary>
/// <param name="WakeShareSeconds">τ: the dead time over which reads share one wake-up.</param>
/// <param name="AppliedCommandUsec">commandstats usec per call of a replicated command on a replica (measured on SET … PXAT).</param>
/// <param name="TlsUsecPerRead">The TLS part of <paramref name="PerReadUsec"/>, when a plain reference split it out; null: not measured.</param>
/// <param name="Tls">The terms were measured over TLS (TLS is inside the per-read and wake-up terms).</param>
public sealed record ServerCpuModel(
    double IdleUsecPerSecond, double PerCommandUsec, double PerReadUsec, double PerWakeUsec, double WakeShareSeconds,
    double PerConnectionUsecPerSecond, double ShipUsecPerCommand, double ShipUsecPerWrite, double LinkReadUsec, double AppliedCommandUsec,
    bool Tls = false, double? TlsUsecPerRead = null, double? BytesPerConnection = null, CpuFit? Fit = null)
{
    public const double CoreUsec = 1e6;

    /// <summary>
    /// The multiplexed client's pipeline depth: what is in flight on its one connection per node, rate × latency
    /// (Little's law) with this round trip, and at least one command per read.
    /// </summary>
    public const double MultiplexedRoundTripSeconds = 0.0005;

    /// <summary>Command time alone (an old cost table without server terms): the floor the servers exceed.</summary>
    public static ServerCpuModel CommandTimeOnly { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>True when some term beyond command time was measured.</summary>
    [JsonIgnore]
    public bool HasServerTerms => Terms.Any(t => t > 0);

    /// <summary>Every term, in a fixed order (for checks).</summary>
    [JsonIgnore]
    public IReadOnlyList<double> Terms => [IdleUsecPerSecond, PerCommandUsec, PerReadUsec, PerWakeUsec, WakeShareSeconds, PerConnectionUsecPerSecond,
        ShipUsecPerCommand, ShipUsecPerWrite, LinkReadUsec, AppliedCommandUsec];

    /// <summary>The node's engine-thread microseconds in one second.</summary>
    public double Usec(NodeLoad l) => IdleUsecPerSecond + l.CommandUsec + PerCommandUsec * l.Commands + PerReadUsec * l.Reads
        + PerWakeUsec * WakeUps(l.Reads + l.LinkReads, WakeShareSeconds) + PerConnectionUsecPerSecond * l.Connections
        + ShipUsecPerCommand * l.Shipped + ShipUsecPerWrite * l.ShipWrites + LinkReadUsec * l.LinkReads;

    /// <summary>Wake-ups for <paramref name="reads"/> reads/s: the non-paralysable dead-time law, reads / (1 + reads·τ).</summary>
    public static double WakeUps(double reads, double tau) => reads <= 0 ? 0 : reads / (1 + reads * tau);

    /// <summary>A replica's load: its own (the replica reads it serves) plus what it applies from its primary.</summary>
    /// <param name="applied">Replicated commands it applies per second.</param>
    /// <param name="primaryWrites">Its primary's round trips that wrote: at most one read of the link each (fewer when the stream coalesces).</param>
    public NodeLoad Applying(NodeLoad own, double applied, double primaryWrites) =>
        own + new NodeLoad(applied * AppliedCommandUsec, applied, 0, 0, LinkReads: Math.Min(applied, primaryWrites));

    /// <summary>The forecast band around a CPU figure; null without a fit.</summary>
    public (double Low, double High)? Interval(double cpu) => Fit is { } f ? (Math.Max(0, cpu * (1 - f.Band)), cpu * (1 + f.Band)) : null;

    /// <summary>
    /// Reads per second a node sees from <paramref name="roundTrips"/> the Pooled shape would send (one per command,
    /// one per explicit pipeline) over <paramref name="connections"/>: Pooled sends them as they are; Multiplexed
    /// shares a read among whatever is in flight on a connection (rate per connection × <see cref="MultiplexedRoundTripSeconds"/>).
    /// </summary>
    public static double Reads(double roundTrips, double connections, bool multiplexed)
    {
        if (!multiplexed || roundTrips <= 0 || connections <= 0) return roundTrips;
        double depth = Math.Max(1, roundTrips / connections * MultiplexedRoundTripSeconds);
        return roundTrips / depth;
    }
}
