using HashtagBench.Contracts;
using StackExchange.Redis;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Agents;

/// <summary>
/// What load agent mode needs before the load starts: --agent i/N and --run-id read and checked, and a common
/// start. Every agent compares its clock with the cluster's (Redis TIME: the one clock they all see), refuses to
/// start when they disagree beyond a bound or the start time is already past, and otherwise sleeps until the
/// cluster's clock reads the start time.
/// </summary>
public static partial class AgentStart
{
    /// <summary>Scenarios that split across agents: open-model joins. capacity searches one machine's ceiling and failover injects one fault.</summary>
    public static readonly IReadOnlyList<string> Scenarios = [ScenarioNames.MultiEvent, ScenarioNames.Strategies, ScenarioNames.Duplicates, ScenarioNames.HotEvent];

    public static readonly TimeSpan DefaultMaxClockSkew = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultMaxLateStart = TimeSpan.FromSeconds(1);

    /// <summary>Parses --agent "i/N" (0-based index, N agents).</summary>
    public static (int Index, int Count) ParseAgent(string text)
    {
        Match m = AgentPattern().Match(text.Trim());
        if (!m.Success || !int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int i) || !int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"--agent '{text}' is not i/N (e.g. 0/3 for the first of three agents).");
        if (n < 1 || n > 1000) throw new ArgumentException($"--agent '{text}': N must be 1..1000.");
        if (i >= n) throw new ArgumentException($"--agent '{text}': the index is 0-based, so it must be below {n}.");
        return (i, n);
    }

    /// <summary>Parses --start-at: a UTC instant in ISO-8601 (2026-11-25T18:00:00Z).</summary>
    public static DateTime ParseStartAt(string text)
    {
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime at)
            || !(text.EndsWith('Z') || text.EndsWith("z", StringComparison.Ordinal) || OffsetSuffix().IsMatch(text)))
            throw new ArgumentException($"--start-at '{text}' is not a UTC ISO-8601 instant such as 2026-11-25T18:00:00Z.");
        return at;
    }

    /// <summary>A run ID every agent is given: letters and digits after an 'r' (it prefixes every key, and cleanup matches it).</summary>
    public static string CheckRunId(string text) =>
        RunIdPattern().IsMatch(text) ? text : throw new ArgumentException($"--run-id '{text}' must be 'r' and 3 to 40 letters or digits (e.g. r20261125a): it prefixes every key the agents write.");

    /// <summary>
    /// This machine's clock minus the cluster's, from Redis TIME on one primary, corrected for half the round
    /// trip; the bound is on what is left after that uncertainty.
    /// </summary>
    public static async Task<TimeSpan> ClockOffsetAsync(IConnectionMultiplexer mux)
    {
        IServer server = mux.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica)
            ?? throw new ArgumentException("The cluster has no connected primary to read its clock (TIME) from.");
        TimeSpan best = TimeSpan.MaxValue, offset = TimeSpan.Zero;
        for (int i = 0; i < 3; i++) // the fastest of three round trips has the least uncertainty
        {
            DateTime before = DateTime.UtcNow;
            long t0 = Stopwatch.GetTimestamp();
            DateTime server_ = await server.TimeAsync().ConfigureAwait(false);
            TimeSpan rtt = Stopwatch.GetElapsedTime(t0);
            if (rtt >= best) continue;
            best = rtt;
            offset = before + rtt / 2 - server_.ToUniversalTime();
        }
        return offset;
    }

    /// <summary>
    /// Checks the clocks and the start time, then waits until the cluster's clock reads <see cref="AgentSlice.StartAtUtc"/>.
    /// Returns the slice with the measured offset. Throws <see cref="ArgumentException"/> (one line, exit 2) when
    /// the clock is off by more than <paramref name="maxSkew"/> or the start passed more than <paramref name="maxLate"/> ago.
    /// </summary>
    public static async Task<AgentSlice> WaitForStartAsync(IConnectionMultiplexer mux, AgentSlice agent, TimeSpan maxSkew, TimeSpan maxLate,
        TextWriter console, CancellationToken ct)
    {
        TimeSpan offset = await ClockOffsetAsync(mux).ConfigureAwait(false);
        TimeSpan wait = CheckStart(agent, offset, DateTime.UtcNow, maxSkew, maxLate);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agent {agent.Label} of run {agent.RunId}: clock offset {offset.TotalMilliseconds:+0.0;-0.0} ms from the cluster's; starting at {agent.StartAtUtc:HH:mm:ss.fff}Z (in {Math.Max(0, wait.TotalSeconds):0.###} s)"));
        if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
        return agent with { ClockOffsetMs = Math.Round(offset.TotalMilliseconds, 3) };
    }

    /// <summary>
    /// How long to wait (local clock) until the cluster's clock reads the start, given this machine's
    /// <paramref name="offset"/> from it; throws <see cref="ArgumentException"/> when the offset exceeds
    /// <paramref name="maxSkew"/> or the start passed more than <paramref name="maxLate"/> ago.
    /// </summary>
    public static TimeSpan CheckStart(AgentSlice agent, TimeSpan offset, DateTime nowUtc, TimeSpan maxSkew, TimeSpan maxLate)
    {
        if (offset.Duration() > maxSkew)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"agent {agent.Label}: this machine's clock is {offset.TotalMilliseconds:+0;-0} ms off the cluster's (Redis TIME), beyond --max-clock-skew {maxSkew.TotalMilliseconds:0} ms: sync it (NTP/chrony) and start again."));
        // Local time at which the cluster's clock reads the start time.
        TimeSpan wait = agent.StartAtUtc + offset - nowUtc;
        if (-wait > maxLate)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"agent {agent.Label}: --start-at {agent.StartAtUtc:yyyy-MM-ddTHH:mm:ss.fffZ} passed {-wait.TotalSeconds:0.###} s ago (more than --max-late-start {maxLate.TotalSeconds:0.###} s): give every agent a later start time."));
        return wait;
    }

    [GeneratedRegex(@"^(\d+)\s*/\s*(\d+)$")]
    private static partial Regex AgentPattern();

    [GeneratedRegex(@"[+-]\d\d:?\d\d$")]
    private static partial Regex OffsetSuffix();

    [GeneratedRegex(@"^r[A-Za-z0-9]{3,40}$")]
    private static partial Regex RunIdPattern();
}
