using System.Text.Json;
using System.Text.Json.Serialization;
using static HashtagBench.Keys.P;

namespace HashtagBench.Keys;

/// <summary>The two keys one join touches. The Lua script takes them as KEYS[1] and KEYS[2].</summary>
public readonly record struct JoinKeys(string DedupeKey, string StreamKey)
{
    public string[] ToArray() => [DedupeKey, StreamKey];
}

/// <summary>What the slot of a strategy's stream key depends on (the inputs inside its hash tag).</summary>
public enum TagSource
{
    /// <summary>The event ID alone: one event lives on one slot.</summary>
    Event,
    /// <summary>The user ID alone, whatever the event.</summary>
    User,
    /// <summary>The event ID and the user's bucket: one event spread over n slots.</summary>
    EventBucket,
}

/// <summary>
/// A hash-tag strategy: how a join's IDs become its dedupe and stream keys. Each strategy trades co-location
/// (what one atomic script may touch) against spread (how evenly load lands on shards). The variants are the
/// sealed records below; each declares its two <see cref="KeyLayout"/>s once, and everything else (string keys,
/// UTF-8 keys, hash tag, co-location, <see cref="TagSource"/>) is read off those layouts.
/// </summary>
[JsonConverter(typeof(KeyStrategyJsonConverter))]
public abstract record KeyStrategy
{
    /// <summary>The incident's keys: untagged dedupe key, event-tagged stream key. Spans slots: CROSSSLOT on a cluster.</summary>
    public static KeyStrategy Legacy { get; } = new LegacyStrategy();
    /// <summary>Both keys tagged by event: co-located, but one event lives on one shard.</summary>
    public static KeyStrategy EventTag { get; } = new EventTagStrategy();
    /// <summary>Both keys tagged by user: spreads load, but an event's keys are spread too.</summary>
    public static KeyStrategy UserTag { get; } = new UserTagStrategy();
    /// <summary>Tag by event and a user-derived bucket: one event spread over n slots.</summary>
    public static BucketedStrategy Bucketed(int buckets) => new(buckets);

    // Only this assembly's variants derive from here: every strategy has layouts the writers and the simulator know.
    private protected KeyStrategy(KeyLayout dedupeLayout, KeyLayout streamLayout)
    {
        DedupeLayout = dedupeLayout;
        StreamLayout = streamLayout;
        KeyLayout tag = streamLayout.HashTag ?? throw new ArgumentException("The stream key needs a hash tag.", nameof(streamLayout));
        if (tag.Uses(KeyPartKind.IdempotencyKey)) throw new ArgumentException("A stream key's tag cannot hold the idempotency key.", nameof(streamLayout));
        TagSource = tag.Uses(KeyPartKind.Bucket) ? TagSource.EventBucket
            : tag.Uses(KeyPartKind.EventId) ? TagSource.Event
            : tag.Uses(KeyPartKind.UserId) ? TagSource.User
            : throw new ArgumentException($"The stream key's tag '{tag}' holds no ID.", nameof(streamLayout));
        // Same tag parts, same tag text, same slot; a dedupe key without a tag is hashed whole (the incident).
        CoLocated = dedupeLayout.HashTag is { } dedupeTag && dedupeTag.Equals(tag);
    }

    /// <summary>Short stable name used on the command line and in reports (legacy, event, user, bucketed:N).</summary>
    public abstract string Name { get; }

    /// <summary>KEYS[1]: the dedupe key's parts.</summary>
    public KeyLayout DedupeLayout { get; }

    /// <summary>KEYS[2]: the stream key's parts.</summary>
    public KeyLayout StreamLayout { get; }

    /// <summary>True when the two keys of one join share a slot on every input (their hash tags are the same parts).</summary>
    public bool CoLocated { get; }

    /// <summary>What the stream key's slot depends on.</summary>
    public TagSource TagSource { get; }

    /// <summary>Builds the keys after validating every ID; throws <see cref="InvalidKeyInputException"/>.</summary>
    public JoinKeys Keys(string eventId, string userId, string idempotencyKey)
    {
        KeyInput.Validate(eventId, nameof(eventId));
        KeyInput.Validate(userId, nameof(userId));
        KeyInput.Validate(idempotencyKey, nameof(idempotencyKey));
        int bucket = StreamLayout.BucketOf(userId);
        return new(DedupeLayout.Format(eventId, userId, idempotencyKey, bucket), StreamLayout.Format(eventId, userId, idempotencyKey, bucket));
    }

    /// <summary>The hash tag (without braces) the stream key of this event/user lands on. Used by the simulator.</summary>
    public string Tag(string eventId, string userId) => StreamLayout.HashTag!.Format(eventId, userId);

    public sealed override string ToString() => Name;

    /// <summary>
    /// The slots one event's stream keys occupy: one for a tag by event, every bucket's slot (bucket order) for bucketed,
    /// null when the slot depends on the user rather than the event.
    /// </summary>
    public IReadOnlyList<int>? EventSlots(string eventId)
    {
        KeyInput.Validate(eventId, nameof(eventId));
        KeyLayout tag = StreamLayout.HashTag!;
        return TagSource switch
        {
            TagSource.Event => [HashSlot.Of(tag.Format(eventId, ""))],
            TagSource.EventBucket => Enumerable.Range(0, tag.Buckets).Select(b => HashSlot.Of(tag.Format(eventId, "", "", b))).ToList(),
            _ => null,
        };
    }


    /// <summary>Parses legacy | event | user | bucketed:N (case-insensitive). The only place a name becomes a strategy.</summary>
    public static KeyStrategy Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        switch (s)
        {
            case "legacy" or "none" or "notag": return Legacy;
            case "event" or "eventtag": return EventTag;
            case "user" or "usertag": return UserTag;
        }
        if (s.StartsWith("bucketed:", StringComparison.Ordinal) || s.StartsWith("bucketed(", StringComparison.Ordinal))
        {
            string n = s[9..].TrimEnd(')');
            if (int.TryParse(n, out int buckets)) return Bucketed(buckets);
        }
        throw new FormatException($"Unknown strategy '{text}'. Use legacy, event, user or bucketed:N.");
    }

    /// <summary>
    /// Stable bucket of a user: a hash of the user ID mod n. The same user always lands in the same bucket, so a
    /// retry finds its dedupe key. (Not string.GetHashCode: that is randomised per process.)
    /// </summary>
    public static int BucketOf(string userId, int buckets) => (int)((uint)HashOfId(userId) % (uint)buckets);

    private static int HashOfId(string id)
    {
        // FNV-1a over UTF-16 code units: cheap, stable across processes, and independent of the slot CRC
        // (reusing CRC16 would correlate bucket and slot).
        uint h = 2166136261;
        foreach (char c in id) { h ^= c; h *= 16777619; }
        return (int)(h & 0x7FFFFFFF);
    }
}

/// <summary>Shorthand for the layouts below (its own type: KeyStrategy's statics are mid-initialisation when these run).</summary>
file static class P
{
    public static readonly KeyPart E = KeyPart.EventId, U = KeyPart.UserId, K = KeyPart.IdempotencyKey;
    public static KeyPart L(string text) => KeyPart.Literal(text);
    public static KeyPart B(int buckets) => KeyPart.Bucket(buckets);
}

/// <summary>legacy: <c>dedupe:&lt;key&gt;</c> and <c>stream:event:{&lt;event&gt;}:user:&lt;user&gt;</c>.</summary>
public sealed record LegacyStrategy : KeyStrategy
{
    private static readonly KeyLayout Dedupe = new(L("dedupe:"), K);
    private static readonly KeyLayout Stream = new(L("stream:event:{"), E, L("}:user:"), U);

    public LegacyStrategy() : base(Dedupe, Stream) { }
    public override string Name => "legacy";
}

/// <summary>event: <c>dedupe:{&lt;event&gt;}:&lt;key&gt;</c> and <c>stream:event:{&lt;event&gt;}:user:&lt;user&gt;</c>.</summary>
public sealed record EventTagStrategy : KeyStrategy
{
    private static readonly KeyLayout Dedupe = new(L("dedupe:{"), E, L("}:"), K);
    private static readonly KeyLayout Stream = new(L("stream:event:{"), E, L("}:user:"), U);

    public EventTagStrategy() : base(Dedupe, Stream) { }
    public override string Name => "event";
}

/// <summary>user: <c>dedupe:{&lt;user&gt;}:&lt;key&gt;</c> and <c>stream:event:&lt;event&gt;:user:{&lt;user&gt;}</c>.</summary>
public sealed record UserTagStrategy : KeyStrategy
{
    private static readonly KeyLayout Dedupe = new(L("dedupe:{"), U, L("}:"), K);
    private static readonly KeyLayout Stream = new(L("stream:event:"), E, L(":user:{"), U, L("}"));

    public UserTagStrategy() : base(Dedupe, Stream) { }
    public override string Name => "user";
}

/// <summary>bucketed:N: <c>dedupe:{&lt;event&gt;:&lt;bucket&gt;}:&lt;key&gt;</c> and <c>stream:event:{&lt;event&gt;:&lt;bucket&gt;}:user:&lt;user&gt;</c>.</summary>
public sealed record BucketedStrategy : KeyStrategy
{
    /// <param name="buckets">1..16384 (<see cref="HashSlot.SlotCount"/>): more buckets than slots cannot spread further.</param>
    public BucketedStrategy(int buckets) : base(Dedupe(buckets), Stream(buckets))
    {
        Buckets = buckets;
        Name = $"bucketed:{buckets}";
    }

    public int Buckets { get; }
    public override string Name { get; }

    private static KeyLayout Dedupe(int n) => new(L("dedupe:{"), E, L(":"), B(n), L("}:"), K);
    private static KeyLayout Stream(int n) => new(L("stream:event:{"), E, L(":"), B(n), L("}:user:"), U);
}

/// <summary>A strategy in JSON is its name (what reports have always shown); reading parses it.</summary>
internal sealed class KeyStrategyJsonConverter : JsonConverter<KeyStrategy>
{
    public override KeyStrategy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? name = reader.GetString();
        try { return KeyStrategy.Parse(name ?? ""); }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException) { throw new JsonException(ex.Message, ex); }
    }

    public override void Write(Utf8JsonWriter writer, KeyStrategy value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
