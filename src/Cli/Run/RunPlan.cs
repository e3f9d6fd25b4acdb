using HashtagBench.Contracts;

namespace HashtagBench.Cli.Run;

/// <summary>What a run does: which suites and scenarios, how long each may take.</summary>
internal sealed record RunPlan(bool Quick, IReadOnlyList<string> Suites, IReadOnlyList<string> Scenarios, bool Sim, bool Gate, string? OutputDir)
{
    /// <summary>Leave the load steps' keys on an external cluster.</summary>
    public bool KeepData { get; init; }
    /// <summary>--otlp / --prometheus for every load step (null: none).</summary>
    public string? OtlpEndpoint { get; init; }
    public int? PrometheusPort { get; init; }
    /// <summary>The launch rehearsal step; null: none (--no-launch).</summary>
    public LaunchStepPlan? Launch { get; init; }

    /// <summary>The committed launch plan the run rehearses, relative to the repository root.</summary>
    public const string LaunchFile = "launches/gateway-30k.json";
    /// <summary>The strategies it rehearses: the fix, the bucketed spread, and the incident (legacy's CROSSSLOT, expected).</summary>
    public const string LaunchStrategies = "event,bucketed:8,legacy";
    /// <summary>--quick: 1/50 of the plan's 30,000 users, which keeps the whole quick run near its old length on 2 cores.</summary>
    public const double QuickLaunchScale = 0.02;
    public const double FullLaunchScale = 0.1;

    /// <summary>Suite name → BenchmarkDotNet filter.</summary>
    public static readonly IReadOnlyDictionary<string, string> SuiteFilters = new Dictionary<string, string>
    {
        ["slot"] = "*.SlotBenchmarks.*",
        ["keyformat"] = "*.KeyFormatBenchmarks.*",
        ["guard"] = "*.SlotGuardBenchmarks.*",
        ["join"] = "*.JoinBenchmarks.*",
        ["sim"] = "*.ClusterSimBenchmarks.*",
    };

    /// <summary>Every load scenario; a full run takes them all (failover included, on the run's own cluster).</summary>
    public static readonly IReadOnlyList<string> KnownScenarios = ScenarioNames.All;

    private static readonly string[] QuickSuites = ["slot", "keyformat", "guard"];
    private static readonly string[] QuickScenarios = [ScenarioNames.Strategies, ScenarioNames.HotEvent, ScenarioNames.Duplicates];

    public static RunPlan Create(bool quick, string? suites, string? scenarios, bool sim, bool gate, string? output, bool launch = true) => new(
        quick,
        Pick(suites, quick ? QuickSuites : [.. SuiteFilters.Keys], SuiteFilters.Keys, "suite"),
        Pick(scenarios, quick ? QuickScenarios : KnownScenarios, KnownScenarios, "scenario"),
        sim, gate, output)
    {
        Launch = launch ? new LaunchStepPlan(LaunchFile, quick ? QuickLaunchScale : FullLaunchScale, LaunchStrategies, MaxSeconds: quick ? 90 : 600) : null,
    };

    private static IReadOnlyList<string> Pick(string? text, IReadOnlyList<string> defaults, IEnumerable<string> known, string what)
    {
        if (text is null) return defaults;
        if (text.Trim() is "none" or "") return [];
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();
        var unknown = names.Except(known).ToList();
        if (unknown.Count > 0) throw new FormatException($"Unknown {what}(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", known)}, none.");
        return names.Distinct().ToList();
    }
}

/// <summary>The run's launch step: which file, at which scale, which strategies, and each strategy's hard stop.</summary>
internal sealed record LaunchStepPlan(string File, double Scale, string Strategies, double MaxSeconds);
