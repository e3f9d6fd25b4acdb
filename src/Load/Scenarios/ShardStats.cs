using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Load.Scenarios;

/// <summary>Per-primary counters read before and after a run: script calls (INFO commandstats) and CPU seconds (INFO cpu).</summary>
internal sealed record ShardCounters(string Endpoint, long ScriptCalls, long Rejected, double CpuSeconds);

/// <summary>One command's line of INFO commandstats: cumulative since the node started (or CONFIG RESETSTAT).</summary>
internal readonly record struct CommandCounters(long Calls, long Micros, long Rejected);

/// <summary>Every node's INFO commandstats at one moment, by endpoint then command (lower case, e.g. "evalsha").</summary>
internal sealed record CommandStatsReading(IReadOnlyDictionary<string, IReadOnlyDictionary<string, CommandCounters>> Nodes);

/// <summary>Reads each primary's script calls and CPU, in slot order, so measured load can sit next to ClusterSim's prediction.</summary>
internal static class ShardStats
{
    /// <summary>What a join costs on the server: the script (EVALSHA, or EVAL for raw sends) and, with --wait, WAIT.</summary>
    public static readonly IReadOnlyList<string> JoinCommands = ["evalsha", "eval", "wait"];
    private static readonly string[] ScriptCommands = ["evalsha", "eval"];

    public static async Task<IReadOnlyList<ShardCounters>> ReadAsync(IConnectionMultiplexer mux)
    {
        var result = new List<ShardCounters>();
        foreach (SlotOwner owner in LiveSlotMap.Read(mux))
        {
            IServer server = mux.GetServer(owner.Endpoint);
            var stats = ParseCommandStats((string?)await server.ExecuteAsync("INFO", "commandstats") ?? "");
            string cpu = (string?)await server.ExecuteAsync("INFO", "cpu") ?? "";
            long calls = 0, rejected = 0;
            foreach (string cmd in ScriptCommands)
            {
                if (!stats.TryGetValue(cmd, out CommandCounters c)) continue;
                calls += c.Calls;
                rejected += c.Rejected;
            }
            result.Add(new ShardCounters(owner.Endpoint, calls, rejected, Cpu(cpu, "used_cpu_sys") + Cpu(cpu, "used_cpu_user")));
        }
        return result;
    }

    /// <summary>after − before, per shard.</summary>
    public static IReadOnlyList<ShardCounters> Delta(IReadOnlyList<ShardCounters> before, IReadOnlyList<ShardCounters> after) =>
        after.Select(a =>
        {
            ShardCounters? b = before.FirstOrDefault(x => x.Endpoint == a.Endpoint);
            return b is null ? a : new ShardCounters(a.Endpoint, a.ScriptCalls - b.ScriptCalls, a.Rejected - b.Rejected, a.CpuSeconds - b.CpuSeconds);
        }).ToList();

    /// <summary>
    /// INFO commandstats of every node the connection knows, replicas included (a failover promotes one mid-run).
    /// A node that does not answer within <paramref name="timeout"/> is left out rather than stalling the run.
    /// </summary>
    public static async Task<CommandStatsReading> ReadCommandStatsAsync(IConnectionMultiplexer mux, TimeSpan? timeout = null)
    {
        var nodes = new Dictionary<string, IReadOnlyDictionary<string, CommandCounters>>(StringComparer.Ordinal);
        foreach (IServer server in mux.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                RedisResult info = await server.ExecuteAsync("INFO", "commandstats").WaitAsync(timeout ?? TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                nodes[server.EndPoint.ToString()!] = ParseCommandStats((string?)info ?? "");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { /* down or busy: not counted */ }
        }
        return new CommandStatsReading(nodes);
    }

    /// <summary>
    /// Server time of <paramref name="commands"/> between two readings, summed over the nodes that ran them. Only nodes
    /// read both times count, and a node whose counters went back (restarted, CONFIG RESETSTAT) is left out.
    /// Commands nobody ran have no row; null when no node was read both times.
    /// </summary>
    public static IReadOnlyList<ServerCommandTime>? ServerTime(CommandStatsReading before, CommandStatsReading after, IEnumerable<string> commands)
    {
        var common = after.Nodes.Keys.Where(before.Nodes.ContainsKey).Order(StringComparer.Ordinal).ToList();
        if (common.Count == 0) return null;
        var rows = new List<ServerCommandTime>();
        foreach (string cmd in commands)
        {
            long calls = 0, micros = 0;
            var ran = new List<string>();
            foreach (string node in common)
            {
                CommandCounters a = after.Nodes[node].GetValueOrDefault(cmd), b = before.Nodes[node].GetValueOrDefault(cmd);
                long dc = a.Calls - b.Calls, du = a.Micros - b.Micros;
                if (dc <= 0 || du < 0) continue;
                calls += dc;
                micros += du;
                ran.Add(node);
            }
            if (calls > 0) rows.Add(new ServerCommandTime(cmd, calls, micros, ran));
        }
        return rows;
    }

    /// <summary>
    /// Redis's time per join in ms: the µs of every join command (script, WAIT) over the script calls. Null when
    /// nothing ran the script (or the counters were not read): no server time, not 0.
    /// </summary>
    public static double? ServerMsPerJoin(IReadOnlyList<ServerCommandTime>? rows)
    {
        if (rows is null) return null;
        long scripts = rows.Where(r => ScriptCommands.Contains(r.Command)).Sum(r => r.Calls);
        return scripts == 0 ? null : rows.Where(r => JoinCommands.Contains(r.Command)).Sum(r => r.Micros) / 1000.0 / scripts;
    }

    /// <summary>Parses INFO commandstats: "cmdstat_evalsha:calls=10,usec=52,usec_per_call=5.20,rejected_calls=0,failed_calls=0".</summary>
    public static IReadOnlyDictionary<string, CommandCounters> ParseCommandStats(string info)
    {
        var result = new Dictionary<string, CommandCounters>(StringComparer.Ordinal);
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string value = line[(colon + 1)..];
            long calls = NodeInfo.StatField(value, "calls") ?? 0, usec = NodeInfo.StatField(value, "usec") ?? 0,
                rejected = NodeInfo.StatField(value, "rejected_calls") ?? 0;
            // Subcommands read "cmdstat_client|list"; lower case like the top-level names.
            result[line["cmdstat_".Length..colon].ToLowerInvariant()] = new CommandCounters(calls, usec, rejected);
        }
        return result;
    }

    private static double Cpu(string info, string name)
    {
        string? line = info.Split('\n').FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
    }
}
