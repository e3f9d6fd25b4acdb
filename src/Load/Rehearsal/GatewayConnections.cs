using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// The gateway's connections to the cluster, shaped as the launch file's client says at the run's scale.
/// <para><b>Pooled</b> (go-redis ClusterClient): every node holds pods × MinIdleConns connections. A round trip (one
/// command, or one explicit pipeline) leases a connection with nothing else in flight and gives it back when the answer
/// is in, last in first out as go-redis's pool does. The leasable ones are StackExchange.Redis multiplexers, each
/// with exactly one connection per node (no pub/sub connection) and so one command in flight: the library keeps
/// cluster routing (MOVED, ASK) and replica reads (READONLY). The rest are <see cref="IdleConnection"/>s, which is
/// what most of a go-redis pool is (its LIFO stack keeps a few hot connections busy and the rest idle).</para>
/// <para><b>Multiplexed</b>: one multiplexer per pod, each pipelining whatever is in flight; round trips go round-robin.</para>
/// </summary>
internal sealed class GatewayConnections : IRedisLeases, IAsyncDisposable
{
    public const string ClientName = "hashtag-bench-gateway";
    /// <summary>
    /// Leasable multiplexers, opened before the drive: per pod, at least the floor, at most the cap (and never more than
    /// the shape's connections per node). Each costs the harness ~1 MB and ~1 ms of CPU a second (its heartbeat) and
    /// ~10 ms of CPU to connect, so the pool does not grow during the drive (measured: growing under load fed on
    /// itself); a lease past them waits for one to come back, as go-redis's does at PoolSize, and is counted.
    /// </summary>
    public const int LeasablePerPod = 16, LeasableFloor = 64, LeasableCap = 256;
    private const int OpenParallelism = 32;

    private readonly RunningCluster _cluster;
    private readonly Stopwatch _sinceOpen = Stopwatch.StartNew();
    private IReadOnlyList<string> _replicas = [];
    private readonly IReadOnlyList<SampledNode> _nodes;
    private readonly object _gate = new();
    private readonly List<ConnectionMultiplexer> _muxes = [];
    private readonly Stack<IDatabase> _free = new();
    private readonly Queue<(TaskCompletionSource<IDatabase> Waiter, long Since)> _waiters = new();
    private readonly Dictionary<string, Stack<IdleConnection>> _idle = new(StringComparer.Ordinal);
    private IDatabase[] _shared = [];
    private long _next, _leases, _waits, _waitTicks;
    private int _leased, _peakLeased;
    private bool _disposed;

    private GatewayConnections(RunningCluster cluster, ClientMode mode, int pods, int perNode, IReadOnlyList<SampledNode> nodes)
    {
        _cluster = cluster;
        Mode = mode;
        Pods = pods;
        PlannedPerNode = perNode;
        _nodes = nodes;
    }

    public ClientMode Mode { get; }
    public int Pods { get; }
    /// <summary>Connections per node the shape gives (pods × min idle, or pods when multiplexed).</summary>
    public int PlannedPerNode { get; }

    /// <summary>Leasable connections per node now (multiplexers).</summary>
    public int ActiveConnections { get { lock (_gate) return _muxes.Count; } }

    /// <summary>Idle holders per node now (the fewest of any node).</summary>
    public int IdleConnectionsPerNode { get { lock (_gate) return _idle.Count == 0 ? 0 : _idle.Values.Min(s => s.Count); } }

    public long Leases => Interlocked.Read(ref _leases);
    public long LeaseWaits => Interlocked.Read(ref _waits);
    public double LeaseWaitSeconds => (double)Interlocked.Read(ref _waitTicks) / Stopwatch.Frequency;
    public int PeakLeased => Volatile.Read(ref _peakLeased);

    /// <summary>
    /// Opens every connection the shape gives on every node in <paramref name="nodes"/>. Refuses (exit 2) a shape a
    /// node cannot take: more connections than its maxclients leaves room for.
    /// </summary>
    /// <param name="admin">The harness's own connection: reads each node's maxclients.</param>
    public static async Task<GatewayConnections> OpenAsync(RunningCluster cluster, IConnectionMultiplexer admin, ClientShape shape, double scale,
        IReadOnlyList<SampledNode> nodes, bool replicaReads, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int pods = shape.PodsAtScale(scale);
        int perNode = shape.ConnectionsPerNode(pods);
        var pool = new GatewayConnections(cluster, shape.Mode, pods, perNode, nodes);
        // Replica reads: the replicas the harness's own connection reads (it was checked in full by ReplicaRouting); every
        // gateway connection must take each of them for a replica too.
        if (replicaReads)
            pool._replicas = [.. admin.GetServers().Where(s => s.IsConnected && s.IsReplica).Select(s => ClusterConnector.Format(s.EndPoint))];
        try
        {
            if (shape.Mode == ClientMode.Multiplexed)
            {
                await pool.AddMultiplexersAsync(perNode, ct).ConfigureAwait(false);
                pool._shared = [.. pool._muxes.Select(m => m.GetDatabase())];
                return pool;
            }
            await CheckRoomAsync(admin, nodes, perNode).ConfigureAwait(false);
            int active = Math.Min(perNode, Math.Clamp(LeasablePerPod * pods, LeasableFloor, LeasableCap));
            await pool.AddMultiplexersAsync(active, ct).ConfigureAwait(false);
            foreach (ConnectionMultiplexer m in pool._muxes) pool._free.Push(m.GetDatabase());
            await pool.OpenIdleAsync(perNode - active, replicaReads, ct).ConfigureAwait(false);
            return pool;
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask<IDatabase> LeaseAsync()
    {
        if (Mode == ClientMode.Multiplexed) return ValueTask.FromResult(_shared[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_shared.Length)]);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _leases++;
            if (_free.TryPop(out IDatabase? db))
            {
                if (++_leased > _peakLeased) _peakLeased = _leased;
                return ValueTask.FromResult(db);
            }
            // Every leasable connection is busy: wait for the first one back, first come first served (go-redis at PoolSize).
            var waiter = new TaskCompletionSource<IDatabase>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue((waiter, Stopwatch.GetTimestamp()));
            _waits++;
            return new ValueTask<IDatabase>(waiter.Task);
        }
    }

    public void Return(IDatabase leased)
    {
        if (Mode == ClientMode.Multiplexed) return;
        TaskCompletionSource<IDatabase>? next = null;
        lock (_gate)
        {
            if (_disposed) return;
            if (_waiters.TryDequeue(out var w))
            {
                next = w.Waiter;
                _waitTicks += Stopwatch.GetTimestamp() - w.Since;
            }
            else
            {
                _free.Push(leased);
                _leased--;
            }
        }
        next?.TrySetResult(leased);
    }

    private async Task AddMultiplexersAsync(int count, CancellationToken ct)
    {
        var opened = new ConnectionMultiplexer[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, _) => opened[i] = await ConnectAsync().ConfigureAwait(false)).ConfigureAwait(false);
        lock (_gate) _muxes.AddRange(opened);
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        ConfigurationOptions o = _cluster.CreateOptions();
        o.ClientName = ClientName;
        o.AllowAdmin = false;
        // No SUBSCRIBE: no pub/sub connection, so exactly one connection per node.
        o.CommandMap = CommandMap.Create(new HashSet<string> { "SUBSCRIBE" }, available: false);
        o.TieBreaker = "";
        // On a young cluster StackExchange.Redis may never take a replica it first met as a slot-less primary for a
        // replica, and would send that shard's replica reads to its primary: such a connection is made anew, within
        // one deadline for the whole pool (after it, a connection is kept as it is).
        while (true)
        {
            ConnectionMultiplexer mux = await _cluster.ConnectAsync(o).ConfigureAwait(false);
            for (int i = 0; i < 12 && !TakesEveryReplica(mux); i++) await Task.Delay(250).ConfigureAwait(false);
            if (TakesEveryReplica(mux) || _sinceOpen.Elapsed >= ReplicaRouting.DefaultPatience) return mux;
            await mux.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool TakesEveryReplica(ConnectionMultiplexer mux) => _replicas.All(r =>
    {
        try { return mux.GetServer(r) is { IsConnected: true, IsReplica: true }; }
        catch (ArgumentException) { return false; }
    });

    private async Task OpenIdleAsync(int perNode, bool replicaReads, CancellationToken ct)
    {
        if (perNode <= 0) return;
        foreach (SampledNode n in _nodes) _idle[n.Endpoint] = new Stack<IdleConnection>(perNode);
        var work = _nodes.SelectMany(n => Enumerable.Repeat(n, perNode));
        int opened = 0;
        try
        {
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism, CancellationToken = ct }, async (n, token) =>
            {
                // go-redis sends READONLY on a cluster connection when reads may go to replicas; a primary needs none.
                IdleConnection c = await IdleConnection.OpenAsync(n.Endpoint, _cluster.Auth, replicaReads && n.Role != "master", ClientName, token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_disposed) { c.Dispose(); return; }
                    _idle[n.Endpoint].Push(c);
                    opened++;
                }
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            throw new ClusterProvisioningException(
                $"Could open only {opened:N0} of {perNode * _nodes.Count:N0} idle gateway connections ({perNode:N0} per node): {ex.Message} " +
                "(raise the open-file limit, lower the client shape's pods or minIdleConns, or use --client-mode multiplexed)", ex);
        }
    }

    // A node refuses clients past maxclients: say so before opening thousands of sockets. A server that hides CONFIG
    // (a managed service) is not checked here; its refusal then comes back from the handshake.
    private static async Task CheckRoomAsync(IConnectionMultiplexer admin, IReadOnlyList<SampledNode> nodes, int perNode)
    {
        const int Headroom = 64; // the harness's own connections, replication, the sampler, a redis-cli
        foreach (SampledNode n in nodes)
        {
            long? max = null;
            try
            {
                RedisResult r = await admin.GetServer(n.Endpoint).ExecuteAsync("CONFIG", "GET", "maxclients").WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                if (r.Length == 2 && long.TryParse((string?)r[1], out long m)) max = m;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { }
            if (max is long limit && perNode + Headroom > limit)
                throw new ClusterProvisioningException(
                    $"{n.Endpoint} takes at most {limit:N0} clients (maxclients), and the client shape gives {perNode:N0} per node at this scale: " +
                    "lower --scale, the client shape's pods or minIdleConns, or use --client-mode multiplexed.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ConnectionMultiplexer> muxes;
        List<IdleConnection> idle;
        List<TaskCompletionSource<IDatabase>> waiters;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            muxes = [.. _muxes];
            idle = [.. _idle.Values.SelectMany(s => s)];
            waiters = [.. _waiters.Select(w => w.Waiter)];
            _waiters.Clear();
        }
        foreach (var w in waiters) w.TrySetException(new ObjectDisposedException(nameof(GatewayConnections)));
        foreach (IdleConnection c in idle) c.Dispose();
        foreach (ConnectionMultiplexer m in muxes) await m.DisposeAsync().ConfigureAwait(false);
    }
}
