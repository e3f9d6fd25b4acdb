using HashtagBench.Contracts;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

namespace HashtagBench.Load.Telemetry;

/// <summary>
/// What runs beside every scenario without the scenario knowing: the node sampler and, when asked for, the metrics
/// export. A sampler that cannot start (a cluster that refuses INFO or CLUSTER NODES to this user) costs the run its
/// node timelines, not the run.
/// </summary>
internal sealed class RunTelemetry : IAsyncDisposable
{
    private readonly NodeSampler? _sampler;
    private readonly MeterProvider? _export;

    private RunTelemetry(NodeSampler? sampler, MeterProvider? export) => (_sampler, _export) = (sampler, export);

    public static async Task<RunTelemetry> StartAsync(string scenario, LoadOptions options, RunningCluster cluster, TextWriter console)
    {
        MeterProvider? export = MetricsExport.Start(options.OtlpEndpoint, options.PrometheusPort);
        NodeSampler? sampler = null;
        try { sampler = await NodeSampler.StartAsync(cluster, options.SampleInterval).ConfigureAwait(false); }
        catch (Exception ex) when (ex is ClusterProvisioningException or RedisException or TimeoutException)
        {
            console.WriteLine($"node telemetry off: {ex.Message.Split('\n')[0]}");
        }
        LoadMetrics.Attach(scenario, sampler);
        if (options.PrometheusPort is int port) console.WriteLine($"prometheus: scrape http://localhost:{port}/metrics during the run");
        if (options.OtlpEndpoint is { } otlp) console.WriteLine($"otlp: pushing metrics to {MetricsExport.OtlpMetricsUri(otlp)} every {MetricsExport.ExportIntervalMs} ms");
        return new RunTelemetry(sampler, export);
    }

    /// <summary>Stops sampling and pushes the last metrics; the timelines, or null when the sampler never ran.</summary>
    public async Task<NodeTelemetry?> StopAsync()
    {
        NodeTelemetry? nodes = _sampler is null ? null : await _sampler.StopAsync().ConfigureAwait(false);
        _export?.ForceFlush(MetricsExport.ExportIntervalMs * 5);
        LoadMetrics.Detach();
        return nodes;
    }

    public async ValueTask DisposeAsync()
    {
        LoadMetrics.Detach();
        if (_sampler is not null) await _sampler.DisposeAsync().ConfigureAwait(false);
        _export?.Dispose();
    }
}
