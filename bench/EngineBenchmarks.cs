using BenchmarkDotNet.Attributes;
using HashtagBench.Load.Engine;
using System.Threading.Tasks.Sources;

namespace HashtagBench.Bench;

/// <summary>
/// Suite: the load engine's own per-call path, with no network under it, so what it costs is the engine's alone
/// (BenchmarkDotNet's MemoryDiagnoser is on for every suite: the Allocated column is the per-call allocation).
/// Open model: the injector's send (in-flight count, lateness, the call's pooled state, the scenario's answer, two
/// latencies recorded). Closed model: one copy's call (invocation count, the call, its latency). Each with an answer
/// that is there at once and with one that comes later, through a reused <see cref="IValueTaskSource{TResult}"/>
/// completed on the same thread (the engine's continuation then runs inline, as it does on a reply's thread).
/// </summary>
public class EngineBenchmarks
{
    private LoadRunner _atOnce = null!, _later = null!;
    private Stats _atOnceStats = null!, _laterStats = null!, _recordStats = null!;
    private readonly Reply _reply = new();
    private long _n;

    [GlobalSetup]
    public void Setup()
    {
        _atOnce = Runner(Scenario.CreateValue("at-once", static _ => new ValueTask<Response>(Response.Ok())));
        _later = Runner(Scenario.CreateValue("later", _ => _reply.Next()));
        _atOnceStats = _atOnce.StartRecordingForBenchmark();
        _laterStats = _later.StartRecordingForBenchmark();
        _recordStats = new Stats(null);
    }

    private static LoadRunner Runner(Scenario s) =>
        new(s.WithLoadSimulations(LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(1))).WithLimits(maxInFlight: 5_000, maxInvocations: long.MaxValue / 2));

    [GlobalCleanup]
    public void Cleanup()
    {
        // Each benchmark runs in a process of its own and uses one of these: a process in which none recorded a call
        // measured a path that records nothing, and fails rather than print its time.
        long recorded = 0;
        foreach (Stats s in new[] { _atOnceStats, _laterStats, _recordStats })
        {
            s.Tick(1, 1);
            recorded += s.OkTotal.TotalCount;
        }
        if (recorded == 0) throw new InvalidOperationException("the engine recorded no call");
        _atOnceStats.Dispose();
        _laterStats.Dispose();
        _recordStats.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OpenCallAnsweredAtOnce() => _atOnce.Send(_atOnce.NowTicks, ++_n, CancellationToken.None);

    [Benchmark]
    public void OpenCallAnsweredLater()
    {
        _later.Send(_later.NowTicks, ++_n, CancellationToken.None);
        _reply.Complete();
    }

    [Benchmark]
    public ValueTask<bool> ClosedCallAnsweredAtOnce() => _atOnce.ClosedCallAsync(CancellationToken.None);

    [Benchmark]
    public ValueTask<bool> ClosedCallAnsweredLater()
    {
        ValueTask<bool> call = _later.ClosedCallAsync(CancellationToken.None);
        _reply.Complete();
        return call;
    }

    /// <summary>What an open-model call records, alone: its lateness, its latency from the intended start and from the send.</summary>
    [Benchmark]
    public void RecordingOnly()
    {
        _recordStats.RecordLateness(3);
        _recordStats.Record(new Response(true, "ok"), 250);
        _recordStats.RecordFromSend(240);
    }

    /// <summary>One pending answer at a time, reused: completing it runs the engine's continuation on this thread.</summary>
    private sealed class Reply : IValueTaskSource<Response>
    {
        private ManualResetValueTaskSourceCore<Response> _core;

        public ValueTask<Response> Next()
        {
            _core.Reset();
            return new ValueTask<Response>(this, _core.Version);
        }

        public void Complete() => _core.SetResult(Response.Ok());

        public Response GetResult(short token) => _core.GetResult(token);
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
