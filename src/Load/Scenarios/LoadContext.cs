using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>What every scenario gets: the cluster, a connection, the options, and a way to run the engine with progress.</summary>
public sealed class LoadContext(RunningCluster cluster, ConnectionMultiplexer mux, LoadOptions options)
{
    public RunningCluster Cluster { get; } = cluster;
    public ConnectionMultiplexer Mux { get; } = mux;
    public LoadOptions Options { get; } = options;

    /// <summary>Prefix for this run's event and user IDs: runs on one cluster never collide.</summary>
    public string RunPrefix { get; } = options.Agent?.RunId ?? NewRunPrefix();

    /// <summary>A fresh run prefix (load agents share one given with --run-id instead).</summary>
    public static string NewRunPrefix() => $"r{DateTime.UtcNow:HHmmss}{Random.Shared.Next(1000):000}";

    public JoinWorkload Workload(string? popularity = null, int? events = null) =>
        new(events ?? Options.Events, ClusterSim.Popularity.Parse(popularity ?? Options.Popularity), Options.Users, RunPrefix, Options.Agent);

    public EnqueueClient Client(KeyStrategy strategy, EnqueueOptions? options = null)
    {
        Telemetry.LoadMetrics.Strategy = strategy.Name; // the strategy label of the node gauges while this client's step runs
        // Legacy is sent raw with the guard off, so the report shows the server's own CROSSSLOT: the incident as production saw it.
        return new(Mux, strategy, options ?? (strategy.CoLocated ? new EnqueueOptions() : new EnqueueOptions { SlotGuard = false, Mode = SendMode.RawEval }));
    }

    /// <summary>Runs one engine scenario with live or plain progress, logging its histograms to &lt;out&gt;/&lt;name&gt;.hlog.</summary>
    public async Task<RunSummary> RunAsync(Scenario scenario, CancellationToken ct, IReadOnlyList<Threshold>? thresholds = null)
    {
        Directory.CreateDirectory(Options.OutputDir);
        await using FileStream log = File.Create(Path.Combine(Options.OutputDir, HistogramLogName(scenario.Name)));
        if (Options.Agent is { } agent) scenario.WithArrivalSlice(new ArrivalSlice(agent.Index, agent.Count));
        // Redis's own time per command, read around the run (warm-up included: a mean per call, so it does not skew it).
        CommandStatsReading before = await ShardStats.ReadCommandStatsAsync(Mux).ConfigureAwait(false);
        RunSummary r = await ConsoleProgress.RunAsync(scenario.Name, sink =>
            new LoadRunner(scenario, thresholds ?? Options.Thresholds, sink, log).RunAsync(ct)).ConfigureAwait(false);
        CommandStatsReading after = await ShardStats.ReadCommandStatsAsync(Mux).ConfigureAwait(false);
        IReadOnlyList<ServerCommandTime>? server = ShardStats.ServerTime(before, after, ShardStats.JoinCommands);
        return r with { Server = server, ServerMsPerCall = ShardStats.ServerMsPerJoin(server) };
    }

    /// <summary>The file a run's HdrHistogram log is written to, in the output folder.</summary>
    public static string HistogramLogName(string runName) => Safe(runName) + ".hlog";

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));
}
