using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.Statistics;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// Grows ONE shared anonymous stream (the key every <c>user_id = "anonymous"</c> join appends to, never trimmed) to each
/// size and measures the Leave/expiry step's <c>XRANGE - +</c> on it: client latency over K sequential calls, and the
/// server's usec per call from the INFO commandstats delta of its node. The stream is deleted afterwards.
/// The delta counts every XRANGE that node served meanwhile: run it before or after a launch, not during one.
/// </summary>
public static class StreamGrowthProbe
{
    /// <summary>Entries appended per pipelined batch while growing.</summary>
    private const int GrowBatch = 1_000;

    /// <param name="keyPrefix">Before the key, outside its hash tag (e.g. a run ID), so the probe never touches a real stream.</param>
    /// <param name="sizes">Entry counts to measure at, each ≥ 1; measured in ascending order.</param>
    /// <param name="callsPerSize">K: XRANGE - + calls per size, one at a time.</param>
    /// <param name="eventId">The event whose shared stream is grown.</param>
    public static async Task<StreamGrowthResult> RunAsync(IConnectionMultiplexer mux, WaitingRoomSchema schema, string keyPrefix, IReadOnlyList<int> sizes,
        int callsPerSize = 50, string eventId = "probe", CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count == 0 || sizes.Any(s => s < 1)) throw new ArgumentException("Stream probe sizes must be one or more entry counts ≥ 1.", nameof(sizes));
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerSize, 1);

        // The key the model's Leave/expiry reads: the join strategy's stream key of user "anonymous".
        var args = new KeyArgs(eventId, LaunchPopulation.AnonymousUser, "", "");
        RedisKey key = schema.Key(KeyClass.Stream, args, keyPrefix);
        IDatabase db = mux.GetDatabase();
        EndPoint node = await db.IdentifyEndpointAsync(key, CommandFlags.DemandMaster).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No primary serves the probe stream {key}.");
        IServer server = mux.GetServer(node);
        if (await db.KeyExistsAsync(key, CommandFlags.DemandMaster).ConfigureAwait(false))
            throw new InvalidOperationException($"The probe stream {key} already exists: pick another key prefix.");

        var points = new List<StreamGrowthPoint>();
        try
        {
            int length = 0;
            foreach (int size in sizes.Distinct().Order())
            {
                length = await GrowAsync(db, key, args, length, size, ct).ConfigureAwait(false);
                points.Add(await MeasureAsync(db, server, key, size, callsPerSize, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            await db.KeyDeleteAsync(key, CommandFlags.DemandMaster).ConfigureAwait(false);
        }
        bool removed = !await db.KeyExistsAsync(key, CommandFlags.DemandMaster).ConfigureAwait(false);
        return new StreamGrowthResult(key.ToString(), EndPointCollection.ToString(node), points, removed);
    }

    // XADD entries shaped as the enqueue script writes them (token, event_id, user_id, timestamp), pipelined.
    private static async Task<int> GrowAsync(IDatabase db, RedisKey key, KeyArgs args, int from, int to, CancellationToken ct)
    {
        for (int start = from; start < to; start += GrowBatch)
        {
            ct.ThrowIfCancellationRequested();
            IBatch batch = db.CreateBatch();
            long micros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var sent = new List<Task>(GrowBatch);
            for (int i = start; i < Math.Min(to, start + GrowBatch); i++)
                sent.Add(batch.StreamAddAsync(key,
                [
                    new NameValueEntry("token", Guid.NewGuid().ToString()),
                    new NameValueEntry("event_id", args.EventId),
                    new NameValueEntry("user_id", args.UserId),
                    new NameValueEntry("timestamp", (micros + i).ToString(CultureInfo.InvariantCulture)),
                ]));
            batch.Execute();
            await Task.WhenAll(sent).ConfigureAwait(false);
        }
        return to;
    }

    private static async Task<StreamGrowthPoint> MeasureAsync(IDatabase db, IServer server, RedisKey key, int size, int calls, CancellationToken ct)
    {
        CommandStat before = await XrangeStatAsync(server).ConfigureAwait(false);
        var ms = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            ct.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            StreamEntry[] entries = await db.StreamRangeAsync(key, flags: CommandFlags.DemandMaster).ConfigureAwait(false);
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (entries.Length != size) throw new InvalidOperationException($"The probe stream {key} holds {entries.Length} entries, expected {size}: something else writes to it.");
        }
        CommandStat after = await XrangeStatAsync(server).ConfigureAwait(false);
        long callsSeen = after.Calls - before.Calls;
        return new StreamGrowthPoint(size, calls, Quantiles.NearestRank(ms, 0.50), Quantiles.NearestRank(ms, 0.99),
            callsSeen > 0 ? (after.Usec - before.Usec) / (double)callsSeen : null);
    }

    private static async Task<CommandStat> XrangeStatAsync(IServer server)
    {
        NodeInfo info = NodeInfo.Parse(NodeInfo.Text(await server.ExecuteAsync("INFO", "commandstats").ConfigureAwait(false)));
        return info.Commands().GetValueOrDefault("xrange");
    }
}
