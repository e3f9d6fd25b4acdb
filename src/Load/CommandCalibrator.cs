using HashtagBench.ClusterSim;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load;

/// <summary>
/// Measures each waiting-room command's server cost: runs the gateway's commands on realistic keys (the event
/// schema's templates, real TTLs and value sizes, queues that grow), then reads every primary's
/// <c>INFO commandstats</c> before and after and divides the usec delta by the calls delta, per command.
/// </summary>
public static class CommandCalibrator
{
    /// <summary>The commands the launch simulator costs; the run checks each one was measured.</summary>
    public static readonly string[] Measured =
        ["EVAL", "EVALSHA", "GET", "SET", "ZADD", "ZRANK", "ZCOUNT", "EXISTS", "EXPIRE", "XRANGE", "XDEL", "DEL", "ZREM", "ZREMRANGEBYSCORE"];

    // A token bucket shaped like the gateway's rate limiter: HMGET, TIME, HMSET, EXPIRE 3600.
    private const string RateLimitScript = """
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local tokens = tonumber(b[1]) or tonumber(ARGV[1])
        local ts = tonumber(b[2]) or now
        tokens = math.min(tonumber(ARGV[1]), tokens + (now - ts) * tonumber(ARGV[2]))
        local ok = 0
        if tokens >= 1 then tokens = tokens - 1; ok = 1 end
        redis.call('HMSET', KEYS[1], 'tokens', tokens, 'ts', now)
        redis.call('EXPIRE', KEYS[1], 3600)
        return ok
        """;

    private const int Events = 20, Batch = 64;

    /// <param name="visits">Simulated users; each sends every measured command once (ZCOUNT three times, as a status poll does).</param>
    public static async Task<CommandCostTable> RunAsync(IConnectionMultiplexer mux, string clusterDescription, int visits, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visits, 100);
        IReadOnlyList<SlotOwner> primaries = LiveSlotMap.Read(mux);
        string run = Guid.NewGuid().ToString("N")[..8];
        WaitingRoomSchema schema = WaitingRoomSchema.Event;
        var enqueue = new EnqueueClient(mux, schema.Join);
        IDatabase db = mux.GetDatabase();
        string json = "{\"user_id\":\"u\",\"event_id\":\"e\",\"status\":\"waiting\",\"joined_at\":1700000000,\"position\":12345,\"client\":\"web\"}";
        var keys = new List<RedisKey>();

        var before = await ReadAsync(mux, primaries);
        log?.Invoke($"calibrating {visits:N0} visits × {Measured.Length} commands on {primaries.Count} primaries");
        for (int start = 0; start < visits; start += Batch)
        {
            ct.ThrowIfCancellationRequested();
            var tasks = new List<Task>();
            for (int i = start; i < Math.Min(visits, start + Batch); i++)
            {
                var a = new KeyArgs($"calib-{run}-evt_{i % Events}", $"u-{run}-{i}", $"k-{run}-{i}", $"wt-{run}-{i}", $"rt-{run}-{i}",
                    $"10.9.{i >> 8 & 255}.{i & 255}");
                tasks.Add(VisitAsync(db, enqueue, schema, a, json, keys));
            }
            // Stop waiting at once: commands to nodes that just went away (Ctrl-C) wait out their timeouts.
            await Task.WhenAll(tasks).WaitAsync(ct);
        }
        var after = await ReadAsync(mux, primaries);

        var costs = new List<CommandCost>();
        foreach (string cmd in Measured)
        {
            string name = cmd.ToLowerInvariant();
            long calls = after.GetValueOrDefault(name).Calls - before.GetValueOrDefault(name).Calls;
            double usec = after.GetValueOrDefault(name).Usec - before.GetValueOrDefault(name).Usec;
            if (calls <= 0)
            {
                var seen = after.Where(kv => kv.Value.Calls > before.GetValueOrDefault(kv.Key).Calls).Select(kv => kv.Key.ToUpperInvariant());
                throw new CalibrationException($"INFO commandstats shows no {cmd} call during calibration (it saw {string.Join(", ", seen)}): no cost table written.");
            }
            costs.Add(new CommandCost(cmd, usec / calls, calls));
        }
        // Leave nothing behind (the stats are already read).
        foreach (var chunk in keys.Distinct().Chunk(256))
            await Task.WhenAll(chunk.Select(k => db.KeyDeleteAsync(k)));

        string version = (string?)await mux.GetServer(primaries[0].Endpoint).ExecuteAsync("INFO", "server") is { } info
            ? info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Split(':')[1] ?? "unknown"
            : "unknown";
        var machine = new CostMachine(CpuModel(), Environment.ProcessorCount, version, DateTimeOffset.UtcNow, clusterDescription,
            $"INFO commandstats usec/calls deltas over {visits:N0} visits on the event schema's keys ({Events} events, queues growing to {visits / Events:N0} members)");
        return new CommandCostTable(machine, costs);
    }

    // One visit's commands, with the gateway's keys, values and TTLs (event schema).
    private static async Task VisitAsync(IDatabase db, EnqueueClient enqueue, WaitingRoomSchema s, KeyArgs a, string json, List<RedisKey> keys)
    {
        string K(KeyClass c) => s.Key(c, a);
        RedisKey rate = K(KeyClass.RateLimit), waiting = K(KeyClass.Waiting), queue = K(KeyClass.EventQueue), heartbeat = K(KeyClass.Heartbeat),
            metrics = K(KeyClass.AdmissionMetrics), stream = K(KeyClass.Stream), dedupe = K(KeyClass.Dedupe);
        lock (keys) keys.AddRange([rate, waiting, queue, heartbeat, metrics, stream, dedupe, K(KeyClass.PositionIndex)]);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // EVAL by text, as the reference sends it (ScriptEvaluate would switch to EVALSHA once the script is cached).
        await db.ExecuteAsync("EVAL", RateLimitScript, 1, rate, 15000, 10000);
        JoinResult join = await enqueue.JoinAsync(a.EventId, a.UserId, a.IdempotencyKey);
        await db.ExecuteAsync("SET", waiting, json, "EX", Traffic.WaitingTtl); // SET .. EX as the gateway sends it (not SETEX)
        await db.SortedSetAddAsync(queue, a.WaitingToken, now);
        await db.KeyExpireAsync(queue, TimeSpan.FromSeconds(Traffic.QueueTtl));
        await db.ExecuteAsync("SET", heartbeat, "alive", "EX", Traffic.HeartbeatTtl);
        await db.KeyExistsAsync(heartbeat);
        await db.StringGetAsync(waiting);
        await db.SortedSetRankAsync(queue, a.WaitingToken);
        foreach (int window in new[] { 60, 300, 900 }) await db.SortedSetLengthAsync(metrics, now - window, now);
        await db.SortedSetAddAsync(metrics, a.UserId, now);
        await db.SortedSetRemoveRangeByScoreAsync(metrics, double.NegativeInfinity, now - Traffic.MetricsRetentionSeconds);
        string id = join is JoinResult.Enqueued e ? e.StreamId : "0-0";
        await db.StreamRangeAsync(stream, id, id);
        await db.StreamDeleteAsync(stream, [id]);
        await db.SortedSetRemoveAsync(queue, a.WaitingToken);
        await db.ExecuteAsync("DEL", heartbeat); // KeyDelete may send UNLINK
    }

    private static async Task<Dictionary<string, (long Calls, double Usec)>> ReadAsync(IConnectionMultiplexer mux, IReadOnlyList<SlotOwner> primaries)
    {
        var sum = new Dictionary<string, (long Calls, double Usec)>();
        foreach (SlotOwner p in primaries)
        {
            string stats = (string?)await mux.GetServer(p.Endpoint).ExecuteAsync("INFO", "commandstats") ?? "";
            foreach (string raw in stats.Split('\n'))
            {
                string line = raw.Trim();
                if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
                string[] nameFields = line["cmdstat_".Length..].Split(':', 2);
                long calls = 0;
                double usec = 0;
                foreach (string part in nameFields[1].Split(','))
                {
                    string[] kv = part.Split('=');
                    if (kv[0] == "calls") calls = long.Parse(kv[1], CultureInfo.InvariantCulture);
                    else if (kv[0] == "usec") usec = double.Parse(kv[1], CultureInfo.InvariantCulture);
                }
                var old = sum.GetValueOrDefault(nameFields[0]);
                sum[nameFields[0]] = (old.Calls + calls, old.Usec + usec);
            }
        }
        return sum;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                ?? "unknown (no model name in /proc/cpuinfo)";
        }
        catch (IOException) { return "unknown (/proc/cpuinfo unreadable)"; }
    }
}

/// <summary>The calibration measured nothing for a command: no cost table is written.</summary>
public sealed class CalibrationException(string message) : Exception(message);
