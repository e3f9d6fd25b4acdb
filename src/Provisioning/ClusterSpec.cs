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
/// <param name="Endpoints">host:port[,host:port...] only: credentials travel in the other members, never in this string.</param>
/// <param name="CaFile">PEM file of a private CA the server certificate chains to (self-hosted Redis, Redis Enterprise).</param>
public sealed record ExternalEndpoint(string Endpoints, bool Tls = false, string? User = null, string? Password = null, string? CaFile = null)
{
    /// <summary>Safe to print: endpoints, TLS and user, never the password.</summary>
    public override string ToString() => $"{Endpoints}{(Tls ? " (TLS)" : "")}{(User is null ? "" : $" as {User}")}";

    // How a child process (a benchmark host) is pointed at the parent's cluster: through its environment, so the
    // password never appears on a command line. Written and read only here.
    public const string EndpointVariable = "HASHTAG_BENCH_CLUSTER", TlsVariable = "HASHTAG_BENCH_TLS", UserVariable = "HASHTAG_BENCH_USER",
        CaVariable = "HASHTAG_BENCH_TLS_CA", PasswordVariable = "REDIS_PASSWORD";

    /// <summary>The variables that hand this endpoint to a child process.</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment()
    {
        var env = new Dictionary<string, string> { [EndpointVariable] = Endpoints };
        if (Tls) env[TlsVariable] = "1";
        if (User is not null) env[UserVariable] = User;
        if (CaFile is not null) env[CaVariable] = CaFile;
        if (Password is not null) env[PasswordVariable] = Password;
        return env;
    }

    /// <summary>The endpoint a parent handed down with <see cref="ToEnvironment"/>; null when there is none.</summary>
    public static ExternalEndpoint? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoints
            ? new ExternalEndpoint(endpoints, Environment.GetEnvironmentVariable(TlsVariable) == "1", Environment.GetEnvironmentVariable(UserVariable),
                Environment.GetEnvironmentVariable(PasswordVariable), Environment.GetEnvironmentVariable(CaVariable))
            : null;
}

/// <summary>No way to get a cluster here: neither a Docker daemon nor redis-server/redis-cli.</summary>
public sealed class ClusterProvisioningException(string message, Exception? inner = null) : Exception(message, inner);
