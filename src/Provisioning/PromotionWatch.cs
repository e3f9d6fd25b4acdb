using StackExchange.Redis;

namespace HashtagBench.Provisioning;

/// <summary>The slot's primary changed, as the harness saw it: <paramref name="AtSeconds"/> is on the watcher's clock.</summary>
/// <param name="To">The new owner, which answered ROLE with master.</param>
public sealed record SlotOwnerChange(double AtSeconds, string From, string To);

/// <summary>
/// Watches who serves one slot, through the client's own connections (so it works on any cluster, external ones with
/// TLS and ACL included): polls CLUSTER NODES from a node other than the current owner, and accepts a new owner only
/// once that node answers ROLE as master and its config epoch is newer than the owner's. A failover is then seen by the
/// harness itself, whatever triggered it; a resumed former primary that still claims the slot in its own stale view
/// (an older epoch) is not a second change.
/// </summary>
public sealed class PromotionWatch : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(800);
    private readonly IConnectionMultiplexer _mux;
    private readonly int _slot;
    private readonly Func<double> _clock;
    private readonly List<SlotOwnerChange> _changes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<SlotOwnerChange> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private string _owner;
    private long _ownerEpoch = -1; // unknown until a view lists the owner as the slot's primary

    private PromotionWatch(IConnectionMultiplexer mux, int slot, string owner, Func<double> clock, TimeSpan interval)
    {
        _mux = mux;
        _slot = slot;
        _owner = owner;
        _clock = clock;
        _loop = Task.Run(() => LoopAsync(interval, _stop.Token));
    }

    /// <summary>Starts watching <paramref name="slot"/>, now served by <paramref name="owner"/> (host:port), every <paramref name="interval"/>.</summary>
    public static PromotionWatch Start(IConnectionMultiplexer mux, int slot, string owner, Func<double> clock, TimeSpan interval) =>
        new(mux, slot, owner, clock, interval);

    /// <summary>Every owner change seen so far, in order.</summary>
    public IReadOnlyList<SlotOwnerChange> Changes { get { lock (_changes) return [.. _changes]; } }

    /// <summary>The first owner change; null if none came within <paramref name="timeout"/>.</summary>
    public async Task<SlotOwnerChange?> FirstChangeAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        try { return await _first.Task.WaitAsync(timeout, ct).ConfigureAwait(false); }
        catch (TimeoutException) { return null; }
    }

    /// <summary>
    /// CLUSTER NODES from the first node that answers, skipping <paramref name="skip"/> (a node that may be dead or
    /// frozen, whose own view is stale anyway). Null when none answered.
    /// </summary>
    public static async Task<ClusterNodesSnapshot?> ReadNodesAsync(IConnectionMultiplexer mux, string? skip = null)
    {
        foreach (var ep in mux.GetEndPoints())
        {
            string endpoint = ClusterConnector.Format(ep);
            if (endpoint == skip) continue;
            IServer server = mux.GetServer(ep);
            if (!server.IsConnected) continue;
            try
            {
                RedisResult r = await server.ExecuteAsync("CLUSTER", "NODES").WaitAsync(ReadTimeout).ConfigureAwait(false);
                // Over RESP3 the reply is a verbatim string: its "txt:" prefix left on would glue itself to the first node's ID.
                return ClusterNodesSnapshot.Parse(NodeInfo.Text(r));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { }
        }
        return null;
    }

    /// <summary>
    /// CLUSTER NODES once every node in it has a known address (a young cluster's gossip may still list one as ":0")
    /// and <paramref name="enough"/> (when given) accepts it, or the last view read when <paramref name="patience"/>
    /// runs out; null when no node answered.
    /// </summary>
    public static async Task<ClusterNodesSnapshot?> ReadCompleteNodesAsync(IConnectionMultiplexer mux, TimeSpan patience, CancellationToken ct = default,
        Func<ClusterNodesSnapshot, bool>? enough = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            ClusterNodesSnapshot? view = await ReadNodesAsync(mux).ConfigureAwait(false);
            if (view is null || (view.Nodes.All(n => n.HasAddress) && enough?.Invoke(view) != false) || clock.Elapsed >= patience) return view;
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>ROLE's first field (master, slave) as <paramref name="endpoint"/> answers it; null when it does not.</summary>
    public static async Task<string?> RoleAsync(IConnectionMultiplexer mux, string endpoint)
    {
        try
        {
            RedisResult r = await mux.GetServer(endpoint).ExecuteAsync("ROLE").WaitAsync(ReadTimeout).ConfigureAwait(false);
            return ((RedisResult[]?)r) is { Length: > 0 } parts ? (string?)parts[0] : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { return null; }
    }

    /// <summary>CLUSTER INFO on <paramref name="endpoint"/> says cluster_state:ok.</summary>
    public static async Task<bool> ClusterOkAsync(IConnectionMultiplexer mux, string endpoint)
    {
        try
        {
            RedisResult r = await mux.GetServer(endpoint).ExecuteAsync("CLUSTER", "INFO").WaitAsync(ReadTimeout).ConfigureAwait(false);
            return ((string?)r ?? "").Contains("cluster_state:ok", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { return false; }
    }

    /// <summary>
    /// The slot's primary in <paramref name="view"/> when it replaces <paramref name="owner"/> (known at
    /// <paramref name="ownerEpoch"/>, -1 when not yet): another endpoint with a newer config epoch. A stale view (a
    /// resumed former primary's, before it learns it was replaced) lists the old owner at its old epoch, so it is no change.
    /// </summary>
    public static ClusterNodeLine? Successor(ClusterNodesSnapshot view, int slot, string owner, long ownerEpoch)
    {
        // A primary flagged failed serves nothing (PrimaryOf skips it): between FAIL and the election, no owner.
        ClusterNodeLine? primary = view.PrimaryOf(slot);
        if (primary is null || primary.Endpoint == owner) return null;
        return ownerEpoch < 0 || primary.ConfigEpoch > ownerEpoch ? primary : null;
    }

    private async Task LoopAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ClusterNodesSnapshot? view = await ReadNodesAsync(_mux, skip: _owner).ConfigureAwait(false);
            if (view is not null && _ownerEpoch < 0 && view.PrimaryOf(_slot) is { } current && current.Endpoint == _owner)
                _ownerEpoch = current.ConfigEpoch;
            if (view is not null && Successor(view, _slot, _owner, _ownerEpoch) is { } next
                && await RoleAsync(_mux, next.Endpoint).ConfigureAwait(false) == "master")
            {
                var change = new SlotOwnerChange(_clock(), _owner, next.Endpoint);
                lock (_changes) _changes.Add(change);
                _owner = next.Endpoint;
                _ownerEpoch = next.ConfigEpoch;
                _first.TrySetResult(change);
            }
            try { await Task.Delay(interval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
