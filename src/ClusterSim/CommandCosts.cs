using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HashtagBench.ClusterSim;

/// <summary>Where a cost table was measured.</summary>
public sealed record CostMachine(string Cpu, int LogicalCpus, string RedisVersion, DateTimeOffset MeasuredAt, string Cluster, string Method);

/// <summary>One command's measured server cost (INFO commandstats deltas on the nodes that served it).</summary>
public sealed record CommandCost(string Command, double UsecPerCall, long Calls);

/// <summary>
/// What the simulator turns traffic into CPU with, as <c>hashtag-bench calibrate</c> measured it: each command's
/// time in microseconds per call as <c>INFO commandstats</c> reports it (usec / calls), and the terms of the rest
/// of the request (<see cref="Server"/>: round trips, wake-ups, connections, replication; see <see cref="ServerCpuModel"/>)
/// with the calibration steps they were fitted to. A table without <see cref="Server"/> (written before the model
/// had those terms) is read as command time alone.
/// </summary>
public sealed record CommandCostTable(CostMachine Machine, IReadOnlyList<CommandCost> Commands, ServerCpuModel? Server = null,
    IReadOnlyList<CalibrationStep>? Steps = null)
{
    public const string ResourceName = "HashtagBench.ClusterSim.command-costs.json";

    /// <summary>usec per call of <paramref name="command"/> (upper case, e.g. ZRANK).</summary>
    public double UsecPerCall(string command) =>
        Commands.FirstOrDefault(c => string.Equals(c.Command, command, StringComparison.OrdinalIgnoreCase))?.UsecPerCall
        ?? throw new SimInputException("costs", $"The cost table (measured {Machine.MeasuredAt:yyyy-MM-dd} on {Machine.Cpu}) has no {command}: run hashtag-bench calibrate.");

    /// <summary>The whole-request model: the fitted terms, or command time alone for an old table.</summary>
    [JsonIgnore] public ServerCpuModel Model => Server ?? ServerCpuModel.CommandTimeOnly;

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
        if (t.Server is { } m)
            SimInputException.Require(m.Terms.All(v => double.IsFinite(v) && v >= 0),
                "costs", $"Cost table '{source}': every server term must be a finite number ≥ 0.");
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
