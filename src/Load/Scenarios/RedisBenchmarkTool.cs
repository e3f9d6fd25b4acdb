using HashtagBench.Enqueue;
using HashtagBench.Provisioning;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HashtagBench.Load.Scenarios;

/// <summary>What redis-benchmark --csv reports for one test: rate, and latency percentiles in ms.</summary>
public sealed record RedisBenchmarkResult(double Rps, double AvgMs, double MinMs, double P50Ms, double P95Ms, double P99Ms, double MaxMs);

/// <summary>
/// redis-benchmark EVALSHA with the production enqueue script against one primary, over the harness's TLS and CA:
/// the reference point both the capacity scenario and the latency-floor suite compare the harness with.
/// </summary>
public static partial class RedisBenchmarkTool
{
    /// <summary>
    /// The tool's path, or why it cannot run like for like: not installed, or a cluster that needs a password, which
    /// redis-benchmark takes only on its command line (-a), where ps and logs would show it.
    /// </summary>
    public static (string? Tool, string NotRun) Locate(ExternalEndpoint? auth)
    {
        string? tool = LocalProcesses.FindTool("redis-benchmark", "REDIS_BENCHMARK");
        if (tool is null) return (null, "the tool is not on PATH (or REDIS_BENCHMARK)");
        if (auth?.Password is not null)
            return (null, "the cluster needs a password, and redis-benchmark takes one only on its command line, where it would be visible to ps and in logs");
        return (tool, "");
    }

    /// <summary>
    /// Arguments for <paramref name="requests"/> joins of event <paramref name="evt"/> from <paramref name="clients"/>
    /// connections to <paramref name="endpoint"/> (host:port), fresh random keys per call, as the harness's joins.
    /// </summary>
    public static List<string> EvalShaArgs(string endpoint, ExternalEndpoint? auth, string evt, int clients, int requests, bool csv)
    {
        List<string> args = ConnectionArgs(endpoint, auth, clients, requests, keyspace: 100_000_000);
        args.Add(csv ? "--csv" : "-q");
        args.AddRange(["EVALSHA", EnqueueScript.Sha1Hex, "2", $"dedupe:{{{evt}}}:rb:__rand_int__", $"stream:event:{{{evt}}}:user:rb__rand_int__", "tok", evt, "rb", "3600"]);
        return args;
    }

    /// <summary>
    /// Host, port, TLS and CA, connections, requests and the __rand_int__ range: every run's common arguments. No
    /// password ever: <see cref="Locate"/> refuses a cluster that needs one.
    /// </summary>
    public static List<string> ConnectionArgs(string endpoint, ExternalEndpoint? auth, int clients, long requests, long keyspace)
    {
        int colon = endpoint.LastIndexOf(':');
        var args = new List<string>
        {
            "-h", endpoint[..colon], "-p", endpoint[(colon + 1)..], "-n", requests.ToString(CultureInfo.InvariantCulture),
            "-c", clients.ToString(CultureInfo.InvariantCulture), "-r", keyspace.ToString(CultureInfo.InvariantCulture),
        };
        if (auth?.Tls == true) args.Add("--tls");
        if (auth?.CaFile is { } ca) args.AddRange(["--cacert", ca]);
        return args;
    }

    /// <summary>
    /// The last "overall" rate of the progress line redis-benchmark rewrites every 250 ms ("CMD: rps=… (overall: R)
    /// avg_msec=…"): its own count since it started, for a run stopped before its summary. Null when it printed none.
    /// </summary>
    public static double? LastOverallRps(string output)
    {
        // A run killed mid-write leaves a cut line at the end: the last complete match is the last count.
        Match? last = ProgressLine().Matches(output).LastOrDefault();
        return last is not null && double.TryParse(last.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : null;
    }

    [GeneratedRegex(@"rps=[0-9.]+ \(overall: ([0-9.]+)\)")]
    private static partial Regex ProgressLine();

    /// <summary>Runs the tool and returns its standard output and exit code; cancelled, it kills the tool before it throws.</summary>
    public static async Task<(string Output, int ExitCode)> RunAsync(string tool, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        try
        {
            Task<string> stderr = p.StandardError.ReadToEndAsync(ct);
            string output = await p.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
            await p.WaitForExitAsync(ct).ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
            return (output, p.ExitCode);
        }
        catch (OperationCanceledException)
        {
            // Disposing a Process does not end it: without this the benchmark would go on loading the cluster.
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
    }

    /// <summary>
    /// Parses --csv output: a header ("test","rps","avg_latency_ms",...) and one row per test. Null when there is no
    /// data row (the tool failed, or printed an error instead): no result, not a latency of 0.
    /// </summary>
    public static RedisBenchmarkResult? ParseCsv(string output)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int header = Array.FindIndex(lines, l => l.StartsWith("\"test\",", StringComparison.Ordinal));
        if (header < 0 || header + 1 >= lines.Length) return null;
        string[] names = Fields(lines[header]);
        string[] values = Fields(lines[header + 1]);
        double? Get(string name)
        {
            int i = Array.IndexOf(names, name);
            return i >= 1 && i < values.Length && double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        }
        // redis-benchmark 6.2+ prints all of them; an older one's shorter line is no result rather than a guess.
        return Get("rps") is double rps && Get("avg_latency_ms") is double avg && Get("min_latency_ms") is double min && Get("p50_latency_ms") is double p50
            && Get("p95_latency_ms") is double p95 && Get("p99_latency_ms") is double p99 && Get("max_latency_ms") is double max
            ? new RedisBenchmarkResult(rps, avg, min, p50, p95, p99, max)
            : null;
    }

    // The test name (first field) may contain commas inside its quotes; the numbers after it never do.
    private static string[] Fields(string line)
    {
        int afterName = line.StartsWith('"') ? line.IndexOf('"', 1) + 1 : 0;
        string rest = line[afterName..].TrimStart(',');
        return [line[..afterName].Trim('"'), .. rest.Split(',').Select(f => f.Trim('"'))];
    }
}
