using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>The shared load options a scenario reads beyond the ones every scenario does (rate, duration, warm-up, users, quick).</summary>
[Flags]
internal enum LoadShapeParts
{
    None = 0,
    Events = 1,
    Popularity = 2,
    /// <summary>--threshold and --no-thresholds: for the scenarios that judge their runs by them.</summary>
    Thresholds = 4,
    All = Events | Popularity | Thresholds,
}

/// <summary>
/// The load every scenario of `load run` shares, declared once: --rate, --duration, --warmup, --users, --quick, and
/// where the scenario reads them --events, --popularity, --threshold and --no-thresholds.
/// </summary>
internal sealed class LoadShapeOptions(LoadShapeParts parts)
{
    private static readonly LoadOptions Defaults = new();

    public Option<double?> Rate { get; } = new("--rate") { Description = "Joins per second to inject (default 2000; quick 800)." };
    public Option<double?> Duration { get; } = new("--duration") { Description = "Seconds of measured load per run (default 15; quick 5)." };
    public Option<double?> WarmUp { get; } = new("--warmup") { Description = "Warm-up seconds before measuring (default 2; quick 1)." };
    public Option<int> Users { get; } = new("--users") { DefaultValueFactory = _ => Defaults.Users, Description = "Distinct users." };
    public Option<bool> Quick { get; } = new("--quick") { Description = "Short runs (for run --quick and tests)." };
    public Option<int> Events { get; } = new("--events") { DefaultValueFactory = _ => Defaults.Events, Description = "Events on sale." };
    public Option<string> Popularity { get; } = new("--popularity") { DefaultValueFactory = _ => Defaults.Popularity, Description = "uniform | zipf:S | hot:SHARE" };
    public Option<string[]> Thresholds { get; } = new("--threshold") { Description = "Pass/fail rule, repeatable: 'p99 < 20ms', 'fail% < 0.1', 'rps >= 0.95*target', 'dropped <= 10'. Without a rule on dropped arrivals, 'dropped <= 0' applies.", AllowMultipleArgumentsPerToken = false };
    public Option<bool> NoThresholds { get; } = new("--no-thresholds") { Description = "Report only; do not fail on thresholds." };

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { Rate, Duration, WarmUp, Users, Quick }) cmd.Options.Add(o);
        if (parts.HasFlag(LoadShapeParts.Events)) cmd.Options.Add(Events);
        if (parts.HasFlag(LoadShapeParts.Popularity)) cmd.Options.Add(Popularity);
        if (parts.HasFlag(LoadShapeParts.Thresholds)) { cmd.Options.Add(Thresholds); cmd.Options.Add(NoThresholds); }
    }

    /// <summary>
    /// The load asked for, on <see cref="LoadCommand.DefaultOptions"/> where nothing was given; the default thresholds
    /// gate unless --no-thresholds. A scenario that reads no thresholds gets none.
    /// </summary>
    public LoadOptions Get(ParseResult r)
    {
        LoadOptions d = LoadCommand.DefaultOptions(r.GetValue(Quick), gate: true);
        string[] rules = r.GetValue(Thresholds) is { Length: > 0 } given ? given : LoadCommand.DefaultThresholds;
        return d with
        {
            Rate = r.GetValue(Rate) ?? d.Rate,
            Duration = r.GetValue(Duration) is double s ? TimeSpan.FromSeconds(s) : d.Duration,
            WarmUp = r.GetValue(WarmUp) is double w ? TimeSpan.FromSeconds(w) : d.WarmUp,
            Users = r.GetValue(Users),
            Events = parts.HasFlag(LoadShapeParts.Events) ? r.GetValue(Events) : d.Events,
            Popularity = parts.HasFlag(LoadShapeParts.Popularity) ? r.GetValue(Popularity)! : d.Popularity,
            Thresholds = !parts.HasFlag(LoadShapeParts.Thresholds) || r.GetValue(NoThresholds) ? [] : Threshold.ParseRules(rules),
        };
    }
}

/// <summary>--out and --keep-data: where a load run writes and whether it leaves its keys behind, declared once.</summary>
internal sealed class LoadOutputOptions
{
    public Option<string?> Out { get; } = new("--out") { Description = "Output folder (default results/load/<time>-<scenario>)." };
    public Option<bool> KeepData { get; } = new("--keep-data") { Description = "Leave the run's keys on an external cluster (by default every key the run wrote is deleted at the end)." };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Out);
        cmd.Options.Add(KeepData);
    }

    /// <summary>The output folder, absolute: --out, or results/load/&lt;time&gt;-&lt;scenario&gt;.</summary>
    public string Dir(ParseResult r, string scenario) =>
        Path.GetFullPath(r.GetValue(Out) ?? Path.Combine("results", "load", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{scenario}"));
}
