namespace HashtagBench.WaitingRoom;

/// <summary>
/// What the servers count in INFO commandstats for one model command (<see cref="Traffic.Commands"/>).
/// <see cref="Served"/>: on the node that runs it (the primary, or the replica serving a read), the command and
/// every redis.call its script makes on the path taken. <see cref="Replicated"/>: on each replica of the shard,
/// the effects its primary propagates after a write. Names are as commandstats prints them (lower case).
/// </summary>
public sealed record CommandFootprint(IReadOnlyList<string> Served, IReadOnlyList<string> Replicated)
{
    public static CommandFootprint None { get; } = new([], []);
}

/// <summary>Which branch the seat-hold script takes. The client never stocks <c>inventory:{E}</c>, so every hold is sold out.</summary>
public enum SeatHoldPath { SoldOut, Held, Unavailable }

/// <summary>
/// The server-side count of every model command, as measured on redis-server 7.0 (a 3-shard / 6-node cluster,
/// CONFIG RESETSTAT, one request of each step and path through WaitingRoomClient, INFO commandstats on every node:
/// tests/Enqueue.Tests ServerFootprintClusterTests asserts this table). What Redis 7 does on the way:
/// <list type="bullet">
/// <item>a script counts its EVAL/EVALSHA plus each redis.call on the primary (TIME and reads included);</item>
/// <item>its writes reach replicas as effects, wrapped in MULTI/EXEC when there are two or more;</item>
/// <item>EXPIRE reaches replicas as PEXPIREAT; SET EX and SETEX as SET (with PXAT); XADD * as XADD with the ID;</item>
/// <item>a write that changes nothing is not propagated: ZREMRANGEBYSCORE on the admission metrics removes nothing
/// within their hour of retention, so it never reaches a replica;</item>
/// <item>reads propagate nothing; with replica reads they are counted on the replica that served them.</item>
/// </list>
/// Assumes the model's paths: keys a DEL/ZREM/XDEL/EXPIRE touches exist (the heartbeat, the queue member, the
/// stream entry), and the enqueue script's SHA is cached (the first EVALSHA per primary after a restart or SCRIPT
/// FLUSH answers NOSCRIPT, still counted as an evalsha call, and the client's fallback adds a SCRIPT LOAD and one
/// EVAL: one extra eval per cold primary, not modelled).
/// </summary>
public static class ServerFootprint
{
    private const string Multi = "multi", Exec = "exec";

    // Scripts, by the model's (name, key class). Each redis.call in order of the script's normal path.
    private static readonly Dictionary<(string, KeyClass), CommandFootprint> Scripts = new()
    {
        // rate_limit.lua: HMGET, TIME, HMSET, EXPIRE (a refusal writes the same).
        [("EVAL", KeyClass.RateLimit)] = new(["eval", "hmget", "time", "hmset", "expire"], [Multi, "hmset", "pexpireat", Exec]),
        // enqueue.lua, a new entry: EXISTS, TIME, XADD *, SETEX.
        [("EVALSHA", KeyClass.Stream)] = new(["evalsha", "exists", "time", "xadd", "setex"], [Multi, "xadd", "set", Exec]),
        // admission_bucket.lua (granted or not, it writes the bucket): HMGET, HMSET, EXPIRE.
        [("EVAL", KeyClass.AdmissionBucket)] = new(["eval", "hmget", "hmset", "expire"], [Multi, "hmset", "pexpireat", Exec]),
    };

    private static readonly Dictionary<SeatHoldPath, CommandFootprint> SeatHold = new()
    {
        // hold_seat.lua: HGET, DECR below zero, INCR back.
        [SeatHoldPath.SoldOut] = new(["eval", "hget", "decr", "incr"], [Multi, "decr", "incr", Exec]),
        // HGET, DECR, HSET, SETEX.
        [SeatHoldPath.Held] = new(["eval", "hget", "decr", "hset", "setex"], [Multi, "decr", "hset", "set", Exec]),
        // HGET only: nothing to propagate.
        [SeatHoldPath.Unavailable] = new(["eval", "hget"], []),
    };

    // Plain writes: how each reaches a replica. Reads (the rest) propagate nothing.
    private static readonly Dictionary<string, string[]> Propagated = new(StringComparer.Ordinal)
    {
        ["SET"] = ["set"],
        ["EXPIRE"] = ["pexpireat"],
        ["ZADD"] = ["zadd"],
        ["ZREM"] = ["zrem"],
        ["DEL"] = ["del"],
        ["XDEL"] = ["xdel"],
        ["ZREMRANGEBYSCORE"] = [],
    };

    /// <summary>The footprint of <paramref name="command"/>; a script the cluster refused (CROSSSLOT) never reaches a server.</summary>
    public static CommandFootprint Of(RedisCommand command, SeatHoldPath seatHold = SeatHoldPath.SoldOut)
    {
        if (command is { Name: "EVAL", Key: KeyClass.SeatStatus }) return SeatHold[seatHold];
        if (Scripts.TryGetValue((command.Name, command.Key), out CommandFootprint? script)) return script;
        if (command.Name is "EVAL" or "EVALSHA")
            throw new ArgumentException($"No measured footprint for the script {command.Name} on {command.Key}.", nameof(command));
        string name = command.Name.ToLowerInvariant();
        if (command.Read) return new([name], []);
        return Propagated.TryGetValue(command.Name, out string[]? replica)
            ? new([name], replica)
            : throw new ArgumentException($"No measured footprint for the write {command.Name}.", nameof(command));
    }

    /// <summary>Every command name a footprint can hold: the rest of what a server counts is not the waiting room's traffic.</summary>
    public static IReadOnlySet<string> Commands { get; } = AllCommands();

    // The union over every step and path of every schema (bucketed for its fan-out), so the list cannot drift from the model.
    private static HashSet<string> AllCommands()
    {
        EnterPath?[] paths = [null, EnterPath.Front, EnterPath.Bucketed, EnterPath.NotReady, EnterPath.Throttled];
        return new HashSet<string>(
            from schema in WaitingRoomSchema.All(buckets: 2)
            from step in Enum.GetValues<Step>()
            from path in paths
            from command in Traffic.Commands(step, schema, path)
            from hold in Enum.GetValues<SeatHoldPath>()
            let f = Of(command, hold)
            from name in f.Served.Concat(f.Replicated)
            select name, StringComparer.Ordinal);
    }
}
