using HashtagBench.Keys;

namespace HashtagBench.WaitingRoom;

/// <summary>
/// One tag strategy applied to every key class of the waiting room: the join's two keys come from its
/// <see cref="KeyStrategy"/>, the rest from templates. Names: <c>legacy</c> (the incident: untagged dedupe and
/// <c>queue:event:&lt;E&gt;</c>), <c>event</c> (the reference today), <c>event-all</c> (the metrics and bucket keys
/// tagged too: one slot per event), <c>user</c>, <c>bucketed:N</c> (N queue and position ZSETs per event).
/// </summary>
public sealed class WaitingRoomSchema
{
    /// <summary>The reference gateway's keys; each schema overrides some of them.</summary>
    private static readonly Dictionary<KeyClass, string> Reference = new()
    {
        [KeyClass.RateLimit] = "ratelimit:ip:<IP>",
        [KeyClass.Idempotency] = "idempotency:<K>",
        [KeyClass.IdempotencyFingerprint] = "idempotency:<K>:fingerprint",
        [KeyClass.Waiting] = "queue:waiting:<WT>",
        [KeyClass.EventQueue] = "queue:event:{<E>}",
        [KeyClass.Heartbeat] = "heartbeat:<WT>",
        [KeyClass.PositionIndex] = "position_index:{<E>}",
        [KeyClass.AdmissionMetrics] = "metrics:admission:<E>",
        [KeyClass.AdmissionBucket] = "admission:bucket:<E>",
        [KeyClass.Reservation] = "queue:reservation:<RT>",
        [KeyClass.SeatStatus] = "seat:{<E>}:<SEAT>:status",
        [KeyClass.SeatHold] = "hold:{<E>}:<SEAT>",
        [KeyClass.Inventory] = "inventory:{<E>}",
    };

    private readonly Dictionary<KeyClass, KeyTemplate> _templates;

    private WaitingRoomSchema(string name, KeyStrategy join, IReadOnlyDictionary<KeyClass, string> overrides)
    {
        Name = name;
        Join = join;
        Buckets = join is BucketedStrategy b ? b.Buckets : 1;
        _templates = Reference.ToDictionary(e => e.Key, e => new KeyTemplate(overrides.GetValueOrDefault(e.Key, e.Value)));
        _templates[KeyClass.Dedupe] = FromLayout(join.DedupeLayout);
        _templates[KeyClass.Stream] = FromLayout(join.StreamLayout);
    }

    public static WaitingRoomSchema Legacy { get; } = new("legacy", KeyStrategy.Legacy, new Dictionary<KeyClass, string> { [KeyClass.EventQueue] = "queue:event:<E>" });
    public static WaitingRoomSchema Event { get; } = new("event", KeyStrategy.EventTag, new Dictionary<KeyClass, string>());
    public static WaitingRoomSchema EventAll { get; } = new("event-all", KeyStrategy.EventTag, new Dictionary<KeyClass, string>
    {
        [KeyClass.AdmissionMetrics] = "metrics:admission:{<E>}",
        [KeyClass.AdmissionBucket] = "admission:bucket:{<E>}",
    });
    // A queue is one ZSET per event: tagging it by user would split it per user, so under `user` only the join's keys move.
    public static WaitingRoomSchema User { get; } = new("user", KeyStrategy.UserTag, new Dictionary<KeyClass, string>());

    public static WaitingRoomSchema Bucketed(int buckets) => new($"bucketed:{buckets}", KeyStrategy.Bucketed(buckets), new Dictionary<KeyClass, string>
    {
        [KeyClass.EventQueue] = "queue:event:{<E>:<B>}",
        [KeyClass.PositionIndex] = "position_index:{<E>:<B>}",
    });

    /// <summary>legacy | event | event-all | user | bucketed:N (case-insensitive). The only place a name becomes a schema.</summary>
    public static WaitingRoomSchema Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s is "event-all" or "eventall") return EventAll;
        KeyStrategy join;
        try { join = KeyStrategy.Parse(s); }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"Unknown strategy '{text}'. Use legacy, event, event-all, user or bucketed:N.", ex);
        }
        return join switch
        {
            LegacyStrategy => Legacy,
            EventTagStrategy => Event,
            UserTagStrategy => User,
            BucketedStrategy b => Bucketed(b.Buckets),
            _ => throw new FormatException($"Unknown strategy '{text}'."),
        };
    }

    /// <summary>The five strategies the waiting-room issue compares, with <paramref name="buckets"/> for the bucketed one.</summary>
    public static IReadOnlyList<WaitingRoomSchema> All(int buckets = 8) => [Legacy, Event, EventAll, User, Bucketed(buckets)];

    public string Name { get; }

    /// <summary>The strategy of the enqueue script's two keys.</summary>
    public KeyStrategy Join { get; }

    /// <summary>How many queue/position ZSETs one event has (1 unless bucketed).</summary>
    public int Buckets { get; }

    public KeyTemplate Template(KeyClass keyClass) => _templates[keyClass];

    /// <summary>The user's own bucket (0 unless bucketed): the same function the join keys use.</summary>
    public int BucketOf(string userId) => Buckets == 1 ? 0 : KeyStrategy.BucketOf(userId, Buckets);

    /// <summary>
    /// The key of <paramref name="keyClass"/> for these inputs. <paramref name="bucket"/> overrides the user's own
    /// bucket (a bucketed position read counts the other buckets too). The prefix (a run ID) goes before the key,
    /// outside any hash tag, so it never moves a tagged key; it does move an untagged one.
    /// </summary>
    public string Key(KeyClass keyClass, KeyArgs args, string prefix = "", int? bucket = null)
    {
        if (prefix.Contains('{') || prefix.Contains('}')) throw new ArgumentException("A key prefix cannot hold braces: it would become the hash tag.", nameof(prefix));
        return _templates[keyClass].Format(args, bucket ?? BucketOf(args.UserId), prefix);
    }

    public override string ToString() => Name;

    // The join strategy's layout text, with the layout's part names turned into this template's placeholders.
    private static KeyTemplate FromLayout(KeyLayout layout) => new(string.Concat(layout.Parts.Select(p => p.Kind switch
    {
        KeyPartKind.Literal => p.Text,
        KeyPartKind.EventId => "<E>",
        KeyPartKind.UserId => "<U>",
        KeyPartKind.IdempotencyKey => "<K>",
        _ => "<B>",
    })));
}
