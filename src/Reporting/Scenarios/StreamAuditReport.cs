using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Reporting.Scenarios;

/// <summary>A stream audit: what was read back against what the client was told, and its verdict.</summary>
internal static class StreamAuditReport
{
    /// <summary>The audit, with <paramref name="context"/> saying whose attempts it judged.</summary>
    public static string Render(StreamAuditResult a, string context) =>
        $"Stream audit ({context}): {a.Attempts:N0} attempts over {a.IdempotencyKeys:N0} idempotency keys, {a.Acknowledged:N0} acknowledged as Enqueued, {a.StreamsRead:N0} streams read back.\n\n" +
        MarkdownTable.Render([a],
            new("acknowledged but lost", x => x.Lost),
            new("doubled keys", x => x.DoubledKeys),
            new("entries never acknowledged", x => x.Unacknowledged),
            new("outcome unknown (timeout)", x => x.Uncertain),
            new("verdict", x => x.Passed ? "pass: exactly one entry per acknowledged key" : "**FAIL**"));

    /// <summary>duplicates: the audit, its context the share of attempts that retried an earlier key.</summary>
    public static string Render(DuplicatesFinding d)
    {
        string retried = d.RetriedShare is double rs ? rs.ToString("P1", CultureInfo.InvariantCulture) : MarkdownTable.NotAvailable;
        return Render(d.Audit, string.Create(CultureInfo.InvariantCulture,
            $"{retried} of attempts (asked: {d.AskedShare:P0}) retried one of the 1,024 most recent idempotency keys"));
    }
}
