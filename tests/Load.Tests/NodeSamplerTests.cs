using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Load.Scenarios;
using HashtagBench.Load.Telemetry;
using HashtagBench.TestSupport;
using StackExchange.Redis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Tests;

/// <summary>The node sampler and the metrics export, against the shared real cluster.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class NodeSamplerTests(ClusterFixture fx)
{
    [Fact]
    public async Task Sampler_reads_every_node_and_a_node_that_stops_answering_is_a_gap_not_a_zero_or_a_crash()
    {
        IServer replica = fx.Mux.GetEndPoints().Select(ep => fx.Mux.GetServer(ep)).First(s => s.IsConnected && s.IsReplica);
        string paused = Provisioning.ClusterConnector.Format(replica.EndPoint);
        NodeTelemetry t;
        await using (NodeSampler sampler = await NodeSampler.StartAsync(fx.Cluster, TimeSpan.FromMilliseconds(500)))
        {
            await Task.Delay(1500);
            // The node hangs (as a dying or overloaded node would): every client command waits 2 s.
            await replica.ExecuteAsync("CLIENT", "PAUSE", 2000, "ALL");
            await Task.Delay(4000);
            t = await sampler.StopAsync();
        }

        Assert.Equal(6, t.Nodes.Count);
        Assert.Equal([0, 0, 1, 1, 2, 2], t.Nodes.Select(n => n.Shard ?? -1).Order().ToArray());
        Assert.Equal(3, t.Nodes.Count(n => n.Role == "replica"));
        NodeTimeline hung = t.Nodes.Single(n => n.Node == paused);
        Assert.True(hung.Gaps >= 2, $"{hung.Gaps} gaps on the paused node");
        // A gap holds no value at all; the node answered again after the pause.
        Assert.All(t.Nodes.SelectMany(n => n.Samples).Where(s => !s.Ok), s => Assert.True(s.CpuPercent is null && s.OpsPerSec is null && s.UsedMemoryBytes is null && s.Role is null));
        int firstGap = hung.Samples.ToList().FindIndex(s => !s.Ok);
        Assert.Contains(hung.Samples.Skip(firstGap), s => s.Ok);
        foreach (NodeTimeline n in t.Nodes)
        {
            Assert.True(n.Samples.Count(s => s.Ok) >= 4, $"{n.Node}: {n.Samples.Count(s => s.Ok)} samples");
            Assert.Contains(n.Samples, s => s.CpuPercent is not null && s.OpsPerSec > 0); // the sampler's own INFO at least
            Assert.All(n.Samples.Where(s => s.Ok), s => Assert.NotNull(s.UsedMemoryBytes));
        }
        Assert.All(t.Nodes.Where(n => n.Role == "replica"), n => Assert.Contains(n.Samples, s => s.ReplicaLagBytes is not null));
        Assert.All(t.Nodes.Where(n => n.Role == "master"), n => Assert.All(n.Samples, s => Assert.Null(s.ReplicaLagBytes)));
        // The sampler's own cost, from the server's cmdstat_info: it must stay far below 1 % of a core.
        Assert.All(t.Nodes.Where(n => n.Node != paused), n =>
        {
            SamplerCost cost = n.SamplerCost!;
            Assert.True(cost.SamplerCalls >= 4, $"{n.Node}: {cost.SamplerCalls} INFO calls");
            Assert.True(cost.AllInfoCalls >= cost.SamplerCalls - 1, $"{n.Node}: the server counted {cost.AllInfoCalls} INFO calls");
            Assert.True(cost.ShareOfCore is > 0 and < 0.01, $"{n.Node}: sampler used {cost.ShareOfCore:P3} of a core");
        });
    }

    [Fact]
    public async Task A_short_run_serves_moving_per_shard_series_to_prometheus_pushes_otlp_and_reports_node_timelines()
    {
        using var collector = new OtlpCollector();
        int port = FreePort();
        var o = new LoadOptions
        {
            Rate = 300, Duration = TimeSpan.FromSeconds(5), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true,
            OutputDir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"telemetry-{Guid.NewGuid():N}"),
            PrometheusPort = port, OtlpEndpoint = collector.Endpoint,
        };
        o.Validate();
        Task<ScenarioResult> run = ScenarioRunner.RunAsync(new StrategiesOptions { Strategies = [KeyStrategy.EventTag] }, o, fx.Cluster, fx.Mux, TextWriter.Null, CancellationToken.None);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Dictionary<string, double>? first = null, second = null;
        while (!run.IsCompleted)
        {
            await Task.Delay(500);
            Dictionary<string, double> scrape;
            try { scrape = PerShardSeries(await http.GetStringAsync($"http://localhost:{port}/metrics")); }
            catch (HttpRequestException) { continue; } // not listening yet, or already closed
            if (first is null) { if (scrape.Keys.Select(Shard).Distinct().Count() == 3) first = scrape; }
            else if (scrape.Any(kv => first.TryGetValue(kv.Key, out double v) && v != kv.Value)) { second = scrape; break; }
        }
        ScenarioResult result = await run;

        Assert.True(first is not null, "no scrape showed per-shard series of all three shards");
        Assert.True(second is not null, "no per-shard series moved between two scrapes");
        Assert.Equal(["0", "1", "2"], second.Keys.Select(Shard).Distinct().Order());
        Assert.Contains(second.Keys, k => k.StartsWith("hashtag_bench_node_cpu_percent", StringComparison.Ordinal) && k.Contains("strategy=\"event\"", StringComparison.Ordinal));
        Assert.Contains(second.Keys, k => k.StartsWith("hashtag_bench_node_crossslot_errors_total", StringComparison.Ordinal));

        // OTLP: at least one non-empty export, with the client latency histogram and a node gauge in it.
        Assert.Contains(collector.Bodies, b => Contains(b, LoadMetrics.LatencyName) && Contains(b, LoadMetrics.NodeCpuName));

        // The run's typed results and its report carry the node timelines.
        LoadSummary summary = ResultFiles.Read(Path.Combine(o.OutputDir, ResultFiles.Summary), ResultFiles.LoadSummaryType);
        Assert.Equal(6, summary.Telemetry!.Nodes.Count);
        Assert.All(summary.Telemetry.Nodes, n => Assert.True(n.Samples.Count(s => s.Ok) >= 3));
        Assert.NotNull(summary.Runs[0].MeasuredStartUtc);
        string report = await File.ReadAllTextAsync(result.ReportPath);
        Assert.Contains("## Nodes during the run", report);
        Assert.Contains("Sampler cost", report);
        Assert.True(File.Exists(Path.Combine(o.OutputDir, "node-cpu.png")));
        Assert.True(File.Exists(Path.Combine(o.OutputDir, "nodes.csv")));
        Directory.Delete(o.OutputDir, recursive: true);
    }

    private static readonly Regex Line = new(@"^(hashtag_bench_node_\w+)\{([^}]*)\} (\S+)", RegexOptions.Multiline);

    /// <summary>Every per-node gauge series in a scrape, keyed by name and labels.</summary>
    private static Dictionary<string, double> PerShardSeries(string text) =>
        Line.Matches(text).Where(m => m.Groups[2].Value.Contains("shard=\"", StringComparison.Ordinal))
            .ToDictionary(m => $"{m.Groups[1].Value}{{{m.Groups[2].Value}}}", m => double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static string Shard(string series) => Regex.Match(series, "shard=\"([^\"]*)\"").Groups[1].Value;

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A minimal OTLP/HTTP collector on 127.0.0.1: keeps every POST to /v1/metrics, answers an empty (valid) response.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly List<byte[]> _bodies = [];

        public OtlpCollector()
        {
            int port = FreePort();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add($"{Endpoint}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Endpoint { get; }
        public IReadOnlyList<byte[]> Bodies { get { lock (_bodies) return _bodies.ToList(); } }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(body);
                if (ctx.Request.HttpMethod == "POST" && ctx.Request.Url?.AbsolutePath == "/v1/metrics" && body.Length > 0)
                    lock (_bodies) _bodies.Add(body.ToArray());
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/x-protobuf";
                ctx.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
