using Docker.DotNet;
using Docker.DotNet.Models;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
// Docker.DotNet.Models has a Version of its own (the daemon's build).
using Version = System.Version;

namespace HashtagBench.Provisioning;

/// <summary>What a quick look at the Docker endpoint found.</summary>
/// <param name="Endpoint">The endpoint asked (unix:///var/run/docker.sock, tcp://…).</param>
/// <param name="Problem">Null when the daemon answered; else one line saying why not.</param>
/// <param name="ApiVersion">The API version this harness will speak: DOCKER_API_VERSION when set, else negotiated.</param>
/// <param name="EngineVersion">The daemon's version, e.g. 20.10.24.</param>
internal sealed record DockerProbe(Uri Endpoint, string? Problem, Version? ApiVersion = null, string? EngineVersion = null)
{
    public bool Ok => Problem is null;
    public override string ToString() => Ok ? $"Docker Engine {EngineVersion} (API {ApiVersion}) at {Endpoint}" : $"{Endpoint}: {Problem}";
}

/// <summary>
/// The few Docker Engine calls the harness makes beside Testcontainers, over Docker.DotNet's <see cref="DockerClient"/>:
/// finding out quickly whether a daemon answers and which API version to speak (Testcontainers 4.x speaks 1.44
/// unless told otherwise, which a Docker 20.10 daemon refuses), whether an image is there, and killing, pausing,
/// starting and force-removing containers by id (faults and teardown). A refused request throws
/// <see cref="DockerApiException"/>; an unreachable daemon what <see cref="IsDaemonFailure"/> names.
/// </summary>
internal sealed class DockerDaemon : IDisposable
{
    /// <summary>What Testcontainers for .NET 4.x speaks by default; we speak it too when the daemon offers it.</summary>
    public static readonly Version PreferredApi = new(1, 44);

    private static readonly Uri DefaultEndpoint = new("unix:///var/run/docker.sock");

    private readonly DockerClient _client;

    private DockerDaemon(DockerClient client) => _client = client;

    /// <summary>
    /// Pings the daemon and reads its version, within <paramref name="timeout"/>. Never throws: a problem is
    /// returned as one line (no daemon, not reachable, API version mismatch).
    /// </summary>
    public static async Task<DockerProbe> ProbeAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        Uri endpoint;
        try { endpoint = ResolveEndpoint(); }
        catch (UriFormatException ex) { return new DockerProbe(new Uri("unix:///invalid"), $"DOCKER_HOST is not a valid address ({ex.Message})"); }
        if (endpoint.Scheme == "unix" && !File.Exists(endpoint.LocalPath))
            return new DockerProbe(endpoint, $"no Docker daemon: {endpoint.LocalPath} does not exist");
        if (endpoint.Scheme is not ("unix" or "tcp" or "http"))
            return new DockerProbe(endpoint, $"unsupported Docker endpoint scheme '{endpoint.Scheme}' (unix:// or tcp:// without TLS)");
        if (Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is { Length: > 0 } tls && tls != "0")
            return new DockerProbe(endpoint, "DOCKER_TLS_VERIFY is set: TLS endpoints are not supported by this harness's probe");

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            // Unversioned: a daemon refuses every versioned request, /_ping too, in a version newer than its own.
            using DockerClient client = Build(endpoint, null, timeout);
            await client.System.PingAsync(cts.Token).ConfigureAwait(false);
            VersionResponse v = await client.System.GetVersionAsync(cts.Token).ConfigureAwait(false);
            string engine = v.Version ?? "?";
            if (!Version.TryParse(v.APIVersion, out Version? max)) return new DockerProbe(endpoint, "the Docker daemon's version has no ApiVersion");
            Version min = Version.TryParse(v.MinAPIVersion, out Version? m) ? m : new Version(1, 12);
            Version? requested = RequestedApiVersion();
            if (requested is not null)
            {
                if (requested > max || requested < min)
                    return new DockerProbe(endpoint,
                        $"API version mismatch: DOCKER_API_VERSION={requested} but Docker Engine {engine} at {endpoint} speaks API {min}..{max}; unset DOCKER_API_VERSION to negotiate",
                        requested, engine);
                return new DockerProbe(endpoint, null, requested, engine);
            }
            // Negotiate: what Testcontainers prefers when the daemon offers it, else the daemon's newest.
            Version chosen = max < PreferredApi ? max : (min > PreferredApi ? min : PreferredApi);
            return new DockerProbe(endpoint, null, chosen, engine);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DockerProbe(endpoint, $"no Docker daemon answered at {endpoint} within {timeout.TotalSeconds:0.#}s");
        }
        catch (DockerApiException ex)
        {
            return new DockerProbe(endpoint, $"the Docker daemon at {endpoint} refused the probe ({Reason(ex)})");
        }
        catch (Exception ex) when (IsDaemonFailure(ex))
        {
            return new DockerProbe(endpoint, $"no Docker daemon answers at {endpoint} ({Reason(ex)})");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or DockerConfigurationException)
        {
            return new DockerProbe(endpoint, $"the Docker endpoint did not answer as a Docker daemon ({Reason(ex)})");
        }
    }

    /// <summary>A client for a daemon that <see cref="ProbeAsync"/> found, speaking the API version it chose.</summary>
    public static DockerDaemon Connect(DockerProbe probe) =>
        probe.Ok ? new DockerDaemon(Build(probe.Endpoint, probe.ApiVersion, TimeSpan.FromSeconds(60)))
                 : throw new InvalidOperationException($"Docker is not usable: {probe.Problem}");

    /// <summary>
    /// True for what a request throws when the daemon refused it, could not be reached or did not answer in time
    /// (the tcp transport wraps a refused connection in an <see cref="AggregateException"/>).
    /// </summary>
    public static bool IsDaemonFailure(Exception ex) => ex switch
    {
        DockerApiException or HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsDaemonFailure),
        _ => false,
    };

    /// <summary>One line: the daemon's own message for a refused request, else the innermost cause.</summary>
    public static string Reason(Exception ex)
    {
        if (ex is DockerApiException api)
        {
            string body = api.ResponseBody ?? "", message = body;
            try { message = JsonNode.Parse(body) is JsonObject o && (string?)o["message"] is string m ? m : body; }
            catch (JsonException) { }
            return FirstLine($"HTTP {(int)api.StatusCode} {message}");
        }
        Exception inner = ex;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return FirstLine(inner.Message);
    }

    public async Task<bool> ImageExistsAsync(string image, CancellationToken ct = default)
    {
        try
        {
            await _client.Images.InspectImageAsync(image, ct).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException) { return false; }
    }

    /// <summary>Pulls an image; null when it worked, else the daemon's reason in one line.</summary>
    public async Task<string?> PullAsync(string image, CancellationToken ct = default)
    {
        (string name, string tag) = SplitTag(image);
        var progress = new FirstPullError();
        try
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null, progress, ct).ConfigureAwait(false);
        }
        catch (DockerApiException ex) { return Reason(ex); }
        if (progress.Error is not null) return progress.Error;
        return await ImageExistsAsync(image, ct).ConfigureAwait(false) ? null : "the pull finished but the image is not there";
    }

    /// <summary>The containers (running or not) that carry a label, optionally with a value.</summary>
    public async Task<IList<ContainerListResponse>> ListContainersAsync(string label, string? value = null, CancellationToken ct = default) =>
        await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [value is null ? label : $"{label}={value}"] = true },
            },
        }, ct).ConfigureAwait(false);

    /// <summary>docker inspect of a container, or null when it does not exist.</summary>
    public async Task<ContainerInspectResponse?> InspectAsync(string id, CancellationToken ct = default)
    {
        try { return await _client.Containers.InspectContainerAsync(id, ct).ConfigureAwait(false); }
        catch (DockerContainerNotFoundException) { return null; }
    }

    /// <summary>The container's state: running, paused, exited, … or null when it does not exist.</summary>
    public async Task<string?> StateAsync(string id, CancellationToken ct = default) =>
        (await InspectAsync(id, ct).ConfigureAwait(false))?.State?.Status;

    /// <summary>The last lines of a container's output (stdout and stderr), for an error message; empty when refused.</summary>
    public async Task<string> LogTailAsync(string id, int lines, CancellationToken ct = default)
    {
        try
        {
            using MultiplexedStream logs = await _client.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Tail = lines.ToString(CultureInfo.InvariantCulture),
            }, ct).ConfigureAwait(false);
            using var text = new MemoryStream();
            // Both streams into one buffer, in the order the daemon sends their lines.
            await logs.CopyOutputToAsync(Stream.Null, text, text, ct).ConfigureAwait(false);
            return Encoding.UTF8.GetString(text.ToArray()).Trim();
        }
        catch (DockerApiException) { return ""; }
    }

    /// <summary>SIGKILL: the node vanishes as a crashed host would. A container that is not running is left alone.</summary>
    public async Task KillAsync(string id, CancellationToken ct = default)
    {
        try { await _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, ct).ConfigureAwait(false); }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict) { }
    }

    /// <summary>Freezes every process of the container (cgroup freezer): alive but silent.</summary>
    public Task PauseAsync(string id, CancellationToken ct = default) => _client.Containers.PauseContainerAsync(id, ct);

    public Task UnpauseAsync(string id, CancellationToken ct = default) => _client.Containers.UnpauseContainerAsync(id, ct);

    /// <summary>Starts a stopped container again; its file system (so nodes.conf) is kept. Already running is fine.</summary>
    public Task StartAsync(string id, CancellationToken ct = default) => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct);

    /// <summary>Kills and removes a container with its anonymous volumes. A container already gone is fine.</summary>
    public async Task RemoveAsync(string id, CancellationToken ct = default)
    {
        try { await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct).ConfigureAwait(false); }
        // 409: removal already in progress (a second teardown path got there first).
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict) { }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>DOCKER_HOST when set (unix:// or tcp:// without TLS), else the default socket.</summary>
    private static Uri ResolveEndpoint()
    {
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(host) ? DefaultEndpoint : new Uri(host.Trim());
    }

    /// <summary>DOCKER_API_VERSION when set and parseable.</summary>
    private static Version? RequestedApiVersion()
    {
        string? v = Environment.GetEnvironmentVariable("DOCKER_API_VERSION");
        return !string.IsNullOrWhiteSpace(v) && Version.TryParse(v.Trim().TrimStart('v'), out Version? parsed) ? parsed : null;
    }

    /// <summary>The transport Testcontainers picks too: chosen by Docker.DotNet from the endpoint's scheme.</summary>
    private static DockerClient Build(Uri endpoint, Version? apiVersion, TimeSpan timeout) =>
        new DockerClientBuilder().WithEndpoint(endpoint).WithApiVersion(apiVersion).WithTimeout(timeout).Build();

    private static (string Name, string Tag) SplitTag(string image)
    {
        int slash = image.LastIndexOf('/'), colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static string FirstLine(string s) => s.Trim().Split('\n')[0].Trim();

    /// <summary>
    /// The first failure the pull's progress stream reports: the daemon answers 200 and then a JSON line with an
    /// error when, say, the registry has no such manifest. Recorded as it is reported (<see cref="Progress{T}"/>
    /// would post it to the thread pool, after the pull has returned).
    /// </summary>
    private sealed class FirstPullError : IProgress<JSONMessage>
    {
        public string? Error { get; private set; }

        public void Report(JSONMessage value)
        {
            if (Error is null && value.Error?.Message is { Length: > 0 } message) Error = FirstLine(message);
        }
    }
}
