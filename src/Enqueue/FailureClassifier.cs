using HashtagBench.Keys;
using StackExchange.Redis;

namespace HashtagBench.Enqueue;

/// <summary>Maps what StackExchange.Redis throws to a <see cref="FailureKind"/>.</summary>
internal static class FailureClassifier
{
    public static FailureKind Classify(Exception ex) => ex switch
    {
        CrossSlotKeysException => FailureKind.CrossSlotGuard,
        RedisTimeoutException or TimeoutException or TaskCanceledException => FailureKind.Timeout,
        RedisConnectionException => FailureKind.Connection,
        RedisServerException s => ClassifyServerError(s.Message),
        // Client-side refusal of a multi-slot key set.
        RedisCommandException c when c.Message.Contains("single slot", StringComparison.OrdinalIgnoreCase) => FailureKind.CrossSlotClient,
        System.Net.Sockets.SocketException or IOException or ObjectDisposedException => FailureKind.Connection,
        _ => FailureKind.Other,
    };

    /// <summary>Classifies a Redis error reply by its leading error code.</summary>
    public static FailureKind ClassifyServerError(string message)
    {
        ReadOnlySpan<char> m = message.AsSpan().TrimStart();
        if (m.StartsWith("CROSSSLOT")) return FailureKind.CrossSlotServer;
        if (m.StartsWith("NOSCRIPT")) return FailureKind.NoScript;
        if (m.StartsWith("CLUSTERDOWN") || m.StartsWith("MASTERDOWN")) return FailureKind.ClusterDown;
        if (m.StartsWith("MOVED") || m.StartsWith("ASK")) return FailureKind.Redirect;
        if (m.StartsWith("TRYAGAIN") || m.StartsWith("LOADING") || m.StartsWith("READONLY") || m.StartsWith("BUSY")) return FailureKind.Transient;
        return FailureKind.Other;
    }

    /// <summary>What Redis or the network may throw at a command: a failure to report with a kind, not a bug.</summary>
    public static bool IsRedisFailure(Exception ex) =>
        ex is RedisException or RedisCommandException or TimeoutException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException;

    public static bool IsNoScript(Exception ex) => ex is RedisServerException s && s.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
}
