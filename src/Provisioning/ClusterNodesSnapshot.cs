namespace HashtagBench.Provisioning;

/// <summary>One line of CLUSTER NODES.</summary>
public sealed record ClusterNodeLine(string Id, string Endpoint, string Flags, string? PrimaryId, IReadOnlyList<(int From, int To)> Slots)
{
    /// <summary>The config epoch this view gives the node: a failover's winner takes a higher one than the primary it replaced.</summary>
    public long ConfigEpoch { get; init; }
    public bool IsPrimary => Flags.Contains("master");
    /// <summary>Flagged fail or fail? (PFAIL); a comma-separated flag list, so "nofailover" is not a failure.</summary>
    public bool IsFailed => Flags.Split(',').Any(f => f is "fail" or "fail?");
    public bool Serves(int slot) => Slots.Any(r => slot >= r.From && slot <= r.To);
    /// <summary>
    /// The node's address is known to the one that answered: a node still being met (handshake) or whose address was
    /// not learned yet (noaddr) is listed as ":0", which nothing can connect to.
    /// </summary>
    public bool HasAddress => !Endpoint.EndsWith(":0", StringComparison.Ordinal) && !Flags.Split(',').Any(f => f is "noaddr" or "handshake");
    public override string ToString() => $"{Endpoint} {Flags}{(PrimaryId is null ? "" : $" of {PrimaryId[..Math.Min(8, PrimaryId.Length)]}")} {string.Join(',', Slots.Select(r => $"{r.From}-{r.To}"))}".TrimEnd();
}

/// <summary>
/// CLUSTER NODES as one node sees it right now, read over a raw connection (the client's cached map lags
/// behind a failover, which is exactly when fault scenarios need the truth).
/// </summary>
public sealed class ClusterNodesSnapshot(IReadOnlyList<ClusterNodeLine> nodes)
{
    public IReadOnlyList<ClusterNodeLine> Nodes { get; } = nodes;

    public ClusterNodeLine? PrimaryOf(int slot) => Nodes.FirstOrDefault(n => n.IsPrimary && !n.IsFailed && n.Serves(slot));

    public IEnumerable<ClusterNodeLine> ReplicasOf(ClusterNodeLine primary) => Nodes.Where(n => n.PrimaryId == primary.Id);

    public static async Task<ClusterNodesSnapshot> ReadAsync(string host, int port, TimeSpan timeout) =>
        Parse(await RespProbe.SendAsync(host, port, timeout, "CLUSTER", "NODES").ConfigureAwait(false));

    public static ClusterNodesSnapshot Parse(string text)
    {
        var list = new List<ClusterNodeLine>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@bus> <flags> <primary id|-> <ping> <pong> <epoch> <link> <slot ranges...>
            string[] f = line.Split(' ');
            var slots = new List<(int, int)>();
            foreach (string range in f.Skip(8))
            {
                if (range.StartsWith('[')) continue; // a slot being migrated or imported
                string[] ab = range.Split('-');
                int from = int.Parse(ab[0]);
                slots.Add((from, ab.Length > 1 ? int.Parse(ab[1]) : from));
            }
            list.Add(new ClusterNodeLine(f[0], f[1].Split('@')[0], f[2], f[3] == "-" ? null : f[3], slots)
            {
                ConfigEpoch = f.Length > 6 && long.TryParse(f[6], out long epoch) ? epoch : 0,
            });
        }
        return new ClusterNodesSnapshot(list);
    }
}
