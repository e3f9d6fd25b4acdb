using HashtagBench.Keys;
using System.Globalization;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Load.Scenarios;

/// <summary>Per-primary counters read before and after a run: script calls (INFO commandstats) and CPU seconds (INFO cpu).</summary>
public sealed record ShardCounters(string Endpoint, long ScriptCalls, long Rejected, double CpuSeconds);

/// <summary>Reads each primary's script calls and CPU, in slot order, so measured load can sit next to ClusterSim's prediction.</summary>
public static class ShardStats
{
    public static async Task<IReadOnlyList<ShardCounters>> ReadAsync(IConnectionMultiplexer mux)
    {
        var result = new List<ShardCounters>();
        foreach (SlotOwner owner in LiveSlotMap.Read(mux))
        {
            IServer server = mux.GetServer(owner.Endpoint);
            string stats = (string?)await server.ExecuteAsync("INFO", "commandstats") ?? "";
            string cpu = (string?)await server.ExecuteAsync("INFO", "cpu") ?? "";
            long calls = 0, rejected = 0;
            foreach (string cmd in new[] { "cmdstat_evalsha:", "cmdstat_eval:" })
            {
                string? line = stats.Split('\n').FirstOrDefault(l => l.StartsWith(cmd, StringComparison.Ordinal));
                if (line is null) continue;
                calls += Field(line, "calls");
                rejected += Field(line, "rejected_calls");
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

    private static long Field(string line, string name)
    {
        foreach (string part in line.Split(':', 2)[1].Split(','))
        {
            string[] kv = part.Split('=');
            if (kv[0] == name) return long.Parse(kv[1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static double Cpu(string info, string name)
    {
        string? line = info.Split('\n').FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
    }
}
