using Docker.DotNet;
using Docker.DotNet.Models;
using HashtagBench.TestSupport;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace HashtagBench.Provisioning.Tests;

/// <summary>
/// The harness's Docker calls: the probe's one-line problems and API version negotiation (against a scripted daemon
/// on a unix socket, so every daemon version can be played), and the container calls against the real daemon.
/// </summary>
public sealed class DockerDaemonTests
{
    [Theory]
    [InlineData("not an address", null, "DOCKER_HOST is not a valid address (")]
    [InlineData("ssh://docker-host", null, "unsupported Docker endpoint scheme 'ssh' (unix:// or tcp:// without TLS)")]
    [InlineData("tcp://127.0.0.1:2376", "1", "DOCKER_TLS_VERIFY is set: TLS endpoints are not supported by this harness's probe")]
    public async Task An_endpoint_the_probe_cannot_use_is_one_line(string host, string? tlsVerify, string problem)
    {
        DockerProbe probe = await ProbeAsync(host, tlsVerify: tlsVerify);
        Assert.False(probe.Ok);
        Assert.StartsWith(problem, probe.Problem);
        Assert.DoesNotContain('\n', probe.Problem!);
    }

    [Fact]
    public async Task A_socket_path_that_is_missing_not_a_socket_or_silent_is_one_line_within_the_timeout()
    {
        string missing = SocketPath();
        DockerProbe gone = await ProbeAsync($"unix://{missing}");
        Assert.Equal($"no Docker daemon: {missing} does not exist", gone.Problem);

        string file = SocketPath();
        await File.WriteAllTextAsync(file, "");
        try
        {
            DockerProbe refused = await ProbeAsync($"unix://{file}");
            Assert.Equal($"no Docker daemon answers at unix://{file} (Connection refused)", refused.Problem);
        }
        finally { File.Delete(file); }

        // Accepts connections (the kernel's backlog) and never answers.
        string silentPath = SocketPath();
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(silentPath));
        silent.Listen(8);
        try
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            DockerProbe mute = await ProbeAsync($"unix://{silentPath}", timeout: TimeSpan.FromMilliseconds(500));
            Assert.Equal($"no Docker daemon answered at unix://{silentPath} within 0.5s", mute.Problem);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        }
        finally { File.Delete(silentPath); }
    }

    [Theory]
    [InlineData("1.41", "1.12", null, "1.41")] // Docker 20.10: its newest, not Testcontainers' 1.44
    [InlineData("1.46", "1.24", null, "1.44")] // newer daemon: what Testcontainers speaks
    [InlineData("1.50", "1.45", null, "1.45")] // a daemon that no longer speaks 1.44: its oldest
    [InlineData("1.46", "1.24", "1.30", "1.30")] // DOCKER_API_VERSION within the daemon's range
    [InlineData("1.46", "1.24", "v1.43", "1.43")]
    public async Task The_API_version_is_the_requested_one_else_negotiated_and_the_client_speaks_it(string max, string min, string? requested, string spoken)
    {
        await using var fake = new ScriptedDaemon(DaemonOfApi(max, min));
        DockerProbe probe = await ProbeAsync(fake.Host, requested);
        Assert.True(probe.Ok, probe.Problem);
        Assert.Equal(System.Version.Parse(spoken), probe.ApiVersion);
        Assert.Equal("27.1.0", probe.EngineVersion);
        // The probe itself asks unversioned: a daemon refuses even /_ping in a version newer than its own.
        Assert.Equal(new[] { "GET /_ping", "GET /version" }, fake.Requests);

        using DockerDaemon daemon = DockerDaemon.Connect(probe);
        await daemon.ListContainersAsync("some.label");
        Assert.StartsWith($"GET /v{spoken}/containers/json?", fake.Requests.Last());
    }

    [Theory]
    [InlineData("1.50")]
    [InlineData("1.20")]
    public async Task A_requested_API_version_outside_the_daemons_range_is_one_line(string requested)
    {
        await using var fake = new ScriptedDaemon(DaemonOfApi("1.46", "1.24"));
        DockerProbe probe = await ProbeAsync(fake.Host, requested);
        Assert.Equal($"API version mismatch: DOCKER_API_VERSION={requested} but Docker Engine 27.1.0 at {fake.Host} speaks API 1.24..1.46; unset DOCKER_API_VERSION to negotiate",
            probe.Problem);
    }

    [Fact]
    public async Task A_daemon_that_refuses_the_ping_is_one_line_with_its_reason()
    {
        await using var fake = new ScriptedDaemon(_ => (500, "{\"message\":\"the daemon is shutting down\"}\n"));
        DockerProbe probe = await ProbeAsync(fake.Host);
        Assert.Equal($"the Docker daemon at {fake.Host} refused the probe (HTTP 500 the daemon is shutting down)", probe.Problem);
    }

    [Fact]
    public async Task A_pull_that_fails_is_the_daemons_reason_in_one_line_also_when_it_arrives_in_the_progress_stream()
    {
        // The registry's refusal after the pull began: HTTP 200, then an error line in the progress stream.
        await using var fake = new ScriptedDaemon(request => request.StartsWith("POST /v1.44/images/create?", StringComparison.Ordinal) && request.Contains("tag=7.2", StringComparison.Ordinal)
            ? (200, "{\"status\":\"Pulling from team/redis\"}\r\n{\"errorDetail\":{\"message\":\"manifest for registry.example/team/redis:7.2 not found\\nmore\"},\"error\":\"manifest unknown\"}\r\n")
            : request.StartsWith("POST", StringComparison.Ordinal) ? (500, "{\"message\":\"Get \\\"https://registry-1.docker.io/v2/\\\": dial tcp: lookup registry-1.docker.io: no such host\"}\n")
            : DaemonOfApi("1.46", "1.24")(request));
        using DockerDaemon daemon = DockerDaemon.Connect(await ProbeAsync(fake.Host));

        Assert.Equal("manifest for registry.example/team/redis:7.2 not found", await daemon.PullAsync("registry.example/team/redis:7.2"));
        Assert.Equal("HTTP 500 Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host", await daemon.PullAsync("redis"));
        Assert.Equal("POST /v1.44/images/create?fromImage=redis&tag=latest", fake.Requests.Last());
    }

    [DockerFact]
    public async Task The_real_daemon_is_spoken_to_in_the_negotiated_version()
    {
        DockerProbe probe = await ProbeAsync(Environment.GetEnvironmentVariable("DOCKER_HOST"), Environment.GetEnvironmentVariable("DOCKER_API_VERSION"));
        Assert.True(probe.Ok, probe.Problem);
        if (Environment.GetEnvironmentVariable("DOCKER_API_VERSION") is null)
        {
            using DockerClient unversioned = new DockerClientBuilder().WithEndpoint(probe.Endpoint).WithApiVersion(null).Build();
            System.Version max = System.Version.Parse((await unversioned.System.GetVersionAsync()).APIVersion);
            Assert.Equal(max < DockerDaemon.PreferredApi ? max : DockerDaemon.PreferredApi, probe.ApiVersion);
        }
        using DockerDaemon daemon = DockerDaemon.Connect(probe);
        Assert.True(await daemon.ImageExistsAsync(TestcontainersClusterProvider.DefaultImage));
        Assert.False(await daemon.ImageExistsAsync($"hashtag-bench-no-such-image:{Guid.NewGuid():N}"));
    }

    [DockerFact]
    public async Task Container_calls_keep_the_fault_and_teardown_rules_kill_twice_start_twice_remove_twice()
    {
        DockerProbe probe = await DockerDaemon.ProbeAsync(TimeSpan.FromSeconds(10));
        Assert.True(probe.Ok, probe.Problem);
        using DockerDaemon daemon = DockerDaemon.Connect(probe);
        using DockerClient client = new DockerClientBuilder().WithEndpoint(probe.Endpoint).WithApiVersion(probe.ApiVersion).Build();
        string label = Guid.NewGuid().ToString("N");
        // Writes to both streams, then stays up: a silent redis-server on a unix socket, without network.
        CreateContainerResponse created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = TestcontainersClusterProvider.DefaultImage,
            Name = $"hashtag-bench-daemon-test-{label[..12]}",
            Labels = new Dictionary<string, string> { [TestcontainersClusterFixture.TestLabelName] = label },
            Entrypoint = ["sh", "-c", "echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2; exec redis-server --port 0 --unixsocket /tmp/r.sock --logfile /dev/null"],
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        string id = created.ID;
        try
        {
            await daemon.StartAsync(id);
            await daemon.StartAsync(id); // already running (304) is fine
            Assert.Equal("running", await daemon.StateAsync(id));
            ContainerListResponse listed = Assert.Single(await daemon.ListContainersAsync(TestcontainersClusterFixture.TestLabelName, label));
            Assert.Equal(id, listed.ID);
            Assert.Equal(label, listed.Labels[TestcontainersClusterFixture.TestLabelName]);
            Assert.Empty(await daemon.ListContainersAsync(TestcontainersClusterFixture.TestLabelName, "another-" + label));

            await daemon.PauseAsync(id);
            Assert.Equal("paused", await daemon.StateAsync(id));
            await Assert.ThrowsAsync<DockerApiException>(() => daemon.PauseAsync(id)); // a second pause is refused, as before
            await daemon.UnpauseAsync(id);
            Assert.Equal("running", await daemon.StateAsync(id));

            // Both streams, demultiplexed (no frame headers), the last lines only. The daemon keeps each stream's
            // order, not the order between the two.
            string[] tail = (await WaitForAsync(() => daemon.LogTailAsync(id, 4), t => t.Split('\n').Length == 4)).Split('\n');
            Assert.Equal(["err-1", "err-2", "out-1", "out-2"], tail.Order());
            Assert.Equal(["out-1", "out-2"], tail.Where(l => l.StartsWith("out-", StringComparison.Ordinal)));
            Assert.Single((await daemon.LogTailAsync(id, 1)).Split('\n'));

            await daemon.KillAsync(id);
            Assert.Equal("exited", await WaitForAsync(() => daemon.StateAsync(id), state => state != "running"));
            Assert.Equal(137, (await daemon.InspectAsync(id))?.State?.ExitCode); // SIGKILL
            await daemon.KillAsync(id); // not running (409) is fine
            await daemon.StartAsync(id);
            Assert.Equal("running", await daemon.StateAsync(id));
        }
        finally
        {
            await daemon.RemoveAsync(id);
        }
        await daemon.RemoveAsync(id); // already gone (404) is fine
        Assert.Null(await daemon.InspectAsync(id));
        Assert.Null(await daemon.StateAsync(id));
        Assert.Equal("", await daemon.LogTailAsync(id, 3));
        Assert.Empty(await daemon.ListContainersAsync(TestcontainersClusterFixture.TestLabelName, label));
    }

    /// <summary>What <paramref name="read"/> gives once <paramref name="done"/> holds, or after 10 s whatever it gives then.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (var sw = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            T value = await read();
            if (done(value) || sw.Elapsed > TimeSpan.FromSeconds(10)) return value;
        }
    }

    private static readonly string[] ProbeVariables = ["DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_TLS_VERIFY"];

    /// <summary>The probe with these DOCKER_* values (the assembly's tests run one after another), restored after.</summary>
    private static async Task<DockerProbe> ProbeAsync(string? host, string? apiVersion = null, string? tlsVerify = null, TimeSpan? timeout = null)
    {
        string?[] saved = ProbeVariables.Select(Environment.GetEnvironmentVariable).ToArray();
        string?[] wanted = [host, apiVersion, tlsVerify];
        for (int i = 0; i < ProbeVariables.Length; i++) Environment.SetEnvironmentVariable(ProbeVariables[i], wanted[i]);
        try { return await DockerDaemon.ProbeAsync(timeout ?? TimeSpan.FromSeconds(5)); }
        finally
        {
            for (int i = 0; i < ProbeVariables.Length; i++) Environment.SetEnvironmentVariable(ProbeVariables[i], saved[i]);
        }
    }

    private static string SocketPath() => Path.Combine(Path.GetTempPath(), $"hashtag-bench-docker-{Guid.NewGuid():N}.sock");

    /// <summary>A daemon that answers /_ping and /version as one of this version range, and 404 to anything else.</summary>
    private static Func<string, (int Status, string Body)> DaemonOfApi(string max, string min) => request =>
        request.StartsWith("GET /_ping", StringComparison.Ordinal) ? (200, "OK")
        : request.StartsWith("GET /version", StringComparison.Ordinal) ? (200, $"{{\"Version\":\"27.1.0\",\"ApiVersion\":\"{max}\",\"MinAPIVersion\":\"{min}\"}}")
        : request.Contains("/containers/json", StringComparison.Ordinal) ? (200, "[]")
        : (404, "{\"message\":\"page not found\"}");

    /// <summary>
    /// An HTTP/1.1 server on a unix socket that answers each request (its method and path) with a scripted status and
    /// JSON body, one request a connection, and records what it was asked.
    /// </summary>
    private sealed class ScriptedDaemon : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly string _path = SocketPath();
        private readonly ConcurrentQueue<string> _requests = new();
        private readonly Task _serving;

        public ScriptedDaemon(Func<string, (int Status, string Body)> answer)
        {
            _listener.Bind(new UnixDomainSocketEndPoint(_path));
            _listener.Listen(16);
            _serving = ServeAsync(answer);
        }

        public string Host => $"unix://{_path}";

        /// <summary>Method and path of each request, in order.</summary>
        public IReadOnlyList<string> Requests => _requests.ToList();

        private async Task ServeAsync(Func<string, (int Status, string Body)> answer)
        {
            while (true)
            {
                Socket s;
                try { s = await _listener.AcceptAsync(); }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { return; }
                await using var stream = new NetworkStream(s, ownsSocket: true);
                string head = await ReadHeadAsync(stream);
                string request = string.Join(' ', head.Split("\r\n")[0].Split(' ').Take(2));
                _requests.Enqueue(request);
                (int status, string body) = answer(request);
                byte[] content = Encoding.UTF8.GetBytes(body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(content);
            }
        }

        /// <summary>The request line and headers (the harness's requests have no body).</summary>
        private static async Task<string> ReadHeadAsync(NetworkStream stream)
        {
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) break;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            return head.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _serving;
            File.Delete(_path);
        }
    }
}
