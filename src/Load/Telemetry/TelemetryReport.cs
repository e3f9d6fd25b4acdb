using HashtagBench.Charts;
using HashtagBench.Contracts;
using HashtagBench.Reporting;
using System.Globalization;
using System.Text;

namespace HashtagBench.Load.Telemetry;

/// <summary>
/// The report's per-node section: a table (CPU, ops/s and top commands, memory, replica lag, gaps, the sampler's own
/// cost), nodes.csv, and charts on the client timeline's clock: zero is the first run's measured start, so a latency
/// spike at second 12 in p99-over-time is second 12 here too.
/// </summary>
internal static class TelemetryReport
{
    /// <summary>Writes nodes.csv and the charts into <paramref name="dir"/>; returns the report's section, rendered by Reporting.</summary>
    public static string Write(string dir, NodeTelemetry t, IReadOnlyList<LoadRun> runs)
    {
        DateTime zero = runs.Select(r => r.MeasuredStartUtc).FirstOrDefault(s => s is not null) ?? t.StartedUtc;
        double shift = (t.StartedUtc - zero).TotalSeconds;
        WriteCsv(Path.Combine(dir, "nodes.csv"), t, shift);

        List<string> charts = Charts(dir, t, runs, zero, shift);
        return NodeTelemetryReport.Render(t, charts.Select(c => Path.GetFileName(c)).ToList());
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
