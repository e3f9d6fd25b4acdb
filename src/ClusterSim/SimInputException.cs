namespace HashtagBench.ClusterSim;

/// <summary>A workload, topology or capacity input the simulator cannot use. Nothing was simulated.</summary>
public class SimInputException(string field, string message) : Exception(message)
{
    /// <summary>The input at fault, named as on the command line (events, rate, zipf, slot-map, ...).</summary>
    public string Field { get; } = field;

    internal static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new SimInputException(field, message);
    }
}

/// <summary>Why a slot map was refused.</summary>
public enum SlotMapProblem
{
    NoShards,
    SlotOutOfRange,
    ReversedRange,
    Overlap,
    Unassigned,
    BadShardIndex,
    ShardWithoutSlots,
    Syntax,
}

/// <summary>A slot map that does not give every one of the 16384 slots exactly one shard.</summary>
internal sealed class InvalidSlotMapException(SlotMapProblem problem, string message) : SimInputException("slot-map", message)
{
    public SlotMapProblem Problem { get; } = problem;
}
