using HashtagBench.Keys;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Scenarios;

/// <summary>Everything a scenario can be told from the command line, validated once.</summary>
public sealed record LoadOptions
{
    public double Rate { get; init; } = 2000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(2);
    public int Events { get; init; } = 20;
    public string Popularity { get; init; } = "zipf:1.0";
    public int Users { get; init; } = 100_000;
    public IReadOnlyList<KeyStrategy> Strategies { get; init; } = [KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(8), KeyStrategy.Legacy];
    public double HotShare { get; init; } = 0.5;
    public int Buckets { get; init; } = 8;
    public double DuplicateShare { get; init; } = 0.3;
    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];
    /// <summary>capacity: the p99 (ms) and fail% above which a step counts as saturated.</summary>
    public double SaturationP99Ms { get; init; } = 50;
    public double SaturationFailPercent { get; init; } = 1;
    /// <summary>capacity: most rate steps (each ×1.5 the last) before the ladder gives up.</summary>
    public int CapacitySteps { get; init; } = 12;
    public string OutputDir { get; init; } = "";
    /// <summary>Short steps and no external tools: for the quick run and the tests.</summary>
    public bool Quick { get; init; }
    /// <summary>failover: what to do, when, and whether to WAIT for a replica after each join.</summary>
    public string Fault { get; init; } = "kill";
    public TimeSpan? FaultAt { get; init; }
    public int WaitReplicas { get; init; }
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Send WAIT even when the primary has too few replicas online (it then runs out its timeout).</summary>
    public bool WaitAlways { get; init; }
    public bool CompareWait { get; init; }
    /// <summary>Leave the run's keys on an external cluster instead of deleting them at the end.</summary>
    public bool KeepData { get; init; }

    // Faults and audits: retries, strict replication, and the loss budget.
    /// <summary>
    /// Re-send a failed or timed-out join up to this many times, with the same idempotency key, after a backoff.
    /// Null: the scenario's default (failover: <see cref="FailoverScenario.DefaultRetry"/>; the others: none).
    /// </summary>
    public int? Retry { get; init; }
    /// <summary>The first retry's backoff; each later one doubles, up to 8 s (or this, if longer). Null: 1 s.</summary>
    public TimeSpan? RetryBackoff { get; init; }
    /// <summary>failover: run this shell command at the fault time instead of a built-in fault (works on external clusters).</summary>
    public string? FaultCommand { get; init; }
    /// <summary>A join whose WAIT reached fewer replicas than this is answered NotReplicated (0: off).</summary>
    public int RequireReplicas { get; init; }
    /// <summary>failover: fail the checks when more than this many acknowledged joins were lost (null: report only).</summary>
    public int? MaxLost { get; init; }

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
        if (HotShare is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(HotShare), HotShare, "--hot-share must be in (0, 1].");
        if (DuplicateShare is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(DuplicateShare), DuplicateShare, "--duplicates must be in [0, 1).");
        if (CapacitySteps is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(CapacitySteps), CapacitySteps, "--steps must be 1..20.");
        if (!(SaturationP99Ms > 0)) throw new ArgumentOutOfRangeException(nameof(SaturationP99Ms), SaturationP99Ms, "--saturation-p99 must be a positive number of ms.");
        if (WaitReplicas < 0) throw new ArgumentOutOfRangeException(nameof(WaitReplicas), WaitReplicas, "--wait-replicas cannot be negative.");
        if (WaitTimeout <= TimeSpan.Zero || WaitTimeout > TimeSpan.FromSeconds(60)) throw new ArgumentOutOfRangeException(nameof(WaitTimeout), WaitTimeout, "--wait-timeout must be 1..60000 ms.");
        // --fault-at must fall inside the measured run, or the fault is never measured (and the run would pass empty).
        if (FaultAt is { } faultAt && (faultAt <= TimeSpan.Zero || faultAt >= Duration))
            throw new ArgumentOutOfRangeException(nameof(FaultAt), faultAt,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"--fault-at must lie inside the measured run: more than 0 and less than --duration ({Duration.TotalSeconds:0.###} s); got {faultAt.TotalSeconds:0.###} s."));
        if (Buckets < 1) throw new ArgumentOutOfRangeException(nameof(Buckets), Buckets, "--buckets must be at least 1.");
        _ = ClusterSim.Popularity.Parse(Popularity);
        ValidateFaultOptions();
        if (SampleInterval < TimeSpan.FromMilliseconds(100)) throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, "The node sampling interval must be at least 100 ms.");
        if (OtlpEndpoint is not null) _ = Telemetry.MetricsExport.OtlpMetricsUri(OtlpEndpoint);
        if (PrometheusPort is int port) Telemetry.MetricsExport.ValidatePort(port);
    }

    private void ValidateFaultOptions()
    {
        if (Retry is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(Retry), Retry, "--retry must be 0..10.");
        if (RequireReplicas < 0) throw new ArgumentOutOfRangeException(nameof(RequireReplicas), RequireReplicas, "--require-replicas cannot be negative.");
        if (RetryBackoff is { } b && (b <= TimeSpan.Zero || b > TimeSpan.FromSeconds(60)))
            throw new ArgumentOutOfRangeException(nameof(RetryBackoff), b, "--retry-backoff must be 1..60000 ms.");
        if (FaultCommand is not null && string.IsNullOrWhiteSpace(FaultCommand))
            throw new ArgumentException("--fault-command is empty: give the shell command that triggers the failover.", nameof(FaultCommand));
        if (MaxLost < 0) throw new ArgumentOutOfRangeException(nameof(MaxLost), MaxLost, "--max-lost cannot be negative.");
    }
}
