namespace HashtagBench.Contracts;

// How a launch rehearsal's gateway client met the servers (pooled as go-redis, or multiplexed) and what every node
// paid for it over the drive: server CPU per call, calls per read, and the connections with their memory.

/// <summary>The rehearsal's gateway client: its shape, how busy its pool got, its own CPU, and each node's cost.</summary>
/// <param name="Mode">"Pooled" (one command per round trip on a leased connection) or "Multiplexed" (one shared connection per node and pod).</param>
/// <param name="Pods">Gateway pods at the run's scale.</param>
/// <param name="PlannedConnectionsPerNode">What the launch file's client shape gives at this scale (pods × min idle, or pods).</param>
/// <param name="ActiveConnections">Leasable connections per node at the end (each a multiplexer with one connection per node); the rest are idle holders.</param>
/// <param name="IdleConnectionsPerNode">Idle holders per node at the end: connected, authenticated, silent.</param>
/// <param name="Leases">Round trips leased (one command or one pipeline each); 0 when multiplexed.</param>
/// <param name="LeaseWaits">Leases that found no free connection and waited for one (the pool grew or one came back).</param>
/// <param name="LeaseWaitSeconds">Total time those leases waited (part of the requests' latency).</param>
/// <param name="PeakLeased">Most connections leased at once.</param>
/// <param name="ClientCommands">Commands the client sent over the drive (the model's lists).</param>
/// <param name="ClientCpuSeconds">CPU the harness process used over the drive (dispatcher, client, sampler, GC: all of it).</param>
/// <param name="WindowSeconds">The drive window the node deltas are over (INFO read before and after).</param>
public sealed record GatewayClientResult(string Mode, int Pods, int PlannedConnectionsPerNode, int ActiveConnections, int IdleConnectionsPerNode,
    long Leases, long LeaseWaits, double LeaseWaitSeconds, int PeakLeased, long ClientCommands, double ClientCpuSeconds, double WindowSeconds,
    IReadOnlyList<NodeClientCost> Nodes)
{
    /// <summary>The harness's CPU per command it sent, in µs; null when it sent none.</summary>
    public double? ClientCpuUsPerCall => ClientCommands > 0 ? ClientCpuSeconds * 1e6 / ClientCommands : null;

    /// <summary>The primary that used the most CPU over the window; null when no primary has a CPU delta.</summary>
    public NodeClientCost? HottestPrimary => Nodes.Where(n => n.Role is "master" or "primary" && n.CpuSeconds is not null).MaxBy(n => n.CpuSeconds);
}

/// <summary>
/// One node over the drive window, from INFO before and after it: CPU (used_cpu_sys + used_cpu_user), commands
/// (total_commands_processed: script calls' nested commands included, as the server counts them) and reads
/// (total_reads_processed: one per read of a client socket). Connections and their memory before the gateway
/// connected, at the window's start (its connections open and settled: 3 s idle, so the server has freed their query buffers) and at its
/// end. Null where a reading failed, never 0.
/// </summary>
public sealed record NodeClientCost(string Endpoint, int Shard, string Role, double WindowSeconds, double? CpuSeconds, long? Commands, long? Reads,
    ConnectionReading? Before, ConnectionReading? Open, ConnectionReading? End)
{
    public double? CpuPercent => WindowSeconds > 0 && CpuSeconds is double c ? 100 * c / WindowSeconds : null;
    public double? CallsPerSec => WindowSeconds > 0 && Commands is long n ? n / WindowSeconds : null;
    /// <summary>Server CPU per command in µs; null with no command.</summary>
    public double? CpuUsPerCall => CpuSeconds is double c && Commands is > 0 ? c * 1e6 / Commands.Value : null;
    /// <summary>Commands per socket read: how deeply clients pipeline (1 when each read holds one command without nested calls).</summary>
    public double? CallsPerRead => Commands is long n && Reads is > 0 ? (double)n / Reads.Value : null;
}

/// <summary>A node's clients and memory (INFO clients, INFO memory) at one moment.</summary>
/// <param name="ClientsMemoryBytes">mem_clients_normal: what the normal clients' buffers and structures take.</param>
public sealed record ConnectionReading(long? ConnectedClients, long? UsedMemoryBytes, long? ClientsMemoryBytes);

/// <summary>
/// run --launch --find-ceiling for one strategy: the launch stepped up in scale until its hottest primary's peak CPU
/// crossed the target, and the scale where it did (linear between the two steps around the crossing) beside the
/// scale where the model puts the same crossing.
/// </summary>
/// <param name="MeasuredScale">Interpolated scale at the crossing; null when no step crossed (or none measured).</param>
/// <param name="MeasuredNote">How the measured scale was found, or why there is none.</param>
/// <param name="ModelScale">The scale at which the model's hottest primary reaches the target; null when it does not by full scale.</param>
public sealed record ScaleCeilingResult(string Strategy, string ClientMode, double TargetCpu, IReadOnlyList<ScaleCeilingStep> Steps,
    double? MeasuredScale, string MeasuredNote, double? ModelScale, string ModelNote);

/// <summary>One step of the search: a full launch run at <paramref name="Scale"/>.</summary>
/// <param name="PeakCpuPercent">The hottest primary's busiest sampled second (% of a core); null when none was sampled.</param>
/// <param name="MeanCpuPercent">The hottest primary's CPU over the drive window (INFO cpu delta).</param>
/// <param name="ModelCpuPercent">The model's hottest primary at this scale (its busiest second).</param>
/// <param name="Error">Why the step has no measurement (its connections could not open, the cluster went away).</param>
public sealed record ScaleCeilingStep(double Scale, int Pods, int ConnectionsPerNode, double? PeakCpuPercent, double? MeanCpuPercent, double? CallsPerSec,
    double? ModelCpuPercent, string? Error = null);
