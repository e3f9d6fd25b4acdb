using HashtagBench.Keys;
using StackExchange.Redis;

namespace HashtagBench.Provisioning;

/// <summary>Reads a live cluster's slot map through StackExchange.Redis.</summary>
public static class LiveSlotMap
{
    /// <summary>Reads the live slot map (CLUSTER NODES), primaries ordered by first slot.</summary>
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
}
