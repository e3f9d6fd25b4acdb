using HashtagBench.Contracts;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// What the gateway's traffic and connections cost each node: INFO cpu, stats, clients and memory in one call per
/// node, read around the drive. A node that does not answer in time gives null, never 0.
/// </summary>
internal static class NodeCostReader
{
    private static readonly string[] Sections = ["cpu", "stats", "clients", "memory"];

    /// <summary>How long new connections idle before their memory is read: the server frees an idle client's query buffer after 2 s.</summary>
    public static readonly TimeSpan ClientSettle = TimeSpan.FromSeconds(3);

    public static async Task<NodeInfo?[]> ReadAsync(IConnectionMultiplexer mux, IReadOnlyList<SampledNode> nodes) =>
        await Task.WhenAll(nodes.Select(async n =>
        {
            try { return await NodeInfo.ReadAsync(mux.GetServer(n.Endpoint), Sections).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { return null; }
        })).ConfigureAwait(false);

    public static ConnectionReading? Connections(NodeInfo? info) =>
        info is null ? null : new ConnectionReading(info.ConnectedClients, info.UsedMemory, info.Long("mem_clients_normal"));

    /// <summary>
    /// Each node's deltas over the window (<paramref name="before"/>, read once the gateway's connections had settled,
    /// to <paramref name="after"/>) and its connections before the gateway opened, at the window's start and at its end.
    /// </summary>
    public static IReadOnlyList<NodeClientCost> Costs(IReadOnlyList<SampledNode> nodes, double windowSeconds,
        NodeInfo?[] unopened, NodeInfo?[] before, NodeInfo?[] after) =>
        [.. nodes.Select((n, i) => new NodeClientCost(n.Endpoint, n.Shard ?? -1, n.Role, windowSeconds,
            Delta(before[i]?.CpuSeconds, after[i]?.CpuSeconds),
            Delta(before[i]?.Long("total_commands_processed"), after[i]?.Long("total_commands_processed")),
            Delta(before[i]?.Long("total_reads_processed"), after[i]?.Long("total_reads_processed")),
            Connections(unopened[i]), Connections(before[i]), Connections(after[i])))];

    // A counter that went back (a restart, CONFIG RESETSTAT) has no delta.
    private static double? Delta(double? a, double? b) => a is double x && b is double y && y >= x ? y - x : null;
    private static long? Delta(long? a, long? b) => a is long x && b is long y && y >= x ? y - x : null;
}
