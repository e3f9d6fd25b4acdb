using HashtagBench.Keys;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests;

/// <summary>--require-replicas: a join no replica (or too few) acknowledged is a failure that keeps its token.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RequireReplicasTests(ClusterFixture fx)
{
    private static string Unique(string prefix) => JoinChecks.Unique(prefix);

    [Theory]
    [InlineData(true)]  // skipped: the primary reports 1 replica online, fewer than 3
    [InlineData(false)] // sent: WAIT 3 reaches the one replica there is
    public async Task A_join_short_of_the_required_replicas_is_NotReplicated_and_carries_the_token_it_wrote(bool skip)
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag,
            new EnqueueOptions { RequireReplicas = 3, WaitTimeout = TimeSpan.FromMilliseconds(100), SkipWaitWithoutReplicas = skip });
        string evt = Unique("evt"), user = Unique("user"), idem = Unique("idem");
        var failed = Assert.IsType<JoinResult.Failed>(await client.JoinAsync(evt, user, idem));
        Assert.Equal(FailureKind.NotReplicated, failed.Kind);
        Assert.NotNull(failed.Token);
        Assert.Equal(failed.Token, failed.SentToken);
        // It was applied: the entry holds that token, and a retry with the key is a duplicate.
        StreamEntry[] entries = await fx.Mux.GetDatabase().StreamRangeAsync(KeyStrategy.EventTag.Keys(evt, user, idem).StreamKey);
        Assert.Equal(failed.Token, (string?)Assert.Single(entries)["token"]);
        Assert.IsType<JoinResult.Duplicate>(await client.JoinAsync(evt, user, idem));
        Assert.True(client.WaitShortfalls >= 1);
    }

    [Fact]
    public async Task A_join_with_its_one_required_replica_is_Enqueued()
    {
        var client = new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { RequireReplicas = 1, WaitTimeout = TimeSpan.FromSeconds(2) });
        Assert.IsType<JoinResult.Enqueued>(await client.JoinAsync(Unique("evt"), Unique("user"), Unique("idem")));
    }

    [Fact]
    public void Negative_require_replicas_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EnqueueClient(fx.Mux, KeyStrategy.EventTag, new EnqueueOptions { RequireReplicas = -1 }));
}
