using HashtagBench.TestSupport;
using System.Diagnostics;

namespace HashtagBench.Provisioning.Tests;

[Collection(ClusterCollection.Name)] // serial with the fixture: these tests change process-wide environment variables
public sealed class ProvisioningErrorTests(ClusterFixture fx)
{
    [Fact]
    public async Task Auto_uses_Testcontainers_where_Docker_is_usable_and_falls_back_to_local_otherwise()
    {
        (bool usable, string? reason) = await TestcontainersClusterProvider.CheckUsableAsync();
        if (usable)
        {
            Assert.Null(reason);
            Assert.Equal("testcontainers", fx.Cluster.ProviderName);
            Assert.Equal(TestcontainersClusterProvider.DefaultImage, fx.Cluster.Image);
            Assert.All(fx.Cluster.LocalNodes, n => Assert.IsType<ContainerNode>(n));
            return;
        }
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.Equal("local", fx.Cluster.ProviderName);
        Assert.Null(fx.Cluster.Image);
        Assert.StartsWith("local:", fx.Cluster.Description);
        if (!TestcontainersClusterProvider.IsDockerAvailable(out _))
        {
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => ClusterProvisioner.StartAsync(ProviderKind.Testcontainers));
            Assert.DoesNotContain("\n", ex.Message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "detection must not wait on a daemon that is not there");
        }
    }

    [Fact]
    public async Task Missing_redis_server_names_the_install_command()
    {
        string? old = Environment.GetEnvironmentVariable("REDIS_SERVER");
        Environment.SetEnvironmentVariable("REDIS_SERVER", "/nonexistent/redis-server");
        try
        {
            var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => ClusterProvisioner.StartAsync(ProviderKind.Local));
            Assert.Contains("apt-get install redis-server", ex.Message);
        }
        finally { Environment.SetEnvironmentVariable("REDIS_SERVER", old); }
    }

    [Fact]
    public async Task A_cluster_that_is_down_gives_a_clear_error()
    {
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() =>
            ClusterProvisioner.StartAsync(ProviderKind.External, external: new ExternalEndpoint("127.0.0.1:1")));
        Assert.Contains("127.0.0.1:1", ex.Message);
        Assert.Contains("Cannot connect", ex.Message);
    }

    [Fact]
    public async Task External_provider_attaches_to_a_running_cluster_without_owning_it()
    {
        string seed = $"127.0.0.1:{fx.Cluster.LocalNodes.Count switch { 0 => 0, _ => fx.Cluster.LocalNodes[0].Port }}";
        if (fx.Cluster.LocalNodes.Count == 0) seed = ClusterConnector.Format(fx.Cluster.Seeds[0]);
        await using (RunningCluster ext = await ClusterProvisioner.StartAsync(ProviderKind.External, external: new ExternalEndpoint(seed)))
        {
            Assert.Equal("external", ext.ProviderName);
            await using var mux = await ext.ConnectAsync();
            Assert.Equal(3, LiveSlotMap.Read(mux).Count);
        }
        // Disposing the attachment must not touch the cluster.
        Assert.True(fx.Mux.GetDatabase().Ping() < TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_endpoint_is_refused(string ep)
    {
        var ex = await Assert.ThrowsAsync<ClusterProvisioningException>(() => ClusterProvisioner.StartAsync(ProviderKind.External, external: new ExternalEndpoint(ep)));
        Assert.Contains("empty", ex.Message);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, -1)]
    public void Impossible_cluster_shapes_are_refused(int shards, int replicas) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterSpec { Shards = shards, ReplicasPerShard = replicas }.Validate());

    [Fact]
    public async Task A_REDISCLI_AUTH_in_the_users_shell_reaches_neither_the_local_clusters_redis_cli_nor_a_fault_command()
    {
        if (!LocalClusterProvider.IsAvailable(out _, out _)) return;
        string? old = Environment.GetEnvironmentVariable(FaultCommand.RedisCliPasswordVariable);
        Environment.SetEnvironmentVariable(FaultCommand.RedisCliPasswordVariable, "another-redis-password");
        string log = Path.Combine(Path.GetTempPath(), $"hb-fault-{Guid.NewGuid():N}.log");
        try
        {
            // redis-cli --cluster create would log in with it, and the passwordless nodes refuse: every local cluster failed to form.
            await using RunningCluster c = await LocalClusterProvider.StartAsync(new ClusterSpec());
            Assert.Equal(6, c.LocalNodes.Count);
            // A fault command on a cluster without a password gets none.
            FaultCommandResult r = await FaultCommand.RunAsync("echo \"auth=[$REDISCLI_AUTH]\"", new Dictionary<string, string>(), log, _ => { }, null, TimeSpan.FromSeconds(60));
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("auth=[]", await File.ReadAllTextAsync(log));
        }
        finally
        {
            Environment.SetEnvironmentVariable(FaultCommand.RedisCliPasswordVariable, old);
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Dispose_kills_every_process_and_removes_the_run_folder()
    {
        if (!LocalClusterProvider.IsAvailable(out _, out _)) return;
        RunningCluster c = await LocalClusterProvider.StartAsync(new ClusterSpec());
        int[] pids = c.LocalNodes.Cast<ProcessNode>().Select(n => n.Pid).ToArray();
        Assert.Equal(6, pids.Length);
        Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}")));
        await c.DisposeAsync();
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"redis-server {pid} outlived dispose"));
        Assert.DoesNotContain(pids, LocalProcesses.TrackedPids().Contains);
    }

    [Fact]
    public async Task Orphans_of_a_crashed_run_are_reaped()
    {
        if (!LocalClusterProvider.IsAvailable(out string? server, out _)) return;
        // A run folder whose owner is dead, with one live redis-server in it: what kill -9 of the harness leaves.
        string dir = Path.Combine(LocalProcesses.RunRoot, $"crashed-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        using Process dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        File.WriteAllText(Path.Combine(dir, "owner"), dead.Id.ToString());
        using Process orphan = Process.Start(new ProcessStartInfo(server!, $"--port 0 --unixsocket {dir}/orphan.sock --save \"\"") { UseShellExecute = false, RedirectStandardOutput = true })!;
        File.WriteAllText(Path.Combine(dir, "pids"), orphan.Id + "\n");
        while (!File.Exists($"{dir}/orphan.sock") && !orphan.HasExited) await Task.Delay(20);

        string cmdline = File.ReadAllText($"/proc/{orphan.Id}/cmdline");
        int reaped = LocalProcesses.ReapOrphans();
        Assert.True(orphan.WaitForExit(5000), $"orphan redis-server was not killed (reaped {reaped}, cmdline '{cmdline}')");
        Assert.True(reaped >= 1);
        Assert.False(Directory.Exists(dir));
    }
}
