using HashtagBench.Contracts;
using HashtagBench.Keys;
using StackExchange.Redis;
using System.Diagnostics;
using System.Globalization;

namespace HashtagBench.Provisioning;

/// <summary>Where one connection's replica reads go, per shard in slot order, and the first thing that keeps them off a replica.</summary>
/// <param name="Problem">Null when every shard's reads go to every one of its replicas.</param>
public sealed record ReplicaReadView(IReadOnlyList<ReplicaReadRoute> Routes, string? Problem);

/// <summary>
/// Replica reads as StackExchange.Redis really routes them. A cluster says cluster_state:ok right after
/// <c>redis-cli --cluster create</c> while its gossip is still young: for a second or two a node may list another
/// without its address, or a replica as a primary that serves no slots. A client that connects then registers such
/// a node without connecting to it, and may never connect it even once every node agrees it is a replica (a
/// reconfigure does not help): it sends that shard's PreferReplica reads to the primary, silently, and a run
/// started on it measures another placement than the one predicted. So every connection that reads replicas is made
/// here, afresh until one routes to every replica.
/// </summary>
public static class ReplicaRouting
{
    /// <summary>How long a run waits for a connection that reads every replica before it starts anyway.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);
    /// <summary>
    /// A new connection may still be connecting the replicas it found (a second or more after it returned): it is read
    /// this often, this many times, before it is given up for a fresh one.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);
    private const int SettleReads = 12;

    /// <summary>
    /// Connects with <paramref name="connect"/> until the connection sends every shard's replica reads to each of its
    /// replicas; no new connection is made after <paramref name="patience"/> (each is given 3 s). When none does, the
    /// last connection is returned and one line to <paramref name="log"/> says what is missing and where those reads go instead.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(Func<Task<ConnectionMultiplexer>> connect, TimeSpan patience, Action<string>? log,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ConnectionMultiplexer mux = await connect().ConfigureAwait(false);
            try
            {
                ReplicaReadView view = await ReadAsync(mux).ConfigureAwait(false);
                for (int i = 1; i < SettleReads && view.Problem is not null; i++)
                {
                    await Task.Delay(Settle, ct).ConfigureAwait(false);
                    view = await ReadAsync(mux).ConfigureAwait(false);
                }
                if (view.Problem is null) return mux;
                if (clock.Elapsed >= patience)
                {
                    log?.Invoke(NotEveryReplica(view, clock.Elapsed));
                    return mux;
                }
            }
            catch
            {
                await mux.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            // The cluster may have settled meanwhile, but this connection keeps what it first saw: meet it anew.
            await mux.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The one line for a connection that does not read every replica: what is missing, and where those reads go.</summary>
    public static string NotEveryReplica(ReplicaReadView view, TimeSpan waited)
    {
        string where = string.Join("; ", view.Routes.Where(r => !r.Replicas.All(r.ReadsOn.Contains))
            .Select(r => $"{r.Primary}'s on {(r.ReadsOn.Count == 0 ? "no node" : string.Join(",", r.ReadsOn))}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"replica reads: after {waited.TotalSeconds:0} s no connection reads every replica ({view.Problem}); the run predicts the reads where the client sends them{(where.Length > 0 ? $" ({where})" : "")}");
    }

    /// <summary>The routing right now: the cluster's own word on who replicates whom, beside where the client sends a replica read of each shard.</summary>
    public static async Task<ReplicaReadView> ReadAsync(IConnectionMultiplexer mux)
    {
        // Every view the client can read; a node's line about itself (myself) outranks what the others say of it.
        var lines = new Dictionary<string, ClusterNodeLine>(StringComparer.Ordinal);
        var views = new List<(string From, ClusterNodesSnapshot View)>();
        string? problem = null;
        foreach (IServer server in mux.GetServers().Where(s => s.IsConnected))
        {
            ClusterNodesSnapshot view;
            try { view = ClusterNodesSnapshot.Parse(NodeInfo.Text(await server.ExecuteAsync("CLUSTER", "NODES").WaitAsync(ReadTimeout).ConfigureAwait(false))); }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { continue; }
            string from = ClusterConnector.Format(server.EndPoint);
            views.Add((from, view));
            foreach (ClusterNodeLine n in view.Nodes)
            {
                if (!n.HasAddress) problem ??= $"{from} lists node {Short(n.Id)} without an address";
                else if (n.Flags.Contains("myself", StringComparison.Ordinal) || !lines.ContainsKey(n.Id)) lines[n.Id] = n;
            }
        }
        if (lines.Count == 0) return new([], "no node answered CLUSTER NODES");
        // Whoever reads one node's view next (the node sampler, the slot map) must find the same cluster in it.
        foreach (var (from, view) in views)
            foreach (ClusterNodeLine self in lines.Values.Where(n => n.Flags.Contains("myself", StringComparison.Ordinal)))
                if (view.Nodes.FirstOrDefault(n => n.Id == self.Id) is not { } seen)
                    problem ??= $"{from} does not list {self.Endpoint} yet";
                else if (seen.IsPrimary != self.IsPrimary || seen.PrimaryId != self.PrimaryId)
                    problem ??= $"{from} still lists {self.Endpoint} as a {(seen.IsPrimary ? "primary" : "replica")}";

        var known = mux.GetEndPoints().Select(ClusterConnector.Format).ToHashSet(StringComparer.Ordinal);
        // A node the client has not reached speaks only through the others, whose word on a young replica may still be
        // "a primary without slots": until every node answers for itself, who replicates whom is not known.
        // Every one named: on a busy machine a node still connecting can sit beside one that never will.
        string[] unreached = [.. lines.Values.Where(n => !n.IsFailed && !Connected(mux, known, n.Endpoint)).Select(n => n.Endpoint).Order(StringComparer.Ordinal)
            .Select(e => $"{e} is {Why(mux, known, e)}")];
        if (unreached.Length > 0) problem ??= string.Join(", ", unreached);
        var routes = new List<ReplicaReadRoute>();
        foreach (ClusterNodeLine primary in lines.Values.Where(n => n.IsPrimary && !n.IsFailed && n.Slots.Count > 0).OrderBy(n => n.Slots.Min(s => s.From)))
        {
            string[] replicas = [.. lines.Values.Where(n => n.PrimaryId == primary.Id && !n.IsFailed).Select(n => n.Endpoint).Order(StringComparer.Ordinal)];
            RedisKey key = KeyIn(primary.Slots.Min(s => s.From));
            string? owner = Route(mux, key, CommandFlags.DemandMaster);
            // Several replicas are taken in turn: asking twice as often as there are nodes meets each one.
            string[] readsOn = [.. Enumerable.Range(0, 2 * (replicas.Length + 1)).Select(_ => Route(mux, key, CommandFlags.PreferReplica))
                .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            routes.Add(new ReplicaReadRoute(primary.Endpoint, replicas, readsOn));
            if (owner != primary.Endpoint)
                problem ??= $"the client maps slot {primary.Slots.Min(s => s.From)} to {owner ?? "no node"}, the cluster to {primary.Endpoint}";
            else if (replicas.FirstOrDefault(r => !readsOn.Contains(r)) is { } unread)
                problem ??= $"{unread}, replica of {primary.Endpoint}, is {Why(mux, known, unread)}";
        }
        return new(routes, problem);
    }

    /// <summary>Where the client would send a command on <paramref name="key"/> with <paramref name="flags"/>; null when nowhere.</summary>
    private static string? Route(IConnectionMultiplexer mux, RedisKey key, CommandFlags flags)
    {
        try { return ClusterConnector.Format(mux.GetServer(key, flags: flags).EndPoint); }
        catch (InvalidOperationException) { return null; }
    }

    private static bool Connected(IConnectionMultiplexer mux, HashSet<string> known, string endpoint) =>
        known.Contains(endpoint) && mux.GetServer(endpoint).IsConnected;

    private static string Why(IConnectionMultiplexer mux, HashSet<string> known, string endpoint) =>
        !known.Contains(endpoint) ? "unknown to the client"
        : !mux.GetServer(endpoint).IsConnected ? "not connected to the client"
        : !mux.GetServer(endpoint).IsReplica ? "not a replica to the client"
        : "not linked to its primary in the client's map";

    /// <summary>A key in <paramref name="slot"/> (a short search: one key in 16,384 lands in any given slot).</summary>
    internal static string KeyIn(int slot)
    {
        for (int i = 0; ; i++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"hb-route-{i}");
            if (HashSlot.Of(key) == slot) return key;
        }
    }

    private static string Short(string id) => id[..Math.Min(8, id.Length)];
}
