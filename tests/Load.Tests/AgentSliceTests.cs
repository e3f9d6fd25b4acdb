using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load.Agents;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;

namespace HashtagBench.Load.Tests;

/// <summary>How load agents split one run: arrivals, users and idempotency keys, each to exactly one agent.</summary>
public sealed class AgentSliceTests
{
    [Fact]
    public void Every_arrival_belongs_to_exactly_one_of_N_agents()
    {
        var slices = Enumerable.Range(0, 3).Select(i => new ArrivalSlice(i, 3)).ToList();
        for (long k = 1; k <= 1000; k++) Assert.Single(slices, s => s.Owns(k));
        Assert.All(Enumerable.Range(1, 50), k => Assert.True(ArrivalSlice.Whole.Owns(k)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArrivalSlice(3, 3));
    }

    [Fact]
    public void An_agents_target_is_its_share_of_the_schedule()
    {
        Scenario s = Scenario.Create("x", _ => Task.FromResult(Response.Ok())).WithLoadSimulations(LoadSimulation.InjectPerSecond(300, TimeSpan.FromSeconds(2)));
        Assert.Equal(300, s.TargetRps, 6);
        Assert.Equal(100, s.WithArrivalSlice(new ArrivalSlice(1, 3)).TargetRps, 6);
    }

    [Fact]
    public void Agents_draw_disjoint_users_and_idempotency_keys_that_cover_every_user()
    {
        const int users = 10, n = 3;
        var rng = new Random(7);
        var seen = new HashSet<string>();
        for (int i = 0; i < n; i++)
        {
            var w = new JoinWorkload(4, Popularity.Parse("uniform"), users, "rtest1", new AgentSlice("rtest1", i, n, DateTime.UtcNow));
            var mine = Enumerable.Range(0, 500).Select(_ => w.NextUser(rng)).ToHashSet();
            Assert.All(mine, u => Assert.Equal(i, int.Parse(u[(u.LastIndexOf('u') + 1)..]) % n));
            Assert.Empty(mine.Intersect(seen));
            seen.UnionWith(mine);
            string key = w.NewIdempotencyKey();
            Assert.StartsWith($"rtest1-a{i}-", key);
        }
        Assert.Equal(users, seen.Count); // together the agents use every user of the single-agent workload
    }

    [Theory]
    [InlineData("0/3", 0, 3)]
    [InlineData(" 2 / 3 ", 2, 3)]
    public void Agent_text_parses(string text, int index, int count) => Assert.Equal((index, count), AgentStart.ParseAgent(text));

    [Theory]
    [InlineData("3/3")]
    [InlineData("-1/3")]
    [InlineData("1/0")]
    [InlineData("one/3")]
    public void Bad_agent_text_is_refused(string text) => Assert.Throws<ArgumentException>(() => AgentStart.ParseAgent(text));

    [Fact]
    public void Start_time_must_be_utc()
    {
        Assert.Equal(new DateTime(2026, 11, 25, 18, 0, 0, DateTimeKind.Utc), AgentStart.ParseStartAt("2026-11-25T18:00:00Z"));
        Assert.Equal(new DateTime(2026, 11, 25, 17, 0, 0, DateTimeKind.Utc), AgentStart.ParseStartAt("2026-11-25T18:00:00+01:00"));
        Assert.Throws<ArgumentException>(() => AgentStart.ParseStartAt("2026-11-25T18:00:00")); // no zone: ambiguous across machines
        Assert.Throws<ArgumentException>(() => AgentStart.ParseStartAt("tomorrow"));
    }

    [Fact]
    public void Joined_audit_is_the_agents_sum_as_their_streams_and_keys_are_disjoint()
    {
        var a0 = new StreamAuditResult(Attempts: 45, IdempotencyKeys: 40, Acknowledged: 40, Lost: 1, DoubledKeys: 0, Unacknowledged: 2, Uncertain: 0, StreamsRead: 30) { Unattributed = 1 };
        var a1 = new StreamAuditResult(Attempts: 60, IdempotencyKeys: 55, Acknowledged: 50, Lost: 0, DoubledKeys: 1, Unacknowledged: 5, Uncertain: 1, StreamsRead: 41) { DoubledEntries = 1 };
        StreamAuditResult joined = AuditJoin.Join([a0, a1]);
        Assert.Equal(new StreamAuditResult(105, 95, 90, 1, 1, 7, 1, 71) { Unattributed = 1, DoubledEntries = 1 }, joined);
        Assert.False(joined.Passed); // one agent's loss fails the joined audit
    }

    [Fact]
    public void Every_strategys_stream_key_carries_the_user_so_agents_never_share_a_stream()
    {
        foreach (var strategy in new[] { HashtagBench.Keys.KeyStrategy.EventTag, HashtagBench.Keys.KeyStrategy.UserTag, HashtagBench.Keys.KeyStrategy.Bucketed(8), HashtagBench.Keys.KeyStrategy.Legacy })
            Assert.NotEqual(strategy.Keys("e1", "rx-u0", "k").StreamKey, strategy.Keys("e1", "rx-u1", "k").StreamKey);
    }

    [Fact]
    public void A_clock_off_beyond_the_bound_or_a_start_already_past_is_refused()
    {
        var at = new DateTime(2026, 11, 25, 18, 0, 0, DateTimeKind.Utc);
        var agent = new AgentSlice("rclock1", 1, 3, at);
        TimeSpan skew = TimeSpan.FromMilliseconds(250), late = TimeSpan.FromSeconds(1);
        // 2 s ahead of the start on a clock 100 ms fast: wait 2.1 s of local time.
        Assert.Equal(TimeSpan.FromMilliseconds(2100), AgentStart.CheckStart(agent, TimeSpan.FromMilliseconds(100), at.AddSeconds(-2), skew, late));
        var off = Assert.Throws<ArgumentException>(() => AgentStart.CheckStart(agent, TimeSpan.FromMilliseconds(-400), at.AddSeconds(-2), skew, late));
        Assert.Contains("agent 1/3: this machine's clock is -400 ms off the cluster's", off.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(-500), AgentStart.CheckStart(agent, TimeSpan.Zero, at.AddMilliseconds(500), skew, late)); // late, within the bound: starts at once
        var past = Assert.Throws<ArgumentException>(() => AgentStart.CheckStart(agent, TimeSpan.Zero, at.AddSeconds(5), skew, late));
        Assert.Contains("passed 5 s ago", past.Message);
    }
}
