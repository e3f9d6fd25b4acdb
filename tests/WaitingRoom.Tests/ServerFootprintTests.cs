namespace HashtagBench.WaitingRoom.Tests;

/// <summary>The footprint table's shape (its numbers are checked against real servers in tests/Enqueue.Tests).</summary>
public class ServerFootprintTests
{
    private static readonly EnterPath?[] Paths = [null, EnterPath.Front, EnterPath.Bucketed, EnterPath.NotReady, EnterPath.Throttled];

    [Fact]
    public void Every_command_of_every_step_path_and_schema_has_a_footprint_that_starts_with_itself()
    {
        foreach (WaitingRoomSchema schema in WaitingRoomSchema.All(buckets: 8))
            foreach (Step step in Enum.GetValues<Step>())
                foreach (EnterPath? path in Paths)
                    foreach (RedisCommand c in Traffic.Commands(step, schema, path))
                    {
                        CommandFootprint f = ServerFootprint.Of(c);
                        Assert.Equal(c.Name.ToLowerInvariant(), f.Served[0]);
                        // Reads propagate nothing; a script's effects are wrapped in MULTI/EXEC.
                        if (c.Read) Assert.Empty(f.Replicated);
                        if (c.Keys.Count > 1 || c.Name.StartsWith("EVAL", StringComparison.Ordinal))
                            Assert.Equal(["multi", "exec"], new[] { f.Replicated[0], f.Replicated[^1] });
                    }
    }

    [Fact]
    public void Replicas_see_relative_expiries_as_absolute_ones_and_no_op_trims_not_at_all()
    {
        Assert.Equal(["pexpireat"], ServerFootprint.Of(new RedisCommand("EXPIRE", KeyClass.Heartbeat, false, Phase.Handler, 300)).Replicated);
        Assert.Equal(["set"], ServerFootprint.Of(new RedisCommand("SET", KeyClass.Waiting, false, Phase.Handler, 1800)).Replicated);
        Assert.Empty(ServerFootprint.Of(new RedisCommand("ZREMRANGEBYSCORE", KeyClass.AdmissionMetrics, false, Phase.Handler)).Replicated);
        Assert.Contains("set", ServerFootprint.Of(new RedisCommand("EVALSHA", KeyClass.Stream, false, Phase.Handler)).Replicated); // SETEX inside the script
        Assert.Empty(ServerFootprint.Of(new RedisCommand("EVAL", KeyClass.SeatStatus, false, Phase.Handler), SeatHoldPath.Unavailable).Replicated);
    }

    [Fact]
    public void The_command_set_holds_nested_and_replicated_names_and_none_of_the_harness_traffic()
    {
        foreach (string name in new[] { "evalsha", "time", "hmget", "pexpireat", "multi", "exec", "zcount", "setex", "hset", "decr", "incr" })
            Assert.Contains(name, ServerFootprint.Commands);
        foreach (string name in new[] { "info", "ping", "cluster|nodes", "replconf", "select", "config|resetstat", "script|load" })
            Assert.DoesNotContain(name, ServerFootprint.Commands);
    }

    [Fact]
    public void A_script_without_a_measured_footprint_is_refused_not_guessed()
    {
        Assert.Throws<ArgumentException>(() => ServerFootprint.Of(new RedisCommand("EVAL", KeyClass.Waiting, false, Phase.Handler)));
        Assert.Throws<ArgumentException>(() => ServerFootprint.Of(new RedisCommand("LPUSH", KeyClass.Waiting, false, Phase.Handler)));
    }
}
