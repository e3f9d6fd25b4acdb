using HashtagBench.Keys;
using System.Diagnostics;
using System.Net;
using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;

namespace HashtagBench.Provisioning;

/// <summary>
/// Cluster in Docker via Testcontainers.Redis, used where a Docker daemon answers. Each node runs in host
/// network mode on its own port and announces 127.0.0.1, so the nodes, the cluster bus and the harness all
/// see the same addresses (with bridge networking the announced address cannot suit both sides).
/// </summary>
public static class TestcontainersClusterProvider
{
    public const string DefaultImage = "redis:7.2";

    /// <summary>
    /// True when Testcontainers finds a Docker endpoint. Building a container resolves the endpoint and
    /// throws <see cref="DockerUnavailableException"/> when there is none; nothing is started.
    /// </summary>
    public static bool IsDockerAvailable(out string? reason)
    {
        try
        {
            _ = new RedisBuilder(DefaultImage).Build();
            reason = null;
            return true;
        }
        catch (DockerUnavailableException ex)
        {
            reason = ex.Message.Split('\n')[0].Trim();
            return false;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or TypeInitializationException)
        {
            reason = ex.Message.Split('\n')[0].Trim();
            return false;
        }
    }

    public static async Task<RunningCluster> StartAsync(ClusterSpec spec, Action<string>? log = null, string image = DefaultImage, CancellationToken ct = default)
    {
        spec.Validate();
        if (!IsDockerAvailable(out string? reason))
            throw new DockerUnavailableException($"Docker is not available: {reason}");

        var sw = Stopwatch.StartNew();
        int[] ports = LocalClusterProvider.FreePortBlock(spec.NodeCount);
        var containers = new List<RedisContainer>();
        async ValueTask Teardown()
        {
            foreach (RedisContainer c in containers) await c.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(spec.StartTimeout);
            foreach (int port in ports)
            {
                RedisContainer c = new RedisBuilder(image)
                    .WithCreateParameterModifier(p => { p.HostConfig ??= new Docker.DotNet.Models.HostConfig(); p.HostConfig.NetworkMode = "host"; })
                    .WithEntrypoint("redis-server")
                    .WithCommand("--port", port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "no",
                        "--cluster-enabled", "yes", "--cluster-node-timeout", ((int)spec.NodeTimeout.TotalMilliseconds).ToString(),
                        "--cluster-announce-ip", "127.0.0.1", "--appendonly", "no", "--save", "", "--repl-diskless-sync-delay", "0")
                    .WithWaitStrategy(Wait.ForUnixContainer().UntilCommandIsCompleted("redis-cli", "-p", port.ToString(), "ping"))
                    .Build();
                containers.Add(c);
                await c.StartAsync(timeout.Token).ConfigureAwait(false);
            }

            var create = new List<string> { "redis-cli", "--cluster", "create" };
            create.AddRange(ports.Select(p => $"127.0.0.1:{p}"));
            create.AddRange(["--cluster-replicas", spec.ReplicasPerShard.ToString(), "--cluster-yes"]);
            var result = await containers[0].ExecAsync(create, timeout.Token).ConfigureAwait(false);
            if (result.ExitCode != 0)
                throw new ClusterProvisioningException($"redis-cli --cluster create failed in Docker (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");

            await ClusterReadiness.WaitForOkAsync(ports.Select(p => ("127.0.0.1", p)).ToList(), spec, timeout.Token).ConfigureAwait(false);
            log?.Invoke($"testcontainers cluster: {spec.Shards} shards × {1 + spec.ReplicasPerShard} nodes ({image}), ready in {sw.Elapsed.TotalSeconds:0.0}s");
            return new RunningCluster("testcontainers", ports.Select(p => (EndPoint)new IPEndPoint(IPAddress.Loopback, p)).ToList(), null, sw.Elapsed, Teardown);
        }
        catch
        {
            await Teardown().ConfigureAwait(false);
            throw;
        }
    }
}
