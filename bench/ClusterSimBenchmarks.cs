using BenchmarkDotNet.Attributes;
using HashtagBench.ClusterSim;
using HashtagBench.Keys;

namespace HashtagBench.Bench;

/// <summary>
/// ClusterSim throughput: 10 million joins (one event-ID draw) under Legacy, EventTag, UserTag and Bucketed(16),
/// 1,000 events, 1M users, 3 shards. Baseline: the obvious simulation that hashes every join's tag
/// (<see cref="KeyStrategy.Tag"/> + <see cref="HashSlot.Of(string)"/>) for every strategy. Against it: the
/// simulator, which hashes each distinct tag once per draw and counts joins through lookup tables.
/// Multi-second operations: run it with a short job (--job short, as `run` does). It declares no job of its own,
/// because a class job plus --job would run every case twice under one name.
/// </summary>
[MemoryDiagnoser]
public class ClusterSimBenchmarks
{
    private const int Events = 1_000, Users = 1_000_000;
    private const long Joins = 10_000_000;
    private static readonly KeyStrategy[] Strategies = [KeyStrategy.Legacy, KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(16)];

    private Simulator _sim = null!;
    private Topology _topology = null!;
    private string[] _events = [];
    private string[] _users = [];

    [GlobalSetup]
    public void Setup()
    {
        _topology = Topology.EvenSplit(3);
        var workload = new Workload(Events, Popularity.Uniform, Users, RateProfile.Constant(50_000, 600));
        _sim = new Simulator(workload, _topology, new SimOptions { Joins = Joins, Seeds = 1 });
        _sim.Run(Strategies); // hashes the user sample once, as any real run does before its first draw
        _events = Enumerable.Range(0, Events).Select(i => $"evt-{i:x8}").ToArray();
        _users = Enumerable.Range(0, Users).Select(i => $"user-{i:x8}").ToArray();
    }

    [Benchmark(Baseline = true, Description = "hash every join's tag (naive)")]
    public long[] NaivePerJoinHashing()
    {
        var perShard = new long[Strategies.Length * _topology.ShardCount];
        var rng = new Random(1);
        for (long i = 0; i < Joins; i++)
        {
            string e = _events[rng.Next(Events)], u = _users[rng.Next(Users)];
            for (int s = 0; s < Strategies.Length; s++)
                perShard[s * _topology.ShardCount + _topology.ShardOf(HashSlot.Of(Strategies[s].Tag(e, u)))]++;
        }
        return perShard;
    }

    [Benchmark(Description = "ClusterSim: hash each tag once, count by table")]
    public SimResult Simulator() => _sim.Run(Strategies);
}
