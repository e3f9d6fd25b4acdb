namespace HashtagBench.Provisioning;

/// <summary>
/// Polls every node until it reports a healthy cluster AND sees the exact topology asked for. cluster_state:ok
/// alone is not enough: right after redis-cli --cluster create, gossip may still show a future replica as a
/// slot-less master, and a run started then would measure a different cluster on different nodes.
/// </summary>
internal static class ClusterReadiness
{
    public static async Task WaitForOkAsync(IReadOnlyList<(string Host, int Port)> nodes, ClusterSpec spec, CancellationToken ct)
    {
        string last = "";
        while (true)
        {
            string? problem = null;
            foreach (var (host, port) in nodes)
            {
                problem = await CheckNodeAsync(host, port, spec).ConfigureAwait(false);
                if (problem is not null) break;
            }
            if (problem is null) return;
            last = problem;
            try { await Task.Delay(50, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { throw new OperationCanceledException($"cluster not ready; last seen {last}", null, ct); }
        }
    }

    /// <summary>Null when the node is ready, else what is still wrong.</summary>
    private static async Task<string?> CheckNodeAsync(string host, int port, ClusterSpec spec)
    {
        try
        {
            TimeSpan t = TimeSpan.FromSeconds(2);
            string info = await RespProbe.SendAsync(host, port, t, "CLUSTER", "INFO").ConfigureAwait(false);
            if (!info.Contains("cluster_state:ok") || !info.Contains("cluster_slots_ok:16384"))
                return $"{host}:{port}: {info.Split('\n')[0].Trim()}";
            ClusterNodesSnapshot snap = await ClusterNodesSnapshot.ReadAsync(host, port, t).ConfigureAwait(false);
            ClusterNodeLine? unhealthy = snap.Nodes.FirstOrDefault(n => n.IsFailed || n.Flags.Contains("handshake") || n.Flags.Contains("noaddr"));
            if (unhealthy is not null) return $"{host}:{port} sees an unhealthy node: {unhealthy}";
            int masters = snap.Nodes.Count(n => n.IsPrimary), replicas = snap.Nodes.Count(n => n.PrimaryId is not null);
            if (masters != spec.Shards || replicas != spec.Shards * spec.ReplicasPerShard)
                return $"{host}:{port} sees {masters} primaries and {replicas} replicas";
            // A replica that has not finished its first sync refuses to fail over (its data is "too old"),
            // so a cluster is only ready when every replica's link to its primary is up.
            if (snap.Nodes.Any(n => n.Flags.Contains("myself") && n.PrimaryId is not null))
            {
                string repl = await RespProbe.SendAsync(host, port, t, "INFO", "replication").ConfigureAwait(false);
                if (!repl.Contains("master_link_status:up")) return $"{host}:{port}: replica not in sync yet";
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or RespErrorException or OperationCanceledException)
        {
            return $"{host}:{port}: {ex.Message}";
        }
    }
}
