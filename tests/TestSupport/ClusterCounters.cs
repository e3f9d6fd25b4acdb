using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.TestSupport;

/// <summary>A node of the test cluster: its shard (index in slot order, as the harness numbers shards) and role.</summary>
public sealed record TestNode(string Endpoint, int Shard, bool Primary)
{
    /// <summary>The role as the node sampler writes it.</summary>
    public string Role => Primary ? "master" : "replica";
}

/// <summary>Per-node INFO commandstats for tests that compare what the servers counted with a model.</summary>
public static class ClusterCounters
{
    public static async Task<IReadOnlyList<TestNode>> NodesAsync(IConnectionMultiplexer mux)
    {
        IServer any = mux.GetEndPoints().Select(ep => mux.GetServer(ep)).First(s => s.IsConnected);
        var snapshot = ClusterNodesSnapshot.Parse(NodeInfo.Text(await any.ExecuteAsync("CLUSTER", "NODES")));
        var primaries = snapshot.Nodes.Where(n => n.IsPrimary && n.Slots.Count > 0).OrderBy(n => n.Slots.Min(s => s.From)).ToList();
        return [.. snapshot.Nodes.Select(n => new TestNode(n.Endpoint, primaries.FindIndex(p => p.Id == (n.IsPrimary ? n.Id : n.PrimaryId)), n.IsPrimary))
            .OrderBy(n => n.Shard).ThenBy(n => n.Primary ? 0 : 1)];
    }

    /// <summary>Waits until every replica has applied its primary's stream (offsets equal), so counts are complete.</summary>
    public static async Task SettleAsync(IConnectionMultiplexer mux, IReadOnlyList<TestNode> nodes)
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            bool caughtUp = true;
            foreach (TestNode p in nodes.Where(n => n.Primary))
            {
                long? offset = (await NodeInfo.ReadAsync(mux.GetServer(p.Endpoint), ["replication"])).Long("master_repl_offset");
                foreach (TestNode r in nodes.Where(n => !n.Primary && n.Shard == p.Shard))
                    caughtUp &= (await NodeInfo.ReadAsync(mux.GetServer(r.Endpoint), ["replication"])).Long("slave_repl_offset") >= offset;
            }
            if (caughtUp) return;
            await Task.Delay(10);
        }
        throw new TimeoutException("The replicas did not catch up with their primaries within 5 s.");
    }

    /// <summary>Every node's commandstats calls (command names as the server prints them).</summary>
    public static async Task<Dictionary<(string Endpoint, string Command), long>> CallsAsync(IConnectionMultiplexer mux, IReadOnlyList<TestNode> nodes)
    {
        var calls = new Dictionary<(string, string), long>();
        foreach (TestNode n in nodes)
            foreach (var (command, stat) in (await NodeInfo.ReadAsync(mux.GetServer(n.Endpoint), ["commandstats"])).Commands())
                calls[(n.Endpoint, command)] = stat.Calls;
        return calls;
    }
}
