using HashtagBench.Contracts;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>
/// A load report's per-node section: a table (CPU, ops/s and top commands, memory, replica lag, gaps), the sampler's
/// own cost, and the node charts. n/a for a value no sample had, never 0.
/// </summary>
public static class NodeTelemetryReport
{
    /// <param name="chartFiles">The node charts' file names, beside the report, in the order they are shown.</param>
    public static string Render(NodeTelemetry t, IReadOnlyList<string> chartFiles)
    {
        var md = new StringBuilder("## Nodes during the run\n\n");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Every node's INFO (cpu, commandstats, memory, replication, errorstats) every {t.IntervalSeconds:0.###} s, on the sampler's own connection. A gap is a second the node did not answer (down, or slower than the interval): n/a, never 0. Seconds are on the client timeline's clock (0 = the first run's measured start).\n"));
        md.Append(MarkdownTable.Render(t.Nodes,
            new("shard", n => n.Shard, IfNull: "-"),
            new("node", n => n.Node),
            new("role", n => RoleChange(n)),
            new("samples", n => n.Samples.Count),
            new("gaps", n => n.Gaps),
            new("CPU % mean", n => Mean(n, s => s.CpuPercent), "0.0"),
            new("CPU % max", n => Max(n, s => s.CpuPercent), "0.0"),
            new("ops/s max", n => Max(n, s => s.OpsPerSec), "0"),
            new("top commands (calls)", n => TopCommands(n)),
            new("memory MB max", n => Max(n, s => s.UsedMemoryBytes) / 1048576.0, "0.0"),
            new("replica lag bytes max", n => n.Role == "replica" ? Max(n, s => s.ReplicaLagBytes) : null, "0", IfNull: "-"),
            new("CROSSSLOT (end)", n => n.Samples.LastOrDefault(s => s.Ok)?.CrossSlotErrors)));
        md.AppendLine();
        var costs = t.Nodes.Where(n => n.SamplerCost is not null).ToList();
        if (costs.Count > 0)
        {
            double? worstCore = costs.Max(n => n.SamplerCost!.ShareOfCore), worstNode = costs.Max(n => n.SamplerCost!.ShareOfNodeCpu);
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Sampler cost (the server's usec in the sampler's own INFO calls: median per call from cmdstat_info, times its calls): at most {Percent(worstCore, "0.000")} of a core on any node, at most {Percent(worstNode, "0.00")} of the CPU a node used. Every INFO in the window, other clients' included, is the upper bound beside it.\n"));
            md.Append(MarkdownTable.Render(costs,
                new("node", n => n.Node),
                new("seconds", n => n.SamplerCost!.Seconds, "0.0"),
                new("sampler calls", n => n.SamplerCost!.SamplerCalls),
                new("usec/call (median)", n => n.SamplerCost!.MedianUsecPerCall, "0"),
                new("% of a core", n => n.SamplerCost!.ShareOfCore * 100, "0.0000"),
                new("% of node CPU", n => n.SamplerCost!.ShareOfNodeCpu * 100, "0.000"),
                new("all INFO calls", n => n.SamplerCost!.AllInfoCalls),
                new("all INFO usec (upper bound)", n => n.SamplerCost!.AllInfoUsec)));
            md.AppendLine();
        }
        foreach (string chart in chartFiles) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({chart})").AppendLine();
        return md.ToString();
    }

    private static string Percent(double? share, string format) => share is double v ? (v * 100).ToString(format, CultureInfo.InvariantCulture) + " %" : "n/a";

    private static string RoleChange(NodeTimeline n)
    {
        string? last = n.Samples.LastOrDefault(s => s.Ok)?.Role;
        return last is null || last == n.Role ? n.Role : $"{n.Role} → **{last}**";
    }

    private static double? Max(NodeTimeline n, Func<NodeSample, double?> f) => n.Samples.Select(f).Where(v => v is not null).DefaultIfEmpty(null).Max();
    private static double? Max(NodeTimeline n, Func<NodeSample, long?> f) => Max(n, s => (double?)f(s));
    private static double? Mean(NodeTimeline n, Func<NodeSample, double?> f) => n.Samples.Select(f).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Average() is double m && !double.IsNaN(m) ? m : null;

    /// <summary>The three busiest commands over the run, by calls (rates × seconds between samples).</summary>
    private static string? TopCommands(NodeTimeline n)
    {
        var calls = new Dictionary<string, double>();
        NodeSample? prev = null;
        foreach (NodeSample s in n.Samples.Where(s => s.Ok))
        {
            if (prev is not null && s.OpsByCommand is { } ops)
                foreach (var (cmd, rate) in ops) calls[cmd] = calls.GetValueOrDefault(cmd) + rate * (s.Second - prev.Second);
            prev = s;
        }
        return calls.Count == 0 ? null : string.Join(", ", calls.OrderByDescending(c => c.Value).Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:0}")));
    }
}
