using HashtagBench.Keys;
using StackExchange.Redis;
using System.Net;
using System.Security.Cryptography;

namespace HashtagBench.Enqueue;

/// <summary>How a join is put on the wire.</summary>
public enum SendMode
{
    /// <summary>EVALSHA through StackExchange.Redis, with an EVAL fallback on NOSCRIPT. Production path.</summary>
    EvalSha,
    /// <summary>EVAL with the script text every time (the baseline EVALSHA saves).</summary>
    Eval,
    /// <summary>
    /// EVAL via Execute with the keys passed as plain strings, so the client cannot see them as keys and the
    /// server's own answer (CROSSSLOT) comes back. Used to reproduce the incident as production saw it.
    /// </summary>
    RawEval,
}

public sealed record EnqueueOptions
{
    /// <summary>How long a dedupe key lives (SETEX seconds). Retries within it are answered DUPLICATE.</summary>
    public TimeSpan DedupeTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Check the key set with <see cref="SlotGuard"/> before sending. Off only to show the other CROSSSLOT variants.</summary>
    public bool SlotGuard { get; init; } = true;

    public SendMode Mode { get; init; } = SendMode.EvalSha;

    /// <summary>When above 0, run WAIT numreplicas timeout after each enqueue: fewer acknowledged-but-lost joins on failover, more latency.</summary>
    public int WaitReplicas { get; init; }

    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Skip WAIT (and count the shortfall) when the primary reports fewer replicas online than
    /// <see cref="WaitReplicas"/>: such a WAIT can only time out, and while it waits it holds up every command queued
    /// behind it on that node's connection. On by default; off to show that collapse.
    /// </summary>
    public bool SkipWaitWithoutReplicas { get; init; } = true;

    /// <summary>
    /// When above 0, a join whose WAIT reached fewer replicas than this is answered
    /// <see cref="FailureKind.NotReplicated"/> instead of Enqueued (a gateway's 503). WAIT then runs for
    /// max(<see cref="WaitReplicas"/>, this); a WAIT skipped for lack of online replicas is NotReplicated too.
    /// </summary>
    public int RequireReplicas { get; init; }

    /// <summary>How many replicas WAIT asks for: the larger of <see cref="WaitReplicas"/> and <see cref="RequireReplicas"/>.</summary>
    public int EffectiveWaitReplicas => Math.Max(WaitReplicas, RequireReplicas);
}

/// <summary>Runs the production enqueue script for one tag strategy.</summary>
public sealed class EnqueueClient
{
    private readonly IConnectionMultiplexer _mux;
    private readonly IDatabase _db;
    private readonly RedisValue _ttlSeconds;
    private readonly KeyWriter _keys;
    private long _noScriptRecoveries;
    private long _waitShortfalls;
    private long _waitsSkipped;
    // INFO replication at most once a second per primary: fresh enough to notice a failover, cheap at any rate.
    private readonly ReplicaWatch _replicas;

    public EnqueueClient(IConnectionMultiplexer mux, KeyStrategy strategy, EnqueueOptions? options = null)
    {
        _mux = mux ?? throw new ArgumentNullException(nameof(mux));
        Strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _keys = KeyWriter.For(strategy);
        Options = options ?? new EnqueueOptions();
        if (Options.DedupeTtl < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(options), Options.DedupeTtl, "DedupeTtl must be at least 1 second (SETEX takes whole seconds).");
        if (Options.WaitReplicas < 0)
            throw new ArgumentOutOfRangeException(nameof(options), Options.WaitReplicas, "WaitReplicas cannot be negative.");
        if (Options.RequireReplicas < 0)
            throw new ArgumentOutOfRangeException(nameof(options), Options.RequireReplicas, "RequireReplicas cannot be negative.");
        if (Options.EffectiveWaitReplicas > 0 && Options.WaitTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), Options.WaitTimeout, "WaitTimeout must be positive (WAIT with 0 blocks until the replicas answer, however long).");
        _db = mux.GetDatabase();
        _replicas = new ReplicaWatch(mux, TimeSpan.FromSeconds(1));
        _ttlSeconds = (long)Math.Ceiling(Options.DedupeTtl.TotalSeconds);
    }

    public KeyStrategy Strategy { get; }
    public EnqueueOptions Options { get; }

    /// <summary>How many NOSCRIPT replies (script cache empty, e.g. on a promoted replica) were recovered with EVAL.</summary>
    public long NoScriptRecoveries => Interlocked.Read(ref _noScriptRecoveries);

    /// <summary>How many enqueues were acknowledged by fewer replicas than asked for (WAIT short, or skipped).</summary>
    public long WaitShortfalls => Interlocked.Read(ref _waitShortfalls);

    /// <summary>Of those, how many skipped WAIT because the primary had too few replicas online (<see cref="EnqueueOptions.SkipWaitWithoutReplicas"/>).</summary>
    public long WaitsSkipped => Interlocked.Read(ref _waitsSkipped);

    /// <summary>
    /// Enqueues a join. Bad IDs throw <see cref="InvalidKeyInputException"/> before anything is sent; everything
    /// Redis or the network does wrong comes back as <see cref="JoinResult.Failed"/> with a kind.
    /// </summary>
    public async Task<JoinResult> JoinAsync(string eventId, string userId, string idempotencyKey)
    {
        // UTF-8 keys straight from the strategy's layouts: a byte[] is a RedisKey as is, where a string key is
        // encoded again on every send.
        Utf8JoinKeys keys = _keys.Keys(eventId, userId, idempotencyKey);
        if (Options.SlotGuard)
        {
            try { SlotGuard.Validate(keys); }
            catch (CrossSlotKeysException ex) { return new JoinResult.Failed(FailureKind.CrossSlotGuard, ex.Message); }
        }

        string token = NewToken();
        RedisKey[] redisKeys = [keys.DedupeKey, keys.StreamKey];
        RedisValue[] args = [token, eventId, userId, _ttlSeconds];
        try
        {
            RedisResult reply = Options.Mode switch
            {
                SendMode.EvalSha => await EvalShaAsync(redisKeys, args).ConfigureAwait(false),
                SendMode.Eval => await _db.ScriptEvaluateAsync(EnqueueScript.Source, redisKeys, args).ConfigureAwait(false),
                SendMode.RawEval => await _db.ExecuteAsync("EVAL",
                    [EnqueueScript.Source, 2, keys.DedupeKey, keys.StreamKey, token, eventId, userId, _ttlSeconds]).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"Unknown send mode {Options.Mode}."),
            };
            JoinResult result = Parse(reply, token);
            if (Options.EffectiveWaitReplicas > 0 && result is JoinResult.Enqueued)
            {
                long? acked = await WaitForReplicasAsync(keys.StreamKey).ConfigureAwait(false);
                if (Options.RequireReplicas > 0 && (acked ?? 0) < Options.RequireReplicas)
                    return new JoinResult.Failed(FailureKind.NotReplicated,
                        acked is null
                            ? $"Enqueued, but WAIT was skipped: the primary has fewer than {Options.RequireReplicas} replica(s) online."
                            : $"Enqueued, but WAIT reached {acked} of {Options.RequireReplicas} required replica(s) within {Options.WaitTimeout.TotalMilliseconds:0} ms.",
                        token);
            }
            return result;
        }
        catch (Exception ex) when (FailureClassifier.IsRedisFailure(ex))
        {
            // The token goes back with the failure: a timed-out attempt may have been applied, and the audit
            // must be able to recognise its stream entry.
            return new JoinResult.Failed(FailureClassifier.Classify(ex), ex.Message, token);
        }
    }

    private Task<RedisResult> EvalShaAsync(RedisKey[] keys, RedisValue[] args) =>
        EnqueueScript.EvaluateAsync(_db, keys, args, () => Interlocked.Increment(ref _noScriptRecoveries));

    /// <summary>Runs WAIT on the primary that wrote; returns how many replicas acknowledged, null when it was skipped or had nowhere to go.</summary>
    private async Task<long?> WaitForReplicasAsync(RedisKey routingKey)
    {
        int want = Options.EffectiveWaitReplicas;
        // WAIT counts the replicas that acknowledged this connection's writes, so it must go to the primary
        // that ran the script: find it from the key's slot.
        EndPoint? ep = await _db.IdentifyEndpointAsync(routingKey).ConfigureAwait(false);
        if (ep is null)
        {
            Interlocked.Increment(ref _waitShortfalls);
            return null;
        }
        if (Options.SkipWaitWithoutReplicas && await _replicas.OnlineAsync(ep).ConfigureAwait(false) < want)
        {
            Interlocked.Increment(ref _waitsSkipped);
            Interlocked.Increment(ref _waitShortfalls);
            return null;
        }
        RedisResult reply = await _mux.GetServer(ep).ExecuteAsync("WAIT",
            [want, (long)Math.Ceiling(Options.WaitTimeout.TotalMilliseconds)]).ConfigureAwait(false);
        long acked = (long)reply;
        if (acked < want)
        {
            Interlocked.Increment(ref _waitShortfalls);
            _replicas.Invalidate(ep); // a replica may have gone: look again before the next WAIT
        }
        return acked;
    }

    private static JoinResult Parse(RedisResult reply, string token)
    {
        var parts = (RedisResult[]?)reply;
        if (parts is not { Length: 2 })
            return new JoinResult.Failed(FailureKind.Other, $"Unexpected script reply: {reply}", token);
        return (long)parts[0] == 1
            ? new JoinResult.Enqueued((string)parts[1]!, token)
            : JoinResult.DuplicateResult;
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
