using HashtagBench.Cli.Common;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace HashtagBench.Cli;

/// <summary>
/// sim: predicts per-shard load of each tag strategy for a workload (no Redis needed), with skew metrics, the
/// balls-into-bins expectation, capacity planning, and a report (report.md, sim.json) with charts.
/// </summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events on sale at once.", DefaultValueFactory = _ => 100 };
        var popularity = new Option<string>("--popularity") { Description = "uniform | zipf:S (S > 0) | hot:SHARE (one event takes SHARE of joins).", DefaultValueFactory = _ => "uniform" };
        var users = new Option<int>("--users") { Description = "Distinct users.", DefaultValueFactory = _ => 1_000_000 };
        var rate = new Option<double?>("--rate") { Description = "Constant join attempts per second (default 10000; or use --profile)." };
        var duration = new Option<double>("--duration") { Description = "Seconds at the constant --rate.", DefaultValueFactory = _ => 600 };
        var profile = new Option<string?>("--profile") { Description = "Rate over time, seconds:attempts/s points, linear between, e.g. 0:2000,60:60000,600:60000,1200:5000." };
        var duplicates = new Option<double>("--duplicates") { Description = "Fraction of attempts that are retries/duplicates (0 ≤ r < 1).", DefaultValueFactory = _ => 0 };
        var strategies = new Option<string>("--strategies") { Description = "Strategies to compare.", DefaultValueFactory = _ => StrategyList.Default };
        var shards = new Option<int>("--shards") { Description = "Primaries, slots split as redis-cli --cluster create does.", DefaultValueFactory = _ => 3 };
        var slotMap = new Option<string?>("--slot-map") { Description = "Arbitrary slot map instead of --shards: 'from-to:shard,...' or a file of such items." };
        var capacity = new Option<double?>("--capacity") { Description = "Per-shard capacity in EVALSHA joins/s, for utilisation and sizing." };
        var capacityFrom = new Option<string?>("--capacity-from") { Description = "JSON file with a top-level perShardOpsPerSec (the load tool's capacity result)." };
        var target = new Option<double>("--target") { Description = "Highest acceptable hottest-shard utilisation at peak (fraction).", DefaultValueFactory = _ => 0.7 };
        var seeds = new Option<int>("--seeds") { Description = "Monte Carlo event-ID draws.", DefaultValueFactory = _ => 20 };
        var joins = new Option<long>("--joins") { Description = "Joins simulated per draw.", DefaultValueFactory = _ => 10_000_000 };
        var seed = new Option<ulong>("--seed") { Description = "Base random seed (same seed, same report).", DefaultValueFactory = _ => 1 };
        var streamBytes = new Option<double>("--stream-bytes") { Description = "Memory of one one-entry stream key.", DefaultValueFactory = _ => new MemoryModel().StreamKeyBytes };
        var dedupeBytes = new Option<double>("--dedupe-bytes") { Description = "Memory of one dedupe key.", DefaultValueFactory = _ => new MemoryModel().DedupeKeyBytes };
        var outDir = new Option<string?>("--out") { Description = "Output directory (default results/sim/<timestamp>)." };
        var launchFile = new Option<string?>("--launch") { Description = "Launch file (JSON, see docs/launch-file.md): simulate the whole waiting room per strategy instead of joins alone." };
        var cpuTarget = new Option<double>("--cpu-target") { Description = "With --launch: highest acceptable CPU of the hottest primary (fraction).", DefaultValueFactory = _ => LaunchCapacity.DefaultTargetCpu };
        var costs = new Option<string?>("--costs") { Description = "With --launch: a cost table from `hashtag-bench calibrate` (default: the committed one)." };
        var json = new Option<bool>("--json") { Description = "With --launch: print the result JSON to stdout instead of the tables." };
        var checkLive = new Option<bool>("--check-live") { Description = "With --launch: run every strategy's key schema on one standalone redis-server and on a cluster (local, or --cluster) and compare." };
        // Only the endpoint options: sim reads a live slot map when given one and never starts a cluster itself.
        var cluster = new ClusterOptions();

        var cmd = new Command("sim", "Simulate per-shard load of each hash-tag strategy for a workload, with capacity planning and charts (no Redis needed).");
        foreach (Option o in new Option[] { events, popularity, users, rate, duration, profile, duplicates, strategies, shards, slotMap,
                     capacity, capacityFrom, target, seeds, joins, seed, streamBytes, dedupeBytes, outDir, launchFile, cpuTarget, costs, json, checkLive })
            cmd.Options.Add(o);
        cluster.AddTo(cmd, endpointOnly: true);

        cmd.SetAction(async (r, ct) =>
        {
            TextWriter output = r.InvocationConfiguration.Output, error = r.InvocationConfiguration.Error;
            try
            {
                if (r.GetValue(launchFile) is { } launchPath)
                {
                    Launch launch = LaunchFileLoader.Load(launchPath);
                    if (r.GetResult(strategies) is { Implicit: false })
                        launch = launch.WithStrategies(r.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    CommandCostTable table = r.GetValue(costs) is { } costPath ? CommandCostTable.Read(costPath) : CommandCostTable.Default;
                    string launchDir = r.GetValue(outDir) ?? Path.Combine("results", "sim", "launch-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
                    LaunchCapacity.CheckTarget(r.GetValue(cpuTarget));
                    // Bad input, a launch too big for this machine included, is refused before anything is started.
                    var sim = new LaunchSimulator(launch, table, ct: ct);
                    LiveCheck? live = r.GetValue(checkLive) ? await LiveSchemaCheck.RunAsync(launch, cluster.External(r), msg => error.WriteLine(msg), ct) : null;
                    // On stderr: stdout may be the --json document. A large launch takes minutes; this says it started.
                    error.WriteLine(FormattableString.Invariant(
                        $"simulating {launch.File.Name}: {sim.Population.Visits:N0} visit(s) under {launch.Schemas.Count} strategies, then the bucket trials"));
                    int code = RunLaunch(sim, r.GetValue(cpuTarget), launchDir, r.GetValue(json), output, live);
                    return live is { Passed: false } && code == ExitCodes.Ok ? ExitCodes.Failed : code;
                }
                if (r.GetValue(rate) is not null && r.GetValue(profile) is not null)
                    throw new SimInputException("profile", "Give either --rate (constant) or --profile, not both.");
                if (r.GetValue(capacity) is not null && r.GetValue(capacityFrom) is not null)
                    throw new SimInputException("capacity", "Give either --capacity or --capacity-from, not both.");
                var workload = new Workload(r.GetValue(events), Popularity.Parse(r.GetValue(popularity)!), r.GetValue(users),
                    r.GetValue(profile) is { } p ? RateProfile.Parse(p) : RateProfile.Constant(r.GetValue(rate) ?? 10_000, r.GetValue(duration)),
                    r.GetValue(duplicates));
                var options = new SimOptions
                {
                    Seeds = r.GetValue(seeds),
                    Joins = r.GetValue(joins),
                    Seed = r.GetValue(seed),
                    Memory = new MemoryModel(r.GetValue(streamBytes), r.GetValue(dedupeBytes)),
                };
                double tgt = r.GetValue(target);
                CapacityInput? cap = r.GetValue(capacityFrom) is { } path ? CapacityInput.FromJsonFile(path, tgt)
                    : r.GetValue(capacity) is { } c ? new CapacityInput(c, tgt) : null;
                Topology topology = await TopologyAsync(r, shards, slotMap, cluster, ct);
                string dir = r.GetValue(outDir) ?? Path.Combine("results", "sim", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
                return Run(workload, StrategyList.Parse(r.GetValue(strategies)!), topology, options, cap, dir, output, ct);
            }
            catch (Exception ex) when (CliErrors.IsInterruption(ex, ct))
            {
                return ExitCodes.Interrupted;
            }
            catch (Exception ex) when (CliErrors.IsInputError(ex) || ex is RedisException)
            {
                return CliErrors.Report(error, ex);
            }
        });
        return cmd;
    }

    /// <summary>Runs the simulation, capacity plan and event sweep, writes the report and prints a summary. Returns 0; <paramref name="ct"/> stops it (<see cref="OperationCanceledException"/>).</summary>
    public static int Run(Workload workload, IReadOnlyList<KeyStrategy> strategies, Topology topology, SimOptions options, CapacityInput? capacity, string dir, TextWriter log,
        CancellationToken ct = default)
    {
        var total = Stopwatch.StartNew();
        var sim = new Simulator(workload, topology, options);
        capacity?.Validate();
        log.WriteLine($"Workload: {workload}. Topology: {topology.Description}.");
        SimResult result = sim.Run(strategies, ct);
        log.WriteLine(FormattableString.Invariant(
            $"Simulated {options.Joins:N0} joins × {options.Seeds} event-ID draws × {strategies.Count} strategies in {result.Elapsed.TotalSeconds:0.00} s."));
        CapacityPlan? plan = capacity is null ? null : CapacityPlanner.Plan(sim, result, capacity, ct);
        var sweep = Sweep.HottestShareVsEvents(sim, strategies, Sweep.DefaultEventCounts(workload.Events), ct);
        string md = SimReport.WriteAll(dir, result, plan, sweep);

        foreach (string line in SimReport.ConsoleLines(result, plan)) log.WriteLine(line);
        log.WriteLine(FormattableString.Invariant($"Report: {md} (+ sim.json and charts) in {total.Elapsed.TotalSeconds:0.0} s total."));
        return 0;
    }

    /// <summary>
    /// sim --launch: the launch per strategy (queue dynamics, per-shard/node commands, CPU, keys), the sizing, the
    /// bucket count that fits, the report. Prints the strategy and commands-per-user tables (or the JSON). Returns 0;
    /// the simulator's token stops it (<see cref="OperationCanceledException"/>).
    /// </summary>
    public static int RunLaunch(LaunchSimulator sim, double cpuTarget, string dir, bool json, TextWriter log, LiveCheck? live = null)
    {
        var total = Stopwatch.StartNew();
        Launch launch = sim.Launch;
        CommandCostTable costs = sim.Costs;
        LaunchSimResult result = sim.Run();
        var sizing = result.Strategies.Select(s => LaunchCapacity.Size(s, cpuTarget)).ToList();
        BucketSuggestion buckets = LaunchCapacity.SuggestBuckets(sim, cpuTarget);
        (string md, LaunchSimSummary summary) = LaunchSimReport.WriteAll(dir, result, sizing, buckets, live);
        if (json)
        {
            log.WriteLine(LaunchSimReport.ToJson(summary));
            return 0;
        }
        log.Write(LaunchSimReport.ConsoleSummary(launch, costs, result, summary, buckets, cpuTarget, live));
        log.WriteLine(FormattableString.Invariant($"Simulated in {result.Elapsed.TotalSeconds:0.00} s; report {md} in {total.Elapsed.TotalSeconds:0.0} s total."));
        return 0;
    }

    private static async Task<Topology> TopologyAsync(ParseResult r, Option<int> shards, Option<string?> slotMap, ClusterOptions cluster, CancellationToken ct)
    {
        ExternalEndpoint? ext = cluster.External(r);
        string? map = r.GetValue(slotMap);
        if (ext is not null && map is not null)
            throw new SimInputException("slot-map", "Give either --cluster (read the live slot map) or --slot-map, not both.");
        if (ext is not null)
        {
            await using RunningCluster c = await ClusterProvisioner.StartAsync(ProviderKind.External, external: ext, ct: ct);
            await using ConnectionMultiplexer mux = await c.ConnectAsync();
            return Topology.FromSlotOwners(LiveSlotMap.Read(mux));
        }
        if (map is not null)
            return Topology.Parse(File.Exists(map) ? await File.ReadAllTextAsync(map, ct) : map);
        return Topology.EvenSplit(r.GetValue(shards));
    }
}
