using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// What one join costs, read off src/Enqueue/Scripts/enqueue.lua: one EVALSHA over two keys (dedupe, stream),
/// which on first sight adds one stream entry and one dedupe key. A duplicate/retry is the same EVALSHA on the
/// same keys and stops at EXISTS: it costs a command and creates nothing.
/// </summary>
public static class JoinCost
{
    public const int CommandsPerAttempt = 1;
    public const int KeysPerAttempt = 2;
    public const int StreamEntriesPerJoin = 1;
    public const int DedupeKeysPerJoin = 1;
}

/// <summary>
/// Bytes of memory one join leaves on its shard. Defaults measured on redis-server 7.0.15 (jemalloc): 100,000
/// script joins with 16-char event IDs, 12-char user IDs and UUID idempotency keys grew used_memory by
/// 4,593 B per join. MEMORY USAGE gives 152 B for a dedupe key (SETEX, key name included), so the one-entry
/// stream key is the other ~4,441 B: a new stream preallocates a listpack near stream-node-max-bytes (4 KB)
/// however few entries it holds. Dedupe keys live for the dedupe TTL; the model assumes all are still alive.
/// </summary>
public sealed record MemoryModel(double StreamKeyBytes = 4441, double DedupeKeyBytes = 152)
{
    public double BytesPerJoin => StreamKeyBytes * JoinCost.StreamEntriesPerJoin + DedupeKeyBytes * JoinCost.DedupeKeysPerJoin;

    public void Validate()
    {
        SimInputException.Require(StreamKeyBytes >= 0 && DedupeKeyBytes >= 0 && double.IsFinite(BytesPerJoin), "memory", "Per-key memory sizes cannot be negative.");
    }
}

/// <summary>The traffic to simulate.</summary>
/// <param name="Events">Number of events selling at once.</param>
/// <param name="Popularity">How join attempts spread over the events.</param>
/// <param name="Users">Distinct users; each attempt comes from a uniformly chosen user.</param>
/// <param name="Rate">Join attempts per second over time (retries included).</param>
/// <param name="DuplicateRatio">Fraction of attempts that repeat an earlier join (client retries, double clicks): 0 ≤ r &lt; 1.</param>
public sealed record Workload(int Events, Popularity Popularity, int Users, RateProfile Rate, double DuplicateRatio = 0)
{
    public void Validate()
    {
        SimInputException.Require(Events >= 1, "events", $"The workload needs at least 1 event (got {Events}).");
        SimInputException.Require(Users >= 1, "users", $"The workload needs at least 1 user (got {Users}).");
        SimInputException.Require(Popularity is not null, "popularity", "The workload needs a popularity.");
        SimInputException.Require(Rate is not null, "rate", "The workload needs a join rate.");
        SimInputException.Require(DuplicateRatio >= 0 && DuplicateRatio < 1, "duplicates",
            $"The duplicate ratio is the fraction of attempts that are retries: 0 ≤ r < 1 (got {DuplicateRatio.ToString(CultureInfo.InvariantCulture)}).");
    }

    /// <summary>Joins that create keys: attempts minus duplicates.</summary>
    public double UniqueJoins => Rate.TotalAttempts * (1 - DuplicateRatio);

    public override string ToString() => FormattableString.Invariant(
        $"{Events:N0} event(s), {Popularity} popularity, {Users:N0} users, rate {Rate}, {DuplicateRatio:P0} duplicates");
}
