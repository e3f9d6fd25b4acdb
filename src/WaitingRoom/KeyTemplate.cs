using System.Text;

namespace HashtagBench.WaitingRoom;

/// <summary>
/// A key's text with placeholders: <c>&lt;E&gt;</c> event, <c>&lt;B&gt;</c> the user's bucket, <c>&lt;U&gt;</c> user,
/// <c>&lt;K&gt;</c> idempotency key, <c>&lt;WT&gt;</c>/<c>&lt;RT&gt;</c> waiting/reservation token, <c>&lt;IP&gt;</c>
/// client IP, <c>&lt;SEAT&gt;</c> seat. Braces are literal: they are the hash tag, as Redis reads it.
/// </summary>
public sealed class KeyTemplate
{
    private static readonly (string Name, SlotInputs Input)[] Placeholders =
    [
        ("<E>", SlotInputs.Event), ("<B>", SlotInputs.Bucket), ("<U>", SlotInputs.User), ("<K>", SlotInputs.IdempotencyKey),
        ("<WT>", SlotInputs.WaitingToken), ("<RT>", SlotInputs.ReservationToken), ("<IP>", SlotInputs.ClientIp), ("<SEAT>", SlotInputs.Seat),
    ];

    private readonly (string? Literal, SlotInputs Input)[] _parts;

    public KeyTemplate(string text)
    {
        Text = text;
        var parts = new List<(string?, SlotInputs)>();
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf('<', i);
            if (open < 0) { parts.Add((text[i..], SlotInputs.None)); break; }
            if (open > i) parts.Add((text[i..open], SlotInputs.None));
            var match = Array.Find(Placeholders, p => string.CompareOrdinal(text, open, p.Name, 0, p.Name.Length) == 0);
            if (match.Name is null) throw new ArgumentException($"Unknown placeholder at {open} in key template '{text}'.", nameof(text));
            parts.Add((null, match.Input));
            i = open + match.Name.Length;
        }
        _parts = [.. parts];
        SlotDependsOn = HashedInputs();
    }

    /// <summary>The template as written, e.g. <c>queue:event:{&lt;E&gt;}</c>.</summary>
    public string Text { get; }

    /// <summary>What the key's slot depends on; for an untagged key that is every input in it.</summary>
    public SlotInputs SlotDependsOn { get; }

    /// <summary>True when the key holds a hash tag (a '{' followed later by '}' with something between).</summary>
    public bool Tagged { get; private set; }

    public string Format(KeyArgs a, int bucket, string prefix = "")
    {
        var sb = new StringBuilder(prefix, prefix.Length + Text.Length + 48);
        foreach (var (literal, input) in _parts)
            sb.Append(literal ?? input switch
            {
                SlotInputs.Event => a.EventId,
                SlotInputs.Bucket => bucket.ToString(System.Globalization.CultureInfo.InvariantCulture),
                SlotInputs.User => a.UserId,
                SlotInputs.IdempotencyKey => a.IdempotencyKey,
                SlotInputs.WaitingToken => a.WaitingToken,
                SlotInputs.ReservationToken => a.ReservationToken,
                SlotInputs.ClientIp => a.ClientIp,
                _ => a.Seat,
            });
        return sb.ToString();
    }

    public override string ToString() => Text;

    // Redis hashes the text between the first '{' and the next '}' when that is non-empty, else the whole key.
    // Placeholders hold IDs without braces, so only literals open and close the tag.
    private SlotInputs HashedInputs()
    {
        SlotInputs inTag = SlotInputs.None, all = SlotInputs.None;
        bool open = false, closed = false, nonEmpty = false;
        foreach (var (literal, input) in _parts)
        {
            all |= input;
            if (closed) continue;
            if (literal is null)
            {
                if (open) { inTag |= input; nonEmpty = true; }
                continue;
            }
            foreach (char c in literal)
            {
                if (!open) { if (c == '{') open = true; }
                else if (c == '}') { closed = true; break; }
                else nonEmpty = true;
            }
        }
        Tagged = open && closed && nonEmpty;
        return Tagged ? inTag : all;
    }
}
