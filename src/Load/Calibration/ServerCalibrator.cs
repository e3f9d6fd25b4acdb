using HashtagBench.ClusterSim;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load.Calibration;

public enum StepKind { Idle, Read, Write }

/// <summary>One controlled step: K connections (idle, or each a closed loop of P commands per round trip) at a rate.</summary>
/// <param name="CommandsPerSecond">Over every connection; null: unpaced (as fast as the node answers).</param>
public sealed record StepPlan(string Name, StepKind Kind, int Connections, int Depth = 1, double? CommandsPerSecond = null);

/// <summary>What the steps measured on one primary and its replica, and the per-connection memory.</summary>
public sealed record ServerCalibration(IReadOnlyList<CalibrationStep> Steps, string Node, string? Replica, double? BytesPerConnection, double? LoadAverage);

/// <summary>
/// Runs the calibration steps on one primary (the first by slot) with raw RESP connections (<see cref="PacedLoad"/>):
/// idle, idle connections, reads (ZRANK on a 250-member queue) and writes (SET … EX, replicated) at several rates,
/// connection counts and pipeline depths. Around each step it reads INFO on the primary and its replica, and takes
/// every figure as a delta of the server's counters over the server's own clock (server_time_usec). It checks that
/// the server saw the shape that was sent (connected_clients up by K, commands per read P) and fails otherwise.
/// </summary>
public static class ServerCalibrator
{
    private static readonly string[] Sections = ["server", "cpu", "stats", "clients", "memory", "commandstats"];
    public const int QueueMembers = 250;

    /// <summary>The default steps (about a minute at 3 s each): every term is exercised by some of them.</summary>
    public static IReadOnlyList<StepPlan> DefaultPlan(int idleConnections) =>
    [
        new("idle", StepKind.Idle, 0),
        new($"idle {idleConnections / 2:N0} conns", StepKind.Idle, idleConnections / 2),
        new($"idle {idleConnections:N0} conns", StepKind.Idle, idleConnections),
        new("read P1 K1 2k/s", StepKind.Read, 1, 1, 2_000),
        new("read P1 K10 2k/s", StepKind.Read, 10, 1, 2_000),
        new("read P1 K10 10k/s", StepKind.Read, 10, 1, 10_000),
        new("read P1 K50 2k/s", StepKind.Read, 50, 1, 2_000),
        new("read P1 K50 10k/s", StepKind.Read, 50, 1, 10_000),
        new("read P1 K50 30k/s", StepKind.Read, 50, 1, 30_000),
        new("read P1 K50 max", StepKind.Read, 50, 1),
        new("read P4 K10 8k/s", StepKind.Read, 10, 4, 8_000),
        new("read P4 K10 40k/s", StepKind.Read, 10, 4, 40_000),
        new("read P16 K10 20k/s", StepKind.Read, 10, 16, 20_000),
        new("read P16 K10 max", StepKind.Read, 10, 16),
        new("write P1 K10 5k/s", StepKind.Write, 10, 1, 5_000),
        new("write P1 K10 20k/s", StepKind.Write, 10, 1, 20_000),
        new("write P4 K10 20k/s", StepKind.Write, 10, 4, 20_000),
        new("write P8 K10 40k/s", StepKind.Write, 10, 8, 40_000),
        new("idle again", StepKind.Idle, 0),
    ];

    public static async Task<ServerCalibration> RunAsync(IConnectionMultiplexer mux, RunningCluster cluster, IReadOnlyList<StepPlan> plan, TimeSpan stepTime,
        Action<string>? log = null, CancellationToken ct = default)
    {
        if (plan.Count == 0) throw new ArgumentException("The calibration needs at least one step.", nameof(plan));
        if (stepTime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stepTime), stepTime, "A step lasts > 0 s.");
        SlotOwner owner = LiveSlotMap.Read(mux)[0];
        IServer primary = mux.GetServer(owner.Endpoint);
        IServer? replica = ReplicaOf(mux, primary);
        NodeAddress address = AddressOf(owner.Endpoint, cluster.Auth);
        string run = Guid.NewGuid().ToString("N")[..8];
        RedisKey queue = KeyOn(owner, $"calib-{run}-queue"), value = KeyOn(owner, $"calib-{run}-value");
        IDatabase db = mux.GetDatabase();
        await db.SortedSetAddAsync(queue, [.. Enumerable.Range(0, QueueMembers).Select(i => new SortedSetEntry($"wt-{run}-{i:D4}", i))]).ConfigureAwait(false);
        await db.KeyExpireAsync(queue, TimeSpan.FromMinutes(15)).ConfigureAwait(false); // gone even if the run is killed before its cleanup
        byte[] read = RespConnection.Encode("ZRANK", (string)queue!, $"wt-{run}-{QueueMembers / 2:D4}");
        // The waiting-room answer's size, with the gateway's TTL (SET … EX, as it sends it; replicated as SET … PXAT).
        string json = "{\"user_id\":\"u\",\"event_id\":\"e\",\"status\":\"waiting\",\"joined_at\":1700000000,\"position\":12345,\"client\":\"web\"}";
        byte[] write = RespConnection.Encode("SET", (string)value!, json, "EX", "300");

        var active = new List<RespConnection>();
        var steps = new List<CalibrationStep>();
        double? bytesPerConnection = null;
        var loads = new List<double>();
        try
        {
            double? restingClients = null, restingClientMemory = null;
            foreach (StepPlan step in plan)
            {
                ct.ThrowIfCancellationRequested();
                if (LoadAverage() is { } la) loads.Add(la);
                var idle = new List<RespConnection>();
                PacedLoad? load = null;
                try
                {
                    if (step.Kind == StepKind.Idle) idle.AddRange(await OpenAsync(address, step.Connections, ct).ConfigureAwait(false));
                    else
                    {
                        if (active.Count < step.Connections) active.AddRange(await OpenAsync(address, step.Connections - active.Count, ct).ConfigureAwait(false));
                        byte[] one = step.Kind == StepKind.Read ? read : write;
                        byte[] batch = [.. Enumerable.Range(0, step.Depth).SelectMany(_ => one)];
                        load = new PacedLoad(active.GetRange(0, step.Connections), batch, step.Depth, step.CommandsPerSecond, ct);
                        load.Start();
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false); // warm-up: connections settle, the pacing reaches its rate
                    // The step in windows of about a second: the median window stands for it, so a burst of the machine's
                    // other load in one window does not move the step.
                    int windows = Math.Max(1, (int)Math.Round(stepTime.TotalSeconds));
                    var snapshots = new List<(NodeInfo Primary, NodeInfo? Replica)> { await SnapshotAsync(primary, replica).WaitAsync(ct).ConfigureAwait(false) };
                    for (int w = 0; w < windows; w++)
                    {
                        await Task.Delay(stepTime / windows, ct).ConfigureAwait(false);
                        snapshots.Add(await SnapshotAsync(primary, replica).WaitAsync(ct).ConfigureAwait(false));
                    }
                    var (p0, r0) = snapshots[0];
                    var (p1, r1) = snapshots[^1];
                    if (load is not null)
                    {
                        if (!await load.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false))
                            throw new CalibrationException($"step '{step.Name}': replies still out 2 s after the load stopped on {address}.");
                        if (load.Failure is { } failure) throw new CalibrationException($"step '{step.Name}' on {address}: {failure.Message}");
                    }
                    // Only the load's own connections (the loaded ones stay open between steps) differ from the resting count.
                    int extra = idle.Count + active.Count;
                    CalibrationStep onPrimary = Median([.. snapshots.Zip(snapshots.Skip(1)).Select(w => Delta(step, CalibrationStep.Primary, w.First.Primary, w.Second.Primary, step.Connections))]);
                    CalibrationStep? onReplica = r0 is null || r1 is null ? null
                        : Median([.. snapshots.Zip(snapshots.Skip(1)).Select(w => Delta(step, CalibrationStep.Replica, w.First.Replica!, w.Second.Replica!, 0))]);
                    // What the primary shipped is what its replica applied; every client round trip of a write step wrote.
                    if (onReplica is not null)
                        onPrimary = onPrimary with { ShippedPerSecond = onReplica.AppliedPerSecond, ShipWritesPerSecond = step.Kind == StepKind.Write ? onPrimary.ReadsPerSecond : 0 };
                    double clients = (Field(p0, "connected_clients") + Field(p1, "connected_clients")) / 2;
                    double clientMemory = (Field(p0, "mem_clients_normal") + Field(p1, "mem_clients_normal")) / 2;
                    if (step.Kind == StepKind.Idle && step.Connections == 0 && restingClients is null)
                        (restingClients, restingClientMemory) = (clients - active.Count, clientMemory);
                    CheckShape(step, onPrimary, clients, restingClients, extra);
                    if (step.Kind == StepKind.Idle && step.Connections > 0 && restingClientMemory is { } rest)
                        bytesPerConnection = Math.Max(bytesPerConnection ?? 0, (clientMemory - rest) / step.Connections);
                    steps.Add(onPrimary);
                    if (onReplica is not null) steps.Add(onReplica);
                    log?.Invoke(FormattableString.Invariant(
                        $"  {step.Name,-22} {onPrimary.CommandsPerSecond,9:N0} cmds/s {onPrimary.CommandsPerSecond / Math.Max(1, onPrimary.ReadsPerSecond),5:0.0} per read  primary {onPrimary.BusyFraction,6:P1}  replica {(onReplica is null ? "n/a" : onReplica.BusyFraction.ToString("P1", CultureInfo.InvariantCulture)),6}"));
                }
                finally
                {
                    if (load is not null) await load.DisposeAsync().ConfigureAwait(false);
                    await Task.WhenAll(idle.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await Task.WhenAll(active.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
            // Best effort, and brief when interrupted (a local cluster may already be going down): both keys expire on their own.
            try { await Task.WhenAll(db.KeyDeleteAsync(queue), db.KeyDeleteAsync(value)).WaitAsync(ct.IsCancellationRequested ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { }
        }
        return new ServerCalibration(steps, owner.Endpoint, replica is null ? null : ClusterConnector.Format(replica.EndPoint),
            bytesPerConnection, loads.Count == 0 ? null : loads.Average());
    }

    /// <summary>
    /// The step's figures on one node: deltas of INFO over the server's own clock. The INFO calls themselves are in
    /// the counts (commands, command time, CPU): the model sees everything the server did.
    /// </summary>
    internal static CalibrationStep Delta(StepPlan step, string role, NodeInfo before, NodeInfo after, int connections)
    {
        double seconds = (Field(after, "server_time_usec") - Field(before, "server_time_usec")) / 1e6;
        if (!(seconds > 0)) throw new CalibrationException($"step '{step.Name}': the server's clock (server_time_usec) did not advance.");
        double Rate(Func<NodeInfo, double> f) => (f(after) - f(before)) / seconds;
        IReadOnlyDictionary<string, CommandStat> c0 = before.Commands(), c1 = after.Commands();
        double usec = c1.Sum(kv => kv.Value.Usec - (c0.TryGetValue(kv.Key, out var b) ? b.Usec : 0));
        double calls = Rate(i => Field(i, "total_commands_processed"));
        double info = (c1.GetValueOrDefault("info").Calls - c0.GetValueOrDefault("info").Calls) / seconds;
        double reads = Rate(i => Field(i, "total_reads_processed"));
        bool replica = role == CalibrationStep.Replica; // no client sends to it: its reads are of the primary's stream
        return new CalibrationStep(step.Name, role, connections, step.Depth, step.Kind == StepKind.Idle ? 0 : step.CommandsPerSecond, seconds,
            Rate(EngineCpuUsec), usec / seconds, calls, replica ? 0 : reads,
            (Field(before, "connected_clients") + Field(after, "connected_clients")) / 2, 0, 0,
            replica ? Math.Max(0, calls - info) : 0, replica ? reads : 0);
    }

    /// <summary>Each figure's median over the step's windows (their seconds summed).</summary>
    internal static CalibrationStep Median(IReadOnlyList<CalibrationStep> windows)
    {
        double M(Func<CalibrationStep, double> f)
        {
            var v = windows.Select(f).Order().ToList();
            return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        }
        return windows[0] with
        {
            Seconds = windows.Sum(w => w.Seconds),
            CpuUsecPerSecond = M(w => w.CpuUsecPerSecond),
            CommandUsecPerSecond = M(w => w.CommandUsecPerSecond),
            CommandsPerSecond = M(w => w.CommandsPerSecond),
            ReadsPerSecond = M(w => w.ReadsPerSecond),
            ConnectedClients = M(w => w.ConnectedClients),
            ShippedPerSecond = M(w => w.ShippedPerSecond),
            ShipWritesPerSecond = M(w => w.ShipWritesPerSecond),
            AppliedPerSecond = M(w => w.AppliedPerSecond),
            LinkReadsPerSecond = M(w => w.LinkReadsPerSecond),
        };
    }

    /// <summary>The server saw the load's shape: K more connections than at rest, and P commands per read.</summary>
    internal static void CheckShape(StepPlan step, CalibrationStep seen, double clients, double? restingClients, int extra)
    {
        if (restingClients is { } rest && Math.Abs(clients - rest - extra) > Math.Max(2, 0.01 * extra))
            throw new CalibrationException(FormattableString.Invariant(
                $"step '{step.Name}': the server counted {clients - rest:0} connections beyond the resting ones where the load holds {extra}: the shape sent is not the shape seen."));
        if (step.Kind == StepKind.Idle || seen.ReadsPerSecond <= 0) return;
        double depth = seen.CommandsPerSecond / seen.ReadsPerSecond;
        if (Math.Abs(depth - step.Depth) > 0.15 * step.Depth + 0.1)
            throw new CalibrationException(FormattableString.Invariant(
                $"step '{step.Name}': the server saw {depth:0.00} commands per read where the load sent {step.Depth}: the shape sent is not the shape seen."));
    }

    /// <summary>Engine (main) thread CPU in µs; the whole process's where the server does not split it out.</summary>
    private static double EngineCpuUsec(NodeInfo i) =>
        1e6 * (i.Double("used_cpu_sys_main_thread") + i.Double("used_cpu_user_main_thread") ?? i.CpuSeconds
            ?? throw new CalibrationException("INFO cpu has no used_cpu_sys/used_cpu_user."));

    private static double Field(NodeInfo i, string name) =>
        i.Double(name) ?? throw new CalibrationException($"INFO has no {name} (the calibration needs Redis 6.2 or later).");

    private static async Task<(NodeInfo, NodeInfo?)> SnapshotAsync(IServer primary, IServer? replica)
    {
        Task<NodeInfo> p = NodeInfo.ReadAsync(primary, Sections);
        Task<NodeInfo>? r = replica is null ? null : NodeInfo.ReadAsync(replica, Sections);
        return (await p.ConfigureAwait(false), r is null ? null : await r.ConfigureAwait(false));
    }

    private static async Task<List<RespConnection>> OpenAsync(NodeAddress address, int count, CancellationToken ct)
    {
        var opened = new List<RespConnection>(count);
        try
        {
            for (int i = 0; i < count; i += 100)
                opened.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - i)).Select(_ => RespConnection.OpenAsync(address, ct))).ConfigureAwait(false));
            return opened;
        }
        catch
        {
            await Task.WhenAll(opened.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }
    }

    private static IServer? ReplicaOf(IConnectionMultiplexer mux, IServer primary)
    {
        ClusterConfiguration? config = primary.ClusterNodes();
        ClusterNode? self = config?.Nodes.FirstOrDefault(n => !n.IsReplica && n.EndPoint is not null && n.EndPoint.Equals(primary.EndPoint))
            ?? config?.Nodes.FirstOrDefault(n => n.IsMyself);
        ClusterNode? r = config?.Nodes.FirstOrDefault(n => n.IsReplica && n.ParentNodeId == self?.NodeId && n.EndPoint is not null && !n.IsFail);
        return r is null ? null : mux.GetServer(r.EndPoint!);
    }

    internal static NodeAddress AddressOf(string endpoint, ExternalEndpoint? auth)
    {
        int colon = endpoint.LastIndexOf(':');
        string host = endpoint[..colon].Trim('[', ']');
        int port = int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture);
        return new NodeAddress(host, port, auth?.Tls ?? false, auth?.CaFile, auth?.User, auth?.Password);
    }

    // A key of the run that the node owns (its slot in the node's ranges).
    internal static RedisKey KeyOn(SlotOwner owner, string stem)
    {
        for (int i = 0; ; i++)
        {
            string key = $"{stem}-{i}";
            int slot = HashSlot.Of(key);
            if (owner.Ranges.Any(r => slot >= r.From && slot <= r.To)) return key;
        }
    }

    /// <summary>The 1-minute load average (/proc/loadavg); null where there is none.</summary>
    public static double? LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }
}
