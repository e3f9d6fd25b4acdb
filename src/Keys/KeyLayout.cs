using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace HashtagBench.Keys;

/// <summary>What one part of a key is made of.</summary>
public enum KeyPartKind
{
    /// <summary>Fixed text, braces included (IDs cannot contain braces, so only literals open and close a hash tag).</summary>
    Literal,
    EventId,
    UserId,
    IdempotencyKey,
    /// <summary>The user's bucket number, <see cref="KeyStrategy.BucketOf"/> over <see cref="KeyPart.Buckets"/> buckets.</summary>
    Bucket,
}

/// <summary>One part of a <see cref="KeyLayout"/>: fixed text, one of the join's IDs, or the user's bucket.</summary>
public readonly record struct KeyPart
{
    private KeyPart(KeyPartKind kind, string text, int buckets) => (Kind, Text, Buckets) = (kind, text, buckets);

    public KeyPartKind Kind { get; }

    /// <summary>The text of a <see cref="KeyPartKind.Literal"/>; empty otherwise.</summary>
    public string Text { get; }

    /// <summary>The bucket count of a <see cref="KeyPartKind.Bucket"/>; 0 otherwise.</summary>
    public int Buckets { get; }

    public static KeyPart Literal(string text) =>
        string.IsNullOrEmpty(text) ? throw new ArgumentException("A literal key part needs text.", nameof(text)) : new(KeyPartKind.Literal, text, 0);

    public static KeyPart EventId { get; } = new(KeyPartKind.EventId, "", 0);
    public static KeyPart UserId { get; } = new(KeyPartKind.UserId, "", 0);
    public static KeyPart IdempotencyKey { get; } = new(KeyPartKind.IdempotencyKey, "", 0);

    public static KeyPart Bucket(int buckets) => buckets is < 1 or > HashSlot.SlotCount
        ? throw new ArgumentOutOfRangeException(nameof(buckets), buckets, $"Bucket count must be 1..{HashSlot.SlotCount}.")
        : new(KeyPartKind.Bucket, "", buckets);

    /// <summary>The part as it appears in a layout template: the literal text, or &lt;event&gt;, &lt;user&gt;, &lt;idempotency-key&gt;, &lt;bucket/N&gt;.</summary>
    public override string ToString() => Kind switch
    {
        KeyPartKind.Literal => Text,
        KeyPartKind.EventId => "<event>",
        KeyPartKind.UserId => "<user>",
        KeyPartKind.IdempotencyKey => "<idempotency-key>",
        _ => string.Create(CultureInfo.InvariantCulture, $"<bucket/{Buckets}>"),
    };
}

/// <summary>
/// A key as a sequence of parts, declared once per strategy. Both key builders walk it: <see cref="KeyStrategy.Keys"/>
/// into a string, <see cref="KeyWriter"/> into UTF-8 bytes; the hash tag, co-location and what a slot depends on are
/// read off it too. Two layouts are equal when their parts are.
/// </summary>
public sealed class KeyLayout : IEquatable<KeyLayout>
{
    private readonly KeyPart[] _parts;

    internal KeyLayout(params KeyPart[] parts)
    {
        if (parts.Length is 0 or > MaxParts) throw new ArgumentException($"A key layout has 1..{MaxParts} parts.", nameof(parts));
        _parts = parts;
        Utf8Parts = parts.Select(p => Utf8Part.Of(p)).ToArray();
        var buckets = parts.Where(p => p.Kind == KeyPartKind.Bucket).Select(p => p.Buckets).Distinct().ToList();
        if (buckets.Count > 1) throw new ArgumentException("One layout uses one bucket count.", nameof(parts));
        Buckets = buckets.Count == 1 ? buckets[0] : 0;
        HashTag = FindHashTag(parts);
    }

    public IReadOnlyList<KeyPart> Parts => _parts;

    /// <summary>
    /// The parts Redis hashes: those between the first '{' and the next '}' (IDs are validated brace-free, so only
    /// literals place them). Null when the key has no tag and the whole key is hashed.
    /// </summary>
    public KeyLayout? HashTag { get; }

    /// <summary>True when the key contains <paramref name="kind"/>.</summary>
    public bool Uses(KeyPartKind kind) => Array.Exists(_parts, p => p.Kind == kind);

    /// <summary>Bucket count of the layout's bucket part; 0 when it has none.</summary>
    internal int Buckets { get; }

    /// <summary>The parts as the UTF-8 writer walks them: kind, and a literal's bytes encoded once.</summary>
    internal Utf8Part[] Utf8Parts { get; }

    internal readonly struct Utf8Part
    {
        public KeyPartKind Kind { get; private init; }
        public byte[] Literal { get; private init; }
        /// <summary>A literal of up to 16 bytes, zero-padded: the writer stores it with one vector store.</summary>
        public Vector128<byte> Short { get; private init; }
        public bool IsShort => Literal.Length <= Vector128<byte>.Count;

        public static Utf8Part Of(KeyPart p)
        {
            byte[] bytes = p.Kind == KeyPartKind.Literal ? Encoding.UTF8.GetBytes(p.Text) : [];
            Span<byte> padded = stackalloc byte[Vector128<byte>.Count];
            padded.Clear();
            if (bytes.Length <= padded.Length) bytes.CopyTo(padded);
            return new() { Kind = p.Kind, Literal = bytes, Short = Vector128.Create<byte>(padded) };
        }
    }

    /// <summary>The user's bucket under this layout (0 when it has no bucket part). Throws on a null user.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int BucketOf(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return Buckets == 0 ? 0 : KeyStrategy.BucketOf(userId, Buckets);
    }

    /// <summary>The key as a string; <paramref name="bucket"/> is the user's bucket (<see cref="BucketOf"/>).</summary>
    internal string Format(string eventId, string userId, string idempotencyKey, int bucket)
    {
        KeyPart[] parts = _parts;
        string Piece(int i) => parts[i].Kind switch
        {
            KeyPartKind.Literal => parts[i].Text,
            KeyPartKind.EventId => eventId,
            KeyPartKind.UserId => userId,
            KeyPartKind.IdempotencyKey => idempotencyKey,
            _ => BucketText(bucket),
        };
        // string.Concat's fixed-arity overloads are what $"" compiles to; longer layouts gather their parts on the stack.
        switch (parts.Length)
        {
            case 2: return string.Concat(Piece(0), Piece(1));
            case 3: return string.Concat(Piece(0), Piece(1), Piece(2));
            case 4: return string.Concat(Piece(0), Piece(1), Piece(2), Piece(3));
        }
        var pieces = new Pieces();
        Span<string?> span = pieces;
        for (int i = 0; i < parts.Length; i++) span[i] = Piece(i);
        return string.Concat((ReadOnlySpan<string?>)span[..parts.Length]);
    }

    /// <summary>Most parts a layout may have (the string builder keeps them on the stack).</summary>
    private const int MaxParts = 8;

    [InlineArray(MaxParts)]
    private struct Pieces
    {
        private string? _first;
    }

    // Bucket numbers as strings, made once each: a bucketed key then allocates nothing but itself.
    private string?[]? _bucketTexts;

    private string BucketText(int bucket)
    {
        string?[] texts = _bucketTexts ??= new string?[Buckets];
        // Racing threads may both format it; either string is the same text.
        return texts[bucket] ??= bucket.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>This layout's text for an event and user, without an idempotency key (a hash tag never holds one).</summary>
    internal string Format(string eventId, string userId)
    {
        // A tag that is exactly one ID is that ID: no string built (the simulator asks once per user).
        if (_parts.Length == 1)
            switch (_parts[0].Kind)
            {
                case KeyPartKind.EventId: return eventId;
                case KeyPartKind.UserId: return userId;
            }
        if (Uses(KeyPartKind.IdempotencyKey)) throw new InvalidOperationException($"Layout '{this}' needs an idempotency key.");
        return Format(eventId, userId, "", BucketOf(userId));
    }

    private static KeyLayout? FindHashTag(KeyPart[] parts)
    {
        var tag = new List<KeyPart>();
        bool open = false;
        foreach (KeyPart p in parts)
        {
            if (p.Kind != KeyPartKind.Literal)
            {
                if (open) tag.Add(p);
                continue;
            }
            string text = p.Text;
            if (!open)
            {
                int brace = text.IndexOf('{');
                if (brace < 0) continue;
                open = true;
                text = text[(brace + 1)..];
            }
            int close = text.IndexOf('}');
            if (close >= 0)
            {
                if (close > 0) tag.Add(KeyPart.Literal(text[..close]));
                // "{}" is no tag: Redis then hashes the whole key.
                return tag.Count == 0 ? null : new KeyLayout([.. tag]);
            }
            if (text.Length > 0) tag.Add(KeyPart.Literal(text));
        }
        return null; // never opened, or never closed
    }

    public bool Equals(KeyLayout? other) => ReferenceEquals(this, other) || (other is not null && _parts.AsSpan().SequenceEqual(other._parts));

    public override bool Equals(object? obj) => Equals(obj as KeyLayout);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (KeyPart p in _parts) h.Add(p);
        return h.ToHashCode();
    }

    /// <summary>The layout as a template, e.g. <c>dedupe:{&lt;event&gt;}:&lt;idempotency-key&gt;</c>.</summary>
    public override string ToString() => string.Concat(_parts.Select(p => p.ToString()));
}
