using BenchmarkDotNet.Attributes;
using HashtagBench.Enqueue;
using HashtagBench.Keys;

namespace HashtagBench.Bench;

/// <summary>
/// Suite 4: one join round trip (enqueue script, two keys) on a local 3-shard cluster started in GlobalSetup.
/// EVALSHA (production) is the baseline against EVAL (the script text on every call), per tag strategy.
/// Every call uses a fresh idempotency key, so each one enqueues (the Duplicate path is cheaper and not measured).
/// </summary>
public class JoinBenchmarks
{
    private BenchCluster? _cluster;
    private EnqueueClient _evalSha = null!, _eval = null!;
    private readonly string[] _users = Enumerable.Range(0, 1024).Select(i => $"user{i}").ToArray();
    private long _calls;
    // BenchmarkDotNet runs every case in a process of its own against one shared cluster: keys that restarted at 1
    // in each process would answer Duplicate from the second process on. A per-process run ID keeps them fresh.
    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    // Shown by name (KeyStrategy.ToString), as the string parameters were.
    public static IEnumerable<KeyStrategy> Strategies => [KeyStrategy.EventTag, KeyStrategy.Bucketed(16)];

    [ParamsSource(nameof(Strategies))]
    public KeyStrategy Strategy { get; set; } = KeyStrategy.EventTag;

    [GlobalSetup]
    public async Task Setup()
    {
        _cluster = await BenchCluster.StartAsync();
        _evalSha = new EnqueueClient(_cluster.Mux, Strategy, new EnqueueOptions { Mode = SendMode.EvalSha });
        _eval = new EnqueueClient(_cluster.Mux, Strategy, new EnqueueOptions { Mode = SendMode.Eval });
        // The first EVALSHA on each primary answers NOSCRIPT and loads the script; get that out of the way.
        for (int i = 0; i < _users.Length; i++) await JoinAsync(_evalSha);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task<JoinResult> EvalSha() => JoinAsync(_evalSha);

    [Benchmark]
    public Task<JoinResult> Eval() => JoinAsync(_eval);

    private async Task<JoinResult> JoinAsync(EnqueueClient client)
    {
        long n = ++_calls;
        JoinResult result = await client.JoinAsync(SampleKeys.EventId, _users[n & 1023], $"idem-{_run}-{n}");
        // A failed join would time an error path; stop the benchmark instead of reporting it.
        return result is JoinResult.Enqueued ? result : throw new InvalidOperationException($"Join {n} did not enqueue: {result}");
    }
}
