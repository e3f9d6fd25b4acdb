using BenchmarkDotNet.Attributes;
using HashtagBench.ClusterSim;
using HashtagBench.Keys;
using HashtagBench.WaitingRoom;

namespace HashtagBench.Bench;

/// <summary>
/// `sim --launch launches/gateway-30k.json` for its 5 strategies (legacy, event, event-all, user, bucketed:8):
/// the queue dynamics, every command placed per second, shard, step, command and node role, keys alive, the
/// sizing and the bucket search; everything the verb does except drawing and writing the report. Baseline: the
/// obvious count, which formats and hashes every command's key (the dynamics run once, as in the simulator).
/// The budget is 2 s for the 5 strategies.
/// </summary>
[MemoryDiagnoser]
public class LaunchSimBenchmarks
{
    private Launch _launch = null!;

    [GlobalSetup]
    public void Setup() => _launch = LaunchFileLoader.Load(Path.Combine(RepoRoot(), "launches", "gateway-30k.json"));

    [Benchmark(Baseline = true, Description = "gateway-30k, 5 strategies: hash every command's key (naive)")]
    public long[] NaivePerCommandHashing()
    {
        var sim = new LaunchSimulator(_launch);
        LaunchTimeline timeline = sim.Timeline;
        var perShard = new long[_launch.Schemas.Count * sim.Topology.ShardCount];
        for (int s = 0; s < _launch.Schemas.Count; s++)
        {
            WaitingRoomSchema schema = _launch.Schemas[s];
            foreach (LaunchRequest q in timeline.Requests)
            {
                KeyArgs a = sim.Population.ArgsFor(q.Visit, q.Ordinal);
                foreach (RedisCommand c in Traffic.Commands(q.Step, schema, q.EnterPath))
                {
                    int bucket = (schema.BucketOf(a.UserId) + c.OtherBucket) % schema.Buckets;
                    perShard[s * sim.Topology.ShardCount + sim.Topology.ShardOf(HashSlot.Of(schema.Key(c.Key, a, bucket: bucket)))]++;
                }
            }
        }
        return perShard;
    }

    [Benchmark(Description = "gateway-30k, 5 strategies: LaunchSimulator + sizing + bucket search")]
    public object LaunchSimulator()
    {
        var sim = new LaunchSimulator(_launch);
        LaunchSimResult result = sim.Run();
        var sizing = result.Strategies.Select(s => LaunchCapacity.Size(s)).ToList();
        return (result, sizing, LaunchCapacity.SuggestBuckets(sim));
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Bench.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Bench.sln not found above the benchmark's folder: the launch files live in <repo>/launches.");
    }
}
