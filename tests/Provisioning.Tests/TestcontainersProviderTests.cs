using Docker.DotNet.Models;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Provisioning.Tests;

/// <summary>
/// A cluster started by the Testcontainers provider for real, in its own collection (separate from the Auto
/// fixture). Every container it starts carries <see cref="TestLabel"/> so the tests can see, through the Docker API,
/// that teardown left none behind. Without a usable Docker the tests are reported as skipped (see
/// <see cref="DockerFactAttribute"/>), and this fixture starts nothing.
/// </summary>
public sealed class TestcontainersClusterFixture : IAsyncLifetime
{
    public const string TestLabelName = "hashtag-bench.test";
    public string TestLabel { get; } = Guid.NewGuid().ToString("N");

    private RunningCluster? _cluster;
    private ConnectionMultiplexer? _mux;

    public RunningCluster Cluster => _cluster ?? throw new InvalidOperationException($"No Testcontainers cluster: {DockerAvailability.SkipReason}");
    public ConnectionMultiplexer Mux => _mux ?? throw new InvalidOperationException("Not connected.");

    public IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string> { [TestLabelName] = TestLabel };

    public async Task InitializeAsync()
    {
        if (DockerAvailability.SkipReason is not null) return;
        _cluster = await TestcontainersClusterProvider.StartAsync(new ClusterSpec { StartTimeout = TimeSpan.FromSeconds(120) },
            log: Console.WriteLine, labels: Labels);
        _mux = await _cluster.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        if (_mux is not null) await _mux.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>The containers (running or not) that carry a label value, through the Docker API.</summary>
    internal static async Task<IList<ContainerListResponse>> ContainersLabelledAsync(string label, string value)
    {
        using DockerDaemon daemon = await ConnectAsync();
        return await daemon.ListContainersAsync(label, value);
    }

    internal static async Task<ContainerInspectResponse?> InspectAsync(string containerId)
    {
        using DockerDaemon daemon = await ConnectAsync();
        return await daemon.InspectAsync(containerId);
    }

    private static async Task<DockerDaemon> ConnectAsync()
    {
        DockerProbe probe = await DockerDaemon.ProbeAsync(TimeSpan.FromSeconds(10));
        Assert.True(probe.Ok, probe.Problem);
        return DockerDaemon.Connect(probe);
    }
}

[CollectionDefinition(Name)]
public sealed class TestcontainersCollection : ICollectionFixture<TestcontainersClusterFixture>
{
    public const string Name = "testcontainers";
}

[Collection(TestcontainersCollection.Name)]
public sealed class TestcontainersProviderTests(TestcontainersClusterFixture fx)
{
    private static string Unique(string prefix) => JoinChecks.Unique(prefix);

    [DockerFact]
    public async Task The_cluster_forms_with_three_primaries_three_replicas_and_every_slot_in_host_network_containers()
    {
        RunningCluster c = fx.Cluster;
        Assert.Equal("testcontainers", c.ProviderName);
        Assert.Equal(TestcontainersClusterProvider.DefaultImage, c.Image);
        Assert.Contains(TestcontainersClusterProvider.DefaultImage, c.Description);
        Assert.Contains("Docker Engine", c.Description);
        Assert.True(c.StartupTime > TimeSpan.Zero);

        ClusterConfiguration nodes = fx.Mux.GetServer(fx.Mux.GetEndPoints()[0]).ClusterNodes()!;
        List<ClusterNode> primaries = nodes.Nodes.Where(n => !n.IsReplica).ToList();
        Assert.True(primaries.Count == 3, "primaries: " + string.Join(" | ", nodes.Nodes.Select(n => n.Raw)));
        Assert.Equal(3, nodes.Nodes.Count(n => n.IsReplica));
        Assert.All(primaries, p => Assert.Single(p.Children));
        Assert.Equal(HashSlot.SlotCount, primaries.Sum(p => p.Slots.Sum(r => r.To - r.From + 1)));
        Assert.All(nodes.Nodes, n => Assert.StartsWith("127.0.0.1:", ClusterConnector.Format(n.EndPoint!)));

        // Every node is a container of this run, on the host network, bound to loopback.
        Assert.Equal(6, c.LocalNodes.Count);
        IList<ContainerListResponse> mine = await TestcontainersClusterFixture.ContainersLabelledAsync(TestcontainersClusterFixture.TestLabelName, fx.TestLabel);
        Assert.Equal(6, mine.Count);
        foreach (ContainerNode n in c.LocalNodes.Cast<ContainerNode>())
        {
            Assert.True(n.IsRunning, $"{n} is not running");
            Assert.Contains(mine, m => m.ID == n.ContainerId);
            ContainerInspectResponse inspect = (await TestcontainersClusterFixture.InspectAsync(n.ContainerId))!;
            Assert.Equal("host", inspect.HostConfig?.NetworkMode);
            KeyValuePair<string, string>[] bind = await fx.Mux.GetServer("127.0.0.1", n.Port).ConfigGetAsync("bind");
            Assert.Equal("127.0.0.1", Assert.Single(bind).Value);
        }
    }

    [DockerTheory]
    [InlineData("event")]
    [InlineData("user")]
    [InlineData("bucketed:8")]
    public async Task A_join_succeeds_for_every_hash_tagged_strategy(string strategy)
    {
        KeyStrategy s = KeyStrategy.Parse(strategy);
        var client = new EnqueueClient(fx.Mux, s);
        string evt = Unique("evt"), user = Unique("user"), idem = Unique("idem");
        var first = Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(evt, user, idem));
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, user, idem));

        StreamEntry[] entries = await fx.Mux.GetDatabase().StreamRangeAsync(s.Keys(evt, user, idem).StreamKey);
        StreamEntry only = Assert.Single(entries);
        Assert.Equal(first.StreamId, (string)only.Id!);
        Assert.Equal(user, (string)only["user_id"]!);
    }

    [DockerFact]
    public async Task Legacy_keys_get_the_servers_CROSSSLOT_from_the_container_cluster()
    {
        await JoinChecks.AssertLegacyGetsTheServersCrossSlotAsync(fx.Mux);
    }

    [DockerFact]
    public async Task Killing_a_primary_container_promotes_its_replica_and_teardown_removes_every_container()
    {
        string label = Guid.NewGuid().ToString("N");
        var labels = new Dictionary<string, string> { [TestcontainersClusterFixture.TestLabelName] = label };
        RunningCluster c = await TestcontainersClusterProvider.StartAsync(new ClusterSpec { StartTimeout = TimeSpan.FromSeconds(120) }, labels: labels);
        try
        {
            var faults = new ClusterFaults(c);
            int slot = HashSlot.Of("evt-hot");
            LocalNode primary = await faults.PrimaryOfAsync(slot);
            LocalNode replica = await faults.ReplicaOfAsync(slot);
            Assert.IsType<ContainerNode>(primary);

            LocalNode killed = await faults.ApplyAsync(FaultAction.KillPrimary, slot, TimeSpan.Zero);
            Assert.Equal(primary.Port, killed.Port);
            Assert.False(killed.IsRunning);
            ContainerInspectResponse inspect = (await TestcontainersClusterFixture.InspectAsync(((ContainerNode)killed).ContainerId))!;
            Assert.Equal("exited", inspect.State?.Status);
            Assert.Equal(137, inspect.State?.ExitCode); // SIGKILL

            await faults.WaitForHealedAsync(slot, killed, TimeSpan.FromSeconds(60));
            Assert.Equal(replica.Port, (await faults.PrimaryOfAsync(slot)).Port);

            // docker start brings the killed container back with its nodes.conf: it rejoins as the new primary's replica.
            await faults.RestartDeadNodesAsync();
            Assert.True(killed.IsRunning);
            await faults.WaitForHealedAsync(slot, null, TimeSpan.FromSeconds(60));
            await WaitUntilAsync("old primary rejoins as replica", async () => (await faults.ReplicaOfAsync(slot)).Port == primary.Port, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await c.DisposeAsync();
        }
        Assert.Empty(await TestcontainersClusterFixture.ContainersLabelledAsync(TestcontainersClusterFixture.TestLabelName, label));
        Assert.All(c.LocalNodes, n => Assert.False(n.IsRunning));
    }

    [DockerFact]
    public async Task A_start_that_times_out_is_one_line_and_leaves_no_container()
    {
        string label = Guid.NewGuid().ToString("N");
        var labels = new Dictionary<string, string> { [TestcontainersClusterFixture.TestLabelName] = label };
        // Far too short for containers to start and a cluster to form: the start must give up and clean up.
        var spec = new ClusterSpec { StartTimeout = TimeSpan.FromMilliseconds(300) };
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => TestcontainersClusterProvider.StartAsync(spec, labels: labels));
        Assert.Contains("not ready within", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.Empty(await TestcontainersClusterFixture.ContainersLabelledAsync(TestcontainersClusterFixture.TestLabelName, label));
    }

    [DockerFact]
    public async Task An_image_that_is_missing_and_not_pullable_is_one_clear_line()
    {
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() =>
            TestcontainersClusterProvider.StartAsync(new ClusterSpec(), image: $"hashtag-bench-no-such-image:{Guid.NewGuid():N}"));
        Assert.Contains("is not present and could not be pulled", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public async Task No_daemon_is_one_clear_line()
    {
        string? old = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", $"unix:///tmp/hashtag-bench-no-docker-{Guid.NewGuid():N}.sock");
        try
        {
            Assert.False(TestcontainersClusterProvider.IsDockerAvailable(out string? reason));
            Assert.Contains("no Docker daemon", reason);
            var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => TestcontainersClusterProvider.StartAsync(new ClusterSpec()));
            Assert.Contains("no Docker daemon", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
        }
        finally { Environment.SetEnvironmentVariable("DOCKER_HOST", old); }
    }

    [DockerFact]
    public async Task A_requested_API_version_the_daemon_cannot_speak_is_a_mismatch()
    {
        string? old = Environment.GetEnvironmentVariable("DOCKER_API_VERSION");
        Environment.SetEnvironmentVariable("DOCKER_API_VERSION", "9.99");
        try
        {
            var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => TestcontainersClusterProvider.StartAsync(new ClusterSpec()));
            Assert.Contains("API version mismatch", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
        }
        finally { Environment.SetEnvironmentVariable("DOCKER_API_VERSION", old); }
    }

    private static async Task WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try { if (await condition()) return; }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { /* mid-failover: no primary yet */ }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0}s.");
            await Task.Delay(100);
        }
    }
}
