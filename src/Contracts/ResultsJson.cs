using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace HashtagBench.Contracts;

/// <summary>
/// The one JSON context for every result file: the writer and the reader use the same generated metadata, so a
/// field renamed on one side cannot silently read as 0 on the other. Missing constructor values and nulls in
/// non-nullable places are errors, not defaults.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(LoadSummary))]
[JsonSerializable(typeof(LaunchRunResult))]
[JsonSerializable(typeof(LaunchComparison))]
[JsonSerializable(typeof(StreamGrowthResult))]
[JsonSerializable(typeof(LaunchFinding))]
[JsonSerializable(typeof(CapacityResult))]
[JsonSerializable(typeof(SimSummary))]
[JsonSerializable(typeof(ClusterInspection))]
[JsonSerializable(typeof(LaunchCeilingResult))]
[JsonSerializable(typeof(ScaleCeilingResult))]
// The scenarios' typed findings (rendered by src/Reporting): one context for every Contracts record.
[JsonSerializable(typeof(AgentResult))]
[JsonSerializable(typeof(ScenarioReportFindings))]
[JsonSerializable(typeof(MultiEventFindings))]
[JsonSerializable(typeof(StrategiesFindings))]
[JsonSerializable(typeof(DuplicatesFindings))]
[JsonSerializable(typeof(HotEventFindings))]
[JsonSerializable(typeof(CapacityFindings))]
[JsonSerializable(typeof(FailoverFindings))]
[JsonSerializable(typeof(AgentMergeFindings))]
[JsonSerializable(typeof(OverheadAttempt))]
public sealed partial class ResultsJsonContext : JsonSerializerContext;

/// <summary>The result files' names, and reading and writing them through <see cref="ResultsJsonContext"/>.</summary>
public static class ResultFiles
{
    /// <summary>A load scenario's <see cref="LoadSummary"/>, in its output folder.</summary>
    public const string Summary = "summary.json";
    /// <summary>The capacity scenario's <see cref="CapacityResult"/>, next to its summary.json.</summary>
    public const string Capacity = "capacity.json";
    /// <summary>The simulation's <see cref="SimSummary"/>.</summary>
    public const string Sim = "sim.json";

    public static JsonTypeInfo<LoadSummary> LoadSummaryType => ResultsJsonContext.Default.LoadSummary;
    public static JsonTypeInfo<CapacityResult> CapacityType => ResultsJsonContext.Default.CapacityResult;
    public static JsonTypeInfo<SimSummary> SimType => ResultsJsonContext.Default.SimSummary;
    public static JsonTypeInfo<ClusterInspection> InspectionType => ResultsJsonContext.Default.ClusterInspection;

    public static string Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    /// <summary>Parses <paramref name="json"/>; throws <see cref="JsonException"/> when it is not a <typeparamref name="T"/>.</summary>
    public static T Deserialize<T>(string json, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json, type) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    public static void Write<T>(string path, T value, JsonTypeInfo<T> type) => File.WriteAllText(path, Serialize(value, type));

    /// <summary>Reads a result file; throws <see cref="JsonException"/> when it does not hold a <typeparamref name="T"/>.</summary>
    public static T Read<T>(string path, JsonTypeInfo<T> type) => Deserialize(File.ReadAllText(path), type);
}
