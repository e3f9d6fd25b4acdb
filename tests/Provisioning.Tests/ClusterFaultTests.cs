using HashtagBench.Keys;
using HashtagBench.TestSupport;

namespace HashtagBench.Provisioning.Tests;

/// <summary>Fault actions on a cluster of their own (the shared fixture must stay healthy).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFaultTests(ClusterFixture fx)
{
    [Fact]
    public async Task Killing_a_primary_promotes_its_replica_and_a_manual_failover_hands_back()
    {
        if (!LocalClusterProvider.IsAvailable(out _, out _)) return;
        await using RunningCluster c = await LocalClusterProvider.StartAsync(new ClusterSpec());
        var faults = new ClusterFaults(c);
        _diag = c;
        int slot = HashSlot.Of("evt-hot");

        LocalNode primary = await faults.PrimaryOfAsync(slot);
        LocalNode replica = await faults.ReplicaOfAsync(slot);
        LocalNode killed = await faults.ApplyAsync(FaultAction.KillPrimary, slot, TimeSpan.Zero);
        Assert.Equal(primary.Port, killed.Port);
        Assert.False(killed.IsRunning);

        TimeSpan healed = await faults.WaitForHealedAsync(slot, killed, TimeSpan.FromSeconds(30));
        Assert.True(healed > TimeSpan.Zero);
        Assert.Equal(replica.Port, (await faults.PrimaryOfAsync(slot)).Port);

        // The old primary comes back as a replica of the promoted one; a manual failover makes it primary again.
        await faults.RestartDeadNodesAsync();
        await faults.WaitForHealedAsync(slot, null, TimeSpan.FromSeconds(30));
        await WaitUntilAsync("old primary rejoins as replica", async () => (await faults.ReplicaOfAsync(slot)).Port == primary.Port, TimeSpan.FromSeconds(30));
        await faults.ApplyAsync(FaultAction.ManualFailover, slot, TimeSpan.Zero);
        await WaitUntilAsync("manual failover hands back", async () => (await faults.PrimaryOfAsync(slot)).Port == primary.Port, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Faults_refuse_a_cluster_the_harness_did_not_start()
    {
        await using RunningCluster ext = await ClusterProvisioner.StartAsync(ProviderKind.External,
            external: new ExternalEndpoint(ClusterConnector.Format(fx.Cluster.Seeds[0])));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => new ClusterFaults(ext).PrimaryOfAsync(0));
        Assert.Contains("nodes (processes or containers) this harness started", ex.Message);
    }

    [Fact]
    public void Every_fault_and_provider_has_one_command_line_name_first_and_no_name_twice()
    {
        // The command line lists the first name of each value as the valid ones: a value without a name could not be asked for.
        Assert.Equal(Enum.GetValues<FaultAction>(), ClusterFaults.ActionNames.Select(n => n.Action).Distinct());
        Assert.Equal(["kill", "pause", "restart", "failover", "lagged-kill"], ClusterFaults.ActionNames.DistinctBy(n => n.Action).Select(n => n.Name));
        Assert.Equal(ClusterFaults.ActionNames.Count, ClusterFaults.ActionNames.Select(n => n.Name).Distinct().Count());
        Assert.Equal(Enum.GetValues<ProviderKind>(), ClusterProvisioner.KindNames.Select(n => n.Kind).Distinct());
        Assert.Equal(ClusterProvisioner.KindNames.Count, ClusterProvisioner.KindNames.Select(n => n.Name).Distinct().Count());
    }

    private RunningCluster? _diag;

    private async Task<string> DiagnoseAsync()
    {
        if (_diag is null) return "";
        var sb = new System.Text.StringBuilder();
        foreach (LocalNode n in _diag.LocalNodes.Where(n => n.IsRunning))
        {
            try { sb.Append($"\n{n}: ").Append(string.Join(" | ", (await ClusterNodesSnapshot.ReadAsync(n.Host, n.Port, TimeSpan.FromSeconds(1))).Nodes)); }
            catch (Exception ex) { sb.Append($"\n{n}: {ex.Message}"); }
        }
        return sb.ToString();
    }

    private async Task WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try { if (await condition()) return; }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { /* mid-failover: no primary yet */ }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0}s. {await DiagnoseAsync()}");
            await Task.Delay(100);
        }
    }
}

/// <summary>The fault rules that need no cluster, and the restart refusal that does.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultSafetyTests
{
    [Fact]
    public void Lagged_kill_parses_and_INFO_replication_offsets_are_read()
    {
        Assert.Contains(("lagged-kill", FaultAction.LaggedKill), ClusterFaults.ActionNames);
        ReplInfo info = ReplInfo.Parse("# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=7004,state=online,offset=1200,lag=0\r\nmaster_repl_offset:5000\r\n");
        Assert.Equal(5000, info.MasterOffset);
        Assert.Equal(1200, info.ReplicaOffsets["127.0.0.1:7004"]);
        Assert.Equal(3800, new ReplicationLag(1200, 1300, 5000, 1, 3).LagBytes);
    }

    [Fact]
    public async Task Restart_without_a_replica_to_promote_is_refused_and_restore_brings_the_cluster_back()
    {
        if (!LocalClusterProvider.IsAvailable(out _, out _)) return;
        await using RunningCluster c = await LocalClusterProvider.StartAsync(new ClusterSpec());
        var faults = new ClusterFaults(c);
        int slot = HashSlot.Of("evt-hot");
        LocalNode primary = await faults.PrimaryOfAsync(slot);
        LocalNode replica = await faults.ReplicaOfAsync(slot);
        await replica.KillAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => faults.ApplyAsync(FaultAction.RestartPrimary, slot, TimeSpan.Zero));
        Assert.Contains("Refusing to restart", ex.Message);
        Assert.True(primary.IsRunning); // refused before anything was done to it
        Assert.Equal(primary.Port, (await faults.PrimaryOfAsync(slot)).Port);

        await faults.RestoreAsync();
        Assert.All(c.LocalNodes, n => Assert.True(n.IsRunning));
    }

    [Fact]
    public async Task Restart_rejoins_the_old_primary_as_a_replica_after_its_replica_was_promoted_keeping_the_data()
    {
        if (!LocalClusterProvider.IsAvailable(out _, out _)) return;
        await using RunningCluster c = await LocalClusterProvider.StartAsync(new ClusterSpec());
        await using var mux = await c.ConnectAsync();
        var faults = new ClusterFaults(c);
        string key = "{evt-hot}:probe";
        int slot = HashSlot.Of("evt-hot");
        await mux.GetDatabase().StringSetAsync(key, "kept");
        LocalNode primary = await faults.PrimaryOfAsync(slot);
        LocalNode replica = await faults.ReplicaOfAsync(slot);
        await ClusterFaults.WaitForReplicaReadyAsync(replica, primary, TimeSpan.FromSeconds(15));
        await Task.Delay(500); // let the write reach the replica

        await faults.ApplyAsync(FaultAction.RestartPrimary, slot, TimeSpan.Zero);
        Assert.True(primary.IsRunning);
        Assert.Equal(replica.Port, (await faults.PrimaryOfAsync(slot)).Port);
        // Before the fix the old primary came back empty with its slots and the shard was wiped.
        await using var fresh = await c.ConnectAsync();
        Assert.Equal("kept", (string?)await fresh.GetServer(replica.Host, replica.Port).ExecuteAsync("GET", key));
    }
}
