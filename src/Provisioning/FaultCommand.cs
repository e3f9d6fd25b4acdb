using CliWrap;
using System.Diagnostics;

namespace HashtagBench.Provisioning;

/// <summary>How the user's fault command ended.</summary>
/// <param name="ExitCode">The command's exit code; null when it was killed for running past its time limit.</param>
public sealed record FaultCommandResult(int? ExitCode, TimeSpan Took, string LogPath)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the user's own fault (e.g. <c>aws elasticache test-failover …</c>) through <c>/bin/sh -c</c>. The cluster reaches
/// it through environment variables only, the password included (REDISCLI_AUTH, which redis-cli reads), so no secret
/// is on any command line. Its output goes to a log file and, line by line, to <c>log</c>.
/// </summary>
public static class FaultCommand
{
    public const string SlotVariable = "HASHTAG_BENCH_FAULT_SLOT";
    public const string PrimaryHostVariable = "HASHTAG_BENCH_FAULT_PRIMARY_HOST", PrimaryPortVariable = "HASHTAG_BENCH_FAULT_PRIMARY_PORT";
    public const string ReplicaHostVariable = "HASHTAG_BENCH_FAULT_REPLICA_HOST", ReplicaPortVariable = "HASHTAG_BENCH_FAULT_REPLICA_PORT";
    public const string RedisCliPasswordVariable = "REDISCLI_AUTH";

    /// <summary>
    /// The variables the command gets: the cluster's endpoint and TLS/user settings (as every child of the harness
    /// gets them), the hot slot, its primary and one healthy replica, and the password in REDISCLI_AUTH.
    /// </summary>
    /// <exception cref="InvalidOperationException">The view lacks the primary or a healthy replica with an address
    /// (<see cref="Missing"/>): a command is never started with those variables empty.</exception>
    public static IReadOnlyDictionary<string, string> Environment(RunningCluster cluster, ClusterNodesSnapshot nodes, int slot)
    {
        if (Missing(nodes, slot) is { } missing) throw new InvalidOperationException($"--fault-command not started: {missing}.");
        ExternalEndpoint endpoint = cluster.Auth ?? new ExternalEndpoint(string.Join(",", cluster.Seeds.Select(ClusterConnector.Format)));
        var env = new Dictionary<string, string>(endpoint.ToEnvironment()) { [SlotVariable] = slot.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (endpoint.Password is { } password) env[RedisCliPasswordVariable] = password;
        ClusterNodeLine primary = nodes.PrimaryOf(slot)!;
        Add(env, PrimaryHostVariable, PrimaryPortVariable, primary.Endpoint);
        Add(env, ReplicaHostVariable, ReplicaPortVariable, nodes.ReplicasOf(primary).First(IsUsable).Endpoint);
        return env;
    }

    /// <summary>
    /// What the command's variables would lack in this view, in words; null when the hot slot has a healthy primary
    /// with an address and that primary a healthy replica with one.
    /// </summary>
    public static string? Missing(ClusterNodesSnapshot nodes, int slot)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.PrimaryOf(slot) is not { } primary) return $"no healthy primary serves slot {slot}";
        if (!primary.HasAddress) return $"slot {slot}'s primary ({primary.Id[..Math.Min(8, primary.Id.Length)]}) is listed without an address";
        if (nodes.ReplicasOf(primary).Any(IsUsable)) return null;
        string[] listed = [.. nodes.ReplicasOf(primary).Select(r => r.ToString())];
        return $"slot {slot}'s primary {primary.Endpoint} has no healthy replica with an address" +
               (listed.Length == 0 ? " (it lists none)" : $" (listed: {string.Join("; ", listed)})");
    }

    private static bool IsUsable(ClusterNodeLine replica) => !replica.IsFailed && replica.HasAddress;

    private static void Add(Dictionary<string, string> env, string hostVar, string portVar, string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        env[hostVar] = endpoint[..colon];
        env[portVar] = endpoint[(colon + 1)..];
    }

    /// <summary>
    /// Runs <paramref name="command"/> with <paramref name="environment"/> added to this process's own (less any REDISCLI_AUTH of its own), writes its output
    /// to <paramref name="logPath"/> (and each line to <paramref name="log"/>) with <paramref name="secret"/> masked in both, and
    /// kills it after <paramref name="timeLimit"/>.
    /// </summary>
    public static async Task<FaultCommandResult> RunAsync(string command, IReadOnlyDictionary<string, string> environment, string logPath,
        Action<string> log, string? secret, TimeSpan timeLimit, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var sw = Stopwatch.StartNew();
        await using var file = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var gate = new object();
        void Line(string stream, string line)
        {
            if (!string.IsNullOrEmpty(secret)) line = line.Replace(secret, "***", StringComparison.Ordinal);
            lock (gate) file.WriteLine($"[{sw.Elapsed.TotalSeconds,7:0.000}s {stream}] {line}");
            log($"fault-command {stream}: {line}");
        }
        Command sh = CliWrap.Cli.Wrap("/bin/sh").WithArguments(["-c", command])
            .WithEnvironmentVariables(vars =>
            {
                // redis-cli in the command logs in with REDISCLI_AUTH: only the run's cluster's password, never one the
                // user's shell kept for another Redis (a null removes the inherited one).
                vars.Set(RedisCliPasswordVariable, null);
                foreach (var (k, v) in environment) vars.Set(k, v);
            })
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(l => Line("out", l)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(l => Line("err", l)));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeLimit);
        try
        {
            // On cancel CliWrap kills the shell's whole process tree before it returns.
            CommandResult r = await sh.ExecuteAsync(limit.Token).ConfigureAwait(false);
            lock (gate) file.WriteLine($"[{sw.Elapsed.TotalSeconds,7:0.000}s] exit code {r.ExitCode}");
            return new FaultCommandResult(r.ExitCode, sw.Elapsed, logPath);
        }
        catch (OperationCanceledException)
        {
            lock (gate) file.WriteLine($"[{sw.Elapsed.TotalSeconds,7:0.000}s] killed: {(ct.IsCancellationRequested ? "the run was stopped" : $"still running after {timeLimit.TotalSeconds:0} s")}");
            ct.ThrowIfCancellationRequested();
            return new FaultCommandResult(null, sw.Elapsed, logPath);
        }
    }
}
