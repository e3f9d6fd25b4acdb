namespace HashtagBench.Provisioning;

/// <summary>The one entry point for getting a cluster: the harness, the benchmarks and the tests all call this.</summary>
public static class ClusterProvisioner
{
    /// <summary>
    /// Starts (or attaches to) a cluster. Auto uses Testcontainers when a Docker daemon answers and the Redis image is
    /// there, and falls back to local processes with a one-line message; when neither is possible the error names the
    /// install command. Whatever the provider, <see cref="RunningCluster.Description"/> says what was used.
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
        // Testcontainers wherever a daemon answers and the image is there (or, with no local Redis, can be pulled).
        (bool dockerUsable, string? dockerReason) = await TestcontainersClusterProvider.CheckUsableAsync().ConfigureAwait(false);
        if (dockerUsable || !hasLocal)
        {
            try
            {
                return await TestcontainersClusterProvider.StartAsync(spec, log, ct: ct).ConfigureAwait(false);
            }
            catch (ClusterProvisioningException ex) when (hasLocal)
            {
                log?.Invoke($"Docker answered but the Testcontainers cluster failed ({ex.Message.Split('\n')[0]}); using local redis-server processes.");
            }
            catch (ClusterProvisioningException ex)
            {
                throw new ClusterProvisioningException(
                    $"No way to start a Redis Cluster here: {ex.Message.Split('\n')[0]} And redis-server/redis-cli are not on PATH. {LocalClusterProvider.InstallHint}", ex);
            }
        }
        else
        {
            log?.Invoke($"Docker is not usable ({dockerReason}); using local redis-server processes.");
        }
        return await LocalClusterProvider.StartAsync(spec, log, ct).ConfigureAwait(false);
    }

    /// <summary>The names a provider goes by on the command line (`--provider`): each kind's own name first, then its alias.</summary>
    public static readonly IReadOnlyList<(string Name, ProviderKind Kind)> KindNames =
    [
        ("auto", ProviderKind.Auto), ("local", ProviderKind.Local), ("testcontainers", ProviderKind.Testcontainers), ("external", ProviderKind.External),
        ("process", ProviderKind.Local), ("docker", ProviderKind.Testcontainers),
    ];
}
