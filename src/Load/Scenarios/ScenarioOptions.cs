using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using System.Globalization;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// What one scenario alone reads, beside the <see cref="LoadOptions"/> every scenario shares. The record says which
/// scenario it is for, and checks its own fields (against the shared ones where they meet, as --fault-at does).
/// </summary>
public abstract record ScenarioOptions
{
    /// <summary>The scenario's name (<see cref="ScenarioNames"/>): the command line's, the run plan's and the output folder's.</summary>
    public abstract string Scenario { get; }

    public virtual void Validate(LoadOptions load) { }

    /// <summary>The scenario's options when nothing is given (what `run` uses for its steps).</summary>
    public static ScenarioOptions Default(string scenario) => scenario switch
    {
        ScenarioNames.MultiEvent => new MultiEventOptions(),
        ScenarioNames.Strategies => new StrategiesOptions(),
        ScenarioNames.Duplicates => new DuplicatesOptions(),
        ScenarioNames.HotEvent => new HotEventOptions(),
        ScenarioNames.Capacity => new CapacityOptions(),
        ScenarioNames.Failover => new FailoverOptions(),
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'. Known: {string.Join(", ", ScenarioNames.All)}."),
    };
}

/// <summary>multi-event reads only the shared load.</summary>
public sealed record MultiEventOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.MultiEvent;
}

/// <summary>strategies: the strategies to run, one after another, on one cluster.</summary>
public sealed record StrategiesOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.Strategies;
    public IReadOnlyList<KeyStrategy> Strategies { get; init; } = [KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(8), KeyStrategy.Legacy];

    public override void Validate(LoadOptions load)
    {
        if (Strategies.Count == 0) throw new ArgumentException("--strategies names no strategy: give e.g. event,user,bucketed:8,legacy.", nameof(Strategies));
    }
}

/// <summary>duplicates: the share of attempts that retry an earlier idempotency key.</summary>
public sealed record DuplicatesOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.Duplicates;
    public double Share { get; init; } = 0.3;

    public override void Validate(LoadOptions load)
    {
        if (Share is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Share), Share, "--duplicates must be in [0, 1).");
    }
}

/// <summary>hot-event: the hot event's share of the traffic, and the bucket count of the bucketed run.</summary>
public sealed record HotEventOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.HotEvent;
    public double HotShare { get; init; } = 0.5;
    public int Buckets { get; init; } = 8;

    public override void Validate(LoadOptions load)
    {
        if (HotShare is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(HotShare), HotShare, "--hot-share must be in (0, 1].");
        if (Buckets < 1) throw new ArgumentOutOfRangeException(nameof(Buckets), Buckets, "--buckets must be at least 1.");
    }
}

/// <summary>capacity: the p99 (ms) and fail% above which a step counts as saturated, and the most rate steps (each ×1.5 the last).</summary>
public sealed record CapacityOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.Capacity;
    public double SaturationP99Ms { get; init; } = 50;
    public double SaturationFailPercent { get; init; } = 1;
    public int Steps { get; init; } = 12;

    public override void Validate(LoadOptions load)
    {
        if (Steps is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "--steps must be 1..20.");
        if (!(SaturationP99Ms > 0)) throw new ArgumentOutOfRangeException(nameof(SaturationP99Ms), SaturationP99Ms, "--saturation-p99 must be a positive number of ms.");
    }
}

/// <summary>failover: the fault and when, WAIT after each join, retries, strict replication, and the loss budget.</summary>
public sealed record FailoverOptions : ScenarioOptions
{
    public override string Scenario => ScenarioNames.Failover;
    public FaultAction Fault { get; init; } = FaultAction.KillPrimary;
    /// <summary>Into the measured run; null: a third of it.</summary>
    public TimeSpan? FaultAt { get; init; }
    /// <summary>Run this shell command at the fault time instead of a built-in fault (works on external clusters).</summary>
    public string? FaultCommand { get; init; }
    public int WaitReplicas { get; init; }
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Send WAIT even when the primary has too few replicas online (it then runs out its timeout).</summary>
    public bool WaitAlways { get; init; }
    public bool CompareWait { get; init; }
    /// <summary>
    /// Re-send a failed or timed-out join up to this many times, with the same idempotency key, after a backoff.
    /// Null: <see cref="FailoverScenario.DefaultRetry"/>.
    /// </summary>
    public int? Retry { get; init; }
    /// <summary>The first retry's backoff; each later one doubles, up to 8 s (or this, if longer). Null: 1 s.</summary>
    public TimeSpan? RetryBackoff { get; init; }
    /// <summary>A join whose WAIT reached fewer replicas than this is answered NotReplicated (0: off).</summary>
    public int RequireReplicas { get; init; }
    /// <summary>Fail the checks when more than this many acknowledged joins were lost (null: report only).</summary>
    public int? MaxLost { get; init; }

    /// <summary>When the fault hits, into the measured run of <paramref name="duration"/>.</summary>
    public TimeSpan FaultAtIn(TimeSpan duration) => FaultAt ?? duration / 3;

    public override void Validate(LoadOptions load)
    {
        if (WaitReplicas < 0) throw new ArgumentOutOfRangeException(nameof(WaitReplicas), WaitReplicas, "--wait-replicas cannot be negative.");
        if (WaitTimeout <= TimeSpan.Zero || WaitTimeout > TimeSpan.FromSeconds(60)) throw new ArgumentOutOfRangeException(nameof(WaitTimeout), WaitTimeout, "--wait-timeout must be 1..60000 ms.");
        // --fault-at must fall inside the measured run, or the fault is never measured (and the run would pass empty).
        if (FaultAt is { } faultAt && (faultAt <= TimeSpan.Zero || faultAt >= load.Duration))
            throw new ArgumentOutOfRangeException(nameof(FaultAt), faultAt, string.Create(CultureInfo.InvariantCulture,
                $"--fault-at must lie inside the measured run: more than 0 and less than --duration ({load.Duration.TotalSeconds:0.###} s); got {faultAt.TotalSeconds:0.###} s."));
        if (Retry is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(Retry), Retry, "--retry must be 0..10.");
        if (RequireReplicas < 0) throw new ArgumentOutOfRangeException(nameof(RequireReplicas), RequireReplicas, "--require-replicas cannot be negative.");
        if (RetryBackoff is { } b && (b <= TimeSpan.Zero || b > TimeSpan.FromSeconds(60)))
            throw new ArgumentOutOfRangeException(nameof(RetryBackoff), b, "--retry-backoff must be 1..60000 ms.");
        if (FaultCommand is not null && string.IsNullOrWhiteSpace(FaultCommand))
            throw new ArgumentException("--fault-command is empty: give the shell command that triggers the failover.", nameof(FaultCommand));
        if (MaxLost < 0) throw new ArgumentOutOfRangeException(nameof(MaxLost), MaxLost, "--max-lost cannot be negative.");
    }
}
