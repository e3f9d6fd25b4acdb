using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Keys;
using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.Load.Rehearsal;

/// <summary>The wire forms the ceiling can send; each has one redis-benchmark argument list and one typed SE.Redis call.</summary>
internal enum CeilingForm { Enqueue, ZAdd, Expire, ZRank, ZRem, XRangeOne, XRangeAll, XDel }

/// <summary>
/// One command of the mix on the hot event's keys. <see cref="Args"/> is the command line both sides send, with
/// redis-benchmark's <c>__rand_int__</c> (a 12-digit number below <see cref="Keyspace"/>, drawn afresh per occurrence
/// and per call) where a member or a user varies; the harness draws the same numbers the same way.
/// </summary>
internal sealed record CeilingCommand(CeilingForm Form, KeyClass Key, string Label, IReadOnlyList<string> Args, long Keyspace, CeilingMixCommand Mix)
{
    /// <summary>INFO commandstats' name for it ("evalsha", "zrank", ...).</summary>
    public string StatName => Args[0].ToLowerInvariant();
}

/// <summary>The mix, the hot event and the seeded state (queue members and per-user streams) every run starts from.</summary>
/// <param name="Members">Users seeded in the hot event's queue ZSETs and streams: as many as the launch sends to that event.</param>
internal sealed record CeilingMix(string EventId, int Slot, string KeyPrefix, int Members, IReadOnlyList<CeilingCommand> Commands, double DroppedShare)
{
    public const string Rand = "__rand_int__";
    /// <summary>The ZSET score every queue member carries (a join's unix second; its value does not change the cost).</summary>
    public const string Score = "1764000000";
    /// <summary>Each seeded per-user stream holds one entry with this ID, so XRANGE id id, XRANGE - + and XDEL find it.</summary>
    public const string EntryId = "1-1";

    /// <summary>A seeded member, user or key digit string, as redis-benchmark writes __rand_int__.</summary>
    public static string Digits(long n) => n.ToString("D12", CultureInfo.InvariantCulture);
}

/// <summary>
/// Builds the launch-ceiling mix: the commands the model (<see cref="Traffic.Commands"/>) sends for each step, weighted
/// by the simulator's predicted request counts for the file, kept where every key carries the event's hash tag (those
/// are the hot shard's: an event's tagged keys all sit on its slot), on the launch's busiest event.
/// </summary>
internal static class LaunchCeilingMix
{
    /// <summary>A form under this share of the hot shard's modelled calls is left out: it would cost a run slice and move the mix by less than its share.</summary>
    public const double MinShare = 0.01;
    /// <summary>EVALSHA joins are fresh (new idempotency key and user each call), as every join of a launch is.</summary>
    public const long FreshKeyspace = 100_000_000;

    public static CeilingMix Build(Launch launch, WaitingRoomSchema schema, string keyPrefix, CancellationToken ct = default)
    {
        var sim = new LaunchSimulator(launch, ct: ct);
        LaunchStrategyResult predicted = sim.Run([schema]).Strategies[0];

        // Busiest event: the most visits (every visit's requests go to its event's keys).
        var visitsPerEvent = new int[launch.EventIds.Count];
        for (int v = 0; v < sim.Population.Visits; v++) visitsPerEvent[sim.Population.EventOf(v)]++;
        int hot = Array.IndexOf(visitsPerEvent, visitsPerEvent.Max());
        string evt = launch.EventIds[hot];

        // Requests per step and path, then each request's commands on the event's tagged keys.
        var calls = new Dictionary<(CeilingForm, KeyClass), (long Calls, SortedSet<Step> Steps)>();
        long hotShardCalls = 0;
        foreach (var group in predicted.Timeline.Requests.GroupBy(q => (q.Step, q.Outcome)))
        {
            long requests = group.LongCount();
            IReadOnlyList<RedisCommand> cmds = Traffic.Commands(group.Key.Step, schema, group.First().EnterPath);
            if (group.Key.Outcome == RequestOutcome.JoinCrossSlot) continue; // refused joins send nothing past a failed script
            foreach (RedisCommand c in cmds.Where(c => OnEventSlot(schema, c)))
            {
                hotShardCalls += requests;
                if (FormOf(group.Key.Step, c) is not CeilingForm form) continue;
                var key = (form, c.Key);
                var (n, steps) = calls.GetValueOrDefault(key, (0, new SortedSet<Step>()));
                steps.Add(group.Key.Step);
                calls[key] = (n + requests, steps);
            }
        }
        if (hotShardCalls == 0) throw new ArgumentException($"The launch sends no command to an event-tagged key under {schema.Name}: there is no hot shard mix to measure.");

        var kept = calls.Where(e => (double)e.Value.Calls / hotShardCalls >= MinShare).OrderByDescending(e => e.Value.Calls).ToList();
        long keptCalls = kept.Sum(e => e.Value.Calls);
        int members = Math.Clamp(visitsPerEvent[hot], 10, 100_000);
        var args = new KeyArgs(evt, "u" + CeilingMix.Rand, CeilingMix.Rand, "wt" + CeilingMix.Rand);
        var commands = kept.Select(e =>
        {
            var (form, keyClass) = e.Key;
            var mix = new CeilingMixCommand(Label(form, schema, keyClass), string.Join(' ', Args(form, keyClass, schema, args, keyPrefix)),
                string.Join(", ", e.Value.Steps), e.Value.Calls, (double)e.Value.Calls / keptCalls);
            return new CeilingCommand(form, keyClass, mix.Command, Args(form, keyClass, schema, args, keyPrefix),
                form == CeilingForm.Enqueue ? FreshKeyspace : members, mix);
        }).ToList();

        int slot = HashSlot.Of(evt);
        // Every key both sides will touch must be on the event's slot: redis-benchmark talks to one node and would get MOVED.
        foreach (CeilingCommand c in commands)
            foreach (string k in KeysOf(c))
                if (HashSlot.Of(k.Replace(CeilingMix.Rand, CeilingMix.Digits(0), StringComparison.Ordinal)) != slot)
                    throw new InvalidOperationException($"{k} is not on event {evt}'s slot {slot}.");
        return new CeilingMix(evt, slot, keyPrefix, members, commands, 1 - (double)keptCalls / hotShardCalls);
    }

    /// <summary>The keys a command's argument list holds (EVALSHA: its numkeys keys; the rest: the first argument).</summary>
    public static IEnumerable<string> KeysOf(CeilingCommand c) =>
        c.Form == CeilingForm.Enqueue ? c.Args.Skip(3).Take(int.Parse(c.Args[2], CultureInfo.InvariantCulture)) : [c.Args[1]];

    // Every key hashes the event alone (a tag holding only <E>): under `event` these all live on the event's slot.
    private static bool OnEventSlot(WaitingRoomSchema schema, RedisCommand c) =>
        c.Keys.All(k => schema.Template(k) is { Tagged: true, SlotDependsOn: SlotInputs.Event });

    // The join's background XRANGE reads the one entry it just wrote (id id); cleanup and leave walk the stream (- +).
    private static CeilingForm? FormOf(Step step, RedisCommand c) => c.Name switch
    {
        "EVALSHA" => CeilingForm.Enqueue,
        "ZADD" => CeilingForm.ZAdd,
        "EXPIRE" => CeilingForm.Expire,
        "ZRANK" => CeilingForm.ZRank,
        "ZREM" => CeilingForm.ZRem,
        "XRANGE" => step == Step.Join ? CeilingForm.XRangeOne : CeilingForm.XRangeAll,
        "XDEL" => CeilingForm.XDel,
        _ => null, // e.g. the seat-hold EVAL: not reproduced, counted in the dropped share
    };

    private static string Label(CeilingForm form, WaitingRoomSchema schema, KeyClass key) => form switch
    {
        CeilingForm.Enqueue => "EVALSHA enqueue",
        CeilingForm.XRangeOne => $"XRANGE {schema.Template(key).Text} id id",
        CeilingForm.XRangeAll => $"XRANGE {schema.Template(key).Text} - +",
        _ => $"{form.ToString().ToUpperInvariant()} {schema.Template(key).Text}",
    };

    private static List<string> Args(CeilingForm form, KeyClass keyClass, WaitingRoomSchema schema, KeyArgs a, string prefix)
    {
        string Key(KeyClass k) => schema.Key(k, a, prefix);
        string member = a.WaitingToken;
        return form switch
        {
            // As WaitingRoomClient sends the join: token, event, user, dedupe TTL.
            CeilingForm.Enqueue => ["EVALSHA", EnqueueScript.Sha1Hex, "2", Key(KeyClass.Dedupe), Key(KeyClass.Stream), member, a.EventId, a.UserId,
                ((long)new WaitingRoomOptions().DedupeTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            CeilingForm.ZAdd => ["ZADD", Key(keyClass), CeilingMix.Score, member],
            CeilingForm.Expire => ["EXPIRE", Key(keyClass), Traffic.QueueTtl.ToString(CultureInfo.InvariantCulture)],
            CeilingForm.ZRank => ["ZRANK", Key(keyClass), member],
            CeilingForm.ZRem => ["ZREM", Key(keyClass), member],
            CeilingForm.XRangeOne => ["XRANGE", Key(keyClass), CeilingMix.EntryId, CeilingMix.EntryId],
            CeilingForm.XRangeAll => ["XRANGE", Key(keyClass), "-", "+"],
            CeilingForm.XDel => ["XDEL", Key(keyClass), CeilingMix.EntryId],
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, null),
        };
    }
}
