using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HashtagBench.ClusterSim;

/// <summary>Where a cost table was measured.</summary>
public sealed record CostMachine(string Cpu, int LogicalCpus, string RedisVersion, DateTimeOffset MeasuredAt, string Cluster, string Method);

/// <summary>One command's measured server cost (INFO commandstats deltas on the nodes that served it).</summary>
public sealed record CommandCost(string Command, double UsecPerCall, long Calls);

/// <summary>
/// Server CPU per command, in microseconds per call, as <c>INFO commandstats</c> reports it (usec / calls). The
/// simulator turns command rates into CPU with it; <c>hashtag-bench calibrate</c> measures it.
/// </summary>
public sealed record CommandCostTable(CostMachine Machine, IReadOnlyList<CommandCost> Commands)
{
    public const string ResourceName = "HashtagBench.ClusterSim.command-costs.json";

    /// <summary>usec per call of <paramref name="command"/> (upper case, e.g. ZRANK).</summary>
    public double UsecPerCall(string command) =>
        Commands.FirstOrDefault(c => string.Equals(c.Command, command, StringComparison.OrdinalIgnoreCase))?.UsecPerCall
        ?? throw new SimInputException("costs", $"The cost table (measured {Machine.MeasuredAt:yyyy-MM-dd} on {Machine.Cpu}) has no {command}: run hashtag-bench calibrate.");

    /// <summary>The committed default, measured on the machine its <see cref="Machine"/> names.</summary>
    public static CommandCostTable Default { get; } = LoadDefault();

    public static CommandCostTable Read(string path)
    {
        try { return Parse(File.ReadAllText(path), path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimInputException("costs", $"Cannot read cost table '{path}': {ex.Message}");
        }
    }

    public static CommandCostTable Parse(string json, string source)
    {
        CommandCostTable? t;
        try { t = JsonSerializer.Deserialize(json, CostJsonContext.Default.CommandCostTable); }
        catch (JsonException ex) { throw new SimInputException("costs", $"Cost table '{source}' is not a calibrate output: {ex.Message.Split('\n')[0]}"); }
        if (t is null || t.Commands.Count == 0) throw new SimInputException("costs", $"Cost table '{source}' lists no command.");
        foreach (CommandCost c in t.Commands)
            SimInputException.Require(double.IsFinite(c.UsecPerCall) && c.UsecPerCall > 0, "costs", $"Cost table '{source}': {c.Command} usecPerCall must be > 0.");
        return t;
    }

    public string ToJson() => JsonSerializer.Serialize(this, CostJsonContext.Default.CommandCostTable);

    private static CommandCostTable LoadDefault()
    {
        using Stream s = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(s);
        return Parse(reader.ReadToEnd(), "(embedded default)");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(CommandCostTable))]
internal sealed partial class CostJsonContext : JsonSerializerContext;
