using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.CommandLine;

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
            Console.Out.Write(r.GetValue(json) ? ResultFiles.Serialize(inspection, ResultFiles.InspectionType) + "\n" : InspectReport.Render(inspection));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
