using HashtagBench.TestSupport;

namespace HashtagBench.Provisioning.Tests;

/// <summary>The user's fault command: what it is given, what is kept of its output, and how it ends. No fault is applied.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultCommandTests(ClusterFixture fx)
{
    private static string LogPath() => Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"fault-command-{Guid.NewGuid():N}.log");

    [Fact]
    public async Task The_environment_names_the_hot_slot_its_primary_and_a_replica_and_the_watch_reads_them_through_the_client()
    {
        // A fault test earlier in this collection may have left slot 42's old primary still rejoining as a replica:
        // wait (counts, not time, decide; 60 s of slack) until the slot's primary has its one replica again.
        ClusterNodesSnapshot nodes = (await PromotionWatch.ReadNodesAsync(fx.Mux))!;
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); nodes.PrimaryOf(42) is not { } p || nodes.ReplicasOf(p).Count() != 1;)
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(60), "slot 42's primary never had exactly one replica");
            await Task.Delay(200);
            nodes = (await PromotionWatch.ReadNodesAsync(fx.Mux))!;
        }
        ClusterNodeLine primary = nodes.PrimaryOf(42)!;
        ClusterNodeLine replica = nodes.ReplicasOf(primary).Single();
        IReadOnlyDictionary<string, string> env = FaultCommand.Environment(fx.Cluster, nodes, 42);

        Assert.Equal("42", env[FaultCommand.SlotVariable]);
        Assert.Equal(primary.Endpoint, $"{env[FaultCommand.PrimaryHostVariable]}:{env[FaultCommand.PrimaryPortVariable]}");
        Assert.Equal(replica.Endpoint, $"{env[FaultCommand.ReplicaHostVariable]}:{env[FaultCommand.ReplicaPortVariable]}");
        Assert.Equal(string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format)), env[ExternalEndpoint.EndpointVariable]);
        Assert.False(env.ContainsKey(FaultCommand.RedisCliPasswordVariable)); // the local cluster has no password
        // ROLE, as the watch asks it before it accepts a new owner.
        Assert.Equal("master", await PromotionWatch.RoleAsync(fx.Mux, primary.Endpoint));
        Assert.Equal("slave", await PromotionWatch.RoleAsync(fx.Mux, replica.Endpoint));
        Assert.True(await PromotionWatch.ClusterOkAsync(fx.Mux, primary.Endpoint));
    }

    [Fact]
    public void A_view_without_the_primary_or_a_usable_replica_gives_no_environment_but_one_line_naming_what_is_missing()
    {
        // A young cluster's gossip: the replica of slot 42's primary is still ":0" (noaddr) in this node's view.
        var noAddress = ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383
            c3 :0@0 slave,noaddr a1 0 0 1 disconnected
            """);
        var ex = Assert.Throws<InvalidOperationException>(() => FaultCommand.Environment(fx.Cluster, noAddress, 42));
        Assert.Equal("--fault-command not started: slot 42's primary 127.0.0.1:7000 has no healthy replica with an address (listed: :0 slave,noaddr of a1).", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);

        // A replica that failed, none at all, no primary, a primary without an address: each is named, none gives variables.
        var failed = ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383
            c3 127.0.0.1:7003@17003 slave,fail a1 0 0 1 disconnected
            """);
        Assert.Contains("no healthy replica with an address (listed: 127.0.0.1:7003 slave,fail of a1)", FaultCommand.Missing(failed, 42));
        Assert.Equal("slot 42's primary 127.0.0.1:7000 has no healthy replica with an address (it lists none)",
            FaultCommand.Missing(ClusterNodesSnapshot.Parse("a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383"), 42));
        Assert.Equal("no healthy primary serves slot 42",
            FaultCommand.Missing(ClusterNodesSnapshot.Parse("a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 5000-16383"), 42));
        Assert.Equal("slot 42's primary (a1) is listed without an address",
            FaultCommand.Missing(ClusterNodesSnapshot.Parse("a1 :0@0 master,noaddr - 0 0 1 connected 0-16383"), 42));

        // With its replica's address learned, the view gives both.
        var whole = ClusterNodesSnapshot.Parse("""
            a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383
            c3 127.0.0.1:7003@17003 slave a1 0 0 1 connected
            """);
        Assert.Null(FaultCommand.Missing(whole, 42));
        Assert.Equal("7003", FaultCommand.Environment(fx.Cluster, whole, 42)[FaultCommand.ReplicaPortVariable]);
    }

    [Fact]
    public async Task Output_goes_to_the_log_with_the_secret_masked_and_the_exit_code_is_reported()
    {
        string log = LogPath();
        var lines = new List<string>();
        var env = new Dictionary<string, string> { [FaultCommand.RedisCliPasswordVariable] = "s3cret-pw" };
        FaultCommandResult r = await FaultCommand.RunAsync("echo \"auth is $REDISCLI_AUTH\"; echo refused >&2; exit 4", env, log,
            l => { lock (lines) lines.Add(l); }, "s3cret-pw", TimeSpan.FromSeconds(60));

        Assert.Equal(4, r.ExitCode);
        Assert.False(r.Succeeded);
        string text = await File.ReadAllTextAsync(log);
        Assert.Contains("out] auth is ***", text); // the child got the password from its environment; nobody sees it
        Assert.Contains("err] refused", text);
        Assert.Contains("exit code 4", text);
        Assert.DoesNotContain("s3cret-pw", text);
        Assert.Contains("fault-command out: auth is ***", lines);
        Assert.DoesNotContain(lines, l => l.Contains("s3cret-pw"));
    }

    [Fact]
    public async Task A_command_past_its_time_limit_is_killed_and_has_no_exit_code()
    {
        FaultCommandResult r = await FaultCommand.RunAsync("sleep 60", new Dictionary<string, string>(), LogPath(), _ => { }, null, TimeSpan.FromSeconds(1));
        Assert.Null(r.ExitCode);
        Assert.False(r.Succeeded);
        Assert.True(r.Took < TimeSpan.FromSeconds(50), $"took {r.Took}");
    }
}
