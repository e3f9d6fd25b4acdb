using HashtagBench.Keys;
using System.Collections.Concurrent;
using HashtagBench.Enqueue;
using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Scenarios;

/// <summary>What a gateway sends for one join attempt.</summary>
public sealed record JoinRequest(string Event, string User, string IdempotencyKey);

/// <summary>
/// One join attempt and what came back (kept for audits and for the shard prediction). <paramref name="SentAtSeconds"/>
/// and <paramref name="AtSeconds"/> (when the answer came) are read on <see cref="JoinDriver.Clock"/>.
/// </summary>
public sealed record JoinRecord(string Event, string User, string IdempotencyKey, JoinResult Result, double AtSeconds = 0, double SentAtSeconds = 0);

/// <summary>Turns EnqueueClient.JoinAsync into an engine scenario: Enqueued/Duplicate are Ok, Failed is Fail with its kind.</summary>
public static class JoinDriver
{
    /// <summary>Process-wide clock for record timestamps (failover windows are read against it).</summary>
    public static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static Scenario Build(string name, EnqueueClient client, Func<Random, (string Event, string User, string Idem)> next,
        ConcurrentQueue<JoinRecord>? log, LoadOptions o, params LoadSimulation[] simulations) =>
        Scenario.Create(name, async ctx =>
            {
                var (evt, user, idem) = next(ctx.Random);
                double sent = Clock.Elapsed.TotalSeconds;
                JoinResult r = await client.JoinAsync(evt, user, idem).ConfigureAwait(false);
                log?.Enqueue(new JoinRecord(evt, user, idem, r, Clock.Elapsed.TotalSeconds, sent));
                return ToResponse(r);
            })
            .WithWarmUpDuration(o.WarmUp)
            .WithLoadSimulations(simulations.Length > 0 ? simulations : [Steady(o)])
            .WithLimits(maxInFlight: 5_000, maxInvocations: (long)(o.Rate * (o.Duration + o.WarmUp).TotalSeconds * 2) + 1_000);

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
