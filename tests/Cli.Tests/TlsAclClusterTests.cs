using HashtagBench.Contracts;
using HashtagBench.TestSupport;

namespace HashtagBench.Cli.Tests;

/// <summary>One TLS-only, ACL-protected cluster for the tests that point the harness at it as an external endpoint.</summary>
public sealed class TlsAclClusterFixture : IAsyncLifetime
{
    private TlsAclCluster? _cluster;
    public TlsAclCluster Cluster => _cluster ?? throw new InvalidOperationException("TLS cluster not started.");
    public string PasswordFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (TlsAclCluster.Unavailable() is not null) return; // every test is skipped
        _cluster = await TlsAclCluster.StartAsync();
        PasswordFile = Path.Combine(_cluster.Dir, "password");
        await File.WriteAllTextAsync(PasswordFile, _cluster.Password + "\n");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>
/// External endpoints work as well as the local cluster: TLS with a private CA, an ACL user (default user off), the
/// password from a file. And the password shows up nowhere: not on the console, in a report or in a summary.
/// </summary>
[Collection(ClusterCollection.Name)] // serial with the other tests that swap Console
public sealed class TlsAclClusterTests(TlsAclClusterFixture tls) : IClassFixture<TlsAclClusterFixture>
{
    private string[] Auth(bool withCa = true, string? passwordFile = null) =>
        ["--cluster", tls.Cluster.Endpoint, "--tls", .. (withCa ? new[] { "--tls-ca", tls.Cluster.CaFile } : []), "--user", TlsAclCluster.User,
         "--password-file", passwordFile ?? tls.PasswordFile];

    [TlsFact]
    public async Task Keyslot_reads_the_live_slot_map_over_TLS_as_an_ACL_user()
    {
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["keyslot", "dedupe:{evt_2025_1001}:k", "stream:event:{evt_2025_1001}:user:u1", .. Auth()]);
        Assert.True(code == 0, error);
        Assert.Contains("slot  3998  shard", output); // evt_2025_1001's slot, and the shard that serves it
        Assert.DoesNotContain(tls.Cluster.Password, output + error);
    }

    [TlsFact]
    public async Task Without_the_private_CA_or_with_a_wrong_password_the_cluster_is_unreachable_exit_2()
    {
        var (code, error) = await CliRun.InvokeAsync(["keyslot", "k", .. Auth(withCa: false)]);
        Assert.Equal(2, code);
        Assert.Contains("Cannot connect", error);

        string wrong = Path.Combine(tls.Cluster.Dir, "wrong-password");
        await File.WriteAllTextAsync(wrong, "not-the-password");
        (code, error) = await CliRun.InvokeAsync(["keyslot", "k", .. Auth(passwordFile: wrong)]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain(tls.Cluster.Password, error);
    }

    [TlsFact]
    public async Task A_run_on_the_TLS_cluster_measures_and_writes_no_secret()
    {
        string dir = Directory.CreateTempSubdirectory("tls-run").FullName;
        try
        {
            var (code, output, error) = await CliRun.InvokeWithOutputAsync(["run", "--quick", "--suites", "none", "--scenarios", "strategies", "--no-sim",
                "--out", dir, .. Auth()]);
            Assert.True(code == 0, error + output);
            string report = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
            Assert.Contains("| Load: strategies | ok |", report);
            Assert.Contains("(TLS) as bench", report);
            Assert.Contains("reproduced: yes", report); // legacy's CROSSSLOT came back from the TLS cluster too
            Assert.DoesNotContain(tls.Cluster.Password, output + error);
            foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".png", StringComparison.Ordinal) && !f.EndsWith(".hlog", StringComparison.Ordinal)))
                Assert.DoesNotContain(tls.Cluster.Password, await File.ReadAllTextAsync(file));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TlsFact]
    public async Task Inspect_over_TLS_with_the_private_CA_as_an_ACL_user_places_the_event_and_shows_no_secret()
    {
        // Password from a file: the table.
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["inspect", "--events", "evt_2025_1001", "--cpu-interval", "0.2", .. Auth()]);
        Assert.True(code == 0, error + output);
        Assert.Contains("| evt_2025_1001 | event | - | 3998 | ", output);
        Assert.Contains("Health: **ok**", output);
        Assert.Contains("(TLS) as bench", output);
        Assert.DoesNotContain(tls.Cluster.Password, output + error);

        // Password from REDIS_PASSWORD: the JSON, read back as the typed record.
        string[] envAuth = ["--cluster", tls.Cluster.Endpoint, "--tls", "--tls-ca", tls.Cluster.CaFile, "--user", TlsAclCluster.User];
        Environment.SetEnvironmentVariable(ClusterOptions.PasswordVariable, tls.Cluster.Password);
        try { (code, output, error) = await CliRun.InvokeWithOutputAsync(["inspect", "--json", "--events", "evt_2025_1001", "--strategies", "event,bucketed:4", "--cpu-interval", "0", .. envAuth]); }
        finally { Environment.SetEnvironmentVariable(ClusterOptions.PasswordVariable, null); }
        Assert.True(code == 0, error + output);
        Assert.DoesNotContain(tls.Cluster.Password, output + error);
        ClusterInspection x = ResultFiles.Deserialize(output, ResultFiles.InspectionType);
        Assert.Equal(6, x.Nodes.Count(n => n.Reachable));
        Assert.All(x.Nodes, n => Assert.Null(n.CpuPercent)); // --cpu-interval 0: n/a, not 0
        SlotPlacement slot = Assert.Single(x.Events.Single(e => e.Strategy == "event").Slots);
        Assert.Equal(3998, slot.Slot);
        Assert.NotNull(slot.Shard);
        Assert.Equal(4, x.Events.Single(e => e.Strategy == "bucketed:4").Slots.Count);
    }

    [TlsFact]
    public async Task A_pooled_launch_opens_its_gateway_connections_over_TLS_as_the_ACL_user()
    {
        // 1 pod × 80 idle: 64 leasable multiplexers and 16 idle holders (raw TLS sockets, AUTH as the ACL user, READONLY on replicas) per node.
        string file = Path.Combine(tls.Cluster.Dir, "tls-launch.json");
        await File.WriteAllTextAsync(file, """
            { "name": "tls-tiny", "seed": 5, "events": [ { "id": "tl_a" } ], "arrival": { "users": 8, "overSeconds": 0.3 },
              "poll": { "minSeconds": 0.2, "maxSeconds": 0.3 }, "replicaReads": true, "topology": { "shards": 3 }, "strategies": [ "event" ],
              "client": { "mode": "Pooled", "pods": 1, "poolSize": 100, "minIdleConns": 80 } }
            """);
        string outDir = Path.Combine(tls.Cluster.Dir, "tls-launch-out");

        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "run", "launch", "--launch", file, "--out", outDir, "--max-seconds", "60", .. Auth()]);

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {error}\n{output}");
        LaunchRunResult r = ResultFiles.Read(Path.Combine(outDir, "launch-event.json"), ResultsJsonContext.Default.LaunchRunResult);
        Assert.Equal((8, 8), (r.Users.Users, r.Users.Entered));
        Assert.Equal(("Pooled", 80, 16), (r.Client!.Mode, r.Client.PlannedConnectionsPerNode, r.Client.IdleConnectionsPerNode));
        Assert.All(r.Client.Nodes, n => Assert.True(n.Open!.ConnectedClients - n.Before!.ConnectedClients >= 80, $"{n.Endpoint}: {n.Before.ConnectedClients} → {n.Open.ConnectedClients}"));
        Assert.DoesNotContain(tls.Cluster.Password, output + error + File.ReadAllText(Path.Combine(outDir, "report.md")));
    }
}
