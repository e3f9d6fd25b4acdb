namespace HashtagBench.Provisioning;

/// <summary>Polls every node until it reports a healthy, fully-known cluster.</summary>
internal static class ClusterReadiness
{
    public static async Task WaitForOkAsync(IReadOnlyList<(string Host, int Port)> nodes, int expectedNodes, CancellationToken ct)
    {
        string last = "";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            bool allOk = true;
            foreach (var (host, port) in nodes)
            {
                try
                {
                    string info = await RespProbe.SendAsync(host, port, TimeSpan.FromSeconds(2), "CLUSTER", "INFO").ConfigureAwait(false);
                    if (!info.Contains("cluster_state:ok") || !info.Contains("cluster_slots_ok:16384")
                        || !info.Contains($"cluster_known_nodes:{expectedNodes}\r"))
                    {
                        allOk = false;
                        last = $"{host}:{port}: {info.Split('\n')[0].Trim()}";
                        break;
                    }
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or RespErrorException)
                {
                    allOk = false;
                    last = $"{host}:{port}: {ex.Message}";
                    break;
                }
            }
            if (allOk) return;
            try { await Task.Delay(50, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { throw new OperationCanceledException($"cluster not ready; last seen {last}", null, ct); }
        }
    }
}
