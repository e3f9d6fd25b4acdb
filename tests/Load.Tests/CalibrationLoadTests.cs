using HashtagBench.ClusterSim;
using HashtagBench.Keys;
using HashtagBench.Load.Calibration;
using HashtagBench.Load.Telemetry;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Load.Tests;

/// <summary>
/// The calibration's load generator sends exactly the shape it is asked for (checked on the server's own counters),
/// the calibrator refuses a step whose shape the server did not see, and the node sampler's rates use the server's clock.
/// </summary>
[Collection(LoadClusterCollection.Name)]
public sealed class CalibrationLoadTests(ClusterFixture fx)
{
    [Fact]
    public async Task Paced_load_holds_K_connections_with_P_commands_per_read_and_every_batch_reaches_the_server()
    {
        SlotOwner owner = LiveSlotMap.Read(fx.Mux)[0];
        IServer node = fx.Mux.GetServer(owner.Endpoint);
        NodeAddress address = ServerCalibrator.AddressOf(owner.Endpoint, fx.Cluster.Auth);
        byte[] one = RespConnection.Encode("ZRANK", (string)ServerCalibrator.KeyOn(owner, "calib-test")!, "nobody");
        const int K = 4, P = 3;
        var connections = new List<RespConnection>();
        long resting = (await NodeInfo.ReadAsync(node, ["clients"])).ConnectedClients!.Value;
        try
        {
            for (int i = 0; i < K; i++) connections.Add(await RespConnection.OpenAsync(address, default));
            NodeInfo before = await NodeInfo.ReadAsync(node, ["stats", "clients", "commandstats"]);
            await using var load = new PacedLoad(connections, [.. one, .. one, .. one], P, commandsPerSecond: 1200, default);
            load.Start();
            await Task.Delay(1500);
            NodeInfo during = await NodeInfo.ReadAsync(node, ["clients"]);
            Assert.True(await load.StopAsync(TimeSpan.FromSeconds(5)));
            Assert.Null(load.Failure);
            NodeInfo after = await NodeInfo.ReadAsync(node, ["stats", "clients", "commandstats"]);

            long zrank = after.Commands()["zrank"].Calls - before.Commands().GetValueOrDefault("zrank").Calls;
            Assert.True(load.Batches > 100, $"{load.Batches} batches");
            Assert.Equal(load.Batches * P, zrank); // every batch, every command, counted by the server
            double reads = after.Long("total_reads_processed")!.Value - before.Long("total_reads_processed")!.Value;
            double commands = after.Long("total_commands_processed")!.Value - before.Long("total_commands_processed")!.Value;
            // The INFO calls are the only other traffic: P commands per read within that.
            Assert.InRange(commands / reads, P * 0.9, P * 1.01);
            Assert.Equal(resting + K, during.ConnectedClients!.Value); // K connections, no more
            Assert.Equal(resting + K, after.ConnectedClients!.Value);  // and they stay open for the next step
        }
        finally
        {
            foreach (RespConnection c in connections) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_error_reply_stops_the_load_with_its_text()
    {
        IReadOnlyList<SlotOwner> owners = LiveSlotMap.Read(fx.Mux);
        NodeAddress address = ServerCalibrator.AddressOf(owners[0].Endpoint, fx.Cluster.Auth);
        string key = (string)ServerCalibrator.KeyOn(owners[1], "calib-moved")!; // another node's key: the server answers MOVED
        await using RespConnection c = await RespConnection.OpenAsync(address, default);
        await using var load = new PacedLoad([c], RespConnection.Encode("ZRANK", key, "x"), 1, commandsPerSecond: null, default);
        load.Start();
        for (int i = 0; i < 50 && load.Failure is null; i++) await Task.Delay(100);
        await load.StopAsync(TimeSpan.FromSeconds(1));
        Assert.IsType<RespException>(load.Failure);
        Assert.StartsWith("MOVED", load.Failure!.Message);
    }

    private static readonly StepPlan Read = new("read P4 K10 8k/s", StepKind.Read, 10, 4, 8_000);

    private static CalibrationStep Seen(double commands, double reads) =>
        new(Read.Name, CalibrationStep.Primary, 10, 4, 8_000, 3, 50_000, 3_000, commands, reads, 12, 0, 0, 0, 0);

    [Fact]
    public void A_step_whose_shape_the_server_did_not_see_is_refused()
    {
        ServerCalibrator.CheckShape(Read, Seen(8_000, 2_000), clients: 12, restingClients: 2, extra: 10); // as sent: fine
        // The client coalesced batches (8 per read) or split them (1 per read): not the shape asked for.
        Assert.Contains("commands per read where the load sent 4", Assert.Throws<CalibrationException>(() => ServerCalibrator.CheckShape(Read, Seen(8_000, 1_000), 12, 2, 10)).Message);
        Assert.Throws<CalibrationException>(() => ServerCalibrator.CheckShape(Read, Seen(8_000, 8_000), 12, 2, 10));
        // Twice the connections the load holds (a multiplexer opening its own, or another client): refused.
        Assert.Contains("connections beyond the resting ones where the load holds 10",
            Assert.Throws<CalibrationException>(() => ServerCalibrator.CheckShape(Read, Seen(8_000, 2_000), 22, 2, 10)).Message);
    }

    [Fact]
    public void A_step_is_its_median_window_so_one_burst_of_other_load_does_not_move_it()
    {
        CalibrationStep w(double cpu) => Seen(8_000, 2_000) with { CpuUsecPerSecond = cpu, Seconds = 1 };
        CalibrationStep step = ServerCalibrator.Median([w(50_000), w(400_000), w(52_000)]);
        Assert.Equal(52_000, step.CpuUsecPerSecond);
        Assert.Equal(3, step.Seconds);
    }

    [Fact]
    public void Step_deltas_use_the_servers_clock()
    {
        NodeInfo Info(long timeUsec, double cpu, long commands, long reads) => NodeInfo.Parse(
            $"# Server\r\nserver_time_usec:{timeUsec}\r\n# CPU\r\nused_cpu_sys:{cpu}\r\nused_cpu_user:0\r\nused_cpu_sys_main_thread:{cpu}\r\nused_cpu_user_main_thread:0\r\n" +
            $"# Stats\r\ntotal_commands_processed:{commands}\r\ntotal_reads_processed:{reads}\r\n# Clients\r\nconnected_clients:12\r\n# Commandstats\r\ncmdstat_zrank:calls={commands},usec={commands / 2},usec_per_call=0.5\r\n");
        CalibrationStep s = ServerCalibrator.Delta(Read, CalibrationStep.Primary, Info(1_000_000, 1.0, 0, 0), Info(3_000_000, 1.2, 16_000, 4_000), 10);
        Assert.Equal(2, s.Seconds);
        Assert.Equal(100_000, s.CpuUsecPerSecond, 1e-6);
        Assert.Equal(8_000, s.CommandsPerSecond);
        Assert.Equal(2_000, s.ReadsPerSecond);
        Assert.Equal(4_000, s.CommandUsecPerSecond);
    }

    [Fact]
    public void A_sample_the_client_took_in_late_does_not_inflate_the_cpu_rate()
    {
        NodeInfo Info(long timeUsec, double cpuSeconds, long calls) => NodeInfo.Parse(
            $"# Server\r\nserver_time_usec:{timeUsec}\r\n# CPU\r\nused_cpu_sys:{cpuSeconds}\r\nused_cpu_user:0\r\n# Commandstats\r\ncmdstat_get:calls={calls},usec=1,usec_per_call=0.1\r\n");
        // The server answered at t = 10 s and t = 11 s and used 0.5 s of CPU between; the client took the first reply
        // in 0.6 s late (stamped 10.6), so by its clock the readings are 0.4 s apart: 125 % of a core.
        var (cpu, ops, byCommand) = NodeSampler.Deltas(Info(10_000_000, 3.0, 1_000), 10.6, Info(11_000_000, 3.5, 3_000), 11.0);
        Assert.Equal(50, cpu!.Value, 1e-9);
        Assert.Equal(2_000, ops!.Value, 1e-9);
        Assert.Equal(2_000, byCommand!["get"], 1e-9);
        // A server that does not report its time: the client's interval is all there is.
        var (old, _, _) = NodeSampler.Deltas(NodeInfo.Parse("used_cpu_sys:3.0\r\nused_cpu_user:0\r\n"), 10, NodeInfo.Parse("used_cpu_sys:3.5\r\nused_cpu_user:0\r\n"), 11);
        Assert.Equal(50, old!.Value, 1e-9);
        // A counter that went backwards (a restart) has no rate, never a negative one.
        Assert.Null(NodeSampler.Deltas(Info(10_000_000, 3.0, 10), 10, Info(11_000_000, 0.1, 5), 11).Cpu);
    }
}
