using StackExchange.Redis;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace HashtagBench.Enqueue;

/// <summary>
/// How many replicas each primary has online, from INFO replication, re-read at most once per <c>maxAge</c>.
/// Why: WAIT must run on the connection that wrote, and StackExchange.Redis has one connection per node, so a WAIT
/// that cannot be satisfied (the shard lost its replica, as after a failover) holds up every command queued behind
/// it for its full timeout. Knowing the count first lets the client skip that WAIT and report the shortfall at once.
/// </summary>
internal sealed class ReplicaWatch(IConnectionMultiplexer mux, TimeSpan maxAge)
{
    private sealed record Reading(int? Online, long AtTicks);

    private readonly ConcurrentDictionary<EndPoint, Lazy<Task<Reading>>> _readings = new();

    /// <summary>Replicas in state=online as the primary last reported; null when unknown (INFO failed, or the node is not a primary).</summary>
    public async Task<int?> OnlineAsync(EndPoint primary)
    {
        Lazy<Task<Reading>> current = _readings.GetOrAdd(primary, NewReading);
        Task<Reading> t = current.Value;
        if (t.IsCompletedSuccessfully && Stopwatch.GetElapsedTime(t.Result.AtTicks) > maxAge)
        {
            // Compare-and-swap, so concurrent callers share one INFO instead of each sending their own.
            Lazy<Task<Reading>> fresh = NewReading(primary);
            t = (_readings.TryUpdate(primary, fresh, current) ? fresh : _readings.GetOrAdd(primary, fresh)).Value;
        }
        return (await t.ConfigureAwait(false)).Online;
    }

    /// <summary>Forget the last reading (a WAIT came back short), so the next call asks again.</summary>
    public void Invalidate(EndPoint primary) => _readings.TryRemove(primary, out _);

    private Lazy<Task<Reading>> NewReading(EndPoint primary) => new(() => ReadAsync(primary));

    private async Task<Reading> ReadAsync(EndPoint primary)
    {
        int? online;
        try { online = CountOnline(await mux.GetServer(primary).InfoRawAsync("replication").ConfigureAwait(false)); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException) { online = null; }
        return new Reading(online, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Online replicas in an INFO replication text (lines <c>slaveN:ip=…,state=online,…</c>); null when the node
    /// is not a primary, because then its count says nothing about the writes WAIT would wait for.
    /// </summary>
    public static int? CountOnline(string? info)
    {
        if (info is null) return null;
        bool primary = false;
        int online = 0;
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line == "role:master") primary = true;
            int colon = line.IndexOf(':');
            if (colon > 5 && line.StartsWith("slave", StringComparison.Ordinal)
                && line.AsSpan(5, colon - 5).IndexOfAnyExceptInRange('0', '9') < 0
                && line.AsSpan(colon + 1).Contains("state=online", StringComparison.Ordinal))
                online++;
        }
        return primary ? online : null;
    }
}
