using HashtagBench.Keys;
using DotNet.Testcontainers.Builders;

namespace HashtagBench.Provisioning;

/// <summary>The one entry point for getting a cluster: the harness, the benchmarks and the tests all call this.</summary>
public static class ClusterProvisioner
{
    /// <summary>
    /// Starts (or attaches to) a cluster. Auto tries Testcontainers when Docker answers and falls back to local
    /// processes with a one-line message; when neither is possible the error names the install command.
    /// </summary>
    public static async Task<RunningCluster> StartAsync(ProviderKind kind, ClusterSpec? spec = null, ExternalEndpoint? external = null,
        Action<string>? log = null, CancellationToken ct = default)
    {
        spec ??= new ClusterSpec();
        switch (kind)
        {
            case ProviderKind.External:
                return await ExternalClusterProvider.AttachAsync(external ?? throw new ClusterProvisioningException("The external provider needs an endpoint (--cluster host:port)."), log).ConfigureAwait(false);
            case ProviderKind.Local:
                return await LocalClusterProvider.StartAsync(spec, log, ct).ConfigureAwait(false);
            case ProviderKind.Testcontainers:
                return await TestcontainersClusterProvider.StartAsync(spec, log, ct: ct).ConfigureAwait(false);
        }

        bool hasLocal = LocalClusterProvider.IsAvailable(out _, out _);
        if (TestcontainersClusterProvider.IsDockerAvailable(out string? dockerReason))
        {
            try
            {
                return await TestcontainersClusterProvider.StartAsync(spec, log, ct: ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (hasLocal && ex is not OperationCanceledException)
            {
                log?.Invoke($"Docker answered but the Testcontainers cluster failed ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}); using local redis-server processes.");
            }
        }
        else if (hasLocal)
        {
            log?.Invoke($"Docker is not available ({dockerReason}); using local redis-server processes.");
        }

        if (!hasLocal)
            throw new ClusterProvisioningException(
                $"No way to start a Redis Cluster here: no Docker daemon answered ({dockerReason ?? "Testcontainers failed"}) and redis-server/redis-cli are not on PATH. {LocalClusterProvider.InstallHint}");
        return await LocalClusterProvider.StartAsync(spec, log, ct).ConfigureAwait(false);
    }

    /// <summary>Parses auto | local | testcontainers | docker | external.</summary>
    public static ProviderKind ParseKind(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => ProviderKind.Auto,
        "local" or "process" => ProviderKind.Local,
        "testcontainers" or "docker" => ProviderKind.Testcontainers,
        "external" => ProviderKind.External,
        _ => throw new FormatException($"Unknown cluster provider '{text}'. Use auto, local, testcontainers or external."),
    };
}
