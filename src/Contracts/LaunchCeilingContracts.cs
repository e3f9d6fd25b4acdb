namespace HashtagBench.Contracts;

/// <summary>
/// bench launch-ceiling: can the harness drive the hot shard at least as hard as redis-benchmark -c N, on the same
/// primary, the same keys and the same weighted command mix, measured one after the other in one run?
/// </summary>
/// <param name="Node">The hot primary (host:port) both sides drove.</param>
/// <param name="SecondsPerCommand">Each command's measured window, per side (after a warm-up).</param>
/// <param name="DroppedShare">Share of the hot shard's modelled commands left out of the mix (too rare, or no wire form here).</param>
/// <param name="LoadBefore">/proc/loadavg before the first side ran, and after the last: how busy the machine was.</param>
public sealed record LaunchCeilingResult(string Launch, string Schema, string EventId, string Node, int Clients, double SecondsPerCommand,
    IReadOnlyList<CeilingMixCommand> Mix, double DroppedShare, CeilingSide Harness, CeilingSide RedisBenchmark,
    int LogicalCpus, string LoadBefore, string LoadAfter)
{
    /// <summary>Every key the run wrote carries this prefix (before the hash tag, so the slot is the event's).</summary>
    public string RunPrefix { get; init; } = "";

    /// <summary>Keys of the run removed at its end (SCAN MATCH *prefix*, UNLINK).</summary>
    public long KeysRemoved { get; init; }

    /// <summary>
    /// The join script through the harness's whole load path (engine, JoinDriver, EnqueueClient), once multiplexed and
    /// once gateway-shaped, each beside redis-benchmark's EVALSHA of the same script; empty when the mix has no join.
    /// </summary>
    public IReadOnlyList<CeilingJoinRow> JoinRows { get; init; } = [];

    /// <summary>Harness mix rate over redis-benchmark's, both from the server's counts; null when either side measured nothing.</summary>
    public double? Ratio => Harness.MixRate is double h && RedisBenchmark.MixRate is double rb && rb > 0 ? h / rb : null;
}

/// <summary>One command of the mix: its wire form on the hot event's keys and its weight (weights sum to 1).</summary>
/// <param name="Steps">The launch steps that send it, e.g. "Status, Enter".</param>
/// <param name="ModelCalls">Calls the simulator predicts for the whole launch (every event).</param>
public sealed record CeilingMixCommand(string Command, string Form, string Steps, long ModelCalls, double Weight);

/// <summary>One side (harness or redis-benchmark): each command of the mix run alone at full concurrency.</summary>
/// <param name="Limiter">What saturated: "server CPU", "client CPU", "machine CPU" or "none saturated" (see the report).</param>
public sealed record CeilingSide(string Name, IReadOnlyList<CeilingCommandRun> Runs, string Limiter)
{
    /// <summary>
    /// The mix's rate from the server's counts: 1 / Σ(wᵢ / rateᵢ), the time one weighted command takes on average.
    /// Null when any command measured nothing: a mix with a missing part has no rate.
    /// </summary>
    public double? MixRate => Combine(Runs.Select(r => (r.Weight, r.ServerRate)));

    /// <summary>The same from the client's own counts.</summary>
    public double? ClientMixRate => Combine(Runs.Select(r => (r.Weight, r.ClientRate)));

    /// <summary>Client process CPU over the side's measured windows (1.0 = one core busy).</summary>
    public double? ClientCpu => Share(Runs.Select(r => (double?)r.ClientCpuSeconds));

    /// <summary>The hot node's CPU (INFO cpu, user + sys) over the side's measured windows (1.0 = one core busy).</summary>
    public double? ServerCpu => Share(Runs.Select(r => r.ServerCpuSeconds));

    /// <summary>Client CPU per call of the mix, µs: Σ wᵢ · (client CPU per call)ᵢ. Null when any command counted no call.</summary>
    public double? ClientCpuMicrosPerCall
    {
        get
        {
            double sum = 0;
            foreach (CeilingCommandRun r in Runs)
            {
                if (r.ClientCpuMicrosPerCall is not double us) return null;
                sum += r.Weight * us;
            }
            return Runs.Count == 0 ? null : sum;
        }
    }

    private double? Share(IEnumerable<double?> seconds)
    {
        double window = Runs.Sum(r => r.WindowSeconds);
        List<double?> s = [.. seconds];
        return window <= 0 || s.Count == 0 || s.Any(x => x is null) ? null : s.Sum(x => x!.Value) / window;
    }

    private static double? Combine(IEnumerable<(double Weight, double? Rate)> parts)
    {
        double perCall = 0;
        int n = 0;
        foreach (var (w, rate) in parts)
        {
            if (rate is not double r || r <= 0) return null;
            perCall += w / r;
            n++;
        }
        return n == 0 ? null : 1 / perCall;
    }
}

/// <summary>One command of the mix on one side.</summary>
/// <param name="ServerCalls">INFO commandstats calls minus failed_calls on the hot node over the window.</param>
/// <param name="ServerFailed">failed_calls + rejected_calls over the window (errors the server answered).</param>
/// <param name="ClientRate">The client's own count over the window (harness), or redis-benchmark's "overall" rps; null when it printed none.</param>
/// <param name="ClientCpuSeconds">CPU the client process used over the window.</param>
/// <param name="ServerCpuSeconds">CPU the hot node used over the window; null when INFO cpu had no figure.</param>
/// <param name="Note">Why the window measured nothing, when it did not (the tool's own error line).</param>
public sealed record CeilingCommandRun(string Command, double Weight, double WindowSeconds, long ServerCalls, long ServerFailed,
    double? ClientRate, double ClientCpuSeconds, double? ServerCpuSeconds, string? Note = null)
{
    /// <summary>Successful calls per second as the server counted them; null (not 0) when it counted none.</summary>
    public double? ServerRate => ServerCalls > 0 && WindowSeconds > 0 ? ServerCalls / WindowSeconds : null;

    /// <summary>Client CPU per call the server counted, in µs (what a generator costs its machine per call); null when it counted none.</summary>
    public double? ClientCpuMicrosPerCall => ServerCalls > 0 ? ClientCpuSeconds * 1e6 / ServerCalls : null;
}

/// <summary>
/// One join-script row: the production join (EVALSHA of the enqueue script, fresh keys each call) driven through the
/// harness's load path in one client shape, and redis-benchmark's EVALSHA of the same script, back to back.
/// </summary>
/// <param name="Shape">"multiplexed" (one StackExchange.Redis multiplexer, every call pipelined on one connection per node)
/// or "gateway" (one connection per caller, one command per round trip, as the gateway's pooled clients send).</param>
/// <param name="Connections">Connections to the hot node the harness used.</param>
public sealed record CeilingJoinRow(string Shape, int Connections, CeilingCommandRun Harness, CeilingCommandRun RedisBenchmark)
{
    /// <summary>The join row driven by the engine's hop-free connection: no thread hop per call, one connection pipelined.</summary>
    public const string HopFree = "hop-free RESP";
    /// <summary>The same, one connection per copy: the gateway's shape.</summary>
    public const string HopFreeGateway = "hop-free RESP, gateway";

    /// <summary>Harness calls/s over redis-benchmark's (server counts); null when either counted none.</summary>
    public double? Ratio => Harness.ServerRate is double h && RedisBenchmark.ServerRate is double rb ? h / rb : null;

    /// <summary>Harness calls per client CPU-second over redis-benchmark's (≥ 1: the harness costs its machine less per call).</summary>
    public double? CpuEfficiencyRatio => Harness.ClientCpuMicrosPerCall is double h && h > 0 && RedisBenchmark.ClientCpuMicrosPerCall is double rb ? rb / h : null;
}
