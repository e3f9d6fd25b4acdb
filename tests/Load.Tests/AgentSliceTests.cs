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
    public void Joined_audit_adds_per_key_counts_and_recovers_the_shared_entries()
    {
        // Two agents read the same 100 entries: agent 0 owns 40 (all acknowledged), agent 1 owns 55 (50 acknowledged); 5 belong to nobody.
        var a0 = new StreamAuditResult(Attempts: 45, IdempotencyKeys: 40, Acknowledged: 40, Lost: 0, DoubledKeys: 0, Unacknowledged: 60, Uncertain: 0, StreamsRead: 4) { Unattributed = 60 };
        var a1 = new StreamAuditResult(Attempts: 60, IdempotencyKeys: 55, Acknowledged: 50, Lost: 0, DoubledKeys: 0, Unacknowledged: 50, Uncertain: 1, StreamsRead: 4) { Unattributed = 45 };
        var (joined, note) = AuditJoin.Join([a0, a1]);
        Assert.Equal(105, joined.Attempts);
        Assert.Equal(95, joined.IdempotencyKeys);
        Assert.Equal(90, joined.Acknowledged);
        Assert.Equal(10, joined.Unacknowledged); // 5 of agent 1 never acknowledged + 5 of nobody's
        Assert.Equal(5, joined.Unattributed);
        Assert.Equal(1, joined.Uncertain);
        Assert.Equal("", note);
    }
}
