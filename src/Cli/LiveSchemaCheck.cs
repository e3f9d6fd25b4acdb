using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Cli;

/// <summary>
/// sim --launch --check-live (issue #12 item 4): every strategy of the launch runs <see cref="SchemaCheck"/> against one
/// standalone redis-server and against a cluster, both started by the harness's providers. With --cluster the
/// external cluster replaces the local one: the keys carry a run prefix and are removed afterwards.
/// </summary>
internal static class LiveSchemaCheck
{
    public static async Task<LiveCheck> RunAsync(Launch launch, ExternalEndpoint? external, Action<string> log, CancellationToken ct)
    {
        var standalone = new Dictionary<string, SchemaCheckResult>();
        await using (StandaloneRedis server = await StandaloneRedis.StartAsync(ct).ConfigureAwait(false))
        await using (ConnectionMultiplexer mux = await ConnectionMultiplexer.ConnectAsync(server.Endpoint).ConfigureAwait(false))
            foreach (WaitingRoomSchema schema in launch.Schemas)
                standalone[schema.Name] = await SchemaCheck.RunAsync(mux.GetDatabase(), new WaitingRoomOptions { Schema = schema }).ConfigureAwait(false);

        var cluster = new Dictionary<string, SchemaCheckResult>();
        string runPrefix = LoadContext.NewRunPrefix();
        string clusterName;
        await using (RunningCluster running = await ClusterProvisioner.StartAsync(external is null ? ProviderKind.Local : ProviderKind.External,
                         new ClusterSpec(), external, log, ct).ConfigureAwait(false))
        await using (ConnectionMultiplexer mux = await running.ConnectAsync().ConfigureAwait(false))
        {
            clusterName = running.ToString();
            try
            {
                foreach (WaitingRoomSchema schema in launch.Schemas)
                    cluster[schema.Name] = await SchemaCheck.RunAsync(mux.GetDatabase(),
                        new WaitingRoomOptions { Schema = schema, KeyPrefix = external is null ? "" : runPrefix + ":" }).ConfigureAwait(false);
            }
            finally
            {
                // Someone else's cluster: take back every key this check wrote (a local cluster dies with its keys).
                if (external is not null)
                    log($"removed {await KeyCleanup.RemoveRunKeysAsync(mux, runPrefix, ct).ConfigureAwait(false)} key(s) of check {runPrefix} from the external cluster");
            }
        }

        var rows = launch.Schemas.SelectMany(s => Rows(s.Name, standalone[s.Name], cluster[s.Name])).ToList();
        return LiveCheck.Of("one standalone redis-server", clusterName, rows);
    }

    // One row per step, in the order the check ran them; a step that ran twice (join + its background) is ok only if both were.
    private static IEnumerable<LiveCheckRow> Rows(string strategy, SchemaCheckResult standalone, SchemaCheckResult cluster)
    {
        foreach (Step step in standalone.Steps.Concat(cluster.Steps).Select(s => s.Step).Distinct())
            yield return new LiveCheckRow(strategy, step.ToString(), Cell(standalone, step), Cell(cluster, step));
    }

    private static string Cell(SchemaCheckResult result, Step step)
    {
        StepCheck? failed = result.Steps.FirstOrDefault(s => s.Step == step && !s.Ok);
        if (failed is null) return result.Steps.Any(s => s.Step == step) ? LiveCheck.Ok : LiveCheck.NotRun;
        return failed.CrossSlot ? LiveCheck.CrossSlot : $"fail: {failed.Failure!.Kind}";
    }
}
