using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Removes what a run wrote to a cluster someone else runs. Every key the harness writes carries the run's prefix
/// (in its event, user or idempotency ID, redis-benchmark's keys included), so each primary is walked with SCAN
/// MATCH (incremental, never KEYS) and the matches are UNLINKed (freed off the main thread).
/// </summary>
public static class KeyCleanup
{
    /// <summary>A prefix long enough and free of glob characters, so a SCAN by it cannot match someone else's keys.</summary>
    public static string CheckPrefix(string runPrefix) =>
        runPrefix.Length >= 4 && runPrefix.IndexOfAny(['*', '?', '[', ']', '\\']) < 0
            ? runPrefix
            : throw new ArgumentException($"'{runPrefix}' is not a run prefix to delete by (at least 4 characters, no * ? [ ] \\).");

    public static async Task<long> RemoveRunKeysAsync(IConnectionMultiplexer mux, string runPrefix, CancellationToken ct = default)
    {
        CheckPrefix(runPrefix);
        IDatabase db = mux.GetDatabase();
        long removed = 0;
        foreach (IServer primary in mux.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var batch = new List<Task<bool>>();
            await foreach (RedisKey key in primary.KeysAsync(pattern: $"*{runPrefix}*", pageSize: 1000).WithCancellation(ct).ConfigureAwait(false))
            {
                batch.Add(db.KeyDeleteAsync(key, CommandFlags.None));
                if (batch.Count >= 1000) removed += await CountAsync(batch).ConfigureAwait(false);
            }
            removed += await CountAsync(batch).ConfigureAwait(false);
        }
        return removed;
    }

    private static async Task<long> CountAsync(List<Task<bool>> batch)
    {
        bool[] done = await Task.WhenAll(batch).ConfigureAwait(false);
        batch.Clear();
        return done.Count(d => d);
    }
}
