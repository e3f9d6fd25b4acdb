using System.Text;

namespace HashtagBench.Reporting;

/// <summary>One step of one strategy's live check: "ok", "CROSSSLOT" or "fail: kind" on each side.</summary>
public sealed record LiveCheckRow(string Strategy, string Step, string Standalone, string Cluster);

/// <summary>
/// `sim --launch --check-live`: each strategy's key schema run step by step against one standalone redis-server and
/// against a cluster (the incident checklist's "test both standalone and cluster mode").
/// </summary>
/// <param name="Failed">Why the check fails the run (a non-legacy strategy failing on the cluster, or any failing standalone); empty: it passes.</param>
public sealed record LiveCheck(string StandaloneServer, string Cluster, IReadOnlyList<LiveCheckRow> Rows, string Verdict, IReadOnlyList<string> Failed)
{
    public const string Ok = "ok", CrossSlot = "CROSSSLOT", NotRun = "n/a";

    /// <summary>The incident's sentence, when this run shows it.</summary>
    public const string IncidentSentence = "legacy passes standalone and fails on the cluster: the reason the incident shipped.";

    public bool Passed => Failed.Count == 0;

    /// <summary>Builds the verdict: legacy failing on the cluster is expected and informational; anything else failing is not.</summary>
    public static LiveCheck Of(string standaloneServer, string cluster, IReadOnlyList<LiveCheckRow> rows)
    {
        var failed = rows.Where(r => r.Standalone is not (Ok or NotRun)).Select(r => $"{r.Strategy} {r.Step} standalone: {r.Standalone}")
            .Concat(rows.Where(r => r.Strategy != "legacy" && r.Cluster is not (Ok or NotRun)).Select(r => $"{r.Strategy} {r.Step} cluster: {r.Cluster}")).ToList();
        var legacy = rows.Where(r => r.Strategy == "legacy").ToList();
        string verdict = legacy.Count == 0 ? "legacy not in this launch's strategies."
            : legacy.All(r => r.Standalone == Ok) && legacy.Any(r => r.Cluster == CrossSlot) ? IncidentSentence
            : $"legacy: standalone {(legacy.All(r => r.Standalone == Ok) ? "ok" : "fails")}, cluster {(legacy.All(r => r.Cluster == Ok) ? "ok" : "fails")}.";
        return new LiveCheck(standaloneServer, cluster, rows, verdict, failed);
    }

    /// <summary>The strategy × step table, with a note when a step was not reached on one side.</summary>
    public string Table() => MarkdownTable.Render(Rows,
        new("strategy", r => r.Strategy), new("step", r => r.Step), new("standalone", r => r.Standalone), new("cluster", r => r.Cluster))
        + (Rows.Any(r => r.Standalone == NotRun || r.Cluster == NotRun)
            ? "n/a: the step was not reached there (after a refused join there is no heartbeat, so the status call takes the expired path).\n" : "");

    public string ToMarkdown()
    {
        var md = new StringBuilder("## Live check: standalone vs cluster\n\n");
        md.AppendLine($"Each strategy's key schema, one visit per step, against {StandaloneServer} and {Cluster}.").AppendLine();
        md.Append(Table()).AppendLine();
        md.AppendLine(Verdict);
        if (Failed.Count > 0) md.AppendLine().AppendLine("FAILED: " + string.Join("; ", Failed));
        return md.ToString();
    }
}
