using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;
using System.Collections.Concurrent;

namespace HashtagBench.Load.Scenarios;

/// <summary>What a gateway sends for one join attempt.</summary>
internal sealed record JoinRequest(string Event, string User, string IdempotencyKey);

/// <summary>
/// One join attempt and what came back (kept for audits and for the shard prediction). <paramref name="SentAtSeconds"/>
/// and <paramref name="AtSeconds"/> (when the answer came) are read on <see cref="JoinDriver.Clock"/>.
/// </summary>
/// <remarks><paramref name="Attempt"/> is 0 for the first attempt and n for the n-th retry of the same idempotency key.</remarks>
public sealed record JoinRecord(string Event, string User, string IdempotencyKey, JoinResult Result, double AtSeconds = 0, double SentAtSeconds = 0, int Attempt = 0);

/// <summary>
/// How a gateway's client retries a failed join: same idempotency key, after a backoff that doubles from
/// <paramref name="Backoff"/> and is capped at <paramref name="MaxBackoff"/>.
/// </summary>
public sealed record RetryPolicy(int Count, TimeSpan Backoff, TimeSpan MaxBackoff)
{
    public static RetryPolicy None { get; } = new(0, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>
    /// The default first backoff. A failover takes 3-5 s (node timeout, then the election); with --retry 2 the retries
    /// go 1 s and 3 s after the failure, so a join that failed at the kill is re-sent after the promotion.
    /// </summary>
    public static readonly TimeSpan DefaultBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The cap on one backoff.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(8);

    /// <summary>--retry N [--retry-backoff MS]: 1 s, 2 s, 4 s, 8 s, 8 s… (the reference browser client retries twice on 5xx).</summary>
    public static RetryPolicy Of(int count, TimeSpan? backoff = null) =>
        new(count, backoff ?? DefaultBackoff, TimeSpan.FromTicks(Math.Max(DefaultMaxBackoff.Ticks, (backoff ?? DefaultBackoff).Ticks)));

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based): Backoff × 2^(attempt-1), at most MaxBackoff.</summary>
    public TimeSpan Delay(int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(MaxBackoff.Ticks, Backoff.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30))));

    /// <summary>Failures a client would retry: all but the ones refused before anything reached Redis.</summary>
    public static bool Retryable(JoinResult r) => r is JoinResult.Failed { Kind: not (FailureKind.CrossSlotGuard or FailureKind.CrossSlotClient) };
}

/// <summary>Turns EnqueueClient.JoinAsync into an engine scenario: Enqueued/Duplicate are Ok, Failed is Fail with its kind.</summary>
public static class JoinDriver
{
    /// <summary>Process-wide clock for record timestamps (failover windows are read against it).</summary>
    public static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static Scenario Build(string name, EnqueueClient client, Func<Random, (string Event, string User, string Idem)> next,
        ConcurrentQueue<JoinRecord>? log, LoadOptions o, params LoadSimulation[] simulations) =>
        Build(name, client, next, log, o, RetryPolicy.None, simulations);

    /// <summary>As above; a failed join is re-sent per <paramref name="retry"/> and every attempt is logged. The response is the last attempt's.</summary>
    public static Scenario Build(string name, EnqueueClient client, Func<Random, (string Event, string User, string Idem)> next,
        ConcurrentQueue<JoinRecord>? log, LoadOptions o, RetryPolicy retry, params LoadSimulation[] simulations) =>
        Scenario.Create(name, async ctx =>
            {
                var (evt, user, idem) = next(ctx.Random);
                for (int attempt = 0; ; attempt++)
                {
                    double sent = Clock.Elapsed.TotalSeconds;
                    JoinResult r = await client.JoinAsync(evt, user, idem).ConfigureAwait(false);
                    log?.Enqueue(new JoinRecord(evt, user, idem, r, Clock.Elapsed.TotalSeconds, sent, attempt));
                    if (attempt >= retry.Count || !RetryPolicy.Retryable(r)) return ToResponse(r);
                    await Task.Delay(retry.Delay(attempt + 1)).ConfigureAwait(false);
                }
            })
            .WithWarmUpDuration(o.WarmUp)
            .WithLoadSimulations(simulations.Length > 0 ? simulations : [Steady(o)])
            .WithLimits(maxInFlight: 5_000, maxInvocations: MaxInvocations(o));

    /// <summary>A bound on invocations well above what the schedule asks for: the run stops if it is ever reached.</summary>
    public static long MaxInvocations(LoadOptions o) => (long)(o.Rate * (o.Duration + o.WarmUp).TotalSeconds * 2) + 1_000;

    /// <summary>The default shape: inject --rate joins per second for --duration.</summary>
    public static LoadSimulation Steady(LoadOptions o) => Steady(o.Rate, o.Duration);

    /// <summary>Exactly <paramref name="rate"/> joins per second (5/s is 5/s, not a whole count per 100 ms rounded up to 10/s).</summary>
    public static LoadSimulation Steady(double rate, TimeSpan duration) => LoadSimulation.InjectPerSecond(rate, duration);

    public static Response ToResponse(JoinResult r) => r switch
    {
        JoinResult.Enqueued => Response.Ok("enqueued"),
        JoinResult.Duplicate => Response.Ok("duplicate"),
        JoinResult.Failed f => Response.Fail(f.Kind.ToString(), f.Message),
        _ => Response.Fail("unknown"),
    };
}
