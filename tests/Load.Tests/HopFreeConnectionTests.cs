using HashtagBench.Keys;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;

namespace HashtagBench.Load.Tests;

/// <summary>The hop-free load-path connection: replies matched to calls in order, errors as replies, a closed connection answers.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class RespConnectionTests(ClusterFixture fx)
{
    private string NodeOf(string key) => SlotOwner.Find(LiveSlotMap.Read(fx.Mux), HashSlot.Of(key)).Split(' ')[^1].Trim('(', ')');

    [Fact]
    public async Task Pipelined_calls_from_many_callers_each_get_their_own_reply()
    {
        string key = $"resp-test:{{{Guid.NewGuid():N}}}";
        using HopFreeConnection conn = await HopFreeConnection.OpenAsync(NodeOf(key));
        var seen = new System.Collections.Concurrent.ConcurrentBag<long>();
        // 20 callers × 50 INCRs on one key, all pipelined on one connection: the 1,000 replies are 1..1000, each once,
        // and each caller's own replies rise (a reply given to the wrong call would break one or the other).
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            var call = new RespCall();
            byte[] buffer = new byte[256];
            long last = 0;
            for (int i = 0; i < 50; i++)
            {
                RespReply r = await conn.SendAsync(call, buffer.AsSpan(0, RespCommand.Write(buffer, "INCR", key)));
                Assert.Equal((byte)':', r.Kind);
                Assert.True(r.Integer > last, $"reply {r.Integer} after {last}");
                last = r.Integer!.Value;
                seen.Add(last);
            }
        })));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seen.OrderBy(x => x));
        Assert.Equal(1000, (long)await fx.Mux.GetDatabase().StringGetAsync(key));
        await fx.Mux.GetDatabase().KeyDeleteAsync(key);
    }

    [Fact]
    public async Task An_error_is_a_reply_of_its_own_and_an_array_gives_its_first_integer()
    {
        string key = $"resp-test:{{{Guid.NewGuid():N}}}";
        using HopFreeConnection conn = await HopFreeConnection.OpenAsync(NodeOf(key));
        var call = new RespCall();
        byte[] b = new byte[256];
        RespReply error = await conn.SendAsync(call, b.AsSpan(0, RespCommand.Write(b, "NOSUCHCOMMAND", "x")));
        Assert.True(error.IsError);
        Assert.Contains("unknown command", error.Error, StringComparison.OrdinalIgnoreCase);
        // The next call on the same connection gets its own reply, not the error's.
        RespReply pushed = await conn.SendAsync(call, b.AsSpan(0, RespCommand.Write(b, "RPUSH", key, "a", "bé")));
        Assert.Equal(((byte)':', 2L), (pushed.Kind, pushed.Integer!.Value));
        RespReply array = await conn.SendAsync(call, b.AsSpan(0, RespCommand.Write(b, "EVAL", "return {7, 'x'}", "0")));
        Assert.Equal(((byte)'*', 7L), (array.Kind, array.Integer!.Value));
        RespReply bulk = await conn.SendAsync(call, b.AsSpan(0, RespCommand.Write(b, "LINDEX", key, "1")));
        Assert.Equal(((byte)'$', (long?)null), (bulk.Kind, bulk.Integer));
        Assert.Equal(["a", "bé"], (await fx.Mux.GetDatabase().ListRangeAsync(key)).Select(v => (string)v!));
        await fx.Mux.GetDatabase().KeyDeleteAsync(key);
    }

    [Fact]
    public async Task A_closed_connection_answers_connection_closed_instead_of_hanging()
    {
        HopFreeConnection conn = await HopFreeConnection.OpenAsync(NodeOf("resp-test:{closed}"));
        var call = new RespCall();
        byte[] b = new byte[256];
        // BLPOP waits 2 s on an empty list; the connection is closed while it waits.
        ValueTask<RespReply> waiting = conn.SendAsync(call, b.AsSpan(0, RespCommand.Write(b, "BLPOP", $"resp-test:{{closed}}:{Guid.NewGuid():N}", "2")));
        await Task.Delay(100);
        conn.Dispose();
        RespReply r = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(r.IsError);
        Assert.Equal("connection closed", r.Error);
        RespReply after = await conn.SendAsync(new RespCall(), b.AsSpan(0, RespCommand.Write(b, "PING")));
        Assert.Equal("connection closed", after.Error);
    }
}
