using System.CommandLine;
using System.Globalization;
using System.Text;
using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Cli;

/// <summary>
/// inspect: a read-only look at a cluster (local or --cluster): per shard and node, where events sit under each
/// strategy, the CROSSSLOT counter and --cluster check's health. Bounded commands only (see <see cref="ClusterInspector"/>).
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var events = new Option<string?>("--events") { Description = "Event IDs to place, comma-separated (e.g. evt_2025_1001,evt_2025_1002)." };
        var strategies = new Option<string>("--strategies") { DefaultValueFactory = _ => "legacy,event,user,bucketed:8", Description = "Strategies to place each event under, comma-separated." };
        var launchFile = new Option<string?>("--launch") { Description = "Launch file: place its events (generated IDs included) under the strategies it names; combines with --events." };
        var json = new Option<bool>("--json") { Description = "Print the inspection as JSON instead of tables." };
        var cpuInterval = new Option<double>("--cpu-interval") { DefaultValueFactory = _ => 1, Description = "Seconds between the two INFO cpu reads a node's CPU % is measured over (0: CPU n/a)." };
        var cluster = new ClusterOptions();
        var cmd = new Command("inspect", "Read-only look at a cluster: nodes, keys, memory, ops/s, CPU, replication, where events sit, CROSSSLOT count, health. Never KEYS or SCAN.");
        foreach (Option o in new Option[] { events, launchFile, strategies, json, cpuInterval }) cmd.Options.Add(o);
        cluster.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            // Bad input is refused before any cluster is started or reached.
            string[] ids = Split(r.GetValue(events));
            foreach (string id in ids) KeyInput.Validate(id, "--events");
            var strats = Split(r.GetValue(strategies)).Select(KeyStrategy.Parse).ToList();
            if (r.GetValue(launchFile) is { } launchPath)
            {
                // The loader resolves generated IDs (pattern + count) to the same list sim --launch simulates.
                Launch launch = LaunchFileLoader.Load(launchPath);
                ids = [.. ids.Concat(launch.EventIds).Distinct(StringComparer.Ordinal)];
                // event-all joins as event: one row per distinct join strategy. An explicit --strategies adds to the file's.
                IEnumerable<KeyStrategy> fromFile = launch.Schemas.Select(s => s.Join);
                strats = [.. (r.GetResult(strategies) is { Implicit: false } ? strats.Concat(fromFile) : fromFile).DistinctBy(s => s.Name)];
            }
            double interval = r.GetValue(cpuInterval);
            if (interval is < 0 or > 60 || double.IsNaN(interval)) throw new ArgumentException("--cpu-interval must be 0..60 seconds.");
            await using RunningCluster running = await cluster.StartAsync(r, ct);
            // Ctrl-C kills a local cluster's nodes at once (the provider's own hook), and connecting or reading
            // CLUSTER NODES from dead nodes waits out 5 s timeouts per node: the verb stops waiting instead.
            await using ConnectionMultiplexer mux = await running.ConnectAsync().WaitAsync(ct);
            ClusterInspection inspection = await ClusterInspector.InspectAsync(mux, running.Auth?.ToString() ?? running.ToString(), ids, strats, TimeSpan.FromSeconds(interval), ct)
                .WaitAsync(ct);
            Console.Out.Write(r.GetValue(json) ? ResultFiles.Serialize(inspection, ResultFiles.InspectionType) + "\n" : Render(inspection));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The inspection as Markdown tables; every value the cluster did not give reads n/a.</summary>
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
