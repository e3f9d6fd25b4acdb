namespace HashtagBench.Contracts;

/// <summary>
/// What <c>hashtag-bench inspect</c> read from a cluster: every node, where the given events sit under each strategy,
/// the CROSSSLOT counter and the cluster's health. A value the cluster did not give is null (shown n/a), never 0.
/// </summary>
public sealed record ClusterInspection(DateTime TakenUtc, string Cluster, ClusterHealth Health, IReadOnlyList<InspectedNode> Nodes,
    IReadOnlyList<EventPlacement> Events, long? CrossSlotErrors, double CpuIntervalSeconds);

/// <summary>One node. <paramref name="Shard"/> is the 0-based index of its primary in slot order; null for a node serving no shard.</summary>
/// <param name="Reachable">False when the node answered nothing: every measured field is then null.</param>
/// <param name="CpuPercent">Share of one core (used_cpu_sys + used_cpu_user) over the inspection's interval.</param>
/// <param name="ReplicationLagBytes">A replica's distance behind its primary (primary master_repl_offset − its own offset); null for a primary.</param>
public sealed record InspectedNode(string Endpoint, string Id, int? Shard, string Role, string Flags, bool Reachable, string? Slots, int SlotCount,
    long? Keys, long? UsedMemoryBytes, long? OpsPerSec, double? CpuPercent, long? ReplicationOffset, long? ReplicationLagBytes,
    long? ConnectedClients, long? CrossSlotErrors, string? Error);

/// <summary>An event under one strategy. <paramref name="Slots"/> is empty when the slot depends on the user, not the event.</summary>
public sealed record EventPlacement(string EventId, string Strategy, IReadOnlyList<SlotPlacement> Slots, string? Note);

/// <param name="Keys">CLUSTER COUNTKEYSINSLOT on the owning primary; null when that primary did not answer.</param>
/// <param name="Shard">Null when no live primary serves the slot.</param>
public sealed record SlotPlacement(int Slot, int? Bucket, int? Shard, string? Node, long? Keys);

/// <summary>What <c>redis-cli --cluster check</c> reports: slot coverage, open slots, failing nodes.</summary>
/// <param name="OpenSlots">Slots being migrated or imported, as "slot migrating to id" / "slot importing from id".</param>
public sealed record ClusterHealth(string? State, int SlotsCovered, int SlotsUncovered, IReadOnlyList<string> OpenSlots, IReadOnlyList<string> FailingNodes)
{
    public bool Ok => State == "ok" && SlotsUncovered == 0 && OpenSlots.Count == 0 && FailingNodes.Count == 0;
}
