using HashtagBench.ClusterSim;
using HashtagBench.WaitingRoom;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// One launch rehearsal, checked once before anything starts: what `run --launch` and `load run launch` both build
/// from their options. Run IDs, key prefixes, result file names and the output folder come from here only.
/// </summary>
/// <param name="Launch">The file as written (seed and strategies overridden): what the sizing model runs.</param>
/// <param name="Scaled">The launch the live runs drive (<see cref="LaunchScaling.Scale"/>).</param>
/// <param name="ClientModes">The client shapes each strategy runs in, the first one's run being its result; never empty.</param>
/// <param name="OutputDir">Full path.</param>
public sealed partial record LaunchPlan(Launch Launch, Launch Scaled, string ScaleNote, double Scale, IReadOnlyList<ClientMode> ClientModes,
    double MaxSeconds, double CpuTarget, bool KeepData, string OutputDir, string RunId)
{
    public const double DefaultMaxSeconds = 600;

    /// <summary>
    /// Checks every value and loads the file. <paramref name="outputBase"/>: where the default folder goes
    /// (<see cref="OutputFolder"/>); <paramref name="runId"/> null: a new one.
    /// </summary>
    public static LaunchPlan Create(string? launchPath, string outputBase, double scale = 1, IReadOnlyList<string>? strategies = null, ulong? seed = null,
        double maxSeconds = DefaultMaxSeconds, double cpuTarget = LaunchCapacity.DefaultTargetCpu, IReadOnlyList<ClientMode>? clientModes = null,
        bool keepData = false, string? outputDir = null, string? runId = null, DateTime? utcNow = null)
    {
        if (string.IsNullOrWhiteSpace(launchPath)) throw new ArgumentException("--launch needs a launch file, e.g. --launch launches/gateway-30k.json.");
        CheckMaxSeconds(maxSeconds);
        LaunchCapacity.CheckTarget(cpuTarget);
        string id = runId is null ? NewRunId() : CheckRunId(runId);
        Launch launch = LaunchFileLoader.Load(launchPath);
        if (seed is ulong s) // the loader's check is internal: a round trip through the file format re-checks the changed file
            launch = LaunchFileLoader.Parse(LaunchFileLoader.ToJson(launch.File with { Seed = s }), launch.Source);
        if (strategies is { Count: > 0 }) launch = launch.WithStrategies(strategies);
        (Launch scaled, string note) = LaunchScaling.Scale(launch, scale);
        IReadOnlyList<ClientMode> modes = clientModes is { Count: > 0 } ? clientModes : [launch.File.Client.Mode];
        return new LaunchPlan(launch, scaled, note, scale, modes, maxSeconds, cpuTarget, keepData,
            OutputFolder(outputDir, outputBase, id, utcNow ?? DateTime.UtcNow), id);
    }

    /// <summary>The key prefix of one strategy's run (see <see cref="KeyPrefix(string, string, string)"/>).</summary>
    public string KeyPrefix(string strategy, string variant = "") => KeyPrefix(RunId, strategy, variant);

    /// <summary>
    /// "hb:&lt;runId&gt;:&lt;strategy&gt;&lt;variant&gt;:", outside every hash tag (tagged keys keep their slot on a
    /// rerun). The strategy is part of it so that strategies run in one go, with --keep-data, never meet each
    /// other's keys (the same seed means the same idempotency keys), under one run ID that cleanup by "hb:&lt;runId&gt;:" finds.
    /// </summary>
    public static string KeyPrefix(string runId, string strategy, string variant = "") => $"hb:{runId}:{FileSafe(strategy)}{variant}:";

    /// <summary>A result file of one strategy: "launch-bucketed-8.json", "comparison-event-multiplexed.json".</summary>
    public static string ResultFile(string kind, string strategy, string variant = "") => $"{kind}-{FileSafe(strategy)}{variant}.json";

    /// <summary>A strategy name as a file or key-prefix part: "bucketed:8" → "bucketed-8" (no ':' in file names).</summary>
    public static string FileSafe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '-'));

    /// <summary>A new run ID: 8 lowercase hex digits.</summary>
    public static string NewRunId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The run ID as given, or an error: it goes into every key.</summary>
    public static string CheckRunId(string runId) => RunIdRule().IsMatch(runId) ? runId
        : throw new ArgumentException($"--run-id '{runId}' must be 4-32 letters, digits, '-' or '_' (it goes into every key).");

    /// <summary>The hard stop per strategy: a positive, finite number of seconds.</summary>
    public static double CheckMaxSeconds(double maxSeconds) => maxSeconds > 0 && !double.IsInfinity(maxSeconds) ? maxSeconds
        : throw new ArgumentException($"--max-seconds must be a positive number (got {maxSeconds.ToString(CultureInfo.InvariantCulture)}).");

    /// <summary>
    /// --out as given (relative to the current folder), else &lt;base&gt;/results/launch-&lt;UTC time&gt;-&lt;runId&gt;:
    /// `load run launch` passes the current folder, `run` the repository, as for its other results.
    /// </summary>
    public static string OutputFolder(string? given, string baseDir, string runId, DateTime utcNow) =>
        Path.GetFullPath(given ?? Path.Combine(baseDir, "results", $"launch-{utcNow:yyyyMMdd-HHmmss}-{runId}"));

    [GeneratedRegex("^[A-Za-z0-9_-]{4,32}$")]
    private static partial Regex RunIdRule();
}
