using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;
using System.Globalization;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// `load run launch`: a launch file's users against a real cluster, one strategy per run. Users arrive on the file's
/// profile (open model) and each lives its own lifecycle (<see cref="LaunchDriver"/>); around the run it reads the
/// per-node truth: INFO commandstats before and after, every node sampled once a second, memory and keys left.
/// </summary>
public static class LaunchScenario
{
    public const string Name = "launch";

    /// <summary>Drives the launch's users against the cluster and measures it (latency per step, lifecycle, per-node commandstats, telemetry, memory).</summary>
    public static Task<LaunchRunResult> RunAsync(LaunchRunRequest request, RunningCluster cluster, IConnectionMultiplexer mux,
        Action<string>? log = null, CancellationToken ct = default) => RunAsync(request, cluster, mux, log, hooks: null, ct);

    internal static async Task<LaunchRunResult> RunAsync(LaunchRunRequest request, RunningCluster cluster, IConnectionMultiplexer mux,
        Action<string>? log, LaunchTestHooks? hooks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        LaunchPlan.CheckMaxSeconds(request.MaxSeconds);
        if (request.RequestTimeout is { } rt && rt <= TimeSpan.Zero) throw new ArgumentException("The request timeout must be positive.");
        LaunchFile file = request.Launch.File;
        WaitingRoomSchema schema = request.Schema;
        var options = new WaitingRoomOptions
        {
            Schema = schema,
            KeyPrefix = request.KeyPrefix,
            ReplicaReads = file.ReplicaReads,
            // Who joins as "anonymous" is the population's draw (its user ID), not the client's.
            AnonymousShare = 0,
            AdmissionCapacity = Math.Max(1, (int)Math.Round(file.Admission.BucketCapacity)),
            AdmissionPerSecond = file.Admission.RefillPerSecond,
            EntryBands = file.Admission.EntryRule,
        };
        var pop = new LaunchPopulation(request.Launch, ct);
        DateTime started = DateTime.UtcNow;

        // Replica reads: the prediction follows the routes this connection really uses (RunningCluster.ConnectForReplicaReadsAsync
        // gives one that reads every replica when the cluster lets it).
        ReplicaReadView? routes = file.ReplicaReads ? await ReplicaRouting.ReadAsync(mux).ConfigureAwait(false) : null;
        await using NodeSampler sampler = await NodeSampler.StartAsync(cluster, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var nodes = sampler.Nodes.Select(n => new LaunchNode(n.Endpoint, n.Shard ?? -1, n.Role)).ToList();
        NodeInfo?[] unopened = await NodeCostReader.ReadAsync(mux, sampler.Nodes).ConfigureAwait(false);
        ClientShape shape = request.Client;
        await using GatewayConnections gateway = await GatewayConnections.OpenAsync(cluster, mux, shape, request.Scale, sampler.Nodes, file.ReplicaReads, ct).ConfigureAwait(false);
        var sinceOpen = Stopwatch.StartNew();
        log?.Invoke($"gateway client: {shape.Mode}, {gateway.Pods:N0} pod(s), {gateway.PlannedPerNode:N0} connection(s) per node" +
            (shape.Mode == ClientMode.Pooled ? $" ({gateway.ActiveConnections:N0} leasable, {gateway.IdleConnectionsPerNode:N0} idle)" : ""));
        var client = new WaitingRoomClient(gateway, options);
        await WarmUpAsync(mux, options with { KeyPrefix = request.KeyPrefix + "warmup:" }).ConfigureAwait(false);
        IReadOnlyList<SlotOwner> owners = LiveSlotMap.Read(mux);
        // A new client's query buffer is freed by the server's cron once it has idled 2 s: read the connections' memory after that.
        TimeSpan settle = NodeCostReader.ClientSettle - sinceOpen.Elapsed;
        if (settle > TimeSpan.Zero) await Task.Delay(settle, ct).ConfigureAwait(false);
        var memoryBefore = await ReadMemoryAsync(mux, sampler.Nodes).ConfigureAwait(false);
        CommandStatsReading before = await ShardStats.ReadCommandStatsAsync(mux).ConfigureAwait(false);
        NodeInfo?[] costBefore = await NodeCostReader.ReadAsync(mux, sampler.Nodes).ConfigureAwait(false);
        var window = Stopwatch.StartNew();
        DateTime driveStartedUtc = DateTime.UtcNow;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

        log?.Invoke($"launch {file.Name} [{schema.Name}]: {pop.Visits:N0} visit(s) on {request.Launch.EventIds.Count:N0} event(s), seed {file.Seed}, key prefix {request.KeyPrefix}; {request.ScaleNote}");
        var driver = new LaunchDriver(pop, client, request.RequestTimeout, hooks);
        TimeSpan drainLimit = TimeSpan.FromSeconds(Math.Max(10, 2 * (request.RequestTimeout?.TotalSeconds ?? 5)));
        using var progressStop = new CancellationTokenSource();
        Task progress = log is null ? Task.CompletedTask : ProgressAsync(driver, log, progressStop.Token);
        bool interrupted;
        try { interrupted = await driver.RunAsync(request.MaxSeconds, drainLimit, ct).ConfigureAwait(false); }
        finally
        {
            await progressStop.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
        }

        // The rest is not cancelled by ct: an interrupted run still reads what it can and removes its keys. A node
        // gone by now (an interrupt tears a local cluster down) leaves gaps, never a crash.
        TimeSpan cpuAfter = Process.GetCurrentProcess().TotalProcessorTime;
        NodeInfo?[] costAfter = await NodeCostReader.ReadAsync(mux, sampler.Nodes).ConfigureAwait(false);
        double windowSeconds = window.Elapsed.TotalSeconds;
        var gatewayResult = new GatewayClientResult(shape.Mode.ToString(), gateway.Pods, gateway.PlannedPerNode, gateway.ActiveConnections,
            gateway.IdleConnectionsPerNode, gateway.Leases, gateway.LeaseWaits, gateway.LeaseWaitSeconds, gateway.PeakLeased, client.CommandsSent,
            (cpuAfter - cpuBefore).TotalSeconds, windowSeconds, NodeCostReader.Costs(sampler.Nodes, windowSeconds, unopened, costBefore, costAfter));
        await gateway.DisposeAsync().ConfigureAwait(false);
        CommandStatsReading after = await ShardStats.ReadCommandStatsAsync(mux).ConfigureAwait(false);
        if (routes is not null && RoutesMoved(routes, await ReplicaRouting.ReadAsync(mux).ConfigureAwait(false)) is { } moved)
            log?.Invoke($"replica reads moved during the run ({moved}): the prediction follows the routes at its start");
        NodeTelemetry telemetry = await sampler.StopAsync().ConfigureAwait(false);
        var memoryAfter = await ReadMemoryAsync(mux, sampler.Nodes).ConfigureAwait(false);
        var memory = sampler.Nodes.Select((n, i) => new NodeMemory(n.Endpoint, n.Shard ?? -1, n.Role,
            memoryBefore[i].Bytes, memoryAfter[i].Bytes, memoryBefore[i].Keys, memoryAfter[i].Keys)).ToList();
        IReadOnlyList<LaunchEventPlacement> events = Placement(request.Launch, schema, request.KeyPrefix, owners);
        long removed = 0;
        if (!request.KeepData)
        {
            try
            {
                removed = await KeyCleanup.RemoveRunKeysAsync(mux, request.KeyPrefix, CancellationToken.None).ConfigureAwait(false);
                log?.Invoke($"removed {removed:N0} key(s) of run {request.RunId} (prefix {request.KeyPrefix}; --keep-data keeps them)");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                log?.Invoke($"could not remove the keys of run {request.RunId} (prefix {request.KeyPrefix}): {ex.Message.Split('\n')[0]}");
            }
        }
        else log?.Invoke($"kept the keys of run {request.RunId} (prefix {request.KeyPrefix})");

        IReadOnlyList<LaunchStepResult> steps = driver.Steps();
        IReadOnlyList<ThresholdCheck> thresholds = LaunchVerdicts.Check(file.Thresholds, steps, driver.Arrivals);
        Percentiles lateness = Percentiles.From(driver.DispatchLateness);
        if (driver.BackgroundFailures > 0) log?.Invoke($"{driver.BackgroundFailures:N0} join background read(s) failed (position read after the answer)");
        return new LaunchRunResult(file.Name, schema.Name, file.Seed, request.Scale, request.ScaleNote, request.RunId, request.KeyPrefix,
            started, driver.Seconds, steps, driver.Lifecycle(), thresholds, !interrupted && thresholds.All(t => t.Pass),
            nodes, CommandDelta(mux, before, after), telemetry, memory, interrupted)
        {
            Events = events,
            KeysRemoved = removed,
            SchedulerLateness = RunOutput.ToLatency(lateness),
            Arrivals = driver.Arrivals,
            Client = gatewayResult,
            ReadRoutes = routes?.Routes,
            DriveFromSecond = (driveStartedUtc - telemetry.StartedUtc).TotalSeconds,
        };
    }

    /// <summary>The first shard whose replica reads go elsewhere now than at the start, as "primary: before → now"; null when none.</summary>
    internal static string? RoutesMoved(ReplicaReadView start, ReplicaReadView now) =>
        start.Routes.Select(r => (r, Now: now.Routes.FirstOrDefault(n => n.Primary == r.Primary)?.ReadsOn ?? []))
            .Where(p => !p.r.ReadsOn.SequenceEqual(p.Now))
            .Select(p => $"{p.r.Primary}'s: {string.Join(",", p.r.ReadsOn)} → {(p.Now.Count == 0 ? "none" : string.Join(",", p.Now))}")
            .FirstOrDefault();

    /// <summary>Per node and command, calls and usec after minus before (only nodes read both times; counters that went back are left out).</summary>
    internal static IReadOnlyList<NodeCommandCount> CommandDelta(IConnectionMultiplexer mux, CommandStatsReading before, CommandStatsReading after)
    {
        // ShardStats keys nodes by EndPoint.ToString(); the run's nodes are host:port as the cluster announces them.
        var names = mux.GetServers().ToDictionary(s => s.EndPoint.ToString()!, s => ClusterConnector.Format(s.EndPoint), StringComparer.Ordinal);
        var rows = new List<NodeCommandCount>();
        foreach (var (node, now) in after.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (!before.Nodes.TryGetValue(node, out var then)) continue;
            foreach (var (command, c) in now.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                CommandCounters was = then.GetValueOrDefault(command);
                long calls = c.Calls - was.Calls;
                if (calls > 0) rows.Add(new NodeCommandCount(names.GetValueOrDefault(node, node), command, calls, c.Micros - was.Micros));
            }
        }
        return rows;
    }

    /// <summary>Each event's queue key (bucket 0 under bucketed:N) with the run's prefix: its slot and shard on the live map.</summary>
    public static IReadOnlyList<LaunchEventPlacement> Placement(Launch launch, WaitingRoomSchema schema, string keyPrefix, IReadOnlyList<SlotOwner> owners) =>
        launch.EventIds.Select(id =>
        {
            int slot = HashSlot.Of(schema.Key(KeyClass.EventQueue, new KeyArgs(id, "", "", ""), keyPrefix, bucket: 0));
            int shard = -1;
            for (int i = 0; i < owners.Count && shard < 0; i++)
                if (owners[i].Ranges.Any(r => slot >= r.From && slot <= r.To)) shard = i;
            return new LaunchEventPlacement(id, slot, shard);
        }).ToList();

    /// <summary>
    /// Off the record, before anything is read: a few visits through every step on their own keys (removed at once),
    /// so the first strategy of a process does not pay the JIT's and the connections' first calls in its latencies.
    /// </summary>
    private static async Task WarmUpAsync(IConnectionMultiplexer mux, WaitingRoomOptions options)
    {
        for (int i = 0; i < 6; i++) await SchemaCheck.RunAsync(mux.GetDatabase(), options).ConfigureAwait(false);
        await KeyCleanup.RemoveRunKeysAsync(mux, options.KeyPrefix).ConfigureAwait(false);
    }

    private static async Task<(long? Bytes, long? Keys)[]> ReadMemoryAsync(IConnectionMultiplexer mux, IReadOnlyList<SampledNode> nodes)
    {
        var result = new (long?, long?)[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            try
            {
                IServer server = mux.GetServer(nodes[i].Endpoint);
                NodeInfo info = await NodeInfo.ReadAsync(server, ["memory"]).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                long keys = await server.DatabaseSizeAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                result[i] = (info.UsedMemory, keys);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException) { result[i] = (null, null); }
        }
        return result;
    }

    private static async Task ProgressAsync(LaunchDriver driver, Action<string> log, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop).ConfigureAwait(false);
                LaunchLifecycle l = driver.Lifecycle();
                log(string.Create(CultureInfo.InvariantCulture,
                    $"  t={driver.Clock.Elapsed.TotalSeconds:0}s: {l.Users - l.Unfinished:N0}/{l.Users:N0} visits ended (entered {l.Entered:N0}, left {l.Left:N0}, expired {l.Expired:N0}, failed {l.Failed:N0})"));
            }
        }
        catch (OperationCanceledException) { }
    }
}
