using StackExchange.Redis;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>
/// Where <see cref="WaitingRoomClient"/> gets a connection for each round trip: one command, or one explicit
/// pipeline. A multiplexed client hands every call the same database (<see cref="SharedDatabase"/>); a pooled one,
/// as go-redis's pool does, leases a connection with nothing else in flight and takes it back when the answers are in.
/// </summary>
public interface IRedisLeases
{
    /// <summary>A database to send one round trip on; hand it back with <see cref="Return"/> once its answers are in.</summary>
    ValueTask<IDatabase> LeaseAsync();

    void Return(IDatabase db);
}

/// <summary>Every call on one database: the multiplexer pipelines whatever is in flight on its one connection per node.</summary>
internal sealed class SharedDatabase(IDatabase db) : IRedisLeases
{
    public ValueTask<IDatabase> LeaseAsync() => ValueTask.FromResult(db);

    public void Return(IDatabase leased) { }
}
