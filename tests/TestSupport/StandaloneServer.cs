using HashtagBench.Provisioning;

namespace HashtagBench.TestSupport;

/// <summary>
/// One redis-server in standalone mode (cluster support off), as a client pointed at the wrong endpoint would
/// find: the reference gateway's client, given one address, silently ran standalone. Started by the harness's own
/// <see cref="StandaloneRedis"/>; killed on dispose.
/// </summary>
public sealed class StandaloneServer : IAsyncDisposable
{
    private readonly StandaloneRedis _redis;

    private StandaloneServer(StandaloneRedis redis) => _redis = redis;

    public int Port => _redis.Port;
    public string Endpoint => _redis.Endpoint;

    public static async Task<StandaloneServer> StartAsync() => new(await StandaloneRedis.StartAsync());

    public ValueTask DisposeAsync() => _redis.DisposeAsync();
}
