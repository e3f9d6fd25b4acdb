namespace HashtagBench.Load.Engine;

/// <summary>A named workload: an invocation function, its load phases, and optional init, warm-up and clean.</summary>
public sealed class Scenario
{
    private Scenario(string name, Func<ScenarioContext, ValueTask<Response>> call)
    {
        Name = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A scenario needs a name.", nameof(name)) : name;
        Call = call ?? throw new ArgumentNullException(nameof(call));
    }

    public string Name { get; }

    /// <summary>
    /// One invocation. A ValueTask, so a call that completes at once, or through a pooled source, costs the engine no
    /// allocation (the engine's own per-call path allocates nothing: bench/EngineBenchmarks).
    /// </summary>
    public Func<ScenarioContext, ValueTask<Response>> Call { get; }
    public IReadOnlyList<LoadSimulation> Simulations { get; private set; } = [];
    public TimeSpan WarmUp { get; private set; }
    public Func<CancellationToken, Task>? Init { get; private set; }
    public Func<CancellationToken, Task>? Clean { get; private set; }

    /// <summary>Most invocations in flight at once (open model). Beyond it an arrival is dropped (counted, reason in-flight-cap) instead of queueing without bound.</summary>
    public int MaxInFlight { get; private set; } = 5_000;

    /// <summary>Most invocations in total; the run stops when it is reached.</summary>
    public long MaxInvocations { get; private set; } = 10_000_000;

    public static Scenario Create(string name, Func<ScenarioContext, Task<Response>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(name, ctx => new ValueTask<Response>(run(ctx)));
    }

    /// <summary>As <see cref="Create"/>, for an invocation that returns a ValueTask (no Task per call where it completes at once or pools its source).</summary>
    public static Scenario CreateValue(string name, Func<ScenarioContext, ValueTask<Response>> call) => new(name, call);

    public Scenario WithLoadSimulations(params LoadSimulation[] simulations)
    {
        if (simulations.Length == 0) throw new ArgumentException("At least one load simulation is needed.", nameof(simulations));
        Simulations = simulations;
        return this;
    }

    public Scenario WithWarmUpDuration(TimeSpan warmUp)
    {
        WarmUp = warmUp >= TimeSpan.Zero ? warmUp : throw new ArgumentOutOfRangeException(nameof(warmUp), warmUp, "Warm-up cannot be negative.");
        return this;
    }

    /// <summary>Which arrivals of the open-model schedule this process sends (load agents split one schedule); all of them by default.</summary>
    public ArrivalSlice Slice { get; private set; } = ArrivalSlice.Whole;

    public Scenario WithArrivalSlice(ArrivalSlice slice) { Slice = slice; return this; }

    public Scenario WithInit(Func<CancellationToken, Task> init) { Init = init; return this; }
    public Scenario WithClean(Func<CancellationToken, Task> clean) { Clean = clean; return this; }

    public Scenario WithLimits(int maxInFlight, long maxInvocations)
    {
        MaxInFlight = maxInFlight > 0 ? maxInFlight : throw new ArgumentOutOfRangeException(nameof(maxInFlight));
        MaxInvocations = maxInvocations > 0 ? maxInvocations : throw new ArgumentOutOfRangeException(nameof(maxInvocations));
        return this;
    }

    public TimeSpan TotalDuration => Simulations.Aggregate(TimeSpan.Zero, (t, s) => t + s.During);

    /// <summary>Average arrival rate the open-model phases ask for (what an "rps >= x*target" threshold compares to).</summary>
    public double TargetRps
    {
        get
        {
            double invocations = 0, seconds = 0, prev = 0;
            foreach (LoadSimulation s in Simulations)
            {
                seconds += s.During.TotalSeconds;
                if (s is InjectSim i)
                {
                    invocations += (i.Ramp ? (prev + i.PerSecond) / 2 : i.PerSecond) * s.During.TotalSeconds;
                    prev = i.PerSecond;
                }
            }
            return seconds > 0 ? invocations / seconds / Slice.Count : 0; // an agent's target is its share
        }
    }
}

/// <summary>
/// Arrival k (1-based, counted per phase) is sent by the agent whose <paramref name="Index"/> is k mod
/// <paramref name="Count"/>: agents 0..Count-1 together send the single-agent schedule, each arrival exactly once.
/// </summary>
public sealed record ArrivalSlice
{
    public ArrivalSlice(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), $"agent {index}/{count}: the index must be 0..{count - 1}.");
        (Index, Count) = (index, count);
    }

    public int Index { get; }
    public int Count { get; }

    public static ArrivalSlice Whole { get; } = new(0, 1);

    public bool Owns(long arrival) => arrival % Count == Index;

    /// <summary>How many of arrivals <paramref name="first"/>..<paramref name="last"/> (1-based, inclusive) this slice owns.</summary>
    public long OwnedIn(long first, long last) => first > last ? 0 : OwnedUpTo(last) - OwnedUpTo(first - 1);

    // Arrivals 1..n owned: Index, Index+Count, ... (Count, 2·Count, ... for Index 0).
    private long OwnedUpTo(long n) => n < Math.Max(Index, 1) ? 0 : (n - Index) / Count + (Index == 0 ? 0 : 1);
}

