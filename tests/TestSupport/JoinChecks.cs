using HashtagBench.Enqueue;
using HashtagBench.Keys;
using StackExchange.Redis;
using Xunit;

namespace HashtagBench.TestSupport;

/// <summary>Checks every cluster a test gets must pass, whichever provider started it.</summary>
public static class JoinChecks
{
    /// <summary>An ID no other test or run uses: prefix, a dash, 12 hex digits.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The incident as production saw it: legacy keys sent raw come back with the server's own CROSSSLOT.</summary>
    public static async Task AssertLegacyGetsTheServersCrossSlotAsync(IConnectionMultiplexer mux)
    {
        var client = new EnqueueClient(mux, KeyStrategy.Legacy, new EnqueueOptions { SlotGuard = false, Mode = SendMode.RawEval });
        JoinResult r = await client.JoinAsync(Unique("evt"), "u1", Unique("idem"));
        var failed = Assert.IsType<JoinResult.Failed>(r);
        Assert.Equal(FailureKind.CrossSlotServer, failed.Kind);
        Assert.StartsWith("CROSSSLOT", failed.Message);
    }
}
