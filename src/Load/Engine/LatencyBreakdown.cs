using HashtagBench.Contracts;
using System.Globalization;

namespace HashtagBench.Load.Engine;

/// <summary>
/// Takes a run's p99 apart (see <see cref="LatencyDecomposition"/>) and shows it: the four measurements side by side
/// and one sentence that says whether the p99 is Redis, the network and client, or queueing.
/// </summary>
public static class LatencyBreakdown
{
    public const string Redis = "Redis", NetworkClient = "network+client", Queueing = "queueing", RedisNetworkClient = "Redis+network+client";

    /// <summary>
    /// p99 from the intended start = Redis (its mean execution time, at most the send p50) + network and client (the
    /// rest of the send p50) + queueing (send p99 − send p50: waiting behind other calls, GC, thread hops; plus
    /// intended p99 − send p99: waiting before the send). Without server time, Redis and network+client stay one share.
    /// </summary>
    public static LatencyDecomposition Of(double? serverMs, Latency? fromSend, Latency? fromIntended, Latency? lateness)
    {
        if (fromSend is null || fromIntended is null)
            return new(serverMs, fromSend, fromIntended, lateness, null, null, null, null, null,
                "No Ok call: there is no latency to take apart.");
        double beforeSend = Math.Max(0, fromIntended.P99 - fromSend.P99);
        double queueing = Math.Max(0, fromSend.P99 - fromSend.P50) + beforeSend;
        double? redis = serverMs is double s ? Math.Min(s, fromSend.P50) : null;
        double? network = redis is double r ? fromSend.P50 - r : null;
        double roundTrip = fromSend.P50;
        string dominant = redis is double rd && network is double nw
            ? (rd >= nw && rd >= queueing ? Redis : nw >= queueing ? NetworkClient : Queueing)
            : roundTrip >= queueing ? RedisNetworkClient : Queueing;
        string split = redis is double rr && network is double nn
            ? F($"Redis ran each call in {rr:0.000} ms (mean), network and client took {nn:0.000} ms (the rest of the send p50)")
            : F($"Redis, network and client took {roundTrip:0.000} ms together (send p50; no server time to split them)");
        string wait = F($"queueing {queueing:0.000} ms ({queueing - beforeSend:0.000} ms of tail after the send: waiting behind other calls, GC, thread hops; {beforeSend:0.000} ms before it: injector lateness)");
        string verdict = F($"p99 {fromIntended.P99:0.000} ms is mostly {dominant}: ") + split + "; " + wait + ".";
        return new(serverMs, fromSend, fromIntended, lateness, redis, network, queueing, beforeSend, dominant, verdict);
    }

    /// <summary>The decomposition of an engine run (Ok latencies; lateness only for an open model).</summary>
    public static LatencyDecomposition Of(RunSummary r) =>
        Of(r.ServerMsPerCall, RunOutput.ToLatency(r.FromSend), RunOutput.ToLatency(r.Ok), RunOutput.ToLatency(r.Lateness));

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
