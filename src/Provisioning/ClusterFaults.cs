using HashtagBench.Keys;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>What a fault scenario can do to a node.</summary>
public enum FaultAction
{
    /// <summary>kill -9 the primary (SIGKILL to its container, for Testcontainers); its replica is promoted after cluster-node-timeout.</summary>
    KillPrimary,
    /// <summary>SIGSTOP (docker pause) the primary for a while, then resume it: alive but silent, long enough to be failed over.</summary>
    PausePrimary,
    /// <summary>Kill the primary and start it again at once (it comes back, possibly as a replica).</summary>
    RestartPrimary,
    /// <summary>CLUSTER FAILOVER on a replica: a planned, lossless hand-over.</summary>
    ManualFailover,
}

/// <summary>
/// Fault actions against a cluster this harness started (redis-server processes or host-network containers), and
/// the wait that tells when it has healed.
/// Nodes are found from a fresh CLUSTER NODES, so a fault always hits the current primary of a slot.
/// </summary>
public sealed class ClusterFaults(RunningCluster cluster)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    public static FaultAction ParseAction(string text) => text.Trim().ToLowerInvariant() switch
    {
        "kill" or "kill-primary" => FaultAction.KillPrimary,
        "pause" or "pause-primary" => FaultAction.PausePrimary,
        "restart" or "restart-primary" => FaultAction.RestartPrimary,
        "failover" or "manual-failover" => FaultAction.ManualFailover,
        _ => throw new FormatException($"Unknown fault '{text}'. Use kill, pause, restart or failover."),
    };

    /// <summary>The node (process or container) that serves a slot as primary right now.</summary>
    public async Task<LocalNode> PrimaryOfAsync(int slot)
    {
        ClusterNodesSnapshot snap = await SnapshotAsync().ConfigureAwait(false);
        ClusterNodeLine p = snap.PrimaryOf(slot) ?? throw new InvalidOperationException($"No healthy primary serves slot {slot} right now.");
        return Local(p.Endpoint);
    }

    /// <summary>A healthy replica of the primary that serves a slot.</summary>
    public async Task<LocalNode> ReplicaOfAsync(int slot)
    {
        ClusterNodesSnapshot snap = await SnapshotAsync().ConfigureAwait(false);
        ClusterNodeLine p = snap.PrimaryOf(slot) ?? throw new InvalidOperationException($"No healthy primary serves slot {slot} right now.");
        ClusterNodeLine r = snap.ReplicasOf(p).FirstOrDefault(r => !r.IsFailed)
            ?? throw new InvalidOperationException($"Primary {p.Endpoint} has no healthy replica to fail over to.");
        return Local(r.Endpoint);
    }

    /// <summary>
    /// Applies a fault to the primary (for a manual failover, a replica) of <paramref name="slot"/> and returns the
    /// node acted on. Pause holds the node stopped for <paramref name="pauseFor"/> before resuming it.
    /// </summary>
    public async Task<LocalNode> ApplyAsync(FaultAction action, int slot, TimeSpan pauseFor, CancellationToken ct = default)
    {
        if (action == FaultAction.ManualFailover)
        {
            LocalNode r = await ReplicaOfAsync(slot).ConfigureAwait(false);
            // A replica still syncing, or one its primary still flags as failed (just restarted), has its
            // CLUSTER FAILOVER accepted and then silently timed out. Wait until both sides agree it is healthy.
            await WaitForReplicaReadyAsync(r, await PrimaryOfAsync(slot).ConfigureAwait(false), TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
            // Redis gives a manual failover a fixed 5 s; on a starved machine it can lapse. Confirm and retry.
            for (int attempt = 1; ; attempt++)
            {
                string reply = await RespProbe.SendAsync(r.Host, r.Port, TimeSpan.FromSeconds(5), "CLUSTER", "FAILOVER").ConfigureAwait(false);
                if (reply != "OK") throw new InvalidOperationException($"CLUSTER FAILOVER on {r} answered {reply}.");
                if (await BecomesPrimaryAsync(r, TimeSpan.FromSeconds(8), ct).ConfigureAwait(false)) break;
                if (attempt == 3) throw new TimeoutException($"CLUSTER FAILOVER on {r} did not promote it after {attempt} attempts.");
            }
            return r;
        }
        LocalNode n = await PrimaryOfAsync(slot).ConfigureAwait(false);
        switch (action)
        {
            case FaultAction.KillPrimary:
                await n.KillAsync().ConfigureAwait(false);
                break;
            case FaultAction.PausePrimary:
                await n.PauseAsync().ConfigureAwait(false);
                try { await Task.Delay(pauseFor, ct).ConfigureAwait(false); }
                finally { await n.ResumeAsync().ConfigureAwait(false); }
                break;
            case FaultAction.RestartPrimary:
                await n.RestartAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
        return n;
    }

    /// <summary>
    /// Waits until a replica's link to its primary is up (its first full sync is done) and the primary itself
    /// lists it as a healthy replica.
    /// </summary>
    public static async Task WaitForReplicaReadyAsync(LocalNode replica, LocalNode primary, TimeSpan timeout, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            string repl = await RespProbe.SendAsync(replica.Host, replica.Port, ProbeTimeout, "INFO", "replication").ConfigureAwait(false);
            if (repl.Contains("master_link_status:up"))
            {
                ClusterNodesSnapshot view = await ClusterNodesSnapshot.ReadAsync(primary.Host, primary.Port, ProbeTimeout).ConfigureAwait(false);
                ClusterNodeLine? self = view.Nodes.FirstOrDefault(n => n.Flags.Contains("myself"));
                ClusterNodeLine? seen = view.Nodes.FirstOrDefault(n => n.Endpoint == $"{replica.Host}:{replica.Port}");
                if (self is not null && seen is { IsFailed: false } && seen.PrimaryId == self.Id) return;
            }
            if (sw.Elapsed > timeout) throw new TimeoutException($"Replica {replica} was not in sync and acknowledged by {primary} within {timeout.TotalSeconds:0}s.");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static async Task<bool> BecomesPrimaryAsync(LocalNode node, TimeSpan within, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < within)
        {
            ClusterNodesSnapshot view = await ClusterNodesSnapshot.ReadAsync(node.Host, node.Port, ProbeTimeout).ConfigureAwait(false);
            if (view.Nodes.Any(n => n.Flags.Contains("myself") && n.IsPrimary)) return true;
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        return false;
    }

    /// <summary>Restarts every node of this harness that is not running (after a kill), so the cluster is whole again.</summary>
    public async Task RestartDeadNodesAsync()
    {
        foreach (LocalNode n in cluster.LocalNodes.Where(n => !n.IsRunning))
            await n.RestartAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every running node reports cluster_state:ok with all slots served and the slot's primary is
    /// not <paramref name="formerPrimary"/> (when given). Returns how long it took.
    /// </summary>
    public async Task<TimeSpan> WaitForHealedAsync(int slot, LocalNode? formerPrimary, TimeSpan timeout, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed < timeout)
        {
            try
            {
                last = await HealthProblemAsync(slot, formerPrimary).ConfigureAwait(false) ?? "";
                if (last.Length == 0) return sw.Elapsed;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or RespErrorException or InvalidOperationException)
            {
                last = ex.Message;
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"The cluster did not heal within {timeout.TotalSeconds:0}s (last: {last}).");
    }

    private async Task<string?> HealthProblemAsync(int slot, LocalNode? formerPrimary)
    {
        foreach (LocalNode n in cluster.LocalNodes.Where(n => n.IsRunning))
        {
            string info = await RespProbe.SendAsync(n.Host, n.Port, ProbeTimeout, "CLUSTER", "INFO").ConfigureAwait(false);
            if (!info.Contains("cluster_state:ok") || !info.Contains("cluster_slots_ok:16384")) return $"{n}: cluster not ok";
        }
        ClusterNodeLine? owner = (await SnapshotAsync().ConfigureAwait(false)).PrimaryOf(slot);
        if (owner is null) return $"slot {slot} has no primary";
        if (formerPrimary is not null && owner.Endpoint == $"{formerPrimary.Host}:{formerPrimary.Port}") return $"slot {slot} still on {owner.Endpoint}";
        return null;
    }

    private async Task<ClusterNodesSnapshot> SnapshotAsync()
    {
        if (cluster.LocalNodes.Count == 0)
            throw new InvalidOperationException($"Fault actions need nodes (processes or containers) this harness started; the {cluster.ProviderName} cluster has none.");
        Exception? lastError = null;
        foreach (LocalNode n in cluster.LocalNodes.Where(n => n.IsRunning))
        {
            try { return await ClusterNodesSnapshot.ReadAsync(n.Host, n.Port, ProbeTimeout).ConfigureAwait(false); }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException) { lastError = ex; }
        }
        throw new InvalidOperationException("No running node answered CLUSTER NODES.", lastError);
    }

    private LocalNode Local(string endpoint) =>
        cluster.LocalNodes.FirstOrDefault(n => $"{n.Host}:{n.Port}" == endpoint)
        ?? throw new InvalidOperationException($"{endpoint} is not a node this harness started.");
}
