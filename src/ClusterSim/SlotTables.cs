using HashtagBench.Keys;
using System.Collections.Concurrent;

namespace HashtagBench.ClusterSim;

/// <summary>
/// The simulated user population: a deterministic sample of at most <see cref="SimOptions.MaxUserSample"/>
/// random-looking user IDs. With more users than that, each sampled user stands for several real ones: every
/// slot still gets ~64 users per 2^20 sample, so per-shard user-tag shares keep a spread of about 0.1% at
/// 3 shards instead of a smaller one; far below the event-tag effects the simulator is for.
/// </summary>
internal sealed class UserSample
{
    private readonly ulong _seed;
    private readonly Lazy<string[]> _ids;
    // Lazy values: GetOrAdd may run a factory twice under a race, Lazy makes the hashing happen once.
    private readonly ConcurrentDictionary<KeyStrategy, Lazy<ushort[]>> _slots = new();
    private readonly ConcurrentDictionary<int, Lazy<Buckets>> _buckets = new();

    public UserSample(int count, ulong seed)
    {
        Count = count;
        _seed = seed;
        _ids = new Lazy<string[]>(() =>
        {
            var ids = new string[Count];
            Parallel.For(0, Count, i => ids[i] = IdOf(i));
            return ids;
        });
    }

    public int Count { get; }

    /// <summary>User 0's ID, without generating the whole sample (event-tagged strategies need just one user).</summary>
    public string FirstId => IdOf(0);

    /// <summary>The sampled user IDs, generated once (each bucket count and the user tag re-read them).</summary>
    public string[] Ids => _ids.Value;

    private string IdOf(int i) => IdGen.Of("user-", SplitMix64.Mix(_seed, (ulong)i));

    /// <summary>Slot of each user's tag under a strategy whose tag ignores the event (user tag).</summary>
    public ushort[] Slots(KeyStrategy strategy) => _slots.GetOrAdd(strategy, s => new Lazy<ushort[]>(() =>
    {
        string[] ids = Ids;
        var slots = new ushort[Count];
        Parallel.For(0, Count, i => slots[i] = (ushort)HashSlot.Of(s.Tag("evt", ids[i])));
        return slots;
    })).Value;

    /// <summary>Each user's bucket (<see cref="KeyStrategy.BucketOf"/>), one user per bucket to build tags with, and bucket sizes.</summary>
    public Buckets BucketsFor(int n) => _buckets.GetOrAdd(n, _ => new Lazy<Buckets>(() =>
    {
        string[] ids = Ids;
        var of = new ushort[Count];
        var representative = new string?[n];
        var fraction = new double[n];
        for (int i = 0; i < Count; i++)
        {
            int b = KeyStrategy.BucketOf(ids[i], n);
            of[i] = (ushort)b;
            representative[b] ??= ids[i];
            fraction[b] += 1.0 / Count;
        }
        return new Buckets(of, representative, fraction);
    })).Value;

    public sealed record Buckets(ushort[] Of, string?[] Representative, double[] Fraction);
}

/// <summary>
/// One seed's slot lookup for one <see cref="SlotShape"/>: the slot of every distinct tag, hashed once, so a join
/// costs a table lookup. Counts sampled joins or adds up expected load.
/// </summary>
internal abstract class SlotTable
{
    public abstract bool NeedsUsers { get; }

    /// <summary>Adds one per join: <paramref name="events"/>[i] and <paramref name="users"/>[i] are join i's indices.</summary>
    public abstract void Count(ReadOnlySpan<int> events, ReadOnlySpan<int> users, long[] slotCounts);

    /// <summary>Adds each slot's expected share of joins, given event weights and uniformly chosen users.</summary>
    public abstract void AddExpected(ReadOnlySpan<double> eventWeights, double[] slotLoads);

    /// <param name="ct">Stops hashing the event tags (up to tens of millions of them).</param>
    public static SlotTable Create(SlotShape shape, KeyStrategy strategy, string[] eventIds, UserSample users, CancellationToken ct = default) => shape switch
    {
        SlotShape.ByEvent => new EventTable(strategy, eventIds, users.FirstId, ct),
        SlotShape.ByUser => new UserTable(users.Slots(strategy)),
        SlotShape.ByEventBucket b => new BucketTable(strategy, eventIds, users.BucketsFor(b.Buckets), ct),
        _ => throw new InvalidOperationException($"Unknown shape {shape}."),
    };

    private sealed class EventTable : SlotTable
    {
        private readonly int[] _slot;

        public EventTable(KeyStrategy strategy, string[] eventIds, string anyUser, CancellationToken ct)
        {
            _slot = new int[eventIds.Length];
            for (int e = 0; e < eventIds.Length; e++)
            {
                HostLimits.Check(e, ct);
                _slot[e] = HashSlot.Of(strategy.Tag(eventIds[e], anyUser));
            }
        }

        public override bool NeedsUsers => false;

        public override void Count(ReadOnlySpan<int> events, ReadOnlySpan<int> users, long[] slotCounts)
        {
            foreach (int e in events) slotCounts[_slot[e]]++;
        }

        public override void AddExpected(ReadOnlySpan<double> eventWeights, double[] slotLoads)
        {
            for (int e = 0; e < _slot.Length; e++) slotLoads[_slot[e]] += eventWeights[e];
        }
    }

    private sealed class UserTable(ushort[] slotOfUser) : SlotTable
    {
        public override bool NeedsUsers => true;

        public override void Count(ReadOnlySpan<int> events, ReadOnlySpan<int> users, long[] slotCounts)
        {
            foreach (int u in users) slotCounts[slotOfUser[u]]++;
        }

        public override void AddExpected(ReadOnlySpan<double> eventWeights, double[] slotLoads)
        {
            double each = 1.0 / slotOfUser.Length;
            foreach (ushort s in slotOfUser) slotLoads[s] += each;
        }
    }

    private sealed class BucketTable : SlotTable
    {
        private readonly int _n;
        private readonly ushort[] _slot; // [event * n + bucket]
        private readonly UserSample.Buckets _buckets;

        public BucketTable(KeyStrategy strategy, string[] eventIds, UserSample.Buckets buckets, CancellationToken ct)
        {
            _buckets = buckets;
            _n = buckets.Representative.Length;
            _slot = new ushort[eventIds.Length * _n];
            for (int e = 0; e < eventIds.Length; e++)
            {
                ct.ThrowIfCancellationRequested(); // once per event: n hashes apart
                for (int b = 0; b < _n; b++)
                    // A bucket no sampled user falls in never receives a join; its slot is never read.
                    if (buckets.Representative[b] is { } user)
                        _slot[e * _n + b] = (ushort)HashSlot.Of(strategy.Tag(eventIds[e], user));
            }
        }

        public override bool NeedsUsers => true;

        public override void Count(ReadOnlySpan<int> events, ReadOnlySpan<int> users, long[] slotCounts)
        {
            ushort[] bucketOf = _buckets.Of;
            for (int i = 0; i < events.Length; i++) slotCounts[_slot[events[i] * _n + bucketOf[users[i]]]]++;
        }

        public override void AddExpected(ReadOnlySpan<double> eventWeights, double[] slotLoads)
        {
            double[] fraction = _buckets.Fraction;
            for (int e = 0; e < eventWeights.Length; e++)
                for (int b = 0; b < _n; b++)
                    slotLoads[_slot[e * _n + b]] += eventWeights[e] * fraction[b];
        }
    }
}
