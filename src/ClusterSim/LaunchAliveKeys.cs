using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>
/// Keys and ZSET/stream entries alive per shard and second, from each key's life: created by its first command,
/// gone at its DEL/ZREM/XDEL or TTL (the TTLs of <see cref="Traffic"/>). Position-index members are never removed
/// and anonymous users' entries in the shared stream are never trimmed: both only grow during a launch.
/// </summary>
internal sealed class AliveKeys(LaunchSimulator sim, LaunchStrategyResult r, LaunchSimulator.SlotResolver slots)
{
    private const int DedupeTtl = 3600; // EnqueueOptions.DedupeTtl, the enqueue script's SETEX
    private readonly int _shards = r.Topology.ShardCount;
    private readonly long[] _keys = new long[(r.Seconds + 1) * r.Topology.ShardCount];
    private readonly double[] _bytes = new double[(r.Seconds + 1) * r.Topology.ShardCount];

    public void Count(CancellationToken ct)
    {
        LaunchPopulation pop = sim.Population;
        WaitingRoomSchema schema = r.Schema;
        LaunchMemoryModel m = sim.Memory;
        var firstPerEventKey = new HashSet<(KeyClass, int)>();
        long anonymousEntries = 0;

        long n = 0;
        foreach (VisitOutcome v in r.Timeline.Visits)
        {
            HostLimits.Check(n++, ct);
            if (v.JoinedAt is not double join) continue;
            int own = slots.OwnBucket(v.Visit);
            int Shard(KeyClass c) => r.Topology.ShardOf(slots.Slot(c, v.Visit, 0, own));
            bool entered = v.Ended == VisitEnd.Enter;

            Add(Shard(KeyClass.Waiting), join, entered ? v.End + Traffic.WaitingTtl : v.End, m.WaitingKeyBytes);
            Add(Shard(KeyClass.Heartbeat), join, v.Ended == VisitEnd.Expire ? v.LastRefresh + Traffic.HeartbeatTtl : v.End, m.StringKeyBytes);
            Add(Shard(KeyClass.Dedupe), join, join + DedupeTtl, m.DedupeKeyBytes);
            Add(Shard(KeyClass.EventQueue), join, v.End, m.ZsetMemberBytes);
            Add(Shard(KeyClass.PositionIndex), join, double.PositiveInfinity, m.ZsetMemberBytes);
            // Per-event keys (the ZSETs themselves, a shared stream, the bucket) are counted once, from their first use.
            PerEventKey(KeyClass.EventQueue, own, join, m.HashKeyBytes);
            PerEventKey(KeyClass.PositionIndex, own, join, m.HashKeyBytes);
            if (pop.IsAnonymous(pop.UserOf(v.Visit)))
            {
                PerEventKey(KeyClass.Stream, own, join, m.StreamKeyBytes);
                bool removed = v.Ended is VisitEnd.Leave or VisitEnd.Expire; // XDEL of the user's own entry
                Add(Shard(KeyClass.Stream), join, removed ? v.End : double.PositiveInfinity, m.StreamEntryBytes);
                if (!removed) anonymousEntries++;
            }
            else Add(Shard(KeyClass.Stream), join, double.PositiveInfinity, m.StreamKeyBytes); // XDEL leaves the empty key
            if (entered)
            {
                Add(Shard(KeyClass.Reservation), v.End, v.End + Traffic.ReservationTtl, m.StringKeyBytes);
                Add(Shard(KeyClass.AdmissionMetrics), v.End, v.End + Traffic.MetricsRetentionSeconds, m.ZsetMemberBytes);
                PerEventKey(KeyClass.AdmissionMetrics, own, v.End, m.HashKeyBytes);
                if (v.GrantPath == RequestOutcome.EnterBucketed) PerEventKey(KeyClass.AdmissionBucket, own, v.End, m.HashKeyBytes);
            }

            void PerEventKey(KeyClass c, int bucket, double from, double bytes)
            {
                if (firstPerEventKey.Add((c, pop.EventOf(v.Visit) * schema.Buckets + bucket))) Add(Shard(c), from, double.PositiveInfinity, bytes);
            }
        }

        // Per-request keys: the idempotency pair of each POST; the rate-limit hash of each client IP.
        var ipFirst = new double[pop.ClientIpCount];
        var ipLast = new double[pop.ClientIpCount];
        Array.Fill(ipFirst, double.NaN);
        foreach (LaunchRequest q in r.Timeline.Requests)
        {
            HostLimits.Check(n++, ct);
            int ip = pop.ClientIpOf(pop.UserOf(q.Visit));
            if (double.IsNaN(ipFirst[ip])) ipFirst[ip] = q.Time;
            ipLast[ip] = q.Time;
            if (!Traffic.IsPost(q.Step)) continue;
            int own = slots.OwnBucket(q.Visit);
            Add(r.Topology.ShardOf(slots.Slot(KeyClass.IdempotencyFingerprint, q.Visit, q.Ordinal, own)), q.Time, q.Time + Traffic.IdempotencyTtl, m.StringKeyBytes);
            bool answered2xx = q.Outcome is not (RequestOutcome.JoinCrossSlot or RequestOutcome.EnterThrottled);
            if (answered2xx) Add(r.Topology.ShardOf(slots.Slot(KeyClass.Idempotency, q.Visit, q.Ordinal, own)), q.Time, q.Time + Traffic.IdempotencyTtl, m.StringKeyBytes);
        }
        // One visit per IP is enough to place its hash: the key holds the IP alone.
        var placed = new bool[pop.ClientIpCount];
        for (int visit = 0; visit < pop.Visits; visit++)
        {
            HostLimits.Check(visit, ct);
            int ip = pop.ClientIpOf(pop.UserOf(visit));
            if (placed[ip] || double.IsNaN(ipFirst[ip])) continue;
            placed[ip] = true;
            int slot = slots.Slot(KeyClass.RateLimit, visit, 0, slots.OwnBucket(visit));
            Add(r.Topology.ShardOf(slot), ipFirst[ip], ipLast[ip] + Traffic.RateLimitTtl, m.HashKeyBytes);
        }

        for (int j = 0; j < _shards; j++)
        {
            long keys = 0;
            double bytes = 0;
            for (int t = 0; t < r.Seconds; t++)
            {
                keys += _keys[t * _shards + j];
                bytes += _bytes[t * _shards + j];
                r.KeysAlive[t * _shards + j] = keys;
                r.BytesAlive[t * _shards + j] = bytes;
            }
        }
        r.AnonymousStreamEntries = anonymousEntries;
    }

    // Alive during [from, to): counted at the end of each second it covers. Past the last second it stays alive.
    private void Add(int shard, double from, double to, double bytes)
    {
        int a = (int)from;
        int b = to >= r.Seconds ? r.Seconds : (int)to;
        if (b <= a) return;
        _keys[a * _shards + shard]++;
        _keys[b * _shards + shard]--;
        _bytes[a * _shards + shard] += bytes;
        _bytes[b * _shards + shard] -= bytes;
    }
}
