using HashtagBench.Keys;
using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>Which primary serves each of the 16384 hash slots.</summary>
public sealed class Topology
{
    public const int Slots = HashSlot.SlotCount;

    private readonly ushort[] _shardOfSlot;
    private readonly int[] _slotsPerShard;

    private Topology(ushort[] shardOfSlot, int shardCount, IReadOnlyList<string> names, string description)
    {
        _shardOfSlot = shardOfSlot;
        ShardCount = shardCount;
        Names = names;
        Description = description;
        _slotsPerShard = new int[shardCount];
        foreach (ushort s in shardOfSlot) _slotsPerShard[s]++;
    }

    public int ShardCount { get; }

    /// <summary>Shard labels: "0".."N-1", or the primaries' endpoints for a live map.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Where the map came from, for reports ("3 shards, even split").</summary>
    public string Description { get; }

    /// <summary>The shard serving a slot: one table lookup.</summary>
    public int ShardOf(int slot) => _shardOfSlot[slot];

    public int SlotCountOf(int shard) => _slotsPerShard[shard];

    /// <summary>Fraction of the 16384 slots a shard serves (its expected share of uniformly random keys).</summary>
    public double SlotFraction(int shard) => _slotsPerShard[shard] / (double)Slots;

    /// <summary>Sums per-slot loads into per-shard loads.</summary>
    public double[] Aggregate(ReadOnlySpan<double> slotLoads)
    {
        if (slotLoads.Length != Slots) throw new ArgumentException($"Expected {Slots} slot loads, got {slotLoads.Length}.", nameof(slotLoads));
        var shards = new double[ShardCount];
        for (int slot = 0; slot < Slots; slot++) shards[_shardOfSlot[slot]] += slotLoads[slot];
        return shards;
    }

    /// <summary>
    /// The split <c>redis-cli --cluster create</c> makes for this many primaries (redis-cli.c,
    /// clusterManagerCommandCreate): single-precision slots-per-node, a running float cursor, lround, and the
    /// last primary takes the rest. 3 primaries: 0-5460, 5461-10922, 10923-16383.
    /// </summary>
    public static Topology EvenSplit(int shards)
    {
        SimInputException.Require(shards >= 1, "shards", $"Shard count must be at least 1 (got {shards}).");
        SimInputException.Require(shards <= Slots, "shards", $"Shard count cannot exceed the {Slots} slots (got {shards}).");
        var ranges = new List<(int, int, int)>(shards);
        float perNode = Slots / (float)shards;
        float cursor = 0f;
        int first = 0;
        for (int i = 0; i < shards; i++)
        {
            int last = (int)Math.Round((double)(float)(cursor + perNode - 1f), MidpointRounding.AwayFromZero);
            if (last > Slots || i == shards - 1) last = Slots - 1;
            if (last < first) last = first;
            ranges.Add((first, last, i));
            first = last + 1;
            cursor += perNode;
        }
        return Build(ranges, null, $"{shards} shard(s), even split as redis-cli --cluster create makes it");
    }

    /// <summary>An arbitrary map: every slot must be covered exactly once, and shards numbered 0..N-1 must each own a slot.</summary>
    public static Topology FromRanges(IEnumerable<(int From, int To, int Shard)> ranges) =>
        Build(ranges.ToList(), null, "custom slot map");

    /// <summary>A live cluster's map (<see cref="SlotOwner.Read"/>); shards keep the primaries' order and endpoints.</summary>
    public static Topology FromSlotOwners(IReadOnlyList<SlotOwner> owners)
    {
        ArgumentNullException.ThrowIfNull(owners);
        var ranges = owners.SelectMany((o, i) => o.Ranges.Select(r => (r.From, r.To, i))).ToList();
        return Build(ranges, owners.Select(o => o.Endpoint).ToList(), $"live slot map of {owners.Count} primaries");
    }

    /// <summary>
    /// Parses "from-to:shard" items separated by commas or new lines ('#' starts a comment), e.g.
    /// "0-5460:0, 5461-10922:1, 10923-16383:2". A single slot may be written "42:1".
    /// </summary>
    public static Topology Parse(string spec)
    {
        var ranges = new List<(int, int, int)>();
        foreach (string raw in spec.Split(['\n', ',', ';']))
        {
            string item = raw.Split('#', 2)[0].Trim();
            if (item.Length == 0) continue;
            string[] parts = item.Split(':');
            string[] bounds = parts[0].Split('-');
            if (parts.Length != 2 || bounds.Length > 2 || !TryInt(parts[1], out int shard)
                || !TryInt(bounds[0], out int from) || !TryInt(bounds[^1], out int to))
                throw new InvalidSlotMapException(SlotMapProblem.Syntax, $"Cannot read slot map item '{item}': expected from-to:shard, e.g. 0-5460:0.");
            ranges.Add((from, to, shard));
        }
        return Build(ranges, null, "custom slot map");
    }

    private static bool TryInt(string s, out int value) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static Topology Build(List<(int From, int To, int Shard)> ranges, IReadOnlyList<string>? names, string description)
    {
        if (ranges.Count == 0) throw new InvalidSlotMapException(SlotMapProblem.NoShards, "The slot map is empty: it needs at least one shard owning slots.");
        const ushort unassigned = ushort.MaxValue;
        var owner = new ushort[Slots];
        Array.Fill(owner, unassigned);
        int shardCount = ranges.Max(r => r.Shard) + 1;
        foreach (var (from, to, shard) in ranges)
        {
            if (from is < 0 or >= Slots || to is < 0 or >= Slots)
                throw new InvalidSlotMapException(SlotMapProblem.SlotOutOfRange, $"Range {from}-{to} is outside slots 0-{Slots - 1}.");
            if (to < from)
                throw new InvalidSlotMapException(SlotMapProblem.ReversedRange, $"Range {from}-{to} ends before it starts.");
            if (shard < 0 || shard >= Slots)
                throw new InvalidSlotMapException(SlotMapProblem.BadShardIndex, $"Shard index {shard} (range {from}-{to}) must be 0..{Slots - 1}.");
            for (int s = from; s <= to; s++)
            {
                if (owner[s] != unassigned)
                    throw new InvalidSlotMapException(SlotMapProblem.Overlap, $"Slot {s} is given twice: to shard {owner[s]} and (range {from}-{to}) to shard {shard}.");
                owner[s] = (ushort)shard;
            }
        }
        int missing = Array.IndexOf(owner, unassigned);
        if (missing >= 0)
        {
            int end = missing;
            while (end + 1 < Slots && owner[end + 1] == unassigned) end++;
            int total = owner.Count(o => o == unassigned);
            throw new InvalidSlotMapException(SlotMapProblem.Unassigned,
                $"{total} slot(s) have no shard, first {missing}-{end}: a cluster with unassigned slots refuses their keys (CLUSTERDOWN).");
        }
        var used = new bool[shardCount];
        foreach (ushort o in owner) used[o] = true;
        int idle = Array.IndexOf(used, false);
        if (idle >= 0)
            throw new InvalidSlotMapException(SlotMapProblem.ShardWithoutSlots, $"Shard {idle} owns no slots: number shards 0..{shardCount - 1} without gaps.");
        return new Topology(owner, shardCount, names ?? Enumerable.Range(0, shardCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), description);
    }

    /// <summary>Contiguous ranges per shard, e.g. "0-5460", for reports.</summary>
    public IReadOnlyList<string> RangesOf(int shard)
    {
        var list = new List<string>();
        for (int s = 0; s < Slots; s++)
        {
            if (_shardOfSlot[s] != shard) continue;
            int end = s;
            while (end + 1 < Slots && _shardOfSlot[end + 1] == shard) end++;
            list.Add(s == end ? $"{s}" : $"{s}-{end}");
            s = end;
        }
        return list;
    }
}
