namespace HashtagBench.Contracts;

/// <summary>The load scenarios, by the names the command line, the run plan and the output folders use.</summary>
public static class ScenarioNames
{
    public const string MultiEvent = "multi-event";
    public const string Strategies = "strategies";
    public const string Duplicates = "duplicates";
    public const string HotEvent = "hot-event";
    public const string Capacity = "capacity";
    public const string Failover = "failover";

    /// <summary>Every scenario, in the order a full run takes them.</summary>
    public static readonly IReadOnlyList<string> All = [MultiEvent, Strategies, Duplicates, HotEvent, Capacity, Failover];
}
