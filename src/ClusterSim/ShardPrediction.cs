using HashtagBench.Keys;

namespace HashtagBench.ClusterSim;

/// <summary>Predicted per-shard shares for concrete joins: what a load run should measure per primary.</summary>
public static class ShardPrediction
{
    /// <summary>
    /// Per-shard fraction of the joins' commands: each join is one EVALSHA, served by the shard owning its stream
    /// key's slot. A strategy that does not co-locate its keys (Legacy) fails every join on a real cluster
    /// (<see cref="Fails"/>); its shares still say where the stream keys would land.
    /// </summary>
    public static double[] PredictShares(KeyStrategy strategy, IReadOnlyList<(string EventId, string UserId)> joins, Topology topology)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(topology);
        SimInputException.Require(joins is { Count: > 0 }, "joins", "Predicting shares needs at least one join.");
        var counts = new long[topology.ShardCount];
        foreach (var (eventId, userId) in joins)
        {
            KeyInput.Validate(eventId, "eventId");
            KeyInput.Validate(userId, "userId");
            counts[topology.ShardOf(HashSlot.Of(strategy.Tag(eventId, userId)))]++;
        }
        return counts.Select(c => c / (double)joins.Count).ToArray();
    }

    /// <summary>True when the strategy's two keys need not share a slot: Redis Cluster answers CROSSSLOT.</summary>
    public static bool Fails(KeyStrategy strategy) => !strategy.CoLocated;

    /// <summary>
    /// Fraction of joins refused with CROSSSLOT. For Legacy the untagged dedupe key hashes to a slot independent of
    /// the stream key's, so only 1 join in 16384 happens to co-locate: in effect every join fails.
    /// </summary>
    public static double CrossSlotFailureRate(KeyStrategy strategy) => strategy.CoLocated ? 0 : 1 - 1.0 / HashSlot.SlotCount;
}
