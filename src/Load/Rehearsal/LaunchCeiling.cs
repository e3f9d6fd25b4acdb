using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.Reporting;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// bench launch-ceiling: the harness is not the bottleneck. On the primary that owns a launch's busiest event, the
/// hot shard's command mix (<see cref="LaunchCeilingMix"/>) is driven by redis-benchmark -c N and by the harness's
/// client path (StackExchange.Redis, N closed-loop callers), one after the other in one run, and each side's rate
/// is counted by the server (INFO commandstats) beside the client's own count and both processes' CPU.
/// </summary>
/// <remarks>
/// Each command of the mix runs alone, at full concurrency, for the same window on both sides; the mix's rate is
/// then 1 / Σ(wᵢ / rateᵢ) (<see cref="CeilingSide.MixRate"/>). Why not one process per command at once, with the
/// clients split by weight: a fast command would take more than its weight of the server (the clients are split, not
/// the calls), so the measured mix would not be the launch's, and a 2 % command would round to one client or none.
/// Run alone, each command's rate is clean, the weights are applied exactly, and both sides are combined the same way.
/// Commands alternate which side goes first, and every run starts from the same seeded keys.
/// </remarks>
public static class LaunchCeiling
{
    public const string Verb = "launch-ceiling";
    /// <summary>Utilisation from which a resource is named the limiter.</summary>
    public const double Saturated = 0.8;

    /// <param name="SecondsPerSide">Measured time per side, split evenly over the mix's commands.</param>
    /// <param name="WarmUpSeconds">Per run, before the window: connections open, the JIT and the server's caches warm.</param>
    public sealed record Settings(double SecondsPerSide = 10, int Clients = 50, double WarmUpSeconds = 0.3);

    /// <summary>Measures both sides and removes every key the run wrote (also when cancelled or failing).</summary>
    /// <param name="tool">redis-benchmark's path (<see cref="RedisBenchmarkTool.Locate"/>).</param>
    public static async Task<LaunchCeilingResult> MeasureAsync(Launch launch, RunningCluster cluster, IConnectionMultiplexer mux, string tool,
        Settings s, Action<string>? log = null, CancellationToken ct = default)
    {
        if (s.Clients is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(s), s.Clients, "--clients must be in [1, 10000].");
        string runPrefix = "lc" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(1000).ToString("D3", CultureInfo.InvariantCulture);
        CeilingMix mix = LaunchCeilingMix.Build(launch, WaitingRoomSchema.Event, runPrefix + ":", ct);
        double window = s.SecondsPerSide / mix.Commands.Count;
        if (window < 0.2 || s.SecondsPerSide > 3600)
            throw new ArgumentOutOfRangeException(nameof(s), s.SecondsPerSide, FormattableString.Invariant($"--seconds must give each of the mix's {mix.Commands.Count} commands at least 0.2 s per side (so at least {mix.Commands.Count * 0.2:0.#}) and be at most 3600."));

        string node = SlotOwner.Find(LiveSlotMap.Read(mux), mix.Slot).Split(' ')[^1].Trim('(', ')');
        IServer server = mux.GetServer(node);
        IDatabase db = mux.GetDatabase();
        string loadBefore = LoadAverage();
        LaunchCeilingResult result;
        long removed;
        try
        {
            await server.ScriptLoadAsync(EnqueueScript.Source).ConfigureAwait(false);
            var rb = new List<CeilingCommandRun>();
            var harness = new List<CeilingCommandRun>();
            for (int i = 0; i < mix.Commands.Count && !ct.IsCancellationRequested; i++)
            {
                CeilingCommand c = mix.Commands[i];
                // Alternate the order, so a machine that gets busier during the run does not favour one side.
                foreach (bool benchmarkFirst in i % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    await SeedAsync(db, mix).ConfigureAwait(false);
                    CeilingCommandRun run = benchmarkFirst
                        ? await RedisBenchmarkRunAsync(tool, node, cluster.Auth, server, c, s, window, ct).ConfigureAwait(false)
                        : await HarnessRunAsync(db, server, c, s, window, ct).ConfigureAwait(false);
                    (benchmarkFirst ? rb : harness).Add(run);
                    log?.Invoke(LaunchCeilingReport.CommandProgress(benchmarkFirst ? "redis-benchmark" : "harness", c.Label, run));
                }
            }
            var joinRows = new List<CeilingJoinRow>();
            if (mix.Commands.FirstOrDefault(c => c.Form == CeilingForm.Enqueue) is CeilingCommand enqueue && !ct.IsCancellationRequested)
            {
                joinRows.Add(await JoinRowAsync("multiplexed", [mux], tool, node, cluster, server, mix, enqueue, runPrefix, s, window, benchmarkFirst: true, log, ct).ConfigureAwait(false));
                if (!ct.IsCancellationRequested)
                {
                    List<ConnectionMultiplexer> gateway = await OpenGatewayAsync(cluster, s.Clients, ct).ConfigureAwait(false);
                    try { joinRows.Add(await JoinRowAsync("gateway", gateway, tool, node, cluster, server, mix, enqueue, runPrefix, s, window, benchmarkFirst: false, log, ct).ConfigureAwait(false)); }
                    finally { foreach (ConnectionMultiplexer g in gateway) await g.DisposeAsync().ConfigureAwait(false); }
                }
                // The load path's own client, where it can go (plain TCP, no password): the same join, one connection.
                if (!ct.IsCancellationRequested && cluster.Auth is not { Tls: true } && cluster.Auth?.Password is null)
                {
                    using (HopFreeConnection conn = await HopFreeConnection.OpenAsync(node, ct).ConfigureAwait(false))
                        joinRows.Add(await JoinRowAsync(HopFree, 1, () => HopFreeJoinRunAsync([conn], server, enqueue, s, window, ct),
                            tool, node, cluster, server, enqueue, s, window, benchmarkFirst: true, log, ct).ConfigureAwait(false));
                    // Gateway-shaped: one connection per copy, one command per round trip (a reader thread per connection).
                    HopFreeConnection[] conns = await Task.WhenAll(Enumerable.Range(0, s.Clients).Select(_ => HopFreeConnection.OpenAsync(node, ct))).ConfigureAwait(false);
                    try
                    {
                        if (!ct.IsCancellationRequested)
                            joinRows.Add(await JoinRowAsync(HopFreeGateway, conns.Length, () => HopFreeJoinRunAsync(conns, server, enqueue, s, window, ct),
                                tool, node, cluster, server, enqueue, s, window, benchmarkFirst: false, log, ct).ConfigureAwait(false));
                    }
                    finally { foreach (HopFreeConnection c in conns) c.Dispose(); }
                }
            }
            bool local = IsLocal(node);
            string? shared = MachineShared(loadBefore);
            result = new LaunchCeilingResult(Path.GetFileName(launch.Source), WaitingRoomSchema.Event.Name, mix.EventId, node, s.Clients, window,
                [.. mix.Commands.Select(c => c.Mix)], mix.DroppedShare,
                Side("harness", harness, Environment.ProcessorCount, local, shared),
                // redis-benchmark runs its clients on one thread (no --threads): one core is all it can use.
                Side("redis-benchmark", rb, 1, local, shared),
                Environment.ProcessorCount, loadBefore, LoadAverage())
            { RunPrefix = runPrefix, JoinRows = joinRows };
        }
        finally
        {
            // Also after a failure or Ctrl-C: the exception passes on once the keys are gone.
            removed = await KeyCleanup.RemoveRunKeysAsync(mux, runPrefix, CancellationToken.None).ConfigureAwait(false);
            log?.Invoke($"removed {removed} key(s) of run {runPrefix}");
        }
        return result with { KeysRemoved = removed };
    }

    /// <summary>Every run starts here: the hot event's two queue ZSETs hold every member, each member's stream its one entry.</summary>
    private static async Task SeedAsync(IDatabase db, CeilingMix mix)
    {
        var a = new KeyArgs(mix.EventId, "", "", "");
        RedisKey[] zsets = [WaitingRoomSchema.Event.Key(KeyClass.EventQueue, a, mix.KeyPrefix), WaitingRoomSchema.Event.Key(KeyClass.PositionIndex, a, mix.KeyPrefix)];
        SortedSetEntry[] members = [.. Enumerable.Range(0, mix.Members).Select(i => new SortedSetEntry(Member(i), double.Parse(CeilingMix.Score, CultureInfo.InvariantCulture)))];
        var sent = new List<Task>();
        foreach (RedisKey z in zsets)
        {
            sent.Add(db.KeyDeleteAsync(z));
            sent.Add(db.SortedSetAddAsync(z, members));
        }
        for (int i = 0; i < mix.Members; i++)
        {
            RedisKey stream = StreamKey(mix, i);
            sent.Add(db.KeyDeleteAsync(stream));
            sent.Add(db.StreamAddAsync(stream, "token", Member(i), CeilingMix.EntryId));
        }
        await Task.WhenAll(sent).ConfigureAwait(false);
    }

    private static string Member(long i) => "wt" + CeilingMix.Digits(i);

    private static string StreamKey(CeilingMix mix, long user) =>
        WaitingRoomSchema.Event.Key(KeyClass.Stream, new KeyArgs(mix.EventId, "u" + CeilingMix.Digits(user), "", ""), mix.KeyPrefix);

    /// <summary>The node's counters and both CPU clocks at one moment.</summary>
    private readonly record struct Snapshot(long Calls, long Failed, double? ServerCpu, double ClientCpu, long Ticks);

    private static async Task<Snapshot> SnapshotAsync(IServer server, string stat, Func<TimeSpan> clientCpu)
    {
        NodeInfo info = await NodeInfo.ReadAsync(server, ["cpu", "commandstats"]).ConfigureAwait(false);
        var (calls, failed) = Counts(info.Get("cmdstat_" + stat));
        return new Snapshot(calls, failed, info.CpuSeconds, clientCpu().TotalSeconds, Stopwatch.GetTimestamp());
    }

    /// <summary>"calls=…,usec=…,rejected_calls=…,failed_calls=…" → calls the server ran without error, and errors (0, 0 before the first call).</summary>
    internal static (long Calls, long Failed) Counts(string? cmdstat)
    {
        string value = cmdstat ?? "";
        long calls = NodeInfo.StatField(value, "calls") ?? 0, failed = NodeInfo.StatField(value, "failed_calls") ?? 0,
            rejected = NodeInfo.StatField(value, "rejected_calls") ?? 0;
        // Redis 7 counts a call that failed while running in calls too, a rejected one (never run) not.
        return (calls - Math.Min(calls, failed), failed + rejected);
    }

    private static CeilingCommandRun Run(CeilingCommand c, Snapshot a, Snapshot b, double? clientRate, string? note)
    {
        double seconds = Stopwatch.GetElapsedTime(a.Ticks, b.Ticks).TotalSeconds;
        return new CeilingCommandRun(c.Label, c.Mix.Weight, seconds, b.Calls - a.Calls, b.Failed - a.Failed, clientRate,
            Math.Max(0, b.ClientCpu - a.ClientCpu), b.ServerCpu - a.ServerCpu, note); // a process gone before the second read shows no CPU there
    }

    private static async Task<CeilingCommandRun> RedisBenchmarkRunAsync(string tool, string node, ExternalEndpoint? auth, IServer server,
        CeilingCommand c, Settings s, double window, CancellationToken ct)
    {
        // A request count it never reaches: the window ends the run (redis-benchmark has no duration option).
        List<string> args = RedisBenchmarkTool.ConnectionArgs(node, auth, s.Clients, int.MaxValue, c.Keyspace);
        args.AddRange(c.Args);
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        TimeSpan Cpu() { try { p.Refresh(); return p.TotalProcessorTime; } catch (InvalidOperationException) { return TimeSpan.Zero; } }
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(s.WarmUpSeconds), ct).ConfigureAwait(false);
            Snapshot a = await SnapshotAsync(server, c.StatName, Cpu).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(window), ct).ConfigureAwait(false);
            bool exitedEarly = p.HasExited;
            Snapshot b = await SnapshotAsync(server, c.StatName, Cpu).ConfigureAwait(false);
            Stop(p);
            string output = await stdout.ConfigureAwait(false), error = await stderr.ConfigureAwait(false);
            string? note = exitedEarly ? $"redis-benchmark exited early ({p.ExitCode}): {FirstLine(error + "\n" + output)}" : null;
            return Run(c, a, b, RedisBenchmarkTool.LastOverallRps(output), note);
        }
        finally
        {
            Stop(p);
        }
    }

    private static void Stop(Process p)
    {
        try { if (!p.HasExited) p.Kill(); } catch (InvalidOperationException) { }
        p.WaitForExit();
    }

    private static async Task<CeilingCommandRun> HarnessRunAsync(IDatabase db, IServer server, CeilingCommand c, Settings s, double window, CancellationToken ct)
    {
        var args = new RandomArgs(c.Args, c.Keyspace);
        int phase = 0; // 0 warm-up, 1 measured, 2 stop
        long completed = 0, errors = 0;
        string? firstError = null;
        async Task CallerAsync(int id)
        {
            var rng = new Random(id);
            while (Volatile.Read(ref phase) < 2 && !ct.IsCancellationRequested)
            {
                try
                {
                    await SendAsync(db, c.Form, args.Next(rng)).ConfigureAwait(false);
                    if (Volatile.Read(ref phase) == 1) Interlocked.Increment(ref completed);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            }
        }
        var self = Process.GetCurrentProcess();
        TimeSpan Cpu() { self.Refresh(); return self.TotalProcessorTime; }
        Task[] callers = [.. Enumerable.Range(0, s.Clients).Select(i => Task.Run(() => CallerAsync(i), CancellationToken.None))];
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(s.WarmUpSeconds), ct).ConfigureAwait(false);
            Snapshot a = await SnapshotAsync(server, c.StatName, Cpu).ConfigureAwait(false);
            Volatile.Write(ref phase, 1);
            await Task.Delay(TimeSpan.FromSeconds(window), ct).ConfigureAwait(false);
            Snapshot b = await SnapshotAsync(server, c.StatName, Cpu).ConfigureAwait(false);
            Volatile.Write(ref phase, 2);
            double seconds = Stopwatch.GetElapsedTime(a.Ticks, b.Ticks).TotalSeconds;
            long done = Interlocked.Read(ref completed);
            return Run(c, a, b, done > 0 ? done / seconds : null, errors > 0 ? $"{errors} call(s) failed: {FirstLine(firstError ?? "")}" : null);
        }
        finally
        {
            Volatile.Write(ref phase, 2);
            await Task.WhenAll(callers).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One join-script row: redis-benchmark's EVALSHA of the mix's join and the harness's production join through its
    /// load engine (closed model, <see cref="Settings.Clients"/> copies, JoinDriver's scenario over EnqueueClient), back
    /// to back, the order given. With one multiplexer every call is pipelined on one connection; with one per copy
    /// each connection carries one command at a time (a copy leases a free one per call), as the gateway's pools do.
    /// </summary>
    private static Task<CeilingJoinRow> JoinRowAsync(string shape, IReadOnlyList<IConnectionMultiplexer> muxes, string tool, string node,
        RunningCluster cluster, IServer server, CeilingMix mix, CeilingCommand enqueue, string runPrefix, Settings s, double window, bool benchmarkFirst,
        Action<string>? log, CancellationToken ct) =>
        JoinRowAsync(shape, muxes.Count, () => EngineJoinRunAsync($"join script, {shape}", muxes, server, mix, runPrefix, s, window, ct),
            tool, node, cluster, server, enqueue, s, window, benchmarkFirst, log, ct);

    private static async Task<CeilingJoinRow> JoinRowAsync(string shape, int connections, Func<Task<CeilingCommandRun>> harnessRun, string tool, string node,
        RunningCluster cluster, IServer server, CeilingCommand enqueue, Settings s, double window, bool benchmarkFirst, Action<string>? log, CancellationToken ct)
    {
        CeilingCommandRun? rb = null, harness = null;
        foreach (bool benchmark in benchmarkFirst ? new[] { true, false } : [false, true])
        {
            if (benchmark) rb = await RedisBenchmarkRunAsync(tool, node, cluster.Auth, server, enqueue, s, window, ct).ConfigureAwait(false);
            else harness = await harnessRun().ConfigureAwait(false);
            CeilingCommandRun run = benchmark ? rb! : harness!;
            log?.Invoke(LaunchCeilingReport.JoinProgress(benchmark ? "redis-benchmark" : "harness", shape, run));
        }
        return new CeilingJoinRow(shape, connections, harness! with { Command = $"join script ({shape})", Weight = 0 }, rb! with { Command = $"join script ({shape})", Weight = 0 });
    }

    private const string HopFree = CeilingJoinRow.HopFree, HopFreeGateway = CeilingJoinRow.HopFreeGateway;

    /// <summary>
    /// The join script (the mix's EVALSHA, fresh keys drawn as redis-benchmark draws them) through the engine's closed
    /// model over one <see cref="HopFreeConnection"/>: each copy's call is written on its thread, its reply completed on
    /// the connection's reader thread, which sends that copy's next call. Counted by the server over the window.
    /// </summary>
    private static async Task<CeilingCommandRun> HopFreeJoinRunAsync(IReadOnlyList<HopFreeConnection> conns, IServer server, CeilingCommand enqueue, Settings s, double window, CancellationToken ct)
    {
        var join = new HopFreeJoin(conns, new RandomArgs(enqueue.Args, enqueue.Keyspace));
        Scenario scenario = Scenario.CreateValue($"join script, {(conns.Count == 1 ? HopFree : HopFreeGateway)}", join.CallAsync)
            .WithLoadSimulations(LoadSimulation.KeepConstant(s.Clients, TimeSpan.FromSeconds(s.WarmUpSeconds + window + 0.5)))
            .WithLimits(maxInFlight: s.Clients, maxInvocations: long.MaxValue / 2);
        var self = Process.GetCurrentProcess();
        TimeSpan Cpu() { self.Refresh(); return self.TotalProcessorTime; }
        Task<RunSummary> run = new LoadRunner(scenario).RunAsync(ct);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(s.WarmUpSeconds), ct).ConfigureAwait(false);
            Snapshot a = await SnapshotAsync(server, "evalsha", Cpu).ConfigureAwait(false);
            join.Measuring = true;
            await Task.Delay(TimeSpan.FromSeconds(window), ct).ConfigureAwait(false);
            Snapshot b = await SnapshotAsync(server, "evalsha", Cpu).ConfigureAwait(false);
            join.Measuring = false;
            double seconds = Stopwatch.GetElapsedTime(a.Ticks, b.Ticks).TotalSeconds;
            long done = Interlocked.Read(ref join.Enqueued), failed = Interlocked.Read(ref join.Failed);
            return Run(enqueue, a, b, done > 0 ? done / seconds : null, failed > 0 ? $"{failed} join(s) failed: {FirstLine(join.FirstError ?? "")}" : null);
        }
        finally { await run.ConfigureAwait(false); }
    }

    /// <summary>One hop-free join per call: a pooled call slot (its pending reply and command buffer), the command, the reply's outline.</summary>
    private sealed class HopFreeJoin(IReadOnlyList<HopFreeConnection> conns, RandomArgs args)
    {
        private readonly ConcurrentQueue<(RespCall Call, byte[] Buffer)> _free = new();
        private readonly ConcurrentQueue<HopFreeConnection> _idle = new(conns); // gateway-shaped: a connection with nothing in flight
        public long Enqueued, Failed;
        public string? FirstError;
        public volatile bool Measuring;

        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<Response> CallAsync(ScenarioContext ctx)
        {
            if (!_free.TryDequeue(out var slot)) slot = (new RespCall(), new byte[4096]);
            HopFreeConnection? leased = null;
            if (conns.Count > 1 && !_idle.TryDequeue(out leased)) { _free.Enqueue(slot); return Response.Fail("no-free-connection"); }
            try
            {
                int length = RespCommand.Write(slot.Buffer, args.Next(Random.Shared));
                RespReply r = await (leased ?? conns[0]).SendAsync(slot.Call, slot.Buffer.AsSpan(0, length)).ConfigureAwait(false);
                // {1, id} enqueued, {0, DUPLICATE} for a key drawn twice (as redis-benchmark's __rand_int__ can): both ran the script.
                bool ran = !r.IsError && r.Integer is 0 or 1;
                if (Measuring)
                {
                    if (ran) Interlocked.Increment(ref Enqueued);
                    else { Interlocked.Increment(ref Failed); Interlocked.CompareExchange(ref FirstError, r.Error ?? "unexpected reply", null); }
                }
                return ran ? Response.Ok(r.Integer == 1 ? "enqueued" : "duplicate") : Response.Fail("error", r.Error);
            }
            finally
            {
                _free.Enqueue(slot);
                if (leased is not null) _idle.Enqueue(leased);
            }
        }
    }

    /// <summary>The gateway's shape: one multiplexer per caller, each one connection per node (no pub/sub), so one command per round trip.</summary>
    private static async Task<List<ConnectionMultiplexer>> OpenGatewayAsync(RunningCluster cluster, int count, CancellationToken ct)
    {
        var opened = new ConnectionMultiplexer[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, _) =>
        {
            ConfigurationOptions o = cluster.CreateOptions();
            o.ClientName = "hashtag-bench-ceiling";
            o.CommandMap = CommandMap.Create(new HashSet<string> { "SUBSCRIBE" }, available: false);
            o.TieBreaker = "";
            opened[i] = await cluster.ConnectAsync(o).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return [.. opened];
    }

    /// <summary>
    /// The harness's production join, as a load run sends it: the engine's closed model, JoinDriver's response mapping,
    /// EnqueueClient (keys, slot guard, token, EVALSHA, reply). Fresh idempotency key per call, users drawn from 1,024,
    /// every key carrying the run's prefix (the cleanup finds them). Counted by the server over the window.
    /// </summary>
    private static async Task<CeilingCommandRun> EngineJoinRunAsync(string label, IReadOnlyList<IConnectionMultiplexer> muxes, IServer server, CeilingMix mix,
        string runPrefix, Settings s, double window, CancellationToken ct)
    {
        EnqueueClient[] clients = [.. muxes.Select(m => new EnqueueClient(m, KeyStrategy.EventTag, new EnqueueOptions { Mode = SendMode.EvalSha }))];
        var free = new ConcurrentQueue<EnqueueClient>(clients);
        bool shared = clients.Length == 1;
        long seq = 0, completed = 0, failed = 0;
        string idem = runPrefix + "-" + label.GetHashCode(StringComparison.Ordinal).ToString("x8", CultureInfo.InvariantCulture) + "-"; // each row's keys fresh: no row answers another's Duplicate
        string? firstError = null;
        int measuring = 0;
        Scenario scenario = Scenario.Create(label, async _ =>
            {
                long i = Interlocked.Increment(ref seq);
                // Gateway-shaped: a connection with nothing in flight, given back when the answer is in (copies = connections, so one is free).
                EnqueueClient c = shared ? clients[0] : free.TryDequeue(out EnqueueClient? leased) ? leased : throw new InvalidOperationException("no free connection");
                try
                {
                    JoinResult r = await c.JoinAsync(mix.EventId, runPrefix + "u" + (i & 1023).ToString(CultureInfo.InvariantCulture), idem + i.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    if (Volatile.Read(ref measuring) == 1)
                    {
                        if (r is JoinResult.Enqueued) Interlocked.Increment(ref completed);
                        else { Interlocked.Increment(ref failed); Interlocked.CompareExchange(ref firstError, r.ToString(), null); }
                    }
                    return JoinDriver.ToResponse(r);
                }
                finally { if (!shared) free.Enqueue(c); }
            })
            .WithLoadSimulations(LoadSimulation.KeepConstant(s.Clients, TimeSpan.FromSeconds(s.WarmUpSeconds + window + 0.5)))
            .WithLimits(maxInFlight: s.Clients, maxInvocations: long.MaxValue / 2);
        var self = Process.GetCurrentProcess();
        TimeSpan Cpu() { self.Refresh(); return self.TotalProcessorTime; }
        Task<RunSummary> run = new LoadRunner(scenario).RunAsync(ct);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(s.WarmUpSeconds), ct).ConfigureAwait(false);
            Snapshot a = await SnapshotAsync(server, "evalsha", Cpu).ConfigureAwait(false);
            Volatile.Write(ref measuring, 1);
            await Task.Delay(TimeSpan.FromSeconds(window), ct).ConfigureAwait(false);
            Snapshot b = await SnapshotAsync(server, "evalsha", Cpu).ConfigureAwait(false);
            Volatile.Write(ref measuring, 2);
            double seconds = Stopwatch.GetElapsedTime(a.Ticks, b.Ticks).TotalSeconds;
            long done = Interlocked.Read(ref completed);
            return Run(new CeilingCommand(CeilingForm.Enqueue, KeyClass.Stream, label, [], 0, new CeilingMixCommand(label, "", "Join", 0, 0)), a, b,
                done > 0 ? done / seconds : null, failed > 0 ? $"{failed} join(s) not enqueued: {FirstLine(firstError ?? "")}" : null);
        }
        finally
        {
            // The phase ends by itself half a second after the window, its calls drained; only Ctrl-C cuts it short.
            await run.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One call in the harness's client path: the typed StackExchange.Redis calls WaitingRoomClient makes for these
    /// commands, to the primary (replica reads would take them off the hot node both sides are measured on).
    /// </summary>
    private static Task SendAsync(IDatabase db, CeilingForm form, string[] a)
    {
        const CommandFlags Primary = CommandFlags.DemandMaster;
        return form switch
        {
            CeilingForm.Enqueue => db.ScriptEvaluateAsync(EnqueueScript.Sha1, [a[3], a[4]], [a[5], a[6], a[7], long.Parse(a[8], CultureInfo.InvariantCulture)], Primary),
            CeilingForm.ZAdd => db.SortedSetAddAsync(a[1], a[3], double.Parse(a[2], CultureInfo.InvariantCulture), Primary),
            CeilingForm.Expire => db.KeyExpireAsync(a[1], TimeSpan.FromSeconds(long.Parse(a[2], CultureInfo.InvariantCulture)), Primary),
            CeilingForm.ZRank => db.SortedSetRankAsync(a[1], a[2], flags: Primary),
            CeilingForm.ZRem => db.SortedSetRemoveAsync(a[1], a[2], Primary),
            CeilingForm.XRangeOne => db.StreamRangeAsync(a[1], a[2], a[3], flags: Primary),
            CeilingForm.XRangeAll => db.StreamRangeAsync(a[1], flags: Primary),
            CeilingForm.XDel => db.StreamDeleteAsync(a[1], [a[2]], Primary),
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, null),
        };
    }

    /// <summary>The argument list with each <c>__rand_int__</c> drawn as redis-benchmark draws it: its own 12-digit number below the keyspace, per occurrence and call.</summary>
    private sealed class RandomArgs(IReadOnlyList<string> template, long keyspace)
    {
        private readonly string[][] _parts = [.. template.Select(t => t.Split(CeilingMix.Rand))];

        public string[] Next(Random rng)
        {
            var args = new string[_parts.Length];
            for (int i = 0; i < args.Length; i++)
            {
                string[] p = _parts[i];
                if (p.Length == 1) { args[i] = p[0]; continue; }
                var sb = new StringBuilder(p[0]);
                for (int j = 1; j < p.Length; j++) sb.Append(CeilingMix.Digits(rng.NextInt64(keyspace))).Append(p[j]);
                args[i] = sb.ToString();
            }
            return args;
        }
    }

    /// <summary>
    /// What held the side back: the server's one command thread, the client's cores (<paramref name="clientCores"/>),
    /// or, when both run here, the machine's cores together; "none saturated" when nothing reached <see cref="Saturated"/>.
    /// </summary>
    private static CeilingSide Side(string name, List<CeilingCommandRun> runs, int clientCores, bool serverOnThisMachine, string? machineShared)
    {
        var side = new CeilingSide(name, runs, "");
        var load = new List<(string What, double Use, string Shown)>();
        if (side.ServerCpu is double server) load.Add(("server CPU", server, FormattableString.Invariant($"{server:P0} of the node's one command thread")));
        if (side.ClientCpu is double client)
        {
            load.Add(("client CPU", client / clientCores, FormattableString.Invariant($"{client:P0} of a core, {clientCores} usable")));
            if (serverOnThisMachine && side.ServerCpu is double sv)
                load.Add(("machine CPU", (client + sv) / Environment.ProcessorCount, FormattableString.Invariant($"client + server {client + sv:0.00} of {Environment.ProcessorCount} cores")));
        }
        var top = load.OrderByDescending(l => l.Use).FirstOrDefault();
        string limiter = load.Count == 0 ? "n/a" : top.Use >= Saturated ? $"{top.What} ({top.Shown})"
            : machineShared is not null ? $"the machine's other load ({machineShared}; highest here: {top.What}, {top.Shown})"
            : $"none saturated (highest: {top.What}, {top.Shown})";
        return side with { Limiter = limiter };
    }

    /// <summary>When more tasks wanted a CPU than there are CPUs: the processes measured here got only a share of the machine.</summary>
    private static string? MachineShared(string loadAverage) =>
        double.TryParse(loadAverage.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double oneMinute) && oneMinute > Environment.ProcessorCount
            ? FormattableString.Invariant($"load average {oneMinute:0.0} on {Environment.ProcessorCount} CPUs")
            : null;

    private static bool IsLocal(string node) =>
        node.StartsWith("127.", StringComparison.Ordinal) || node.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) || node.StartsWith("[::1]", StringComparison.Ordinal);

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
