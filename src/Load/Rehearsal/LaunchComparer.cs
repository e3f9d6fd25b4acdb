using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.WaitingRoom;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// Sets a live launch beside its prediction, per node: the simulator's per-shard command counts turned into what
/// each node's INFO commandstats shows (<see cref="ServerFootprint"/>: nested script calls on the node that runs
/// them, replicated effects on every replica, reads on replicas when the launch reads there), against what the
/// servers counted. Not modelled: keys whose TTL runs out during the run reach replicas as DEL (reservations live
/// 30 s, so only runs longer than that see them), and one EVAL per primary whose script cache was cold.
/// </summary>
public static class LaunchComparer
{
    /// <summary>
    /// The prediction for exactly this run: `sim --launch` on the same scaled file and seed, on the live slot map
    /// (<paramref name="liveTopology"/>), with the run's key prefix (untagged keys move with it), its CPU from the
    /// whole-request model (<paramref name="costs"/>, default the committed table) with the gateway's pods at
    /// <paramref name="scale"/> (their connections per node).
    /// </summary>
    public static LaunchStrategyResult Predict(Launch scaledLaunch, WaitingRoomSchema schema, Topology liveTopology, string keyPrefix, double scale = 1,
        CommandCostTable? costs = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scaledLaunch);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(liveTopology);
        return new LaunchSimulator(scaledLaunch, costs, topology: liveTopology, keyPrefix: keyPrefix, pods: scaledLaunch.File.Client.PodsAtScale(scale), ct: ct).Place(schema);
    }

    /// <summary>
    /// The prediction for exactly this run: its scaled launch in its client shape (<see cref="LaunchRunRequest.ClientMode"/>),
    /// the gateway's pods at its scale, its key prefix.
    /// </summary>
    public static LaunchStrategyResult Predict(LaunchRunRequest run, Topology liveTopology, CommandCostTable? costs = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        Launch launch = run.ClientMode is { } mode ? run.Launch.WithClientMode(mode) : run.Launch;
        return Predict(launch, run.Schema, liveTopology, run.KeyPrefix, run.Scale, costs, ct);
    }

    /// <summary>Per node and per command: measured share of all commands the servers counted against the predicted share.</summary>
    /// <param name="seatHold">The seat-hold script's branch (the client never stocks inventory: sold out).</param>
    public static LaunchComparison Compare(LaunchStrategyResult predicted, LaunchRunResult measured, double tolerancePp = 2,
        SeatHoldPath seatHold = SeatHoldPath.SoldOut)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(measured);
        if (!(tolerancePp >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerancePp), tolerancePp, "The tolerance is 0 or more percentage points.");
        if (!string.Equals(WaitingRoomSchema.Parse(measured.Strategy).Name, predicted.Schema.Name, StringComparison.Ordinal))
            throw new ArgumentException($"The run used '{measured.Strategy}' but the prediction is for '{predicted.Schema.Name}'.", nameof(measured));

        List<LaunchNode> nodes = [.. measured.Nodes];
        // A node the servers reported but the run's node list lacks (joined mid-run) still gets its row.
        foreach (string endpoint in measured.MeasuredCommands.Select(c => c.Endpoint).Distinct(StringComparer.Ordinal))
            if (!nodes.Any(n => n.Endpoint == endpoint)) nodes.Add(new LaunchNode(endpoint, -1, "unknown"));

        var (predictedCounts, unplaced) = PredictedCalls(predicted, nodes, seatHold, measured.ReadRoutes);
        var measuredCounts = new Dictionary<(string Endpoint, string Command), long>();
        var excluded = new List<NodeCommandCount>();
        foreach (NodeCommandCount c in measured.MeasuredCommands)
        {
            string name = c.Command.ToLowerInvariant();
            if (!ServerFootprint.Commands.Contains(name)) { excluded.Add(c); continue; }
            measuredCounts[(c.Endpoint, name)] = measuredCounts.GetValueOrDefault((c.Endpoint, name)) + c.Calls;
        }

        double predictedTotal = predictedCounts.Values.Sum() + unplaced;
        long measuredTotal = measuredCounts.Values.Sum();
        var comparison = new LaunchComparison(predicted.Schema.Name, tolerancePp, [], []) { Excluded = excluded, Unplaced = (long)Math.Round(unplaced) };
        // Nothing the waiting room sends was counted: no share to compare, and never a pass.
        if (measuredTotal == 0) return comparison;

        double? seconds = measured.Seconds > 0 ? measured.Seconds : null;
        double Share(double count, double total) => total > 0 ? count / total : 0;
        var nodeRows = new List<NodeShareRow>();
        var commandRows = new List<NodeCommandRow>();
        foreach (LaunchNode n in nodes)
        {
            double p = predictedCounts.Where(e => e.Key.Endpoint == n.Endpoint).Sum(e => e.Value);
            long m = measuredCounts.Where(e => e.Key.Endpoint == n.Endpoint).Sum(e => e.Value);
            nodeRows.Add(new NodeShareRow(n.Endpoint, n.Shard, n.Role, (long)Math.Round(p), m, Share(p, predictedTotal), Share(m, measuredTotal),
                p / seconds, m / seconds));
            IEnumerable<string> commands = predictedCounts.Keys.Concat(measuredCounts.Keys).Where(k => k.Endpoint == n.Endpoint).Select(k => k.Command).Distinct();
            foreach (string command in commands)
            {
                double pc = predictedCounts.GetValueOrDefault((n.Endpoint, command));
                long mc = measuredCounts.GetValueOrDefault((n.Endpoint, command));
                commandRows.Add(new NodeCommandRow(n.Endpoint, n.Shard, n.Role, command, (long)Math.Round(pc), mc, Share(pc, predictedTotal), Share(mc, measuredTotal)));
            }
        }
        return comparison with
        {
            Nodes = nodeRows,
            Commands = [.. commandRows.OrderByDescending(r => Math.Abs(r.ErrorPp)).ThenByDescending(r => Math.Max(r.PredictedShare, r.MeasuredShare))],
        };
    }

    /// <summary>
    /// Expected commandstats calls per node and command. Shards map to nodes by index in slot order and role;
    /// reads sent to replicas are spread evenly over the nodes the client really sent them to (<paramref name="routes"/>,
    /// by the shard's primary), or, without routes, over the shard's replicas (on its primary when it has none).
    /// <c>Unplaced</c>: calls predicted on a shard none of <paramref name="nodes"/> is the primary of, or reads routed to none of them.
    /// </summary>
    public static (IReadOnlyDictionary<(string Endpoint, string Command), double> Counts, double Unplaced) PredictedCalls(
        LaunchStrategyResult predicted, IReadOnlyList<LaunchNode> nodes, SeatHoldPath seatHold = SeatHoldPath.SoldOut,
        IReadOnlyList<ReplicaReadRoute>? routes = null)
    {
        var counts = new Dictionary<(string, string), double>();
        double unplaced = 0;
        int commands = predicted.CountedCommands.Count;
        for (int shard = 0; shard < predicted.Topology.ShardCount; shard++)
        {
            LaunchNode? primary = nodes.FirstOrDefault(n => n.Shard == shard && IsPrimary(n.Role));
            LaunchNode[] replicas = [.. nodes.Where(n => n.Shard == shard && !IsPrimary(n.Role))];
            // A young cluster's client may not see a replica yet: its reads went where the client sent them.
            LaunchNode[] readers = primary is null ? []
                : routes?.FirstOrDefault(r => r.Primary == primary.Endpoint) is { } route ? [.. nodes.Where(n => route.ReadsOn.Contains(n.Endpoint))]
                : replicas.Length > 0 ? replicas : [primary];
            for (int c = 0; c < commands; c++)
            {
                CountedCommand counted = predicted.CountedCommands[c];
                if (counted.Refused) continue; // the cluster refused it: no server ran it
                CommandFootprint f = ServerFootprint.Of(counted.Command, seatHold);
                long onPrimary = predicted.ShardCountedCounts[(shard * commands + c) * 2];
                long onReplicas = predicted.ShardCountedCounts[(shard * commands + c) * 2 + 1];
                if (onPrimary + onReplicas == 0) continue;
                if (primary is null)
                {
                    unplaced += onPrimary * (f.Served.Count + replicas.Length * f.Replicated.Count) + onReplicas * f.Served.Count;
                    continue;
                }
                Add(primary, f.Served, onPrimary);
                foreach (LaunchNode r in replicas) Add(r, f.Replicated, onPrimary);
                if (readers.Length == 0) unplaced += onReplicas * f.Served.Count;
                foreach (LaunchNode r in readers) Add(r, f.Served, onReplicas / (double)readers.Length);
            }
        }
        return (counts, unplaced);

        void Add(LaunchNode node, IReadOnlyList<string> names, double times)
        {
            if (times == 0) return;
            foreach (string name in names) counts[(node.Endpoint, name)] = counts.GetValueOrDefault((node.Endpoint, name)) + times;
        }
    }

    // The sampler writes "master"; other parts may write "primary".
    private static bool IsPrimary(string role) => role is "master" or "primary";
}
