using HashtagBench.Keys;
namespace HashtagBench.Provisioning;

/// <summary>Which cluster to get. Auto: Testcontainers when a Docker daemon answers, else local redis-server processes.</summary>
public enum ProviderKind { Auto, Local, Testcontainers, External }

/// <summary>The shape of a cluster to start.</summary>
public sealed record ClusterSpec
{
    public int Shards { get; init; } = 3;
    public int ReplicasPerShard { get; init; } = 1;

    /// <summary>cluster-node-timeout. A few seconds, so a replica is promoted within a short failover run.</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long start-up may take before it is abandoned (and everything started is torn down).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int NodeCount => Shards * (1 + ReplicasPerShard);

    public void Validate()
    {
        // redis-cli --cluster create refuses fewer than 3 primaries.
        if (Shards < 3) throw new ArgumentOutOfRangeException(nameof(Shards), Shards, "A Redis Cluster needs at least 3 shards (primaries).");
        if (Shards > 64) throw new ArgumentOutOfRangeException(nameof(Shards), Shards, "At most 64 shards are started locally.");
        if (ReplicasPerShard is < 0 or > 4) throw new ArgumentOutOfRangeException(nameof(ReplicasPerShard), ReplicasPerShard, "Replicas per shard must be 0..4.");
        if (NodeTimeout < TimeSpan.FromMilliseconds(500)) throw new ArgumentOutOfRangeException(nameof(NodeTimeout), NodeTimeout, "cluster-node-timeout below 500 ms makes failover flap.");
    }
}

/// <summary>An existing cluster to attach to, e.g. an ElastiCache configuration endpoint.</summary>
/// <param name="Endpoints">host:port[,host:port...], or any StackExchange.Redis configuration string.</param>
public sealed record ExternalEndpoint(string Endpoints, bool Tls = false, string? User = null, string? Password = null)
{
    public override string ToString() => $"{Endpoints}{(Tls ? " (TLS)" : "")}{(User is null ? "" : $" as {User}")}";
}

/// <summary>No way to get a cluster here: neither a Docker daemon nor redis-server/redis-cli.</summary>
public sealed class ClusterProvisioningException(string message, Exception? inner = null) : Exception(message, inner);
