using System.Text.Json.Serialization;

namespace HashtagBench.WaitingRoom;

/// <summary>How the gateway's Redis client meets the servers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClientMode>))]
public enum ClientMode
{
    /// <summary>
    /// go-redis ClusterClient, as the reference gateway runs it: a pool per node in every pod, each connection carrying
    /// one command per round trip (an explicit pipeline is one round trip). The servers see many connections.
    /// </summary>
    Pooled,
    /// <summary>
    /// One multiplexed connection per node (StackExchange.Redis): whatever is in flight shares a round trip, so the
    /// servers see few connections and deep pipelines. Cheaper for the servers than the gateway is.
    /// </summary>
    Multiplexed,
}

/// <summary>
/// The gateway's client shape: how many connections each node carries and what one round trip holds. Defaults are
/// the reference gateway's (traffic-tacos/gateway-api internal/config/config.go: REDIS_POOL_SIZE 1000,
/// MIN_IDLE_CONNS 100; its deployment docs describe 108 pods).
/// </summary>
public sealed record ClientShape
{
    public const int ReferencePods = 108, ReferencePoolSize = 1000, ReferenceMinIdleConns = 100;

    public ClientMode Mode { get; set; } = ClientMode.Pooled;
    /// <summary>Gateway pods, each with its own client (and so its own pool per node).</summary>
    public int Pods { get; set; } = ReferencePods;
    /// <summary>Most connections one pod opens to one node (go-redis PoolSize).</summary>
    public int PoolSize { get; set; } = ReferencePoolSize;
    /// <summary>Connections one pod keeps open to each node even when idle (go-redis MinIdleConns).</summary>
    public int MinIdleConns { get; set; } = ReferenceMinIdleConns;

    /// <summary>The gateway as the reference runs it.</summary>
    public static ClientShape Reference => new();

    /// <summary>
    /// Connections one node holds open with <paramref name="pods"/> pods: the idle floor of every pod's pool (the
    /// busy ones above it are few: rate × latency), or one per pod when multiplexed.
    /// </summary>
    public int ConnectionsPerNode(int pods) => Mode == ClientMode.Multiplexed ? pods : pods * Math.Min(MinIdleConns, PoolSize);

    /// <summary>Pods at a scaled launch: the gateway scales out with its traffic, at least one pod.</summary>
    public int PodsAtScale(double scale) => Math.Max(1, (int)Math.Ceiling(Pods * scale - 1e-9));
}
