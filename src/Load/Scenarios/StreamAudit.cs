using HashtagBench.Keys;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Reporting;
using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Reads back every stream a run wrote to and checks it against what the client was told:
/// each acknowledged join's token present exactly once (else lost), one acknowledgement per idempotency key
/// (else doubled), and entries nobody was told about (a timed-out call that did apply) counted apart.
/// </summary>
public static class StreamAudit
{
    public static async Task<StreamAuditResult> RunAsync(IConnectionMultiplexer mux, KeyStrategy strategy, IReadOnlyList<JoinRecord> records)
    {
        var acks = records.Where(r => r.Result is JoinResult.Enqueued).ToList();
        var byKey = records.GroupBy(r => r.IdempotencyKey).ToList();
        int doubled = byKey.Count(g => g.Count(r => r.Result is JoinResult.Enqueued) > 1);
        // Outcome unknown: never acknowledged, and at least one attempt timed out or lost its connection.
        int uncertain = byKey.Count(g => g.All(r => r.Result is not JoinResult.Enqueued)
            && g.Any(r => r.Result is JoinResult.Failed { Kind: FailureKind.Timeout or FailureKind.Connection }));

        var streams = records.Select(r => strategy.Keys(r.Event, r.User, r.IdempotencyKey).StreamKey).Distinct().ToList();
        IDatabase db = mux.GetDatabase();
        StreamEntry[][] contents = await Task.WhenAll(streams.Select(k => db.StreamRangeAsync(k)));
        var seen = new Dictionary<string, int>();
        foreach (StreamEntry e in contents.SelectMany(c => c))
        {
            string token = (string?)e["token"] ?? "";
            seen[token] = seen.GetValueOrDefault(token) + 1;
        }
        var ackTokens = acks.Select(a => ((JoinResult.Enqueued)a.Result).Token).ToHashSet();
        int lost = ackTokens.Count(t => !seen.ContainsKey(t));
        doubled += seen.Count(kv => kv.Value > 1);
        int unacked = seen.Keys.Count(t => !ackTokens.Contains(t));
        return new StreamAuditResult(records.Count, byKey.Count, acks.Count, lost, doubled, unacked, uncertain, streams.Count);
    }

    public static string ToMarkdown(StreamAuditResult a, string context) =>
        $"Stream audit ({context}): {a.Attempts:N0} attempts over {a.IdempotencyKeys:N0} idempotency keys, {a.Acknowledged:N0} acknowledged as Enqueued, {a.StreamsRead:N0} streams read back.\n\n" +
        MarkdownTable.Render([a],
            new("acknowledged but lost", x => x.Lost),
            new("doubled keys", x => x.DoubledKeys),
            new("entries never acknowledged", x => x.Unacknowledged),
            new("outcome unknown (timeout)", x => x.Uncertain),
            new("verdict", x => x.Passed ? "pass: exactly one entry per acknowledged key" : "**FAIL**"));
}
