using System.Globalization;
using System.Text;
using HashtagBench.Charts;
using HashtagBench.Contracts;
using HashtagBench.Reporting;

namespace HashtagBench.Load.Telemetry;

/// <summary>
/// The report's per-node section: a table (CPU, ops/s and top commands, memory, replica lag, gaps, the sampler's own
/// cost), nodes.csv, and charts on the client timeline's clock: zero is the first run's measured start, so a latency
/// spike at second 12 in p99-over-time is second 12 here too.
/// </summary>
public static class TelemetryReport
{
    /// <summary>Writes nodes.csv and the charts into <paramref name="dir"/>; returns the Markdown section.</summary>
    public static string Write(string dir, NodeTelemetry t, IReadOnlyList<LoadRun> runs)
    {
        DateTime zero = runs.Select(r => r.MeasuredStartUtc).FirstOrDefault(s => s is not null) ?? t.StartedUtc;
        double shift = (t.StartedUtc - zero).TotalSeconds;
        WriteCsv(Path.Combine(dir, "nodes.csv"), t, shift);

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
        foreach (string chart in Charts(dir, t, runs, zero, shift)) md.AppendLine($"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})").AppendLine();
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

    private static void WriteCsv(string path, NodeTelemetry t, double shift)
    {
        // A gap's values are empty cells, never 0.
        var csv = new StringBuilder("node,shard,role,second,ok,cpu_percent,ops_per_sec,used_memory,replica_lag_bytes,crossslot,ops_by_command\n");
        foreach (NodeTimeline n in t.Nodes)
            foreach (NodeSample s in n.Samples)
                csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n.Node},{n.Shard},{s.Role},{s.Second + shift:0.###},{(s.Ok ? 1 : 0)},{s.CpuPercent:0.##},{s.OpsPerSec:0.#},{s.UsedMemoryBytes},{s.ReplicaLagBytes},{s.CrossSlotErrors},\"{string.Join(';', (s.OpsByCommand ?? new Dictionary<string, double>()).OrderByDescending(c => c.Value).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key}={c.Value:0.#}")))}\""));
        File.WriteAllText(path, csv.ToString());
    }

    private static List<string> Charts(string dir, NodeTelemetry t, IReadOnlyList<LoadRun> runs, DateTime zero, double shift)
    {
        var charts = new List<string>();
        string Name(NodeTimeline n) => $"s{(n.Shard is int s ? s.ToString(CultureInfo.InvariantCulture) : "-")} {n.Node} ({n.Role})";
        // A gap has no point (the line's markers stop), never a point at 0.
        List<Series> Lines(Func<NodeSample, double?> f) => t.Nodes
            .Select(n => (n, Points: n.Samples.Where(s => s.Ok && f(s) is not null).ToList()))
            .Where(x => x.Points.Count > 1)
            .Select(x => new Series(Name(x.n), x.Points.Select(s => f(s)!.Value).ToList(), x.Points.Select(s => s.Second + shift).ToList())).ToList();
        void Chart(string file, string title, string y, List<Series> series)
        {
            if (series.Count > 0) charts.Add(ChartWriter.Lines(Path.Combine(dir, file), title, "seconds (0 = measured start)", y, series, legendAt: LegendPosition.UpperLeft, yFromZero: true));
        }
        Chart("node-cpu", "Node CPU over time (used_cpu_sys + user, % of one core)", "CPU %", Lines(s => s.CpuPercent));
        Chart("node-ops", "Node commands per second over time (INFO commandstats)", "ops/s", Lines(s => s.OpsPerSec));
        Chart("node-memory", "Node used_memory over time", "MB", Lines(s => s.UsedMemoryBytes / 1048576.0));
        Chart("node-replica-lag", "Replica lag over time (primary offset − replica offset)", "bytes", Lines(s => s.ReplicaLagBytes));
        // Several runs each start their own timeline at 0; on this clock they sit one after another beside the nodes.
        if (runs.Count > 1)
            Chart("p99-scenario-clock", "Client p99 over time, on the node charts' clock (every outcome)", "p99 (ms)", runs
                .Where(r => r.MeasuredStartUtc is not null)
                .Select(r => (r.Name, Points: r.Timeline.Where(i => i.AllLatency is not null).ToList(), Offset: (r.MeasuredStartUtc!.Value - zero).TotalSeconds))
                .Where(r => r.Points.Count > 1)
                .Select(r => new Series(r.Name, r.Points.Select(i => i.AllLatency!.P99).ToList(), r.Points.Select(i => i.Second + r.Offset).ToList())).ToList());
        return charts;
    }
}
