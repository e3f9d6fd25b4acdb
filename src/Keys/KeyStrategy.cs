namespace HashtagBench.Keys;

/// <summary>The two keys one join touches. The Lua script takes them as KEYS[1] and KEYS[2].</summary>
public readonly record struct JoinKeys(string DedupeKey, string StreamKey)
{
    public string[] ToArray() => [DedupeKey, StreamKey];
}

/// <summary>
/// A hash-tag strategy: how a join's IDs become its dedupe and stream keys. Each strategy trades co-location
/// (what one atomic script may touch) against spread (how evenly load lands on shards).
/// </summary>
public abstract record KeyStrategy
{
    /// <summary>The incident's keys: untagged dedupe key, event-tagged stream key. Spans slots: CROSSSLOT on a cluster.</summary>
    public static KeyStrategy Legacy { get; } = new LegacyStrategy();
    /// <summary>Both keys tagged by event: co-located, but one event lives on one shard.</summary>
    public static KeyStrategy EventTag { get; } = new EventTagStrategy();
    /// <summary>Both keys tagged by user: spreads load, but an event's keys are spread too.</summary>
    public static KeyStrategy UserTag { get; } = new UserTagStrategy();
    /// <summary>Tag by event and a user-derived bucket: one event spread over n slots.</summary>
    public static KeyStrategy Bucketed(int buckets) => new BucketedStrategy(buckets);

    /// <summary>Short stable name used on the command line and in reports (legacy, event, user, bucketed:N).</summary>
    public abstract string Name { get; }

    /// <summary>True when the two keys of one join share a slot on every input.</summary>
    public virtual bool CoLocated => true;

    /// <summary>Builds the keys after validating every ID; throws <see cref="InvalidKeyInputException"/>.</summary>
    public JoinKeys Keys(string eventId, string userId, string idempotencyKey)
    {
        KeyInput.Validate(eventId, nameof(eventId));
        KeyInput.Validate(userId, nameof(userId));
        KeyInput.Validate(idempotencyKey, nameof(idempotencyKey));
        return Build(eventId, userId, idempotencyKey);
    }

    /// <summary>The hash tag (without braces) the stream key of this event/user lands on. Used by the simulator.</summary>
    public abstract string Tag(string eventId, string userId);

    protected abstract JoinKeys Build(string eventId, string userId, string idempotencyKey);

    public override string ToString() => Name;

    /// <summary>Parses legacy | event | user | bucketed:N (case-insensitive).</summary>
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

    private sealed record LegacyStrategy : KeyStrategy
    {
        public override string Name => "legacy";
        public override bool CoLocated => false;
        public override string Tag(string eventId, string userId) => eventId;
        protected override JoinKeys Build(string e, string u, string k) => new($"dedupe:{k}", $"stream:event:{{{e}}}:user:{u}");
    }

    private sealed record EventTagStrategy : KeyStrategy
    {
        public override string Name => "event";
        public override string Tag(string eventId, string userId) => eventId;
        protected override JoinKeys Build(string e, string u, string k) => new($"dedupe:{{{e}}}:{k}", $"stream:event:{{{e}}}:user:{u}");
    }

    private sealed record UserTagStrategy : KeyStrategy
    {
        public override string Name => "user";
        public override string Tag(string eventId, string userId) => userId;
        protected override JoinKeys Build(string e, string u, string k) => new($"dedupe:{{{u}}}:{k}", $"stream:event:{e}:user:{{{u}}}");
    }

    private sealed record BucketedStrategy : KeyStrategy
    {
        public BucketedStrategy(int buckets)
        {
            if (buckets is < 1 or > HashSlot.SlotCount)
                throw new ArgumentOutOfRangeException(nameof(buckets), buckets, $"Bucket count must be 1..{HashSlot.SlotCount}.");
            Buckets = buckets;
        }

        public int Buckets { get; }
        public override string Name => $"bucketed:{Buckets}";
        public override string Tag(string eventId, string userId) => $"{eventId}:{BucketOf(userId, Buckets)}";
        protected override JoinKeys Build(string e, string u, string k)
        {
            int b = BucketOf(u, Buckets);
            return new($"dedupe:{{{e}:{b}}}:{k}", $"stream:event:{{{e}:{b}}}:user:{u}");
        }
    }

    /// <summary>
    /// Stable bucket of a user: CRC16 of the user ID mod n. The same user always lands in the same bucket, so a
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
