using HashtagBench.Contracts;
using HashtagBench.Keys;
using StackExchange.Redis;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>
/// Reads a cluster without changing it, and without any command whose cost grows with the data: CLUSTER NODES,
/// CLUSTER INFO, INFO, DBSIZE and CLUSTER COUNTKEYSINSLOT only (never KEYS, never SCAN). Safe on a production shard.
/// </summary>
public static class ClusterInspector
{
    /// <summary>How long one node may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    /// <param name="cpuInterval">Between the two INFO cpu reads a node's CPU % is measured over; zero: CPU n/a.</param>
    public static async Task<ClusterInspection> InspectAsync(IConnectionMultiplexer mux, string cluster, IReadOnlyList<string> events,
        IReadOnlyList<KeyStrategy> strategies, TimeSpan cpuInterval, CancellationToken ct)
    {
        foreach (string e in events) KeyInput.Validate(e, "--events");
        var (nodesText, clusterInfo) = await ReadTopologyAsync(mux).ConfigureAwait(false);
        ClusterNodesSnapshot snapshot = ClusterNodesSnapshot.Parse(nodesText);
        // Shards in slot order, as every other report numbers them (LiveSlotMap, keyslot).
        List<ClusterNodeLine> primaries = snapshot.Nodes.Where(n => n.IsPrimary && n.Slots.Count > 0).OrderBy(n => n.Slots.Min(s => s.From)).ToList();
        int? ShardOf(ClusterNodeLine n)
        {
            int i = primaries.FindIndex(p => p.Id == (n.IsPrimary ? n.Id : n.PrimaryId));
            return i < 0 ? null : i;
        }

        var probes = await Task.WhenAll(snapshot.Nodes.Select(n => ProbeAsync(mux, n, cpuInterval, ct))).ConfigureAwait(false);
        var byId = probes.ToDictionary(p => p.Line.Id);
        var nodes = probes.Select(p => ToNode(p, ShardOf(p.Line), p.Line.PrimaryId is { } pid && byId.TryGetValue(pid, out var primary) ? primary : null))
            .OrderBy(n => n.Shard ?? int.MaxValue).ThenBy(n => n.Role == "master" ? 0 : 1).ThenBy(n => n.Endpoint, StringComparer.Ordinal).ToList();

        var placements = new List<EventPlacement>();
        var keysInSlot = new Dictionary<int, long?>();
        foreach (string ev in events)
            foreach (KeyStrategy strategy in strategies)
            {
                IReadOnlyList<int>? slots = strategy.EventSlots(ev);
                string? note = slots is null ? "slot depends on the user (tagged by user): the event spans every shard"
                    : !strategy.CoLocated ? "dedupe keys are untagged (hashed whole): they spread over every slot; CROSSSLOT on a cluster" : null;
                var rows = new List<SlotPlacement>();
                for (int b = 0; b < (slots?.Count ?? 0); b++)
                {
                    int slot = slots![b];
                    ClusterNodeLine? owner = snapshot.PrimaryOf(slot);
                    if (!keysInSlot.TryGetValue(slot, out long? keys))
                        keysInSlot[slot] = keys = owner is null ? null : await CountKeysAsync(mux, owner.Endpoint, slot).ConfigureAwait(false);
                    rows.Add(new SlotPlacement(slot, strategy.TagSource == TagSource.EventBucket ? b : null, owner is null ? null : ShardOf(owner), owner?.Endpoint, keys));
                }
                placements.Add(new EventPlacement(ev, strategy.Name, rows, note));
            }

        List<long> crossSlot = nodes.Where(n => n.CrossSlotErrors is not null).Select(n => n.CrossSlotErrors!.Value).ToList();
        return new ClusterInspection(DateTime.UtcNow, cluster, Health(snapshot, nodesText, clusterInfo), nodes, placements,
            crossSlot.Count == 0 ? null : crossSlot.Sum(), cpuInterval.TotalSeconds);
    }

    private static async Task<(string Nodes, NodeInfo Info)> ReadTopologyAsync(IConnectionMultiplexer mux)
    {
        Exception? last = null;
        foreach (var ep in mux.GetEndPoints())
        {
            IServer server = mux.GetServer(ep);
            if (!server.IsConnected) continue;
            try
            {
                string nodes = NodeInfo.Text(await server.ExecuteAsync("CLUSTER", "NODES").WaitAsync(NodeTimeout).ConfigureAwait(false));
                string info = NodeInfo.Text(await server.ExecuteAsync("CLUSTER", "INFO").WaitAsync(NodeTimeout).ConfigureAwait(false));
                return (nodes, NodeInfo.Parse(info));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { last = ex; }
        }
        throw new ClusterProvisioningException($"No node answered CLUSTER NODES{(last is null ? "" : $": {last.Message.Split('\n')[0]}")}.");
    }

    private sealed record Probe(ClusterNodeLine Line, NodeInfo? Info, long? Keys, double? CpuPercent, string? Error);

    private static async Task<Probe> ProbeAsync(IConnectionMultiplexer mux, ClusterNodeLine line, TimeSpan cpuInterval, CancellationToken ct)
    {
        if (line.IsFailed) return new Probe(line, null, null, null, "marked failing by the cluster");
        try
        {
            IServer server = mux.GetServer(line.Endpoint);
            var clock = Stopwatch.StartNew();
            NodeInfo info = await NodeInfo.ReadAsync(server, NodeInfo.InspectSections).WaitAsync(NodeTimeout, ct).ConfigureAwait(false);
            double start = clock.Elapsed.TotalSeconds;
            long? keys = (long?)await server.ExecuteAsync("DBSIZE").WaitAsync(NodeTimeout, ct).ConfigureAwait(false);
            double? cpu = null;
            if (cpuInterval > TimeSpan.Zero && info.CpuSeconds is double before)
            {
                await Task.Delay(cpuInterval, ct).ConfigureAwait(false);
                NodeInfo after = await NodeInfo.ReadAsync(server, ["cpu"]).WaitAsync(NodeTimeout, ct).ConfigureAwait(false);
                double elapsed = clock.Elapsed.TotalSeconds - start;
                if (after.CpuSeconds is double a && a >= before && elapsed > 0) cpu = 100 * (a - before) / elapsed;
            }
            return new Probe(line, info, keys, cpu, null);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return new Probe(line, null, null, null, ex.Message.Split('\n')[0]);
        }
    }

    private static InspectedNode ToNode(Probe p, int? shard, Probe? primary)
    {
        NodeInfo? i = p.Info;
        string role = p.Line.IsPrimary ? "master" : "replica";
        // A replica's lag: its primary's offset minus its own, both read within the same moment (clamped: the two reads race).
        long? lag = role == "replica" && i?.ReplicationOffset is long own && primary?.Info?.ReplicationOffset is long theirs ? Math.Max(0, theirs - own) : null;
        string? slots = p.Line.Slots.Count == 0 ? null : string.Join(",", p.Line.Slots.Select(r => r.From == r.To ? $"{r.From}" : $"{r.From}-{r.To}"));
        return new InspectedNode(p.Line.Endpoint, p.Line.Id, shard, role, p.Line.Flags, i is not null, slots, p.Line.Slots.Sum(r => r.To - r.From + 1),
            p.Keys, i?.UsedMemory, i?.OpsPerSec, p.CpuPercent, i?.ReplicationOffset, lag, i?.ConnectedClients, i?.CrossSlotErrors, p.Error);
    }

    private static async Task<long?> CountKeysAsync(IConnectionMultiplexer mux, string endpoint, int slot)
    {
        try { return (long?)await mux.GetServer(endpoint).ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot).WaitAsync(NodeTimeout).ConfigureAwait(false); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { return null; }
    }

    /// <summary>As redis-cli --cluster check: every slot served by a live primary, no slot open, no node failing.</summary>
    public static ClusterHealth Health(ClusterNodesSnapshot snapshot, string nodesText, NodeInfo clusterInfo)
    {
        var covered = new bool[HashSlot.SlotCount];
        foreach (ClusterNodeLine n in snapshot.Nodes.Where(n => n.IsPrimary && !n.IsFailed))
            foreach (var (from, to) in n.Slots)
                for (int s = from; s <= to; s++) covered[s] = true;
        int count = covered.Count(c => c);
        return new ClusterHealth(clusterInfo.Get("cluster_state"), count, HashSlot.SlotCount - count, OpenSlots(nodesText),
            snapshot.Nodes.Where(n => n.IsFailed).Select(n => $"{n.Endpoint} ({n.Flags})").ToList());
    }

    /// <summary>CLUSTER NODES lists an open slot as [slot-&gt;-target] (migrating) or [slot-&lt;-source] (importing).</summary>
    public static IReadOnlyList<string> OpenSlots(string nodesText)
    {
        var open = new List<string>();
        foreach (string line in nodesText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] f = line.Split(' ');
            string endpoint = f.Length > 1 ? f[1].Split('@')[0] : "?";
            foreach (string entry in f.Skip(8).Where(x => x.StartsWith('[')))
            {
                string body = entry.Trim('[', ']');
                int migrating = body.IndexOf("->-", StringComparison.Ordinal), importing = body.IndexOf("-<-", StringComparison.Ordinal);
                if (migrating > 0) open.Add($"{body[..migrating]} migrating from {endpoint} to {Short(body[(migrating + 3)..])}");
                else if (importing > 0) open.Add($"{body[..importing]} importing into {endpoint} from {Short(body[(importing + 3)..])}");
            }
        }
        return open;
    }

    private static string Short(string id) => id[..Math.Min(8, id.Length)];
}
