using System.Text;

namespace HashtagBench.Keys;

/// <summary>Keys of one multi-key command that do not share a slot. Thrown before anything is sent.</summary>
public sealed class CrossSlotKeysException(IReadOnlyList<(string Key, int Slot)> keys)
    : InvalidOperationException(BuildMessage(keys))
{
    public IReadOnlyList<(string Key, int Slot)> Keys { get; } = keys;

    private static string BuildMessage(IReadOnlyList<(string Key, int Slot)> keys) =>
        "Keys in one script must hash to the same slot, or Redis Cluster answers CROSSSLOT. Keys: " +
        string.Join(", ", keys.Select(k => $"'{k.Key}' → slot {k.Slot}")) +
        ". Put the same hash tag in every key, e.g. dedupe:{<eventId>}:… with stream:event:{<eventId>}:….";
}

/// <summary>Rejects a key set that spans slots before it reaches Redis.</summary>
public static class SlotGuard
{
    /// <summary>Returns the common slot, or throws <see cref="CrossSlotKeysException"/> naming every key and its slot.</summary>
    public static int Validate(ReadOnlySpan<string> keys)
    {
        if (keys.IsEmpty) throw new ArgumentException("A key set needs at least one key.", nameof(keys));
        if (!CoLocated(keys, out int slot)) throw new CrossSlotKeysException(Describe(keys));
        return slot;
    }

    /// <inheritdoc cref="Validate(ReadOnlySpan{string})"/>
    public static int Validate(in JoinKeys keys) => Validate([keys.DedupeKey, keys.StreamKey]);

    /// <summary>The same check on UTF-8 keys (<see cref="KeyWriter"/>'s): hashes the bytes, decodes them only for the message.</summary>
    public static int Validate(in Utf8JoinKeys keys)
    {
        int dedupe = HashSlot.Of(keys.DedupeKey), stream = HashSlot.Of(keys.StreamKey);
        if (dedupe != stream)
            throw new CrossSlotKeysException([(Encoding.UTF8.GetString(keys.DedupeKey), dedupe), (Encoding.UTF8.GetString(keys.StreamKey), stream)]);
        return dedupe;
    }

    /// <summary>True when all keys share one slot.</summary>
    public static bool CoLocated(ReadOnlySpan<string> keys, out int slot)
    {
        slot = keys.IsEmpty ? -1 : HashSlot.Of(keys[0]);
        for (int i = 1; i < keys.Length; i++)
            if (HashSlot.Of(keys[i]) != slot) return false;
        return !keys.IsEmpty;
    }

    private static List<(string, int)> Describe(ReadOnlySpan<string> keys)
    {
        var list = new List<(string, int)>(keys.Length);
        foreach (string k in keys) list.Add((k, HashSlot.Of(k)));
        return list;
    }
}
