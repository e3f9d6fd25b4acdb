using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Reads back every stream a run wrote to and checks it against what the client was told. Every attempt that was
/// sent keeps the token it sent, whatever came back, and the script writes that token into the stream entry; so
/// each entry is attributed to its idempotency key. Lost: an acknowledged attempt's token is in no stream.
/// Doubled: one idempotency key has more than one entry (e.g. a timed-out attempt that was applied, then a retry
/// the promoted replica no longer knew as a duplicate). Entries of attempts never acknowledged are counted apart.
/// </summary>
internal static class StreamAudit
{
    /// <param name="readDedupeKeys">Also read every idempotency key's dedupe key, to check it exists exactly when an entry does.</param>
    public static async Task<StreamAuditResult> RunAsync(IConnectionMultiplexer mux, KeyStrategy strategy, IReadOnlyList<JoinRecord> records, bool readDedupeKeys = false)
    {
        var streams = records.Select(r => strategy.Keys(r.Event, r.User, r.IdempotencyKey).StreamKey).Distinct().ToList();
        IDatabase db = mux.GetDatabase();
        StreamEntry[][] contents = await Task.WhenAll(streams.Select(k => db.StreamRangeAsync(k)));
        IEnumerable<string> tokens = contents.SelectMany(c => c).Select(e => (string?)e["token"] ?? "");
        HashSet<string>? withDedupe = null;
        if (readDedupeKeys)
        {
            var keys = records.DistinctBy(r => r.IdempotencyKey).ToList();
            bool[] exists = await Task.WhenAll(keys.Select(r => db.KeyExistsAsync(strategy.Keys(r.Event, r.User, r.IdempotencyKey).DedupeKey)));
            withDedupe = keys.Where((_, i) => exists[i]).Select(r => r.IdempotencyKey).ToHashSet();
        }
        return Audit(records, tokens, streams.Count, withDedupe);
    }

    /// <summary>The audit itself, over the tokens found in the streams (one per entry).</summary>
    /// <param name="keysWithDedupe">The idempotency keys whose dedupe key was found; null when they were not read.</param>
    public static StreamAuditResult Audit(IReadOnlyList<JoinRecord> records, IEnumerable<string> streamTokens, int streamsRead, IReadOnlySet<string>? keysWithDedupe = null)
    {
        // Every token an attempt sent, whatever its outcome, names its idempotency key.
        var keyOfToken = new Dictionary<string, string>();
        foreach (JoinRecord r in records)
            if (r.Result.SentToken is { } t) keyOfToken[t] = r.IdempotencyKey;
        var ackTokens = records.Select(r => r.Result).OfType<JoinResult.Enqueued>().Select(e => e.Token).ToHashSet();

        var entriesPerKey = new Dictionary<string, int>();
        var seen = new HashSet<string>();
        int unacked = 0, foreign = 0;
        foreach (string token in streamTokens)
        {
            seen.Add(token);
            if (!ackTokens.Contains(token)) unacked++;
            if (keyOfToken.TryGetValue(token, out string? key)) entriesPerKey[key] = entriesPerKey.GetValueOrDefault(key) + 1;
            else foreign++;
        }
        int lost = ackTokens.Count(t => !seen.Contains(t));
        int doubled = entriesPerKey.Count(kv => kv.Value > 1);
        int doubledEntries = entriesPerKey.Values.Where(v => v > 1).Sum(v => v - 1);

        var byKey = records.GroupBy(r => r.IdempotencyKey).ToList();
        // Outcome unknown: never acknowledged, no entry found, and at least one attempt timed out or lost its connection.
        int uncertain = byKey.Count(g => g.All(r => r.Result is not JoinResult.Enqueued) && !entriesPerKey.ContainsKey(g.Key)
            && g.Any(r => r.Result is JoinResult.Failed { Kind: FailureKind.Timeout or FailureKind.Connection }));
        int ackedWithoutEntry = byKey.Count(g => g.Any(r => r.Result is JoinResult.Enqueued or JoinResult.Duplicate) && !entriesPerKey.ContainsKey(g.Key));
        int reEnqueued = byKey.Count(g => g.Count(r => r.Result is JoinResult.Enqueued or JoinResult.Failed { Kind: FailureKind.NotReplicated }) > 1);
        return new StreamAuditResult(records.Count, byKey.Count, ackTokens.Count, lost, doubled, unacked, uncertain, streamsRead)
        {
            DoubledEntries = doubledEntries,
            Unattributed = foreign,
            AcknowledgedKeysWithoutEntry = ackedWithoutEntry,
            ReEnqueuedKeys = reEnqueued,
            DedupeWithoutEntry = keysWithDedupe?.Count(k => !entriesPerKey.ContainsKey(k)),
            EntryWithoutDedupe = keysWithDedupe is null ? null : entriesPerKey.Keys.Count(k => !keysWithDedupe.Contains(k)),
        };
    }
}
