using HashtagBench.Contracts;

namespace HashtagBench.Load.Agents;

/// <summary>
/// Joins the stream audits of load agents. Agents never share an idempotency key, so every per-key count (attempts,
/// keys, acknowledged, lost, doubled, uncertain, re-enqueued) is the sum of the agents'. The streams are shared, so
/// each agent also saw the others' entries: it counted them as unattributed and unacknowledged. What is left after
/// every agent's own entries is recovered from the entries each read (E = unacknowledged + acknowledged − lost),
/// exactly when all read the same streams after the last write; otherwise from the most any agent read, and the
/// note says so.
/// </summary>
public static class AuditJoin
{
    public static (StreamAuditResult Joined, string Note) Join(IReadOnlyList<StreamAuditResult> audits)
    {
        long[] read = audits.Select(a => (long)a.Unacknowledged + a.Acknowledged - a.Lost).ToArray();
        long entries = read.Max();
        bool sameView = read.All(e => e == entries) && audits.All(a => a.StreamsRead == audits[0].StreamsRead);
        // Entries attributed to an agent's own keys, and its acknowledged entries found: disjoint across agents.
        long own = audits.Sum(a => (long)a.Unacknowledged + a.Acknowledged - a.Lost - a.Unattributed);
        long ackedFound = audits.Sum(a => (long)a.Acknowledged - a.Lost);
        var joined = new StreamAuditResult(
            audits.Sum(a => a.Attempts), audits.Sum(a => a.IdempotencyKeys), audits.Sum(a => a.Acknowledged), audits.Sum(a => a.Lost),
            audits.Sum(a => a.DoubledKeys), (int)Math.Max(0, entries - ackedFound), audits.Sum(a => a.Uncertain), audits.Max(a => a.StreamsRead))
        {
            DoubledEntries = audits.Sum(a => a.DoubledEntries),
            Unattributed = (int)Math.Max(0, entries - own),
            AcknowledgedKeysWithoutEntry = audits.Sum(a => a.AcknowledgedKeysWithoutEntry),
            ReEnqueuedKeys = audits.Sum(a => a.ReEnqueuedKeys),
        };
        string note = sameView ? "" : $"; the agents read the streams at different moments ({string.Join(", ", read)} entries), so unacknowledged and unattributed entries are counted against the most any agent saw";
        return (joined, note);
    }
}
