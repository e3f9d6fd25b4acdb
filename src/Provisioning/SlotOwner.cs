using StackExchange.Redis;

namespace HashtagBench.Provisioning;

/// <summary>A primary and the slot ranges it serves, as the live cluster reports them.</summary>
public sealed record SlotOwner(string Endpoint, IReadOnlyList<(int From, int To)> Ranges)
{
    /// <summary>Reads the live slot map (CLUSTER NODES via StackExchange.Redis), primaries ordered by first slot.</summary>
    public static IReadOnlyList<SlotOwner> Read(IConnectionMultiplexer mux)
    {
        foreach (var ep in mux.GetEndPoints())
        {
            IServer server = mux.GetServer(ep);
            if (!server.IsConnected) continue;
            ClusterConfiguration? config = server.ClusterNodes();
            if (config is null) continue;
            return config.Nodes
                .Where(n => !n.IsReplica && n.Slots.Count > 0 && n.EndPoint is not null)
                .Select(n => new SlotOwner(ClusterConnector.Format(n.EndPoint!), n.Slots.Select(s => (s.From, s.To)).OrderBy(s => s.From).ToList()))
                .OrderBy(o => o.Ranges[0].From)
                .ToList();
        }
        throw new ClusterProvisioningException("No connected node answered CLUSTER NODES.");
    }

    /// <summary>Index (0-based, in slot order) and endpoint of the shard serving the slot.</summary>
    public static string Find(IReadOnlyList<SlotOwner> owners, int slot)
    {
        for (int i = 0; i < owners.Count; i++)
            if (owners[i].Ranges.Any(r => slot >= r.From && slot <= r.To)) return $"{i} ({owners[i].Endpoint})";
        return "unassigned";
    }
}
