using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>What a fault scenario can do to a node.</summary>
public enum FaultAction
{
    /// <summary>kill -9 the primary (SIGKILL to its container, for Testcontainers); its replica is promoted after cluster-node-timeout.</summary>
    KillPrimary,
    /// <summary>SIGSTOP (docker pause) the primary for a while, then resume it: alive but silent, long enough to be failed over.</summary>
    PausePrimary,
    /// <summary>
    /// Kill the primary, wait until its replica has been promoted, then start the old primary again: it rejoins as a
    /// replica (how a managed cluster replaces a node). Refused when no replica could take over, because a node
    /// without persistence restarted as primary comes back empty and keeps its slots.
    /// </summary>
    RestartPrimary,
    /// <summary>CLUSTER FAILOVER on a replica: a planned, lossless hand-over.</summary>
    ManualFailover,
    /// <summary>
    /// The loss window: freeze the primary's replica and cut its link (CLIENT KILL TYPE replica) while the primary keeps
    /// acknowledging writes, record the lag from INFO replication, then kill -9 the primary and resume the replica,
    /// which is promoted without those writes.
    /// </summary>
    LaggedKill,
}

/// <summary>What a lagged kill measured on the primary before killing it.</summary>
/// <param name="ReplicaAckedOffset">The replica's offset as the primary last saw it (REPLCONF ACK), before its link was cut.</param>
/// <param name="PrimaryOffsetAtCut">The primary's master_repl_offset when the replica's link was cut.</param>
/// <param name="PrimaryOffsetAtKill">The primary's master_repl_offset just before kill -9.</param>
/// <param name="CutAt">When the link was cut and the kill happened, on the caller's clock (seconds).</param>
public sealed record ReplicationLag(long ReplicaAckedOffset, long PrimaryOffsetAtCut, long PrimaryOffsetAtKill, double CutAt, double KillAt)
{
    /// <summary>Bytes of replication stream the promoted replica will not have: the loss the offsets predict.</summary>
    public long LagBytes => Math.Max(0, PrimaryOffsetAtKill - ReplicaAckedOffset);
}

/// <summary>
/// Fault actions against a cluster this harness started (redis-server processes or host-network containers), and
/// the wait that tells when it has healed.
/// Nodes are found from a fresh CLUSTER NODES, so a fault always hits the current primary of a slot.
/// </summary>
public sealed class ClusterFaults(RunningCluster cluster)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The names a fault goes by on the command line (`--fault`): each action's short name first, then its long one.</summary>
    public static readonly IReadOnlyList<(string Name, FaultAction Action)> ActionNames =
    [
        ("kill", FaultAction.KillPrimary), ("pause", FaultAction.PausePrimary), ("restart", FaultAction.RestartPrimary),
        ("failover", FaultAction.ManualFailover), ("lagged-kill", FaultAction.LaggedKill),
        ("kill-primary", FaultAction.KillPrimary), ("pause-primary", FaultAction.PausePrimary), ("restart-primary", FaultAction.RestartPrimary),
        ("manual-failover", FaultAction.ManualFailover),
    ];

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
                await PauseAsync(n).ConfigureAwait(false);
                try { await Task.Delay(pauseFor, ct).ConfigureAwait(false); }
                finally { await ResumeAsync(n).ConfigureAwait(false); }
                break;
            case FaultAction.RestartPrimary:
                await RestartAfterPromotionAsync(n, slot, ct).ConfigureAwait(false);
                break;
            case FaultAction.LaggedKill:
                LastLag = await LaggedKillAsync(n, slot, pauseFor, ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
        return n;
    }

    /// <summary>What the last <see cref="FaultAction.LaggedKill"/> measured; null before one ran.</summary>
    public ReplicationLag? LastLag { get; private set; }

    /// <summary>The caller's clock for <see cref="ReplicationLag"/> times (seconds); by default since this object was made.</summary>
    public Func<double> Clock { get; init; } = DefaultClock();

    private static Func<double> DefaultClock()
    {
        var sw = Stopwatch.StartNew();
        return () => sw.Elapsed.TotalSeconds;
    }

    /// <summary>CLUSTER NODES as a running node of this harness sees it now.</summary>
    public Task<ClusterNodesSnapshot> ReadNodesAsync() => SnapshotAsync();

    /// <summary>The nodes this class paused and has not resumed yet.</summary>
    private readonly HashSet<LocalNode> _paused = [];

    private async Task PauseAsync(LocalNode n)
    {
        lock (_paused) _paused.Add(n);
        await n.PauseAsync().ConfigureAwait(false);
    }

    private async Task ResumeAsync(LocalNode n)
    {
        await n.ResumeAsync().ConfigureAwait(false);
        lock (_paused) _paused.Remove(n);
    }

    private async Task RestartAfterPromotionAsync(LocalNode primary, int slot, CancellationToken ct)
    {
        // Without persistence a restarted primary comes back empty; if it returns before a replica took its slots,
        // it keeps them and its replica resyncs from it and flushes: the shard is wiped. So: a replica must exist
        // and be in sync, the old primary comes back only after that replica has been promoted.
        LocalNode replica;
        try
        {
            replica = await ReplicaOfAsync(slot).ConfigureAwait(false);
            await WaitForReplicaReadyAsync(replica, primary, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException
                                   || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new InvalidOperationException(
                $"Refusing to restart {primary}: it has no in-sync replica to promote, and a node without persistence restarted as primary " +
                $"comes back empty and keeps its slots (the shard would be wiped). ({ex.Message})", ex);
        }
        await primary.KillAsync().ConfigureAwait(false);
        await WaitForHealedAsync(slot, primary, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        await primary.RestartAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
    }

    private async Task<ReplicationLag> LaggedKillAsync(LocalNode primary, int slot, TimeSpan lagFor, CancellationToken ct)
    {
        LocalNode replica = await ReplicaOfAsync(slot).ConfigureAwait(false);
        await WaitForReplicaReadyAsync(replica, primary, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
        // Freeze the replica, then cut its link from the primary's side. The freeze alone loses nothing on one
        // machine: what the primary already wrote sits in the kernel's socket buffers and is applied on resume. After
        // CLIENT KILL the primary sends its writes nowhere (only to its backlog), like a primary cut off from its replica.
        await PauseAsync(replica).ConfigureAwait(false);
        try
        {
            var before = ReplInfo.Parse(await RespProbe.SendAsync(primary.Host, primary.Port, ProbeTimeout, "INFO", "replication").ConfigureAwait(false));
            await RespProbe.SendAsync(primary.Host, primary.Port, ProbeTimeout, "CLIENT", "KILL", "TYPE", "replica").ConfigureAwait(false);
            double cutAt = Clock();
            var atCut = ReplInfo.Parse(await RespProbe.SendAsync(primary.Host, primary.Port, ProbeTimeout, "INFO", "replication").ConfigureAwait(false));
            await Task.Delay(lagFor, ct).ConfigureAwait(false);
            var atKill = ReplInfo.Parse(await RespProbe.SendAsync(primary.Host, primary.Port, ProbeTimeout, "INFO", "replication").ConfigureAwait(false));
            await primary.KillAsync().ConfigureAwait(false);
            double killAt = Clock();
            long replicaOffset = before.ReplicaOffsets.TryGetValue($"{replica.Host}:{replica.Port}", out long o) ? o : before.MasterOffset;
            return new ReplicationLag(replicaOffset, atCut.MasterOffset, atKill.MasterOffset, cutAt, killAt);
        }
        finally
        {
            await ResumeAsync(replica).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the cluster back whatever a fault left behind: resumes the nodes this object paused and restarts dead
    /// ones. Each step is tried even if an earlier one fails; the first error is rethrown at the end.
    /// </summary>
    public async Task RestoreAsync()
    {
        var errors = new List<Exception>();
        LocalNode[] paused;
        lock (_paused) paused = [.. _paused];
        foreach (LocalNode n in paused)
        {
            try { await ResumeAsync(n).ConfigureAwait(false); }
            catch (Exception ex) { errors.Add(ex); }
        }
        foreach (LocalNode n in cluster.LocalNodes)
        {
            try { if (!n.IsRunning) await n.RestartAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false); }
            catch (Exception ex) { errors.Add(ex); }
        }
        if (errors.Count > 0) throw new AggregateException("Restoring the cluster after a fault failed.", errors);
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

/// <summary>The parts of INFO replication a lagged kill reads.</summary>
internal sealed record ReplInfo(long MasterOffset, IReadOnlyDictionary<string, long> ReplicaOffsets)
{
    /// <summary>master_repl_offset, and each <c>slaveN:ip=…,port=…,offset=…</c> line's offset by ip:port.</summary>
    public static ReplInfo Parse(string info)
    {
        long master = 0;
        var replicas = new Dictionary<string, long>();
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("master_repl_offset:", StringComparison.Ordinal))
                master = long.Parse(line["master_repl_offset:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("slave", StringComparison.Ordinal) && line.Contains("offset=", StringComparison.Ordinal))
            {
                var fields = line[(line.IndexOf(':') + 1)..].Split(',').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                if (fields.TryGetValue("ip", out string? ip) && fields.TryGetValue("port", out string? port) && fields.TryGetValue("offset", out string? off))
                    replicas[$"{ip}:{port}"] = long.Parse(off, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return new ReplInfo(master, replicas);
    }
}
