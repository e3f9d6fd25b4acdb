using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HashtagBench.Load.Telemetry;

/// <summary>
/// The harness's metrics as System.Diagnostics.Metrics instruments: what <see cref="MetricsExport"/> sends to OTLP and
/// serves to Prometheus. Client latency, requests and errors come from the engine (measured phase only, like the
/// report); the per-node gauges read the running <see cref="NodeSampler"/>'s latest sample (a gap reports nothing).
/// </summary>
internal static class LoadMetrics
{
    public const string MeterName = "HashtagBench.Load";
    public const string LatencyName = "hashtag_bench.client.latency";
    public const string RequestsName = "hashtag_bench.client.requests";
    public const string ErrorsName = "hashtag_bench.client.errors";
    public const string NodeCpuName = "hashtag_bench.node.cpu_percent";
    public const string NodeOpsName = "hashtag_bench.node.ops_per_second";
    public const string NodeMemoryName = "hashtag_bench.node.used_memory";
    public const string NodeLagName = "hashtag_bench.node.replica_lag";
    public const string NodeCrossSlotName = "hashtag_bench.node.crossslot_errors";

    /// <summary>Latency buckets (ms) for a Redis call: sub-millisecond to a failover's seconds (OTel's defaults start at 5 ms).</summary>
    public static readonly double[] LatencyBucketsMs = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>(LatencyName, "ms", "Client latency of each call, from its intended start (measured phase).");
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(RequestsName, null, "Calls completed, by scenario, step and outcome.");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(ErrorsName, null, "Failed calls by kind.");

    private static volatile NodeSampler? _sampler;
    private static volatile string _scenario = "";
    private static volatile string? _strategy;

    static LoadMetrics()
    {
        Meter.CreateObservableGauge(NodeCpuName, () => Observe(s => s.CpuPercent), null, "Node CPU (used_cpu_sys + used_cpu_user) in % of one core.");
        Meter.CreateObservableGauge(NodeOpsName, () => Observe(s => s.OpsPerSec), null, "Node commands per second (INFO commandstats).");
        Meter.CreateObservableGauge(NodeMemoryName, () => Observe(s => s.UsedMemoryBytes), "By", "Node used_memory.");
        Meter.CreateObservableGauge(NodeLagName, () => Observe(s => s.ReplicaLagBytes), "By", "Replica's distance behind its primary.");
        // The server's own running count (errorstat_CROSSSLOT): a counter, so a dashboard can rate() it.
        Meter.CreateObservableCounter(NodeCrossSlotName, () => Observe(s => s.CrossSlotErrors), null, "CROSSSLOT errors the node has answered (INFO errorstats).");
    }

    /// <summary>Points the gauges at a scenario's sampler (null: no node gauges) and labels what follows with the scenario.</summary>
    public static void Attach(string scenario, NodeSampler? sampler)
    {
        _scenario = scenario;
        _strategy = null;
        _sampler = sampler;
    }

    public static void Detach() => _sampler = null;

    /// <summary>The key strategy the running step uses (the last client a scenario built); null when it has none.</summary>
    public static string? Strategy { get => _strategy; set => _strategy = value; }

    /// <summary>One measured call. Cheap when nothing listens: the instruments are disabled without a MeterProvider.</summary>
    internal static void Record(string step, in Response r, long micros)
    {
        if (!Requests.Enabled && !Latency.Enabled) return;
        var tags = new TagList { { "scenario", _scenario }, { "step", step }, { "outcome", r.IsOk ? "ok" : "fail" } };
        Latency.Record(micros / 1000.0, tags);
        Requests.Add(1, tags);
        if (!r.IsOk) Errors.Add(1, new TagList { { "scenario", _scenario }, { "step", step }, { "kind", r.Status } });
    }

    private static IEnumerable<Measurement<double>> Observe(Func<NodeSample, double?> value)
    {
        if (_sampler is not { } sampler) yield break;
        foreach (var (node, sample) in sampler.Latest())
        {
            if (value(sample) is not double v) continue; // a gap or no rate yet: no point, never a 0
            var tags = new TagList
            {
                { "shard", node.Shard?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none" },
                { "node", node.Endpoint },
                { "role", sample.Role ?? node.Role },
                { "scenario", _scenario },
            };
            if (_strategy is { } strategy) tags.Add("strategy", strategy);
            yield return new Measurement<double>(v, tags);
        }
    }
}
