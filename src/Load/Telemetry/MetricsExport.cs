using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using System.Net;

namespace HashtagBench.Load.Telemetry;

/// <summary>An OpenTelemetry MeterProvider over <see cref="LoadMetrics"/>: OTLP push (--otlp) and/or a Prometheus scrape endpoint (--prometheus).</summary>
public static class MetricsExport
{
    /// <summary>How often OTLP is pushed: every second, like the sampler, so a short run still exports.</summary>
    public const int ExportIntervalMs = 1000;

    /// <summary>The OTLP/HTTP metrics URL for an endpoint: a bare http://host:4318 gets the standard /v1/metrics path.</summary>
    public static Uri OtlpMetricsUri(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--otlp {endpoint} is not an http(s) URL, e.g. http://localhost:4318.");
        return uri.AbsolutePath is "" or "/" ? new Uri(uri, "/v1/metrics") : uri;
    }

    public static void ValidatePort(int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "--prometheus must be a TCP port 1..65535.");
    }

    /// <summary>Null when neither export is asked for. Throws <see cref="ArgumentException"/> when the Prometheus port cannot be served.</summary>
    public static MeterProvider? Start(string? otlpEndpoint, int? prometheusPort)
    {
        if (otlpEndpoint is null && prometheusPort is null) return null;
        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder()
            .AddMeter(LoadMetrics.MeterName)
            .AddView(LoadMetrics.LatencyName, new ExplicitBucketHistogramConfiguration { Boundaries = LoadMetrics.LatencyBucketsMs });
        if (otlpEndpoint is not null)
        {
            Uri uri = OtlpMetricsUri(otlpEndpoint);
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = uri;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = ExportIntervalMs;
            });
        }
        if (prometheusPort is int port)
        {
            ValidatePort(port);
            // Loopback only: a scrape endpoint on every interface is for the operator to open deliberately (an SSH tunnel, a sidecar).
            builder.AddPrometheusHttpListener(o => { o.Host = "localhost"; o.Port = port; o.ScrapeResponseCacheDurationMilliseconds = 0; });
        }
        try { return builder.Build(); }
        catch (HttpListenerException ex) { throw new ArgumentException($"--prometheus {prometheusPort}: cannot listen ({ex.Message}).", ex); }
    }
}
