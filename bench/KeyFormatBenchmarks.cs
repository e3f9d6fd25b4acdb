using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HashtagBench.Keys;
using StackExchange.Redis;

namespace HashtagBench.Bench;

/// <summary>
/// Suite 2: building a join's two keys. Baseline: string interpolation (what the incident code did with Go's
/// Sprintf), then string.Format, then <see cref="KeyWriter"/> (UTF-8 into a stack buffer, one byte[] per key).
/// Each category has its own baseline; "validated" compares the checked entry points (KeyStrategy.Keys vs KeyWriter.Keys).
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KeyFormatBenchmarks
{
    private const int Buckets = 16;
    private static readonly KeyStrategy BucketedStrategy = KeyStrategy.Bucketed(Buckets);
    private readonly KeyWriter _eventWriter = KeyWriter.For(KeyStrategy.EventTag);
    private readonly KeyWriter _bucketedWriter = KeyWriter.For(BucketedStrategy);

    // Fields, not constants, so nothing is folded at JIT time.
    private string _e = SampleKeys.EventId, _u = SampleKeys.UserId, _k = SampleKeys.IdempotencyKey;

    [GlobalSetup]
    public void Setup()
    {
        _e = SampleKeys.EventId;
        _u = SampleKeys.UserId;
        _k = SampleKeys.IdempotencyKey;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("event")]
    public RedisJoinKeys EventInterpolation() => new($"dedupe:{{{_e}}}:{_k}", $"stream:event:{{{_e}}}:user:{_u}");

    [Benchmark, BenchmarkCategory("event")]
    public RedisJoinKeys EventStringFormat() => new(string.Format("dedupe:{{{0}}}:{1}", _e, _k), string.Format("stream:event:{{{0}}}:user:{1}", _e, _u));

    [Benchmark, BenchmarkCategory("event")]
    public RedisJoinKeys EventKeyWriter() => new(_eventWriter.DedupeKey(_e, _u, _k), _eventWriter.StreamKey(_e, _u, _k));

    [Benchmark(Baseline = true), BenchmarkCategory("bucketed")]
    public RedisJoinKeys BucketedInterpolation()
    {
        int b = KeyStrategy.BucketOf(_u, Buckets);
        return new($"dedupe:{{{_e}:{b}}}:{_k}", $"stream:event:{{{_e}:{b}}}:user:{_u}");
    }

    [Benchmark, BenchmarkCategory("bucketed")]
    public RedisJoinKeys BucketedStringFormat()
    {
        int b = KeyStrategy.BucketOf(_u, Buckets);
        return new(string.Format("dedupe:{{{0}:{1}}}:{2}", _e, b, _k), string.Format("stream:event:{{{0}:{1}}}:user:{2}", _e, b, _u));
    }

    [Benchmark, BenchmarkCategory("bucketed")]
    public RedisJoinKeys BucketedKeyWriter() => new(_bucketedWriter.DedupeKey(_e, _u, _k), _bucketedWriter.StreamKey(_e, _u, _k));

    [Benchmark(Baseline = true), BenchmarkCategory("validated")]
    public RedisJoinKeys ValidatedKeyStrategy()
    {
        JoinKeys keys = KeyStrategy.EventTag.Keys(_e, _u, _k);
        return new(keys.DedupeKey, keys.StreamKey);
    }

    [Benchmark, BenchmarkCategory("validated")]
    public RedisJoinKeys ValidatedKeyWriter()
    {
        Utf8JoinKeys keys = _eventWriter.Keys(_e, _u, _k);
        return new(keys.DedupeKey, keys.StreamKey);
    }
}

/// <summary>What every row produces: a join's two keys as the client sends them.</summary>
public readonly record struct RedisJoinKeys(RedisKey DedupeKey, RedisKey StreamKey);
