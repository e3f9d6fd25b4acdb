using HashtagBench.Keys;
using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim.Tests;

/// <summary>The whole-request CPU model: its form, the fitter (recovers known terms, refuses what the model cannot describe) and its use in the simulator.</summary>
public class ServerCpuModelTests
{
    private static readonly ServerCpuModel Truth = new(IdleUsecPerSecond: 1800, PerCommandUsec: 0.4, PerReadUsec: 3, PerWakeUsec: 20, WakeShareSeconds: 8e-5,
        PerConnectionUsecPerSecond: 0.5, ShipUsecPerCommand: 2.5, ShipUsecPerWrite: 9, LinkReadUsec: 4, AppliedCommandUsec: 1.1);

    // The calibrator's default plan, as a generator of steps: (kind, connections, depth, commands/s).
    private static readonly (char Kind, int K, int P, double Rate)[] Plan =
    [
        ('i', 0, 1, 0), ('i', 2000, 1, 0), ('i', 4000, 1, 0),
        ('r', 1, 1, 2_000), ('r', 10, 1, 2_000), ('r', 10, 1, 10_000), ('r', 50, 1, 2_000), ('r', 50, 1, 10_000), ('r', 50, 1, 30_000), ('r', 50, 1, 45_000),
        ('r', 10, 4, 8_000), ('r', 10, 4, 40_000), ('r', 10, 16, 20_000), ('r', 10, 16, 400_000),
        ('w', 10, 1, 5_000), ('w', 10, 1, 20_000), ('w', 10, 4, 20_000), ('w', 10, 8, 40_000), ('i', 0, 1, 0),
    ];

    /// <summary>Steps whose CPU is what <paramref name="model"/> says (times <paramref name="distort"/> of the primary's step).</summary>
    private static List<CalibrationStep> Steps(ServerCpuModel model, Func<int, NodeLoad, double, double>? distort = null)
    {
        var steps = new List<CalibrationStep>();
        for (int i = 0; i < Plan.Length; i++)
        {
            var (kind, k, p, rate) = Plan[i];
            double reads = rate / p, clients = k + 2;
            bool write = kind == 'w';
            var primary = new NodeLoad(rate * (write ? 2.2 : 0.8), rate + 1, reads + 1, clients, write ? rate : 0, write ? reads : 0);
            double cpu = model.Usec(primary);
            if (distort is not null) cpu = distort(i, primary, cpu);
            steps.Add(new CalibrationStep($"step {i}", CalibrationStep.Primary, k, p, rate, 3, cpu, primary.CommandUsec, primary.Commands, primary.Reads,
                clients, primary.Shipped, primary.ShipWrites, 0, 0));
            NodeLoad replica = model.Applying(new NodeLoad(2, 1, 0, 3), write ? rate : 0, write ? reads * 0.7 : 1);
            steps.Add(new CalibrationStep($"step {i}", CalibrationStep.Replica, 0, p, rate, 3, model.Usec(replica), replica.CommandUsec, replica.Commands, 0,
                3, 0, 0, write ? rate : 0, replica.LinkReads));
        }
        return steps;
    }

    [Fact]
    public void The_fitter_recovers_the_terms_the_steps_were_generated_from()
    {
        ServerCpuModel fit = CpuModelFitter.Fit(Steps(Truth), bytesPerConnection: 9000, loadAverage: 0.4);
        Assert.Equal(Truth.IdleUsecPerSecond, fit.IdleUsecPerSecond, 0.01 * Truth.IdleUsecPerSecond);
        Assert.Equal(Truth.PerCommandUsec, fit.PerCommandUsec, 0.02 * Truth.PerCommandUsec);
        Assert.Equal(Truth.PerReadUsec, fit.PerReadUsec, 0.02 * Truth.PerReadUsec);
        Assert.Equal(Truth.PerWakeUsec, fit.PerWakeUsec, 0.02 * Truth.PerWakeUsec);
        Assert.Equal(Truth.WakeShareSeconds, fit.WakeShareSeconds, 0.02 * Truth.WakeShareSeconds);
        Assert.Equal(Truth.PerConnectionUsecPerSecond, fit.PerConnectionUsecPerSecond, 0.02 * Truth.PerConnectionUsecPerSecond);
        Assert.Equal(Truth.ShipUsecPerCommand, fit.ShipUsecPerCommand, 0.02 * Truth.ShipUsecPerCommand);
        Assert.Equal(Truth.ShipUsecPerWrite, fit.ShipUsecPerWrite, 0.02 * Truth.ShipUsecPerWrite);
        Assert.Equal(Truth.LinkReadUsec, fit.LinkReadUsec, 0.02 * Truth.LinkReadUsec);
        Assert.Equal(Truth.AppliedCommandUsec, fit.AppliedCommandUsec, 1e-3); // measured from commandstats ÷ applied (the replica's INFO inside)
        Assert.True(fit.Fit!.RmsRelative < 1e-3, $"RMS {fit.Fit.RmsRelative}");
        Assert.Equal(Plan.Length * 2, fit.Fit.Steps);
        Assert.Equal(9000, fit.BytesPerConnection);
        Assert.Equal(0.4, fit.Fit.LoadAverage);
        Assert.Null(fit.TlsUsecPerRead); // plain: not measured
    }

    [Fact]
    public void The_fitter_refuses_steps_whose_cpu_does_not_follow_the_model()
    {
        // A server whose CPU falls as its load rises: no choice of non-negative terms describes it.
        var falling = Steps(Truth, (_, load, _) => 400_000 / (1 + load.Reads / 1000));
        var refused = Assert.Throws<CpuFitRefusedException>(() => CpuModelFitter.Fit(falling));
        Assert.StartsWith("the CPU model does not fit the calibration: RMS error", refused.Message);
        Assert.Contains("over the 15 % allowed; no cost table written", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        // Noise of ±40 % on every primary step: refused at the default limit, accepted at a limit that allows it.
        var noisy = Steps(Truth, (i, _, cpu) => cpu * (i % 2 == 0 ? 1.4 : 0.6));
        Assert.Throws<CpuFitRefusedException>(() => CpuModelFitter.Fit(noisy));
        ServerCpuModel loose = CpuModelFitter.Fit(noisy, maxRmsRelative: 0.6);
        Assert.InRange(loose.Fit!.RmsRelative, 0.15, 0.6);
        Assert.Equal(2 * loose.Fit.RmsRelative, loose.Fit.Band, 1e-12);
    }

    [Fact]
    public void The_fitter_refuses_too_few_steps_a_term_no_step_exercises_and_a_step_without_cpu()
    {
        var steps = Steps(Truth);
        Assert.Contains("too few", Assert.Throws<CpuFitRefusedException>(() => CpuModelFitter.Fit(steps.Take(5).ToList())).Message);
        var noReads = steps.Select(s => s with { ReadsPerSecond = 0, LinkReadsPerSecond = 0 }).ToList();
        Assert.Contains("per read term", Assert.Throws<CpuFitRefusedException>(() => CpuModelFitter.Fit(noReads)).Message);
        var dead = steps.Select((s, i) => i == 3 ? s with { CpuUsecPerSecond = 0 } : s).ToList();
        Assert.Contains("measured no CPU", Assert.Throws<CpuFitRefusedException>(() => CpuModelFitter.Fit(dead)).Message);
    }

    [Fact]
    public void Non_negative_least_squares_keeps_terms_at_zero_rather_than_negative()
    {
        // Plain least squares fits this exactly with (2, −1); bound at 0, the second term stays 0 and the first is Σxy/Σx².
        double[][] x = [[1, 1], [2, 1], [3, 0], [4, 0]];
        double[] y = [1, 3, 6, 8];
        double[] beta = CpuModelFitter.NonNegativeLeastSquares(x, y);
        Assert.Equal(0, beta[1]);
        Assert.Equal(57.0 / 30, beta[0], 1e-9);
        Assert.Equal([2.0, 1.0], CpuModelFitter.NonNegativeLeastSquares(x, [3, 5, 6, 8]).Select(b => Math.Round(b, 9)));
    }

    [Fact]
    public void Wake_ups_are_shared_as_reads_rise_so_a_cheap_command_costs_less_per_call_under_load()
    {
        Assert.Equal(0, ServerCpuModel.WakeUps(0, 1e-4));
        Assert.Equal(100, ServerCpuModel.WakeUps(100, 0));
        Assert.True(ServerCpuModel.WakeUps(1e6, 1e-4) < 1e4); // never more than 1/τ
        double PerCall(double rate) => (Truth.Usec(new NodeLoad(rate * 0.5, rate, rate, 50)) - Truth.IdleUsecPerSecond) / rate;
        Assert.True(PerCall(2_000) > PerCall(10_000) && PerCall(10_000) > PerCall(86_000), $"{PerCall(2_000)} {PerCall(10_000)} {PerCall(86_000)}");
        // The command-time-only model (an old table) is exactly commandstats: the floor the issue measured 7–15× under.
        Assert.Equal(12.5, ServerCpuModel.CommandTimeOnly.Usec(new NodeLoad(12.5, 10, 10, 10_000, 5, 5)));
        Assert.False(ServerCpuModel.CommandTimeOnly.HasServerTerms);
        Assert.True(Truth.HasServerTerms);
    }

    [Fact]
    public void A_multiplexed_connection_shares_a_read_among_what_is_in_flight()
    {
        Assert.Equal(1000, ServerCpuModel.Reads(1000, 10, multiplexed: false));
        Assert.Equal(1000, ServerCpuModel.Reads(1000, 10, multiplexed: true)); // 100/s per connection × 0.5 ms: under one in flight
        double fast = ServerCpuModel.Reads(1_000_000, 10, multiplexed: true);
        Assert.Equal(10 / ServerCpuModel.MultiplexedRoundTripSeconds, fast, 1e-6); // each connection: one read per round trip
    }

    [Fact]
    public void The_cost_table_keeps_its_server_terms_and_steps_and_an_old_table_reads_as_command_time_alone()
    {
        CommandCostTable old = CommandCostTable.Parse("""
            { "machine": { "cpu": "x", "logicalCpus": 2, "redisVersion": "7.0.15", "measuredAt": "2026-01-01T00:00:00+00:00", "cluster": "c", "method": "m" },
              "commands": [ { "command": "GET", "usecPerCall": 1.5, "calls": 10 } ] }
            """, "old.json");
        Assert.Null(old.Server);
        Assert.Same(ServerCpuModel.CommandTimeOnly, old.Model);
        ServerCpuModel fitted = CpuModelFitter.Fit(Steps(Truth));
        var table = old with { Server = fitted, Steps = Steps(Truth) };
        CommandCostTable back = CommandCostTable.Parse(table.ToJson(), "new.json");
        Assert.Equal(fitted.Terms, back.Model.Terms);
        Assert.Equal(fitted.Fit!.RmsRelative, back.Model.Fit!.RmsRelative);
        Assert.Equal(Plan.Length * 2, back.Steps!.Count);
        Assert.Equal(table.Steps![5], back.Steps[5]);
        var negative = table with { Server = fitted with { PerReadUsec = -1 } };
        Assert.Throws<SimInputException>(() => CommandCostTable.Parse(negative.ToJson(), "bad.json"));
    }

    [Fact]
    public void The_committed_default_carries_every_server_term_its_steps_and_how_noisy_the_machine_was()
    {
        CommandCostTable t = CommandCostTable.Default;
        Assert.NotNull(t.Server);
        Assert.True(t.Model.HasServerTerms);
        CpuFit fit = t.Model.Fit!;
        Assert.Equal(t.Steps!.Count, fit.Steps);
        Assert.Equal(fit.Steps, fit.Residuals.Count);
        Assert.True(fit.LoadAverage > 0);
        Assert.Contains("load average", t.Machine.Method);
        Assert.Contains(t.Steps, s => s.Role == CalibrationStep.Replica);
        Assert.Null(t.Model.TlsUsecPerRead); // calibrated over plain TCP: the TLS term is not measured
        // The fit is what the table says: the model on each step gives the residual it records.
        foreach (var (step, residual) in t.Steps.Zip(fit.Residuals))
            Assert.Equal(residual.ModelCpu, t.Model.Usec(step.Load), 1e-6 * residual.ModelCpu);
    }

    // --- the model in the simulator ---

    private const string Small = """
        {
          "name": "small", "seed": 7,
          "events": [ { "id": "evt_2025_1001", "share": 5 }, { "id": "evt_2025_1002", "share": 3 }, { "id": "evt_2025_1003", "share": 2 } ],
          "arrival": { "users": 3000, "overSeconds": 4 },
          "poll": { "minSeconds": 1, "maxSeconds": 3 },
          "admission": { "bucketCapacity": 5, "refillPerSecond": 1 },
          "replicaReads": true,
          "topology": { "shards": 3, "replicasPerShard": 1 },
          "client": { "mode": "Pooled", "pods": 4, "poolSize": 50, "minIdleConns": 20 },
          "strategies": [ "event" ]
        }
        """;

    private static readonly Launch SmallLaunch = LaunchFileLoader.Parse(Small, "small.json");
    private static readonly CommandCostTable Fitted = CommandCostTable.Default with { Server = Truth with { Fit = new CpuFit(38, 0.05, 0.1, null, []) } };

    [Fact]
    public void Round_trips_are_one_per_command_and_one_per_pipeline_per_node_and_writes_ship_their_footprint()
    {
        var sim = new LaunchSimulator(SmallLaunch, Fitted);
        LaunchStrategyResult r = sim.Place(WaitingRoomSchema.Event);
        WaitingRoomSchema s = r.Schema;
        double trips = 0, writes = 0, replicated = 0, commands = 0;
        foreach (LaunchRequest q in r.Timeline.Requests)
        {
            KeyArgs a = sim.Population.ArgsFor(q.Visit, q.Ordinal);
            var pipelineNodes = new HashSet<(int, bool)>();
            var wroteNodes = new HashSet<(int, bool)>();
            foreach (RedisCommand c in Traffic.Commands(q.Step, s, q.EnterPath))
            {
                int shard = r.Topology.ShardOf(HashSlot.Of(s.Key(c.Key, a, bucket: (s.BucketOf(a.UserId) + c.OtherBucket) % s.Buckets)));
                bool onReplica = c.Read; // the file reads on replicas
                int effects = onReplica ? 0 : ServerFootprint.Of(c).Replicated.Count;
                commands++;
                replicated += effects;
                if (c.Phase != Phase.Pipeline) { trips++; if (effects > 0) writes++; continue; }
                if (pipelineNodes.Add((shard, onReplica))) trips++;
                if (effects > 0 && wroteNodes.Add((shard, onReplica))) writes++;
            }
        }
        Assert.Equal(commands, r.PrimaryTraffic.Commands.Sum() + r.ReplicaTraffic.Commands.Sum());
        Assert.Equal(trips, r.PrimaryTraffic.RoundTrips.Sum() + r.ReplicaTraffic.RoundTrips.Sum());
        Assert.Equal(writes, r.PrimaryTraffic.Writes.Sum());
        Assert.Equal(replicated, r.PrimaryTraffic.Replicated.Sum());
        Assert.Equal(0, r.ReplicaTraffic.Replicated.Sum());
        // The join's pipeline shares round trips: fewer round trips than commands.
        Assert.True(trips < commands);
        Assert.Equal(r.PrimaryCommandUsec.Sum() + r.ReplicaCommandUsec.Sum(),
            r.PrimaryTraffic.CommandUsec.Sum() + r.ReplicaTraffic.CommandUsec.Sum());
    }

    [Fact]
    public void Every_cell_is_the_model_on_its_traffic_and_the_connections_follow_the_pods()
    {
        LaunchStrategyResult r = new LaunchSimulator(SmallLaunch, Fitted).Place(WaitingRoomSchema.Event);
        Assert.Equal(80, r.ConnectionsPerNode); // 4 pods × min(20 idle, pool 50)
        for (int i = 0; i < r.PrimaryUsec.Length; i++)
        {
            var load = r.PrimaryLoad(r.PrimaryTraffic, i);
            Assert.Equal(Truth.Usec(load), r.PrimaryUsec[i], 1e-6);
            Assert.Equal(r.PrimaryTraffic.RoundTrips[i], load.Reads); // Pooled: as sent
            Assert.True(r.PrimaryUsec[i] >= r.PrimaryCommandUsec[i] + Truth.IdleUsecPerSecond + 80 * Truth.PerConnectionUsecPerSecond - 1e-9);
            // The replica applies every write of its primary: its CPU is above the idle node's whenever the primary wrote.
            if (r.PrimaryTraffic.Replicated[i] > 0) Assert.True(r.ReplicaUsec[i] > Truth.IdleUsecPerSecond + 80 * Truth.PerConnectionUsecPerSecond);
        }
        LaunchStrategyResult more = new LaunchSimulator(SmallLaunch, Fitted, pods: 40).Place(WaitingRoomSchema.Event);
        Assert.Equal(800, more.ConnectionsPerNode);
        Assert.Equal(720 * Truth.PerConnectionUsecPerSecond, more.PrimaryUsec[0] - r.PrimaryUsec[0], 1e-6);
        // An old table: command time alone, as before.
        LaunchStrategyResult floor = new LaunchSimulator(SmallLaunch, CommandCostTable.Default with { Server = null }).Place(WaitingRoomSchema.Event);
        Assert.Equal(floor.PrimaryCommandUsec, floor.PrimaryUsec);
    }

    [Fact]
    public void A_multiplexed_client_costs_the_servers_less_than_the_pooled_gateway()
    {
        Launch mux = LaunchFileLoader.Parse(Small.Replace("\"mode\": \"Pooled\"", "\"mode\": \"Multiplexed\""), "mux.json");
        LaunchStrategyResult pooled = new LaunchSimulator(SmallLaunch, Fitted).Place(WaitingRoomSchema.Event);
        LaunchStrategyResult multiplexed = new LaunchSimulator(mux, Fitted).Place(WaitingRoomSchema.Event);
        Assert.Equal(4, multiplexed.ConnectionsPerNode);
        Assert.Equal(pooled.PrimaryTraffic.RoundTrips, multiplexed.PrimaryTraffic.RoundTrips); // the same requests
        Assert.True(multiplexed.PrimaryUsec.Sum() < pooled.PrimaryUsec.Sum());
    }

    [Fact]
    public void The_sizing_carries_the_band_and_shards_for_its_top()
    {
        LaunchStrategyResult r = new LaunchSimulator(SmallLaunch, Fitted).Place(WaitingRoomSchema.Event);
        double hot = r.PrimaryUsec.Max() / 1e6;
        LaunchSizing size = LaunchCapacity.Size(r, 0.7);
        Assert.Equal(hot, size.HottestPrimaryCpu, 1e-12);
        Assert.Equal(hot * 0.9, size.HottestPrimaryCpuLow!.Value, 1e-12); // band 2 × 5 %
        Assert.Equal(hot * 1.1, size.HottestPrimaryCpuHigh!.Value, 1e-12);
        // Shards needed is the first even split whose every primary fits (each keeps its own idle and connection cost).
        double target = LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(1))[0] * 0.45;
        LaunchSizing tight = LaunchCapacity.Size(r, target);
        Assert.True(tight.ShardsNeeded is > 1, tight.ShardsNote);
        Assert.NotNull(tight.ShardsNeeded);
        int n = tight.ShardsNeeded!.Value;
        Assert.True(LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(n)).Max() <= target);
        Assert.True(n == 1 || LaunchCapacity.PeakPrimaryCpu(r, Topology.EvenSplit(n - 1)).Max() > target);
        Assert.True(tight.ShardsNeededHigh >= n);
        // Without a fit there is no band.
        LaunchSizing noFit = LaunchCapacity.Size(new LaunchSimulator(SmallLaunch, CommandCostTable.Default with { Server = Truth }).Place(WaitingRoomSchema.Event), 0.7);
        Assert.Null(noFit.HottestPrimaryCpuLow);
        Assert.Null(noFit.ShardsNeededHigh);
    }
}
