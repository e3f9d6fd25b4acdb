using HashtagBench.Contracts;
using HashtagBench.Keys;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>inspect's report: health, then one row per node, then where each event sits under each strategy.</summary>
public static class InspectReport
{
    /// <summary>The inspection as tables; every value the cluster did not give reads n/a.</summary>
    public static string Render(ClusterInspection x)
    {
        var md = new StringBuilder($"# Cluster {x.Cluster}\n\n");
        ClusterHealth h = x.Health;
        md.AppendLine(CultureInfo.InvariantCulture, $"Health: **{(h.Ok ? "ok" : "NOT OK")}** — cluster_state {h.State ?? "n/a"}, slots covered {h.SlotsCovered}/{HashSlot.SlotCount}" +
            $", open slots: {(h.OpenSlots.Count == 0 ? "none" : string.Join("; ", h.OpenSlots))}, failing nodes: {(h.FailingNodes.Count == 0 ? "none" : string.Join("; ", h.FailingNodes))}");
        md.AppendLine();
        md.AppendLine($"CROSSSLOT errors (errorstat_CROSSSLOT, all nodes): {MarkdownTable.Cell(x.CrossSlotErrors)}\n");
        md.Append(MarkdownTable.Render(x.Nodes,
            new("shard", n => n.Shard),
            new("node", n => n.Endpoint),
            new("role", n => n.Role),
            new("slots", n => n.Slots, IfNull: "-"),
            new("keys", n => n.Keys),
            new("memory MB", n => n.UsedMemoryBytes / 1048576.0, "0.0"),
            new("ops/s", n => n.OpsPerSec),
            new("CPU %", n => n.CpuPercent, "0.0"),
            new("repl offset", n => n.ReplicationOffset),
            new("lag bytes", n => n.ReplicationLagBytes, IfNull: "-"),
            new("clients", n => n.ConnectedClients),
            new("CROSSSLOT", n => n.CrossSlotErrors),
            new("error", n => n.Error, IfNull: "")));
        if (x.Events.Count > 0)
        {
            md.AppendLine().AppendLine("Events (keys in slot: CLUSTER COUNTKEYSINSLOT on the slot's primary):\n");
            var rows = x.Events.SelectMany(e => e.Slots.Count == 0 ? [(E: e, S: (SlotPlacement?)null)] : e.Slots.Select(s => (E: e, S: (SlotPlacement?)s))).ToList();
            md.Append(MarkdownTable.Render(rows,
                new("event", t => t.E.EventId),
                new("strategy", t => t.E.Strategy),
                new("bucket", t => t.S?.Bucket, IfNull: "-"),
                new("slot", t => t.S?.Slot, IfNull: "-"),
                new("shard", t => t.S is null ? "-" : t.S.Shard is int s ? $"{s} ({t.S.Node})" : "unassigned"),
                new("keys in slot", t => t.S is null ? "-" : t.S.Keys),
                new("note", t => t.E.Note, IfNull: "")));
        }
        return md.ToString();
    }
}
