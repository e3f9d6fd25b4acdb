using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests.WaitingRoom;

/// <summary>One standalone redis-server per test class, with a client and a MONITOR on it: one node, so one global command order.</summary>
public sealed class StandaloneRedisFixture : IAsyncLifetime
{
    private StandaloneServer? _server;

    public ConnectionMultiplexer Mux { get; private set; } = null!;
    public MonitorCapture Monitor { get; private set; } = null!;
    public IDatabase Db => Mux.GetDatabase();
    public StandaloneServer Server => _server!;

    public async Task InitializeAsync()
    {
        _server = await StandaloneServer.StartAsync();
        Mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _server.Endpoint }, AllowAdmin = true });
        // The join sends EVALSHA; load the script once so no NOSCRIPT/EVAL retry shows up in the captures.
        await Mux.GetServer(_server.Endpoint).ExecuteAsync("SCRIPT", "LOAD", EnqueueScript.Source);
        Monitor = await MonitorCapture.StartAsync(_server.Port);
    }

    public async Task DisposeAsync()
    {
        if (Monitor is not null) await Monitor.DisposeAsync();
        if (Mux is not null) await Mux.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
    }
}
