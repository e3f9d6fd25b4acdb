using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.Statistics;
using StackExchange.Redis;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace HashtagBench.Load.Telemetry;

/// <summary>One node as the sampler found it at start: its endpoint, shard (0-based, slot order; null for none) and role.</summary>
internal sealed record SampledNode(string Endpoint, int? Shard, string Role);

/// <summary>
/// Reads INFO (server, cpu, commandstats, memory, replication, errorstats: one call, those sections only) from every node,
/// primaries and replicas, once per interval, on its own connection per node so it never queues behind the load.
/// A node that is down or slow gives a gap for that tick (never a 0, never a crash); at most one INFO per node is
/// in flight. <see cref="StopAsync"/> turns what came back into per-node timelines with rates and replica lag. Rates
/// are over the server's own clock (server_time_usec, from the same INFO reply as the counters), so a reply the
/// client took in late (a busy client, a queued connection) cannot inflate them.
/// </summary>
internal sealed class NodeSampler : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _mux;
    private readonly IReadOnlyList<SampledNode> _nodes;
    private readonly TimeSpan _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, List<RawSample>> _raw = new();
    private readonly ConcurrentDictionary<string, NodeSample> _latest = new();
    private readonly List<Task> _loops = [];
    private NodeTelemetry? _result;

    private sealed record RawSample(int Tick, double Second, NodeInfo? Info);

    // The sampler's sections and the server's clock, in one call.
    private static readonly string[] Sections = [.. NodeInfo.SamplerSections, "server"];

    private NodeSampler(ConnectionMultiplexer mux, IReadOnlyList<SampledNode> nodes, TimeSpan interval)
    {
        _mux = mux;
        _nodes = nodes;
        _interval = interval;
        StartedUtc = DateTime.UtcNow;
    }

    public DateTime StartedUtc { get; }
    public IReadOnlyList<SampledNode> Nodes => _nodes;

    /// <summary>Connects (one interactive connection per node, no pub/sub), finds every node and starts sampling.</summary>
    public static async Task<NodeSampler> StartAsync(RunningCluster cluster, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "The sampling interval must be positive.");
        ConfigurationOptions options = cluster.CreateOptions();
        options.ClientName = "hashtag-bench-sampler";
        // No SUBSCRIBE: the client then opens no second (pub/sub) connection per node.
        options.CommandMap = CommandMap.Create(new HashSet<string> { "SUBSCRIBE" }, available: false);
        // A node that dies mid-run must not hold a sample past its tick.
        options.AsyncTimeout = options.SyncTimeout = (int)Math.Max(250, interval.TotalMilliseconds);
        ConnectionMultiplexer mux = await cluster.ConnectAsync(options).ConfigureAwait(false);
        try
        {
            var nodes = await DiscoverAsync(mux).ConfigureAwait(false);
            var sampler = new NodeSampler(mux, nodes, interval);
            foreach (SampledNode n in nodes) sampler._loops.Add(Task.Run(() => sampler.LoopAsync(n)));
            return sampler;
        }
        catch
        {
            await mux.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IReadOnlyList<SampledNode>> DiscoverAsync(ConnectionMultiplexer mux)
    {
        foreach (var ep in mux.GetEndPoints())
        {
            IServer server = mux.GetServer(ep);
            if (!server.IsConnected) continue;
            var snapshot = ClusterNodesSnapshot.Parse(NodeInfo.Text(await server.ExecuteAsync("CLUSTER", "NODES").ConfigureAwait(false)));
            var primaries = snapshot.Nodes.Where(n => n.IsPrimary && n.Slots.Count > 0).OrderBy(n => n.Slots.Min(s => s.From)).ToList();
            return snapshot.Nodes.Where(n => !n.IsFailed)
                .Select(n =>
                {
                    int shard = primaries.FindIndex(p => p.Id == (n.IsPrimary ? n.Id : n.PrimaryId));
                    return new SampledNode(n.Endpoint, shard < 0 ? null : shard, n.IsPrimary ? "master" : "replica");
                })
                .OrderBy(n => n.Shard ?? int.MaxValue).ThenBy(n => n.Role == "master" ? 0 : 1).ThenBy(n => n.Endpoint, StringComparer.Ordinal).ToList();
        }
        throw new ClusterProvisioningException("No node answered CLUSTER NODES for the node sampler.");
    }

    /// <summary>The latest sample of every node that has one, for live gauges (a failed tick replaces it with a gap).</summary>
    public IEnumerable<(SampledNode Node, NodeSample Sample)> Latest() =>
        _nodes.Where(n => _latest.ContainsKey(n.Endpoint)).Select(n => (n, _latest[n.Endpoint]));

    private async Task LoopAsync(SampledNode node)
    {
        var raw = _raw.GetOrAdd(node.Endpoint, _ => []);
        Task<NodeInfo>? pending = null;
        RawSample? lastOk = null;
        for (int tick = 0; !_stop.IsCancellationRequested; tick++)
        {
            // Ticks are on the sampler's clock, the same for every node, so a replica's tick pairs with its primary's.
            TimeSpan due = _interval * tick - _clock.Elapsed;
            // Starved for more than a tick (a stalled machine): skip to the current tick instead of a burst of catch-up calls.
            if (due < -_interval) { tick = (int)(_clock.Elapsed / _interval); due = TimeSpan.Zero; }
            if (due > TimeSpan.Zero)
                try { await Task.Delay(due, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            NodeInfo? info = null;
            // The previous INFO still out (the node hangs): this tick is a gap, and no second call piles up behind it.
            if (pending is null || pending.IsCompleted)
            {
                try
                {
                    pending = NodeInfo.ReadAsync(_mux.GetServer(node.Endpoint), Sections);
                    info = await pending.WaitAsync(_interval * 0.9).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or ArgumentException) { }
            }
            var sample = new RawSample(tick, _clock.Elapsed.TotalSeconds, info);
            lock (raw) raw.Add(sample);
            _latest[node.Endpoint] = Rates(sample, lastOk, replicaLag: null);
            if (info is not null) lastOk = sample;
        }
        if (pending is { IsCompleted: false }) _ = pending.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed, never thrown
    }

    /// <summary>A sample with its rates over the time since the previous successful one; a gap when no INFO came back.</summary>
    private static NodeSample Rates(RawSample s, RawSample? previous, long? replicaLag)
    {
        NodeInfo? i = s.Info;
        if (i is null) return new NodeSample(s.Second, false, null, null, null, null, null, null, null);
        var (cpu, ops, byCommand) = previous?.Info is { } p ? Deltas(p, previous.Second, i, s.Second) : (null, null, null);
        return new NodeSample(s.Second, true, i.Role, cpu, ops, byCommand, i.UsedMemory, replicaLag, i.CrossSlotErrors);
    }

    /// <summary>
    /// CPU (% of one core), commands/s and per-command rates between two readings of one node. The interval is the
    /// server's own (server_time_usec in each reply, taken with the counters); the client's (when the reply was taken
    /// in) only where the server does not report its time. A counter that went backwards (the node restarted, or
    /// CONFIG RESETSTAT) has no rate.
    /// </summary>
    internal static (double? Cpu, double? Ops, Dictionary<string, double>? ByCommand) Deltas(NodeInfo before, double beforeSecond, NodeInfo now, double nowSecond)
    {
        double dt = now.Long("server_time_usec") is long t1 && before.Long("server_time_usec") is long t0 ? (t1 - t0) / 1e6 : nowSecond - beforeSecond;
        if (!(dt > 0)) return (null, null, null);
        double? cpu = null, ops = null;
        Dictionary<string, double>? byCommand = null;
        if (now.CpuSeconds is double c && before.CpuSeconds is double pc && c >= pc) cpu = 100 * (c - pc) / dt;
        var after = now.Commands();
        var earlier = before.Commands();
        if (after.All(kv => !earlier.TryGetValue(kv.Key, out var b) || kv.Value.Calls >= b.Calls))
        {
            byCommand = after.Select(kv => (kv.Key, Calls: kv.Value.Calls - (earlier.TryGetValue(kv.Key, out var b) ? b.Calls : 0)))
                .Where(x => x.Calls > 0).ToDictionary(x => x.Key, x => x.Calls / dt);
            ops = byCommand.Values.Sum();
        }
        return (cpu, ops, byCommand);
    }

    /// <summary>Stops sampling and returns every node's timeline (idempotent).</summary>
    public async Task<NodeTelemetry> StopAsync()
    {
        if (_result is not null) return _result;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        var byTick = _raw.ToDictionary(kv => kv.Key, kv => kv.Value.ToDictionary(r => r.Tick));
        var timelines = new List<NodeTimeline>();
        foreach (SampledNode node in _nodes)
        {
            List<RawSample> raw = _raw.TryGetValue(node.Endpoint, out var list) ? list : [];
            var samples = new List<NodeSample>();
            RawSample? lastOk = null;
            foreach (RawSample s in raw)
            {
                samples.Add(Rates(s, lastOk, ReplicaLag(s, byTick)));
                if (s.Info is not null) lastOk = s;
            }
            timelines.Add(new NodeTimeline(node.Endpoint, node.Shard, node.Role, samples, Cost(raw)));
        }
        _result = new NodeTelemetry(StartedUtc, _interval.TotalSeconds, timelines);
        return _result;
    }

    /// <summary>A replica's lag at a tick: its primary's (from its own INFO: master_host/port) offset minus its own, same tick.</summary>
    private static long? ReplicaLag(RawSample s, Dictionary<string, Dictionary<int, RawSample>> byTick)
    {
        if (s.Info is not { Role: "replica" } r || r.Get("master_host") is not { } host || r.Get("master_port") is not { } port) return null;
        if (!byTick.TryGetValue($"{host}:{port}", out var primary) || !primary.TryGetValue(s.Tick, out RawSample? p)) return null;
        return r.ReplicationOffset is long own && p.Info?.ReplicationOffset is long theirs ? Math.Max(0, theirs - own) : null;
    }

    /// <summary>The sampler's own server time on a node (see <see cref="SamplerCost"/>); null with fewer than two samples.</summary>
    private static SamplerCost? Cost(List<RawSample> raw)
    {
        var ok = raw.Where(r => r.Info?.Commands().ContainsKey("info") == true).Select(r => (r.Second, Info: r.Info!, Stat: r.Info!.Commands()["info"])).ToList();
        if (ok.Count < 2) return null;
        double seconds = ok[^1].Second - ok[0].Second;
        if (seconds <= 0) return null;
        // Consecutive reads one call apart: the usec between them is the sampler's previous call alone.
        var alone = ok.Zip(ok.Skip(1)).Where(p => p.Second.Stat.Calls - p.First.Stat.Calls == 1 && p.Second.Stat.Usec >= p.First.Stat.Usec)
            .Select(p => (double)(p.Second.Stat.Usec - p.First.Stat.Usec)).ToList();
        double? median = alone.Count == 0 ? null : Quantiles.Median(alone);
        long calls = raw.Count(r => r.Info is not null);
        double? usecPerSecond = median * calls / seconds;
        double? cpu = ok[^1].Info.CpuSeconds - ok[0].Info.CpuSeconds;
        long allCalls = ok[^1].Stat.Calls - ok[0].Stat.Calls, allUsec = ok[^1].Stat.Usec - ok[0].Stat.Usec;
        return new SamplerCost(seconds, calls, median, usecPerSecond / 1e6, cpu is > 0 ? usecPerSecond / 1e6 / (cpu / seconds) : null,
            Math.Max(0, allCalls), Math.Max(0, allUsec));
    }

    public async ValueTask DisposeAsync()
    {
        if (_result is null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try { await Task.WhenAll(_loops).ConfigureAwait(false); } catch (Exception ex) when (ex is RedisException or ObjectDisposedException) { }
        }
        _stop.Dispose();
        await _mux.DisposeAsync().ConfigureAwait(false);
    }
}
