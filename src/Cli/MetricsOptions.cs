using HashtagBench.Load.Scenarios;
using HashtagBench.Load.Telemetry;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>--otlp and --prometheus, declared once for every verb that runs load (load run, run).</summary>
internal sealed class MetricsOptions
{
    public Option<string?> Otlp { get; } = new("--otlp") { Description = "Push metrics (client latency, requests, errors, per-node gauges) to this OTLP/HTTP collector during the run, e.g. http://localhost:4318." };
    public Option<int?> Prometheus { get; } = new("--prometheus") { Description = "Serve the same metrics for Prometheus on http://localhost:PORT/metrics during the run." };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Otlp);
        cmd.Options.Add(Prometheus);
    }

    /// <summary>The options with the export settings applied; a bad URL or port throws <see cref="ArgumentException"/> (exit 2).</summary>
    public LoadOptions Apply(ParseResult r, LoadOptions options)
    {
        string? otlp = r.GetValue(Otlp);
        int? port = r.GetValue(Prometheus);
        if (otlp is not null) _ = MetricsExport.OtlpMetricsUri(otlp);
        if (port is int p) MetricsExport.ValidatePort(p);
        return options with { OtlpEndpoint = otlp, PrometheusPort = port };
    }
}
