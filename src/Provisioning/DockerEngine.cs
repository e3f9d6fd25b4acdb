using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HashtagBench.Provisioning;

/// <summary>What a quick look at the Docker endpoint found.</summary>
/// <param name="Endpoint">The endpoint asked (unix:///var/run/docker.sock, tcp://…).</param>
/// <param name="Problem">Null when the daemon answered; else one line saying why not.</param>
/// <param name="ApiVersion">The API version this harness will speak: DOCKER_API_VERSION when set, else negotiated.</param>
/// <param name="EngineVersion">The daemon's version, e.g. 20.10.24.</param>
public sealed record DockerProbe(Uri Endpoint, string? Problem, Version? ApiVersion = null, string? EngineVersion = null, Version? DaemonMaxApi = null)
{
    public bool Ok => Problem is null;
    public override string ToString() => Ok ? $"Docker Engine {EngineVersion} (API {ApiVersion}) at {Endpoint}" : $"{Endpoint}: {Problem}";
}

/// <summary>
/// A small Docker Engine API client over the daemon's socket: what the harness needs beside Testcontainers, namely
/// finding out quickly whether a daemon answers and which API version it speaks (Testcontainers 4.x speaks 1.44
/// unless told otherwise, which a Docker 20.10 daemon refuses), whether an image is there, and killing, pausing,
/// starting and force-removing containers by id (faults and teardown).
/// </summary>
public sealed class DockerEngine : IDisposable
{
    /// <summary>What Testcontainers for .NET 4.x speaks by default; we speak it too when the daemon offers it.</summary>
    public static readonly Version PreferredApi = new(1, 44);

    private readonly HttpClient _http;
    private readonly string _prefix;

    private DockerEngine(Uri endpoint, HttpClient http, Version apiVersion)
    {
        Endpoint = endpoint;
        _http = http;
        ApiVersion = apiVersion;
        _prefix = $"/v{apiVersion.Major}.{apiVersion.Minor}";
    }

    public Uri Endpoint { get; }
    public Version ApiVersion { get; }

    /// <summary>DOCKER_HOST when set (unix:// or tcp:// without TLS), else the default socket.</summary>
    public static Uri ResolveEndpoint()
    {
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host)) return new Uri("unix:///var/run/docker.sock");
        return new Uri(host.Trim());
    }

    /// <summary>DOCKER_API_VERSION when set and parseable.</summary>
    public static Version? RequestedApiVersion()
    {
        string? v = Environment.GetEnvironmentVariable("DOCKER_API_VERSION");
        return !string.IsNullOrWhiteSpace(v) && Version.TryParse(v.Trim().TrimStart('v'), out Version? parsed) ? parsed : null;
    }

    /// <summary>
    /// Pings the daemon and reads its /version, within <paramref name="timeout"/>. Never throws: a problem is
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

        using HttpClient http = CreateHttp(endpoint, timeout);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using HttpResponseMessage ping = await http.GetAsync("/_ping", cts.Token).ConfigureAwait(false);
            if (!ping.IsSuccessStatusCode) return new DockerProbe(endpoint, $"the Docker daemon answered /_ping with HTTP {(int)ping.StatusCode}");
            JsonObject? v = await http.GetFromJsonAsync<JsonObject>("/version", cts.Token).ConfigureAwait(false);
            string engine = (string?)v?["Version"] ?? "?";
            if (!Version.TryParse((string?)v?["ApiVersion"], out Version? max)) return new DockerProbe(endpoint, "the Docker daemon's /version has no ApiVersion");
            Version min = Version.TryParse((string?)v?["MinAPIVersion"], out Version? m) ? m : new Version(1, 12);
            Version? requested = RequestedApiVersion();
            if (requested is not null)
            {
                if (requested > max || requested < min)
                    return new DockerProbe(endpoint,
                        $"API version mismatch: DOCKER_API_VERSION={requested} but Docker Engine {engine} at {endpoint} speaks API {min}..{max}; unset DOCKER_API_VERSION to negotiate",
                        requested, engine, max);
                return new DockerProbe(endpoint, null, requested, engine, max);
            }
            // Negotiate: what Testcontainers prefers when the daemon offers it, else the daemon's newest.
            Version chosen = max < PreferredApi ? max : (min > PreferredApi ? min : PreferredApi);
            return new DockerProbe(endpoint, null, chosen, engine, max);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DockerProbe(endpoint, $"no Docker daemon answered at {endpoint} within {timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException ex)
        {
            return new DockerProbe(endpoint, $"no Docker daemon answers at {endpoint} ({FirstLine(ex.InnerException?.Message ?? ex.Message)})");
        }
        catch (Exception ex) when (ex is SocketException or IOException or JsonException or NotSupportedException)
        {
            return new DockerProbe(endpoint, $"the Docker endpoint did not answer as a Docker daemon ({FirstLine(ex.Message)})");
        }
    }

    /// <summary>A client for a daemon that <see cref="ProbeAsync"/> found.</summary>
    public static DockerEngine Connect(DockerProbe probe) =>
        probe.Ok ? new DockerEngine(probe.Endpoint, CreateHttp(probe.Endpoint, TimeSpan.FromSeconds(60)), probe.ApiVersion!)
                 : throw new InvalidOperationException($"Docker is not usable: {probe.Problem}");

    public async Task<bool> ImageExistsAsync(string image, CancellationToken ct = default)
    {
        using HttpResponseMessage r = await _http.GetAsync($"{_prefix}/images/{Uri.EscapeDataString(image)}/json", ct).ConfigureAwait(false);
        if (r.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureAsync(r, $"inspect image {image}").ConfigureAwait(false);
        return true;
    }

    /// <summary>Pulls an image; null when it worked, else the daemon's reason in one line.</summary>
    public async Task<string?> PullAsync(string image, CancellationToken ct = default)
    {
        (string name, string tag) = SplitTag(image);
        using HttpResponseMessage r = await _http.PostAsync(
            $"{_prefix}/images/create?fromImage={Uri.EscapeDataString(name)}&tag={Uri.EscapeDataString(tag)}", null, ct).ConfigureAwait(false);
        string body = await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!r.IsSuccessStatusCode) return FirstLine(Message(body) ?? $"HTTP {(int)r.StatusCode}");
        // The progress stream reports a failure as a JSON line with "error".
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                if (JsonNode.Parse(line) is JsonObject o && o["error"] is JsonNode e) return FirstLine((string?)e ?? "pull failed");
            }
            catch (JsonException) { }
        }
        return await ImageExistsAsync(image, ct).ConfigureAwait(false) ? null : "the pull finished but the image is not there";
    }

    /// <summary>Ids of the containers (running or not) that carry a label, optionally with a value.</summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(string label, string? value = null, CancellationToken ct = default)
    {
        string filter = JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [value is null ? label : $"{label}={value}"] });
        using HttpResponseMessage r = await _http.GetAsync($"{_prefix}/containers/json?all=1&filters={Uri.EscapeDataString(filter)}", ct).ConfigureAwait(false);
        await EnsureAsync(r, "list containers").ConfigureAwait(false);
        JsonArray list = await r.Content.ReadFromJsonAsync<JsonArray>(ct).ConfigureAwait(false) ?? [];
        return list.OfType<JsonObject>().Select(o => new ContainerSummary(
            (string)o["Id"]!, (string?)o["State"] ?? "",
            (o["Labels"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value ?? "") ?? [])).ToList();
    }

    /// <summary>docker inspect of a container, or null when it does not exist.</summary>
    public async Task<JsonObject?> InspectAsync(string id, CancellationToken ct = default)
    {
        using HttpResponseMessage r = await _http.GetAsync($"{_prefix}/containers/{id}/json", ct).ConfigureAwait(false);
        if (r.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureAsync(r, $"inspect container {Short(id)}").ConfigureAwait(false);
        return await r.Content.ReadFromJsonAsync<JsonObject>(ct).ConfigureAwait(false);
    }

    /// <summary>The container's state: running, paused, exited, … or null when it does not exist.</summary>
    public async Task<string?> StateAsync(string id, CancellationToken ct = default)
    {
        using HttpResponseMessage r = await _http.GetAsync($"{_prefix}/containers/{id}/json", ct).ConfigureAwait(false);
        if (r.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureAsync(r, $"inspect container {Short(id)}").ConfigureAwait(false);
        JsonObject? o = await r.Content.ReadFromJsonAsync<JsonObject>(ct).ConfigureAwait(false);
        return (string?)o?["State"]?["Status"];
    }

    /// <summary>The last lines of a container's output (stdout and stderr), for an error message.</summary>
    public async Task<string> LogTailAsync(string id, int lines, CancellationToken ct = default)
    {
        using HttpResponseMessage r = await _http.GetAsync($"{_prefix}/containers/{id}/logs?stdout=1&stderr=1&tail={lines}", ct).ConfigureAwait(false);
        if (!r.IsSuccessStatusCode) return "";
        byte[] raw = await r.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        // Multiplexed stream: 8-byte frame headers (stream, 0, 0, 0, size big-endian) before each chunk.
        var text = new System.Text.StringBuilder();
        int i = 0;
        while (i + 8 <= raw.Length && raw[i] <= 2 && raw[i + 1] == 0)
        {
            int size = (raw[i + 4] << 24) | (raw[i + 5] << 16) | (raw[i + 6] << 8) | raw[i + 7];
            if (i + 8 + size > raw.Length) break;
            text.Append(System.Text.Encoding.UTF8.GetString(raw, i + 8, size));
            i += 8 + size;
        }
        if (i == 0) text.Append(System.Text.Encoding.UTF8.GetString(raw));
        return text.ToString().Trim();
    }

    /// <summary>SIGKILL: the node vanishes as a crashed host would. A container that is not running is left alone.</summary>
    public Task KillAsync(string id, CancellationToken ct = default) => PostAsync($"/containers/{id}/kill?signal=KILL", $"kill container {Short(id)}", ct, HttpStatusCode.Conflict);

    /// <summary>Freezes every process of the container (cgroup freezer): alive but silent.</summary>
    public Task PauseAsync(string id, CancellationToken ct = default) => PostAsync($"/containers/{id}/pause", $"pause container {Short(id)}", ct);

    public Task UnpauseAsync(string id, CancellationToken ct = default) => PostAsync($"/containers/{id}/unpause", $"unpause container {Short(id)}", ct);

    /// <summary>Starts a stopped container again; its file system (so nodes.conf) is kept. 304 (already running) is fine.</summary>
    public Task StartAsync(string id, CancellationToken ct = default) => PostAsync($"/containers/{id}/start", $"start container {Short(id)}", ct);

    /// <summary>Kills and removes a container with its anonymous volumes. A container already gone is fine.</summary>
    public async Task RemoveAsync(string id, CancellationToken ct = default)
    {
        using HttpResponseMessage r = await _http.DeleteAsync($"{_prefix}/containers/{id}?force=1&v=1", ct).ConfigureAwait(false);
        if (r.StatusCode is HttpStatusCode.NotFound) return;
        // 409: removal already in progress (a second teardown path got there first).
        if (r.StatusCode is HttpStatusCode.Conflict) return;
        await EnsureAsync(r, $"remove container {Short(id)}").ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task PostAsync(string path, string what, CancellationToken ct, HttpStatusCode alsoFine = HttpStatusCode.NotModified)
    {
        using HttpResponseMessage r = await _http.PostAsync(_prefix + path, null, ct).ConfigureAwait(false);
        if (r.StatusCode == HttpStatusCode.NotModified || r.StatusCode == alsoFine) return;
        await EnsureAsync(r, what).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage r, string what)
    {
        if (r.IsSuccessStatusCode) return;
        string body = await r.Content.ReadAsStringAsync().ConfigureAwait(false);
        throw new DockerEngineException($"Docker could not {what}: HTTP {(int)r.StatusCode} {FirstLine(Message(body) ?? body)}", r.StatusCode);
    }

    private static string? Message(string body)
    {
        try { return JsonNode.Parse(body) is JsonObject o ? (string?)o["message"] : null; }
        catch (JsonException) { return null; }
    }

    internal static (string Name, string Tag) SplitTag(string image)
    {
        int slash = image.LastIndexOf('/'), colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static HttpClient CreateHttp(Uri endpoint, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout < TimeSpan.FromSeconds(5) ? timeout : TimeSpan.FromSeconds(5) };
        Uri baseAddress;
        if (endpoint.Scheme == "unix")
        {
            string path = endpoint.LocalPath;
            handler.ConnectCallback = async (_, token) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(path), token).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            };
            baseAddress = new Uri("http://docker");
        }
        else
        {
            baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{endpoint.Host}:{(endpoint.Port > 0 ? endpoint.Port : 2375)}"));
        }
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout < TimeSpan.FromSeconds(60) ? TimeSpan.FromSeconds(60) : timeout };
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>One container from a listing.</summary>
public sealed record ContainerSummary(string Id, string State, IReadOnlyDictionary<string, string> Labels);

/// <summary>The Docker daemon refused a request.</summary>
public sealed class DockerEngineException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
