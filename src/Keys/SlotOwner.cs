namespace HashtagBench.Keys;

/// <summary>A primary and the slot ranges it serves, as a live cluster (or a planned map) assigns them.</summary>
public sealed record SlotOwner(string Endpoint, IReadOnlyList<(int From, int To)> Ranges)
{
    /// <summary>Index (0-based, in slot order) and endpoint of the shard serving the slot.</summary>
    public static string Find(IReadOnlyList<SlotOwner> owners, int slot)
    {
        for (int i = 0; i < owners.Count; i++)
            if (owners[i].Ranges.Any(r => slot >= r.From && slot <= r.To)) return $"{i} ({owners[i].Endpoint})";
        return "unassigned";
    }
}
