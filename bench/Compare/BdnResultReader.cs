using System.Text.Json;

namespace HashtagBench.Bench.Compare;

/// <summary>A compare input that cannot be used: missing, not JSON, or not a BenchmarkDotNet full JSON report.</summary>
internal sealed class CompareInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What compare needs from one benchmark of a BenchmarkDotNet full JSON report.</summary>
/// <param name="Id">BenchmarkDotNet's FullName: type, method and parameters.</param>
/// <param name="SamplesNs">Statistics.OriginalValues: nanoseconds per operation, one per workload iteration. Empty when the benchmark failed.</param>
/// <param name="AllocatedBytes">Memory.BytesAllocatedPerOperation, or null when the run had no memory diagnoser.</param>
/// <param name="Job">The job part of BenchmarkDotNet's DisplayInfo ("ShortRun", "Job-ABC(IterationCount=15)"), or "".</param>
internal sealed record BenchmarkResult(string Id, string SourceFile, IReadOnlyList<double> SamplesNs, double? MedianNs, long? AllocatedBytes, string Job = "")
{
    public bool HasMeasurements => SamplesNs.Count > 0;
}

/// <summary>Reads BenchmarkDotNet full JSON reports (*-report-full.json) from a file or a folder tree.</summary>
internal static class BdnResultReader
{
    public const string FullJsonPattern = "*-report-full.json";

    /// <summary>Every benchmark under <paramref name="path"/> (a report file, or a folder searched recursively), by id.</summary>
    public static IReadOnlyDictionary<string, BenchmarkResult> Load(string path)
    {
        string[] files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, FullJsonPattern, SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0)
                throw new CompareInputException($"No BenchmarkDotNet full JSON report ({FullJsonPattern}) under '{path}'. The bench config writes one per suite; was the run interrupted?");
        }
        else throw new CompareInputException($"'{path}' does not exist.");

        var read = files.SelectMany(ReadFile).ToList();
        // A benchmark run under two jobs (a class's own [SimpleJob] plus --job) has one FullName twice: its job
        // tells the two apart, and base and diff then match job for job.
        var sharedNames = read.GroupBy(r => r.Id).Where(g => g.Select(r => r.Job).Distinct().Count() > 1).Select(g => g.Key).ToHashSet();
        var results = new Dictionary<string, BenchmarkResult>(StringComparer.Ordinal);
        foreach (BenchmarkResult found in read)
        {
            BenchmarkResult r = sharedNames.Contains(found.Id) ? found with { Id = $"{found.Id} [{found.Job}]" } : found;
            if (!results.TryAdd(r.Id, r))
                throw new CompareInputException($"Benchmark '{r.Id}' appears twice: in '{results[r.Id].SourceFile}' and in '{r.SourceFile}'. Point --base/--diff at one run.");
        }
        return results;
    }

    public static IReadOnlyList<BenchmarkResult> ReadFile(string file)
    {
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new CompareInputException($"Cannot read '{file}': {ex.Message}", ex); }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("Benchmarks", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new CompareInputException($"'{file}' has no \"Benchmarks\" array: it is not a BenchmarkDotNet full JSON report ({FullJsonPattern}).");
            var results = new List<BenchmarkResult>();
            int index = 0;
            foreach (JsonElement b in list.EnumerateArray())
            {
                results.Add(ReadBenchmark(b, file, index));
                index++;
            }
            return results;
        }
        catch (JsonException ex)
        {
            throw new CompareInputException($"'{file}' is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message.Split(" LineNumber")[0]}", ex);
        }
    }

    private static BenchmarkResult ReadBenchmark(JsonElement b, string file, int index)
    {
        if (b.ValueKind != JsonValueKind.Object || !b.TryGetProperty("FullName", out JsonElement name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
            throw new CompareInputException($"Benchmark #{index + 1} in '{file}' has no FullName.");
        string id = name.GetString()!;

        var samples = new List<double>();
        double? median = null;
        if (b.TryGetProperty("Statistics", out JsonElement stats) && stats.ValueKind == JsonValueKind.Object)
        {
            if (stats.TryGetProperty("OriginalValues", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
                foreach (JsonElement v in values.EnumerateArray())
                    samples.Add(Number(v, id, file, "Statistics.OriginalValues"));
            if (stats.TryGetProperty("Median", out JsonElement m)) median = Number(m, id, file, "Statistics.Median");
        }

        long? allocated = null;
        if (b.TryGetProperty("Memory", out JsonElement memory) && memory.ValueKind == JsonValueKind.Object
            && memory.TryGetProperty("BytesAllocatedPerOperation", out JsonElement bytes) && bytes.ValueKind != JsonValueKind.Null)
            allocated = (long)Number(bytes, id, file, "Memory.BytesAllocatedPerOperation");

        // DisplayInfo is "<Type>.<Method>: <job> [<params>]".
        string job = b.TryGetProperty("DisplayInfo", out JsonElement info) && info.ValueKind == JsonValueKind.String
            ? JobOf(info.GetString()!) : "";
        return new BenchmarkResult(id, file, samples, median, allocated, job);
    }

    private static string JobOf(string displayInfo)
    {
        int colon = displayInfo.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return "";
        string rest = displayInfo[(colon + 2)..];
        int bracket = rest.LastIndexOf(" [", StringComparison.Ordinal);
        return (bracket >= 0 && rest.EndsWith(']') ? rest[..bracket] : rest).Trim();
    }

    private static double Number(JsonElement e, string id, string file, string field) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && double.IsFinite(d)
            ? d
            : throw new CompareInputException($"'{file}': {field} of '{id}' is {e.ValueKind}, not a number.");
}
