using HashtagBench.Contracts;

namespace HashtagBench.Load.Agents;

/// <summary>
/// Joins the stream audits of load agents. Every strategy's stream key carries the user, and agents draw disjoint
/// users and make disjoint idempotency keys: so each stream, each entry and each key belongs to one agent's audit,
/// and every count of the joined audit (streams read and unattributed entries included) is the agents' sum.
/// </summary>
internal static class AuditJoin
{
    public static StreamAuditResult Join(IReadOnlyList<StreamAuditResult> audits) =>
        new(audits.Sum(a => a.Attempts), audits.Sum(a => a.IdempotencyKeys), audits.Sum(a => a.Acknowledged), audits.Sum(a => a.Lost),
            audits.Sum(a => a.DoubledKeys), audits.Sum(a => a.Unacknowledged), audits.Sum(a => a.Uncertain), audits.Sum(a => a.StreamsRead))
        {
            DoubledEntries = audits.Sum(a => a.DoubledEntries),
            Unattributed = audits.Sum(a => a.Unattributed),
            AcknowledgedKeysWithoutEntry = audits.Sum(a => a.AcknowledgedKeysWithoutEntry),
            ReEnqueuedKeys = audits.Sum(a => a.ReEnqueuedKeys),
        };
}
