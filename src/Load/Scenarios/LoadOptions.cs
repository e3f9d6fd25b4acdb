using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// The load every scenario shares (its shape, thresholds, output, agent slice and telemetry), validated once. What
/// one scenario alone reads is in its own <see cref="ScenarioOptions"/> record.
/// </summary>
public sealed record LoadOptions
{
    public double Rate { get; init; } = 2000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(2);
    public int Events { get; init; } = 20;
    public string Popularity { get; init; } = "zipf:1.0";
    public int Users { get; init; } = 100_000;
    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];
    public string OutputDir { get; init; } = "";
    /// <summary>Short steps and no external tools: for the quick run and the tests.</summary>
    public bool Quick { get; init; }
    /// <summary>Leave the run's keys on an external cluster instead of deleting them at the end.</summary>
    public bool KeepData { get; init; }

    /// <summary>Load agent mode (--agent i/N): this process's slice of a run several agents share; null for a single process.</summary>
    public HashtagBench.Contracts.AgentSlice? Agent { get; init; }
    // Live telemetry: the node sampler's interval, and where metrics go while the run lasts.
    /// <summary>How often the node sampler reads INFO from every node.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>--otlp: an OTLP/HTTP collector to push metrics to (null: none).</summary>
    public string? OtlpEndpoint { get; init; }
    /// <summary>--prometheus: the port a scrape endpoint is served on during the run (null: none).</summary>
    public int? PrometheusPort { get; init; }

    public void Validate()
    {
        if (Agent is { } a && Users < a.Count) throw new ArgumentOutOfRangeException(nameof(Users), Users, $"--users ({Users}) must be at least the agent count ({a.Count}): each agent needs users of its own.");
        if (!(Rate > 0)) throw new ArgumentOutOfRangeException(nameof(Rate), Rate, "--rate must be a positive number of joins per second.");
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(1)) throw new ArgumentOutOfRangeException(nameof(Duration), Duration, "--duration must be between 0 and 3600 seconds.");
        if (WarmUp < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(WarmUp), WarmUp, "--warmup cannot be negative.");
        if (Events < 1) throw new ArgumentOutOfRangeException(nameof(Events), Events, "--events must be at least 1.");
        if (Users < 1) throw new ArgumentOutOfRangeException(nameof(Users), Users, "--users must be at least 1.");
        _ = ClusterSim.Popularity.Parse(Popularity);
        if (SampleInterval < TimeSpan.FromMilliseconds(100)) throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, "The node sampling interval must be at least 100 ms.");
        if (OtlpEndpoint is not null) _ = Telemetry.MetricsExport.OtlpMetricsUri(OtlpEndpoint);
        if (PrometheusPort is int port) Telemetry.MetricsExport.ValidatePort(port);
    }
}
