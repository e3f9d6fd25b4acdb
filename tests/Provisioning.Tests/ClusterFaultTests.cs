using HashtagBench.Keys;
using HashtagBench.Provisioning;
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

    [Theory]
    [InlineData("kill", FaultAction.KillPrimary)]
    [InlineData("pause", FaultAction.PausePrimary)]
    [InlineData("restart", FaultAction.RestartPrimary)]
    [InlineData("failover", FaultAction.ManualFailover)]
    public void Fault_names_parse(string text, FaultAction action) => Assert.Equal(action, ClusterFaults.ParseAction(text));

    [Fact]
    public void Unknown_fault_names_are_refused() => Assert.Throws<FormatException>(() => ClusterFaults.ParseAction("reboot"));

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
