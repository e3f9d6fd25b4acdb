using HashtagBench.Keys;

namespace HashtagBench.ClusterSim;

/// <summary>Strategy lists as typed on the command line.</summary>
public static class StrategyList
{
    public const string Default = "legacy,event,user,bucketed:16";

    /// <summary>Parses "legacy,event,user,bucketed:16" into strategies, refusing unknown names and bad bucket counts.</summary>
    public static IReadOnlyList<KeyStrategy> Parse(string text)
    {
        var list = new List<KeyStrategy>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try { list.Add(KeyStrategy.Parse(item)); }
            catch (FormatException ex) { throw new SimInputException("strategies", ex.Message); }
            catch (ArgumentOutOfRangeException) { throw new SimInputException("strategies", $"Bucket count in '{item}' must be 1..{HashSlot.SlotCount}."); }
        }
        SimInputException.Require(list.Count > 0, "strategies", "Name at least one strategy: legacy, event, user or bucketed:N.");
        return list.Distinct().ToList();
    }
}
