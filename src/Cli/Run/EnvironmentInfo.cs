using StackExchange.Redis;
using System.Runtime.InteropServices;

namespace HashtagBench.Cli.Run;

/// <summary>The machine a run measured on: a number without its environment is not comparable.</summary>
internal sealed record EnvironmentInfo(string Cpu, int Cores, string Os, string DotNet, string RedisVersion, string Cluster)
{
    public static EnvironmentInfo Collect(IConnectionMultiplexer? mux, string cluster)
    {
        string cpu = "unknown";
        if (File.Exists("/proc/cpuinfo"))
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        string redis = "unknown";
        if (mux is not null)
        {
            foreach (var ep in mux.GetEndPoints())
            {
                IServer s = mux.GetServer(ep);
                if (s.IsConnected) { redis = s.Version.ToString(); break; }
            }
        }
        return new EnvironmentInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, redis, cluster);
    }

    public IEnumerable<(string, string)> Rows() =>
    [
        ("CPU", Cpu), ("Cores", Cores.ToString()), ("OS", Os), (".NET", DotNet), ("Redis", RedisVersion), ("Cluster", Cluster),
    ];
}
