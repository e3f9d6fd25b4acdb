using HashtagBench.Keys;
using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>Whether a multi-key script's keys share one slot under a schema, read from the key templates alone.</summary>
/// <param name="Script">The step and command, e.g. "Join EVALSHA".</param>
/// <param name="CoLocated">Every key has the same hash tag text: one slot for every input, so no CROSSSLOT on a cluster.</param>
public sealed record ScriptPlacement(string Script, IReadOnlyList<string> Keys, bool CoLocated);

/// <summary>Estimated bytes per key or entry, for the keys-alive figures. Two are measured (see <see cref="MemoryModel"/>); the rest are estimates.</summary>
public sealed record LaunchMemoryModel
{
    public double StreamKeyBytes { get; init; } = new MemoryModel().StreamKeyBytes;
    public double DedupeKeyBytes { get; init; } = new MemoryModel().DedupeKeyBytes;
    public double StreamEntryBytes { get; init; } = 40;
    public double ZsetMemberBytes { get; init; } = 80;
    public double StringKeyBytes { get; init; } = 120;
    public double WaitingKeyBytes { get; init; } = 300;
    public double HashKeyBytes { get; init; } = 160;
}

/// <summary>
/// A model command as the simulator counts it for the servers' view (<see cref="ServerFootprint"/>): one of each
/// name and key class (a script's footprint depends on which script it is), and whether the cluster refused it
/// (a CROSSSLOT script never reaches a server).
/// </summary>
public sealed record CountedCommand(RedisCommand Command, bool Refused);

/// <summary>One strategy's predicted launch, counted per second, shard, step, command and node role.</summary>
public sealed class LaunchStrategyResult
{
    internal LaunchStrategyResult(WaitingRoomSchema schema, Topology topology, int replicas, int seconds, IReadOnlyList<string> commands,
        IReadOnlyList<CountedCommand> counted, string keyPrefix, ServerCpuModel model, ClientShape client, int pods)
    {
        Model = model;
        Client = client;
        Pods = pods;
        CountedCommands = counted;
        KeyPrefix = keyPrefix;
        ShardCountedCounts = new long[topology.ShardCount * counted.Count * 2];
        Schema = schema;
        Topology = topology;
        Replicas = replicas;
        Seconds = seconds;
        CommandNames = commands;
        int shards = topology.ShardCount;
        ShardStepCounts = new long[seconds * shards * Steps];
        ShardCommandCounts = new long[seconds * shards * commands.Count * 2];
        PrimaryUsec = new double[seconds * shards];
        ReplicaUsec = new double[seconds * shards];
        PrimaryCommandUsec = new double[seconds * shards];
        ReplicaCommandUsec = new double[seconds * shards];
        PrimaryTraffic = new NodeTraffic(seconds * shards);
        ReplicaTraffic = new NodeTraffic(seconds * shards);
        KeysAlive = new long[seconds * shards];
        BytesAlive = new double[seconds * shards];
        KeyClassCommands = new long[Enum.GetValues<KeyClass>().Length];
    }

    public static readonly int Steps = Enum.GetValues<Step>().Length;

    public WaitingRoomSchema Schema { get; }
    public Topology Topology { get; }
    public int Replicas { get; }
    /// <summary>1-second buckets from launch start to the last request.</summary>
    public int Seconds { get; }
    public IReadOnlyList<string> CommandNames { get; }
    /// <summary>Written before every key (a run ID); it moves untagged keys, never tagged ones.</summary>
    public string KeyPrefix { get; }
    /// <summary>The distinct model commands <see cref="ShardCountedCounts"/> is indexed by.</summary>
    public IReadOnlyList<CountedCommand> CountedCommands { get; }
    /// <summary>[(shard · counted + command) · 2 + role] over the whole launch: role 0 primary, 1 replicas (reads sent there).</summary>
    public long[] ShardCountedCounts { get; }
    public LaunchTimeline Timeline { get; internal set; } = null!;
    public IReadOnlyList<ScriptPlacement> Scripts { get; internal set; } = [];
    /// <summary>Visits whose join script was refused with CROSSSLOT (its keys on two slots), counted on the real slots.</summary>
    public int CrossSlotVisits { get; internal set; }

    /// <summary>[(second · shards + shard) · steps + step]: commands (both roles).</summary>
    public long[] ShardStepCounts { get; }
    /// <summary>[((second · shards + shard) · commands + command) · 2 + role]: role 0 primary, 1 replicas (all of them together).</summary>
    public long[] ShardCommandCounts { get; }
    /// <summary>
    /// [second · shards + shard]: engine-thread microseconds of the whole request (<see cref="ServerCpuModel"/>: command
    /// time, round trips, wake-ups, connections, replication) on the primary, and on all replicas together.
    /// </summary>
    public double[] PrimaryUsec { get; }
    public double[] ReplicaUsec { get; }
    /// <summary>[second · shards + shard]: command time alone (commandstats usec per call × calls), primary and all replicas.</summary>
    public double[] PrimaryCommandUsec { get; }
    public double[] ReplicaCommandUsec { get; }
    /// <summary>[second · shards + shard]: what the primary, and the replicas together, were sent (for the CPU model).</summary>
    public NodeTraffic PrimaryTraffic { get; }
    public NodeTraffic ReplicaTraffic { get; }
    /// <summary>The model that turned <see cref="PrimaryTraffic"/> into <see cref="PrimaryUsec"/>.</summary>
    public ServerCpuModel Model { get; }
    /// <summary>The gateway's client shape, and its pods at this launch's scale.</summary>
    public ClientShape Client { get; }
    public int Pods { get; }
    /// <summary>Client connections each node holds: <see cref="ClientShape.ConnectionsPerNode"/> of <see cref="Pods"/>.</summary>
    public int ConnectionsPerNode => Client.ConnectionsPerNode(Pods);
    /// <summary>[second · shards + shard] at the end of the second.</summary>
    public long[] KeysAlive { get; }
    public double[] BytesAlive { get; }
    /// <summary>Commands per key class (a script counts once, under its <see cref="RedisCommand.Key"/>).</summary>
    public long[] KeyClassCommands { get; }
    /// <summary>Commands of each visit, by visit index.</summary>
    public int[] VisitCommands { get; internal set; } = [];
    /// <summary>Primary command time per slot during <see cref="PeakSecond"/>.</summary>
    public double[] PeakSlotPrimaryUsec => PeakSlotTraffic.CommandUsec;
    /// <summary>What each slot's primary was sent during <see cref="PeakSecond"/>: what resharding would move (pipelines counted per slot).</summary>
    public NodeTraffic PeakSlotTraffic { get; internal set; } = new(0);
    /// <summary>The second with the most primary CPU over the whole cluster.</summary>
    public int PeakSecond { get; internal set; }
    /// <summary>Anonymous users' entries in the shared, never trimmed streams, alive at the end.</summary>
    public long AnonymousStreamEntries { get; internal set; }

    public long Commands(int second, int shard) { long s = 0; for (int st = 0; st < Steps; st++) s += ShardStepCounts[(second * Topology.ShardCount + shard) * Steps + st]; return s; }
    public long Commands(int second) { long s = 0; for (int j = 0; j < Topology.ShardCount; j++) s += Commands(second, j); return s; }
    public long TotalCommands => KeyClassCommands.Sum();

    /// <summary>A primary's load in one second from what it was sent (<paramref name="i"/> into <paramref name="t"/>).</summary>
    public NodeLoad PrimaryLoad(NodeTraffic t, int i)
    {
        bool mux = Client.Mode == ClientMode.Multiplexed;
        int conns = ConnectionsPerNode;
        double reads = ServerCpuModel.Reads(t.RoundTrips[i], conns, mux);
        double perTrip = t.RoundTrips[i] > 0 ? reads / t.RoundTrips[i] : 1;
        return new NodeLoad(t.CommandUsec[i], t.Commands[i], reads, conns, t.Replicated[i] * Replicas, t.Writes[i] * perTrip * Replicas);
    }

    /// <summary>One replica's load: its share of the replica reads, plus everything its primary replicates.</summary>
    public NodeLoad ReplicaLoad(NodeTraffic replicas, NodeTraffic primary, int i)
    {
        int n = Math.Max(1, Replicas), conns = ConnectionsPerNode;
        bool mux = Client.Mode == ClientMode.Multiplexed;
        var own = new NodeLoad(replicas.CommandUsec[i] / n, replicas.Commands[i] / n, ServerCpuModel.Reads(replicas.RoundTrips[i] / n, conns, mux), conns);
        double writes = ServerCpuModel.Reads(primary.RoundTrips[i], conns, mux) is var reads && primary.RoundTrips[i] > 0 ? primary.Writes[i] * reads / primary.RoundTrips[i] : 0;
        return Model.Applying(own, primary.Replicated[i], writes);
    }
}

/// <summary>
/// What one node (or slot, or all replicas of a shard) was sent, per cell: command time, commands, round trips in the
/// Pooled shape (one per command, one per explicit pipeline per node), round trips that wrote, and the replicated
/// commands the writes produce (<see cref="ServerFootprint"/>'s effects, per replica).
/// </summary>
public sealed class NodeTraffic(int cells)
{
    public double[] CommandUsec { get; } = new double[cells];
    public double[] Commands { get; } = new double[cells];
    public double[] RoundTrips { get; } = new double[cells];
    public double[] Writes { get; } = new double[cells];
    public double[] Replicated { get; } = new double[cells];

    /// <summary>Per shard of <paramref name="topology"/>: the slots' traffic summed (cells are slots).</summary>
    public NodeTraffic Aggregate(Topology topology)
    {
        var t = new NodeTraffic(topology.ShardCount);
        Sum(topology.Aggregate(CommandUsec), t.CommandUsec);
        Sum(topology.Aggregate(Commands), t.Commands);
        Sum(topology.Aggregate(RoundTrips), t.RoundTrips);
        Sum(topology.Aggregate(Writes), t.Writes);
        Sum(topology.Aggregate(Replicated), t.Replicated);
        return t;
    }

    /// <summary>Every cell's traffic together, as one cell.</summary>
    public NodeTraffic Total()
    {
        var t = new NodeTraffic(1);
        t.CommandUsec[0] = CommandUsec.Sum();
        t.Commands[0] = Commands.Sum();
        t.RoundTrips[0] = RoundTrips.Sum();
        t.Writes[0] = Writes.Sum();
        t.Replicated[0] = Replicated.Sum();
        return t;
    }

    /// <summary>Each cell × <paramref name="f"/>.</summary>
    public NodeTraffic Scaled(double f)
    {
        var t = new NodeTraffic(CommandUsec.Length);
        for (int i = 0; i < CommandUsec.Length; i++)
            (t.CommandUsec[i], t.Commands[i], t.RoundTrips[i], t.Writes[i], t.Replicated[i]) = (CommandUsec[i] * f, Commands[i] * f, RoundTrips[i] * f, Writes[i] * f, Replicated[i] * f);
        return t;
    }

    private static void Sum(double[] from, double[] into) { for (int i = 0; i < into.Length; i++) into[i] += from[i]; }
}

/// <summary>The whole launch, per strategy: the queue dynamics once, then every request's commands placed on real slots.</summary>
public sealed record LaunchSimResult(Launch Launch, Topology Topology, LaunchPopulation Population, IReadOnlyList<LaunchStrategyResult> Strategies,
    CommandCostTable Costs, LaunchMemoryModel Memory, TimeSpan Elapsed);

/// <summary>
/// Predicts a launch per strategy. Placement is exact: per-event keys hash the file's event IDs, and the random
/// per-user, per-token and per-request keys are real strings drawn from the seed (<see cref="LaunchPopulation"/>),
/// hashed to their real slots: one Monte Carlo draw. Commands of a request are <see cref="Traffic.Commands"/>,
/// never a list of its own. Reads go to replicas when the file says so (spread evenly over a shard's replicas).
/// Each node's CPU per second is the whole request's (<see cref="ServerCpuModel"/> on the cost table's terms): command
/// time, and per command, per round trip (one per command in the Pooled shape, one per explicit pipeline per node;
/// Multiplexed shares what is in flight), per shared wake-up, per connection (the file's client at <see cref="Pods"/>
/// pods) and the replication feed (<see cref="ServerFootprint"/>'s effects on every replica).
/// </summary>
public sealed class LaunchSimulator
{
    private static readonly KeyClass[] KeyClasses = Enum.GetValues<KeyClass>();

    // Measured (peak RSS of sim --launch over users and over polls per visit, release build), rounded up: a visit's
    // draws, key arguments and cached slots; a request's timeline entry (two timelines alive when a strategy's joins
    // are refused) and its share of the per-request slots.
    internal const long VisitBytes = 1400, RequestBytes = 80;

    /// <param name="keyPrefix">Before every key, outside any hash tag, as a live run writes it (a run ID); "" for none.</param>
    /// <param name="hostMemoryBytes">Memory the simulation may use (default: this machine's, <see cref="HostLimits.MemoryBytes"/>).
    /// More visits than fit are refused here, before any is drawn; a launch whose requests outgrow the rest, during its queue dynamics.</param>
    /// <param name="pods">The gateway's pods (its connections per node follow); null: the file's. A scaled run passes <see cref="ClientShape.PodsAtScale"/>.</param>
    /// <param name="ct">Stops every step of this simulator (draws, dynamics, placement) within milliseconds: <see cref="OperationCanceledException"/>.</param>
    public LaunchSimulator(Launch launch, CommandCostTable? costs = null, LaunchMemoryModel? memory = null, Topology? topology = null, string keyPrefix = "",
        long? hostMemoryBytes = null, int? pods = null, CancellationToken ct = default)
    {
        if (pods is < 1) throw new ArgumentOutOfRangeException(nameof(pods), pods, "A gateway has at least one pod.");
        Pods = pods ?? launch.File.Client.Pods;
        ArgumentNullException.ThrowIfNull(keyPrefix);
        if (keyPrefix.AsSpan().IndexOfAny('{', '}') >= 0) throw new ArgumentException("A key prefix cannot hold braces: it would become the hash tag.", nameof(keyPrefix));
        KeyPrefix = keyPrefix;
        Launch = launch;
        Costs = costs ?? CommandCostTable.Default;
        Memory = memory ?? new LaunchMemoryModel();
        Topology = topology ?? TopologyOf(launch);
        _ct = ct;
        MaxRequests = RequestBudget(launch, hostMemoryBytes ?? HostLimits.MemoryBytes);
        Population = new LaunchPopulation(launch, ct);
    }

    public Launch Launch { get; }
    public CommandCostTable Costs { get; }
    public LaunchMemoryModel Memory { get; }
    public Topology Topology { get; }
    public LaunchPopulation Population { get; }
    public string KeyPrefix { get; }
    /// <summary>Most requests a timeline may hold in the memory left beside the visits.</summary>
    public long MaxRequests { get; }
    /// <summary>The gateway's pods the connections per node are counted for.</summary>
    public int Pods { get; }

    private readonly CancellationToken _ct;
    private LaunchTimeline? _allJoin;
    // Slots by key template text, shared by every strategy that writes the key the same way (most key classes).
    private readonly SlotCache _slotCache = new();

    /// <summary>The file's topology: an even split of its shards, or its slot map.</summary>
    public static Topology TopologyOf(Launch launch) => launch.File.Topology.SlotMap is { } map
        ? Topology.Parse(map) : Topology.EvenSplit(launch.File.Topology.Shards!.Value);

    /// <summary>The timeline when every join is accepted (shared by every co-located strategy).</summary>
    public LaunchTimeline Timeline => _allJoin ??= LaunchDynamics.Run(Population, null, MaxRequests, _ct);

    /// <summary>Refuses more visits than <paramref name="memory"/> holds; returns how many requests fit beside them.</summary>
    private static long RequestBudget(Launch launch, long memory)
    {
        long visits = (long)launch.Users * launch.File.Arrival.IterationsPerUser;
        double need = (double)visits * VisitBytes;
        if (need > memory)
            throw new SimInputException("arrival.users", FormattableString.Invariant(
                $"{launch.File.Name}: {visits:N0} visits need about {HostLimits.Bytes(need)} before their first request (~{VisitBytes} B each); this machine has {HostLimits.Bytes(memory)}: at most {memory / VisitBytes:N0} users × iterations."));
        return Math.Min((memory - (long)need) / RequestBytes, Array.MaxLength);
    }

    public LaunchSimResult Run(IReadOnlyList<WaitingRoomSchema>? schemas = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = (schemas ?? Launch.Schemas).Select(s => Place(s)).ToList();
        return new LaunchSimResult(Launch, Topology, Population, results, Costs, Memory, clock.Elapsed);
    }

    /// <summary>The multi-key scripts of every step and whether their keys always share a slot (pure: templates only).</summary>
    public static IReadOnlyList<ScriptPlacement> ScriptsOf(WaitingRoomSchema schema) =>
        Enum.GetValues<Step>().SelectMany(step => Traffic.Commands(step, schema).Where(c => c.Keys.Count > 1)
                .Select(c => new ScriptPlacement($"{step} {c.Name}", c.Keys.Select(k => schema.Template(k).Text).ToList(),
                    c.Keys.Select(k => TagText(schema.Template(k))).Distinct().Count() == 1 && c.Keys.All(k => schema.Template(k).Tagged))))
            .DistinctBy(s => s.Script).ToList();

    /// <summary>The template's hash tag as written (e.g. "&lt;E&gt;"), or its whole text when it has none.</summary>
    public static string TagText(KeyTemplate t)
    {
        if (!t.Tagged) return t.Text;
        int open = t.Text.IndexOf('{');
        return t.Text[(open + 1)..t.Text.IndexOf('}', open + 1)];
    }

    /// <param name="countKeys">Also count keys and memory alive (not needed for a sizing trial).</param>
    public LaunchStrategyResult Place(WaitingRoomSchema schema, bool countKeys = true)
    {
        var slots = new SlotResolver(schema, Population, _slotCache, KeyPrefix, _ct);
        int visits = Population.Visits;

        // Joins the cluster refuses: the join script's keys on two slots (checked on the real slots of each visit).
        RedisCommand script = Traffic.Commands(Step.Join, schema).First(c => c.Keys.Count > 1);
        bool[] refused = new bool[visits];
        int refusedCount = 0;
        for (int v = 0; v < visits; v++)
        {
            HostLimits.Check(v, _ct);
            int first = slots.Slot(script.Keys[0], v, 0, slots.OwnBucket(v));
            for (int k = 1; k < script.Keys.Count; k++) refused[v] |= slots.Slot(script.Keys[k], v, 0, slots.OwnBucket(v)) != first;
            if (refused[v]) refusedCount++;
        }
        LaunchTimeline timeline = refusedCount == 0 ? Timeline : LaunchDynamics.Run(Population, v => refused[v], MaxRequests, _ct);

        var plans = new RequestPlans(schema);
        int shards = Topology.ShardCount, seconds = (int)Math.Floor(timeline.EndSeconds) + 1;
        int replicas = Launch.File.Topology.ReplicasPerShard;
        var r = new LaunchStrategyResult(schema, Topology, replicas, seconds, plans.CommandNames, plans.Counted, KeyPrefix, Costs.Model, Launch.File.Client, Pods)
        {
            Timeline = timeline,
            Scripts = ScriptsOf(schema),
            CrossSlotVisits = refusedCount,
            VisitCommands = new int[visits],
        };
        // Reads go to replicas when the file says so (it needs one per shard: the loader checks).
        bool replicaReads = Launch.File.ReplicaReads && replicas > 0;
        double[] usec = plans.CommandNames.Select(Costs.UsecPerCall).ToArray();
        var pipeline = new List<(int Node, bool Wrote)>(8);
        long n = 0;

        int cmdCount = plans.CommandNames.Count, countedCount = plans.Counted.Count;
        foreach (LaunchRequest q in timeline.Requests)
        {
            HostLimits.Check(n++, _ct);
            int t = (int)q.Time;
            int own = slots.OwnBucket(q.Visit);
            pipeline.Clear();
            foreach (var (cmd, index, counted) in plans.For(q))
            {
                int bucket = (own + cmd.OtherBucket) % schema.Buckets;
                int slot = slots.Slot(cmd.Key, q.Visit, q.Ordinal, bucket);
                int shard = Topology.ShardOf(slot);
                int role = replicaReads && cmd.Read ? 1 : 0;
                int cell = t * shards + shard;
                r.ShardStepCounts[cell * LaunchStrategyResult.Steps + (int)q.Step]++;
                r.ShardCommandCounts[(cell * cmdCount + index) * 2 + role]++;
                r.ShardCountedCounts[(shard * countedCount + counted) * 2 + role]++;
                Send(role == 0 ? r.PrimaryTraffic : r.ReplicaTraffic, cell, shard * 2 + role, cmd, index, counted);
                r.KeyClassCommands[(int)cmd.Key]++;
                r.VisitCommands[q.Visit]++;
            }
        }
        for (int i = 0; i < seconds * shards; i++)
        {
            HostLimits.Check(i, _ct);
            r.PrimaryCommandUsec[i] = r.PrimaryTraffic.CommandUsec[i];
            r.ReplicaCommandUsec[i] = r.ReplicaTraffic.CommandUsec[i];
            r.PrimaryUsec[i] = r.Model.Usec(r.PrimaryLoad(r.PrimaryTraffic, i));
            if (replicas > 0) r.ReplicaUsec[i] = replicas * r.Model.Usec(r.ReplicaLoad(r.ReplicaTraffic, r.PrimaryTraffic, i));
        }

        // The peak second (most primary CPU over the cluster), then its traffic per slot: what resharding would move.
        var clusterPrimary = new double[seconds];
        for (int i = 0; i < seconds * shards; i++) clusterPrimary[i / shards] += r.PrimaryUsec[i];
        r.PeakSecond = Array.IndexOf(clusterPrimary, clusterPrimary.Max());
        r.PeakSlotTraffic = new NodeTraffic(Topology.Slots);
        foreach (LaunchRequest q in timeline.Requests)
        {
            HostLimits.Check(n++, _ct);
            if ((int)q.Time != r.PeakSecond) continue;
            int own = slots.OwnBucket(q.Visit);
            pipeline.Clear();
            foreach (var (cmd, index, counted) in plans.For(q))
            {
                if (replicaReads && cmd.Read) continue;
                int slot = slots.Slot(cmd.Key, q.Visit, q.Ordinal, (own + cmd.OtherBucket) % schema.Buckets);
                Send(r.PeakSlotTraffic, slot, slot, cmd, index, counted);
            }
        }

        // One command into a traffic cell: its time (none for a script the cluster refused), a round trip unless it
        // joins its request's pipeline on a node (or slot) already in it, and what it replicates.
        void Send(NodeTraffic traffic, int cell, int node, RedisCommand cmd, int index, int counted)
        {
            bool refused = plans.Counted[counted].Refused;
            int effects = refused ? 0 : plans.Replicated[counted];
            traffic.CommandUsec[cell] += refused ? 0 : usec[index];
            traffic.Commands[cell]++;
            traffic.Replicated[cell] += effects;
            if (cmd.Phase != Phase.Pipeline)
            {
                traffic.RoundTrips[cell]++;
                if (effects > 0) traffic.Writes[cell]++;
                return;
            }
            int at = pipeline.FindIndex(p => p.Node == node);
            if (at < 0)
            {
                traffic.RoundTrips[cell]++;
                pipeline.Add((node, false));
                at = pipeline.Count - 1;
            }
            if (effects > 0 && !pipeline[at].Wrote)
            {
                traffic.Writes[cell]++;
                pipeline[at] = (node, true);
            }
        }
        if (countKeys) new AliveKeys(this, r, slots).Count(_ct);
        return r;
    }

    /// <summary>Each request's command list, from <see cref="Traffic.Commands"/> once per step and path; a refused join stops at its script.</summary>
    private sealed class RequestPlans
    {
        private readonly Dictionary<(Step, RequestOutcome), (RedisCommand, int, int)[]> _plans = [];
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, KeyClass, bool, bool), int> _counted = [];
        private readonly List<CountedCommand> _countedList = [];

        public RequestPlans(WaitingRoomSchema schema)
        {
            var outcomes = new (Step, RequestOutcome)[]
            {
                (Step.Join, RequestOutcome.Ok), (Step.Join, RequestOutcome.JoinCrossSlot), (Step.Status, RequestOutcome.Ok),
                (Step.StatusExpired, RequestOutcome.Ok), (Step.Enter, RequestOutcome.EnterFront), (Step.Enter, RequestOutcome.EnterBucketed),
                (Step.Enter, RequestOutcome.EnterThrottled), (Step.Leave, RequestOutcome.Ok), (Step.HoldSeat, RequestOutcome.Ok),
            };
            foreach (var (step, outcome) in outcomes)
            {
                IReadOnlyList<RedisCommand> cmds = Traffic.Commands(step, schema, new LaunchRequest(0, 0, step, outcome, 0).EnterPath);
                // CROSSSLOT: the script errors, the handler answers 5xx; nothing after the script is sent.
                bool refused = outcome == RequestOutcome.JoinCrossSlot;
                if (refused) cmds = [.. cmds.Take(cmds.ToList().FindIndex(c => c.Keys.Count > 1) + 1)];
                foreach (RedisCommand c in cmds) _index.TryAdd(c.Name, _index.Count);
                _plans[(step, outcome)] = cmds.Select((c, i) => (c, _index[c.Name], CountedIndex(c, refused && i == cmds.Count - 1))).ToArray();
            }
            CommandNames = [.. _index.OrderBy(e => e.Value).Select(e => e.Key)];
            // What reaches each replica per command (the seat hold as the client runs it: sold out).
            Replicated = [.. _countedList.Select(c => ServerFootprint.Of(c.Command).Replicated.Count)];
        }

        /// <summary>Replicated commands (effects, MULTI/EXEC included) per counted command, on each replica.</summary>
        public IReadOnlyList<int> Replicated { get; }

        public IReadOnlyList<string> CommandNames { get; }
        public IReadOnlyList<CountedCommand> Counted => _countedList;
        public (RedisCommand Command, int Index, int Counted)[] For(LaunchRequest q) => _plans[(q.Step, q.Outcome)];

        private int CountedIndex(RedisCommand c, bool refused)
        {
            if (_counted.TryGetValue((c.Name, c.Key, c.Read, refused), out int i)) return i;
            _countedList.Add(new CountedCommand(c, refused));
            return _counted[(c.Name, c.Key, c.Read, refused)] = _countedList.Count - 1;
        }
    }

    /// <summary>
    /// A key's slot, hashing each distinct key once: per-event keys once per event and bucket, per-visit keys once
    /// per visit, per-request keys (those holding the idempotency key) per request.
    /// </summary>
    /// <summary>Computed slots by key template text: per event and bucket, per visit, and per request.</summary>
    internal sealed class SlotCache
    {
        public readonly Dictionary<string, int[]> PerEvent = [], PerVisit = [];
        public readonly Dictionary<string, Dictionary<long, int>> PerRequest = [];
    }

    internal sealed class SlotResolver
    {
        private readonly WaitingRoomSchema _schema;
        private readonly LaunchPopulation _pop;
        private readonly string _prefix;
        private readonly SlotInputs[] _inputs;
        private readonly int[][] _eventSlots;      // [class][event · buckets + bucket]
        private readonly int[][] _visitSlots;      // [class][visit]
        private readonly Dictionary<long, int>[] _requestSlots; // [class][visit << 16 | ordinal]
        private readonly int[] _ownBucket;
        private (int Visit, int Ordinal) _argsOf = (-1, -1);
        private KeyArgs? _args;

        public SlotResolver(WaitingRoomSchema schema, LaunchPopulation pop, SlotCache cache, string prefix, CancellationToken ct)
        {
            _schema = schema;
            _prefix = prefix;
            _pop = pop;
            _inputs = KeyClasses.Select(c => schema.Template(c).SlotDependsOn).ToArray();
            int events = pop.Launch.EventIds.Count;
            _eventSlots = KeyClasses.Select(c => Shared(cache.PerEvent, $"{schema.Template(c).Text}#{schema.Buckets}", () => Filled(events * schema.Buckets))).ToArray();
            _visitSlots = KeyClasses.Select(c => Shared(cache.PerVisit, $"{schema.Template(c).Text}#{schema.Buckets}", () => Filled(pop.Visits))).ToArray();
            _requestSlots = KeyClasses.Select(c => Shared(cache.PerRequest, schema.Template(c).Text, () => new Dictionary<long, int>())).ToArray();
            _ownBucket = new int[pop.Visits];
            var bucketOfUser = new int[pop.Users];
            for (int u = 0; u < pop.Users; u++)
            {
                HostLimits.Check(u, ct);
                bucketOfUser[u] = schema.BucketOf(pop.UserId(u));
            }
            for (int v = 0; v < pop.Visits; v++) _ownBucket[v] = bucketOfUser[pop.UserOf(v)];
        }

        public int OwnBucket(int visit) => _ownBucket[visit];

        /// <summary>The slot of key class <paramref name="c"/> for request <paramref name="ordinal"/> of a visit, in <paramref name="bucket"/>.</summary>
        public int Slot(KeyClass c, int visit, int ordinal, int bucket)
        {
            SlotInputs inputs = _inputs[(int)c];
            if ((inputs & ~(SlotInputs.Event | SlotInputs.Bucket)) == 0)
            {
                ref int s = ref _eventSlots[(int)c][_pop.EventOf(visit) * _schema.Buckets + bucket];
                if (s < 0) s = Hash(c, visit, ordinal, bucket);
                return s;
            }
            if ((inputs & SlotInputs.IdempotencyKey) != 0)
            {
                // Keyed without the bucket: no template holds both the idempotency key and a bucket.
                var perRequest = _requestSlots[(int)c];
                long key = (long)visit << 16 | (uint)ordinal;
                if (!perRequest.TryGetValue(key, out int slot)) perRequest[key] = slot = Hash(c, visit, ordinal, bucket);
                return slot;
            }
            if (bucket != _ownBucket[visit]) return Hash(c, visit, ordinal, bucket);
            ref int vs = ref _visitSlots[(int)c][visit];
            if (vs < 0) vs = Hash(c, visit, ordinal, bucket);
            return vs;
        }

        // The key's real text, hashed. The inputs are drawn only on a cache miss (one request's at a time).
        private int Hash(KeyClass c, int visit, int ordinal, int bucket)
        {
            if (_argsOf != (visit, ordinal)) (_args, _argsOf) = (_pop.ArgsFor(visit, ordinal), (visit, ordinal));
            return HashSlot.Of(_schema.Key(c, _args!, _prefix, bucket));
        }

        private static T Shared<T>(Dictionary<string, T> cache, string key, Func<T> create) =>
            cache.TryGetValue(key, out T? v) ? v : cache[key] = create();

        private static int[] Filled(int n)
        {
            var a = new int[n];
            Array.Fill(a, -1);
            return a;
        }
    }
}
