using HashtagBench.Provisioning;
using System.Diagnostics;

namespace HashtagBench.TestSupport;

/// <summary>
/// A cluster someone else runs, as a platform team's staging or ElastiCache would be: 3 shards × 2 nodes serving
/// only TLS (a certificate from a private CA made here with openssl), the default user disabled, one ACL user with a
/// password. The harness reaches it only through its external-endpoint options, as it would a real one.
/// <see cref="Unavailable"/> says why it cannot run here (no openssl, or a redis-server built without TLS).
/// </summary>
public sealed class TlsAclCluster : IAsyncDisposable
{
    public const string User = "bench";
    private readonly List<Process> _nodes = [];

    private TlsAclCluster(string dir, int[] ports, string password)
    {
        Dir = dir;
        Ports = ports;
        Password = password;
    }

    public string Dir { get; }
    public int[] Ports { get; }
    /// <summary>Random per cluster, so a test can prove it never shows up anywhere.</summary>
    public string Password { get; }
    public string CaFile => Path.Combine(Dir, "ca.crt");
    public string Endpoint => $"127.0.0.1:{Ports[0]}";
    public ExternalEndpoint External => new(Endpoint, Tls: true, User, Password, CaFile);

    public static string? Unavailable()
    {
        if (Which("openssl") is null) return "openssl is not installed";
        if (Which("redis-server") is null || Which("redis-cli") is null) return "redis-server/redis-cli are not installed";
        return null;
    }

    public static async Task<TlsAclCluster> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("hb-tls-cluster").FullName;
        var c = new TlsAclCluster(dir, LoopbackPorts.ClusterBlock(6), "pw-" + Guid.NewGuid().ToString("N"));
        try
        {
            await c.MakeCertificatesAsync();
            foreach (int port in c.Ports) c._nodes.Add(c.StartNode(port));
            foreach (int port in c.Ports) await c.WaitAsync(port, "PING", "PONG");
            await RunAsync("redis-cli", c.CliArgs(null).Concat(["--cluster", "create", .. c.Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "1", "--cluster-yes"]), c.Env(), dir);
            foreach (int port in c.Ports) await c.WaitAsync(port, "CLUSTER INFO", "cluster_state:ok");
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private async Task MakeCertificatesAsync()
    {
        File.WriteAllText(Path.Combine(Dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        await RunAsync("openssl", ["req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=hashtag-bench test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], null, Dir);
        await RunAsync("openssl", ["req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], null, Dir);
        await RunAsync("openssl", ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
            "-days", "2", "-extfile", "server.ext"], null, Dir);
    }

    private Process StartNode(int port)
    {
        string dir = Path.Combine(Dir, port.ToString());
        Directory.CreateDirectory(dir);
        string conf = Path.Combine(dir, "redis.conf");
        // TLS only (port 0), for clients, the cluster bus and replication; no client certificates asked for.
        File.WriteAllText(conf, $"""
            port 0
            tls-port {port}
            bind 127.0.0.1
            tls-cert-file {Path.Combine(Dir, "server.crt")}
            tls-key-file {Path.Combine(Dir, "server.key")}
            tls-ca-cert-file {CaFile}
            tls-auth-clients no
            tls-cluster yes
            tls-replication yes
            cluster-enabled yes
            cluster-config-file nodes.conf
            cluster-node-timeout 3000
            appendonly no
            save ""
            dir {dir}
            logfile {Path.Combine(dir, "redis.log")}
            user default off
            user {User} on >{Password} ~* &* +@all
            masteruser {User}
            masterauth {Password}
            """ + "\n");
        var psi = new ProcessStartInfo("redis-server", conf) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        return Process.Start(psi)!;
    }

    private IEnumerable<string> CliArgs(int? port) =>
        new[] { "--tls", "--cacert", CaFile, "--user", User, "--no-auth-warning" }.Concat(port is { } p ? ["-h", "127.0.0.1", "-p", p.ToString()] : []);

    // redis-cli reads the password from REDISCLI_AUTH: it never goes on a command line, here either.
    private Dictionary<string, string> Env() => new() { ["REDISCLI_AUTH"] = Password };

    private async Task WaitAsync(int port, string command, string expected)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                last = await RunAsync("redis-cli", CliArgs(port).Concat(command.Split(' ')), Env(), Dir);
                if (last.Contains(expected, StringComparison.Ordinal)) return;
            }
            catch (InvalidOperationException ex) { last = ex.Message; }
            await Task.Delay(100);
        }
        throw new TimeoutException($"TLS node {port} did not answer {command} with {expected}: {last}");
    }

    private static async Task<string> RunAsync(string tool, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, string dir)
    {
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(limit.Token);
        string output = await o + await e;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} exited {p.ExitCode}: {output.Trim()}");
        return output;
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    public ValueTask DisposeAsync()
    {
        foreach (Process p in _nodes)
        {
            try { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fact the runner reports as skipped, with the reason, when a TLS cluster cannot be made here.</summary>
public sealed class TlsFactAttribute : Xunit.FactAttribute
{
    public TlsFactAttribute()
    {
        if (TlsAclCluster.Unavailable() is string reason) Skip = $"TLS cluster not possible here: {reason}";
    }
}
