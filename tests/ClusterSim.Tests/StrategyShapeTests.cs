using HashtagBench.Keys;
using System.Text.Json;

namespace HashtagBench.ClusterSim.Tests;

/// <summary>The simulator reads a strategy's shape off its type and layouts, never its name.</summary>
public sealed class StrategyShapeTests
{
    [Fact]
    public void Slot_shape_comes_from_the_strategy_whatever_way_it_was_built()
    {
        Assert.Equal(new SlotShape.ByEvent(), SlotShape.Of(KeyStrategy.Legacy));
        Assert.Equal(new SlotShape.ByEvent(), SlotShape.Of(new EventTagStrategy()));
        Assert.Equal(new SlotShape.ByUser(), SlotShape.Of(KeyStrategy.UserTag));
        foreach (KeyStrategy s in new KeyStrategy[] { new BucketedStrategy(12), KeyStrategy.Bucketed(12), KeyStrategy.Parse("bucketed(12)"), KeyStrategy.Bucketed(12) with { } })
            Assert.Equal(new SlotShape.ByEventBucket(12), SlotShape.Of(s));
    }

    [Fact]
    public void Results_carry_the_strategy_itself_and_JSON_still_shows_its_name()
    {
        var w = new Workload(5, Popularity.Uniform, 1000, RateProfile.Constant(1000, 60));
        KeyStrategy bucketed = new BucketedStrategy(4);
        SimResult r = Simulator.Run(w, [bucketed, KeyStrategy.UserTag], Topology.EvenSplit(3), new SimOptions { Seeds = 1, Joins = 1000 });
        Assert.Same(bucketed, r.Strategies[0].Strategy);
        Assert.Equal(4, Assert.IsType<BucketedStrategy>(r.Strategies[0].Strategy).Buckets);
        Assert.Equal(KeyStrategy.UserTag, r.Strategies[1].Strategy);

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(r.Strategies[0]));
        Assert.Equal("bucketed:4", json.RootElement.GetProperty("Strategy").GetString());
    }

    [Fact]
    public void Capacity_rows_match_results_by_strategy()
    {
        var w = new Workload(5, Popularity.Uniform, 1000, RateProfile.Constant(1000, 60));
        var sim = new Simulator(w, Topology.EvenSplit(3), new SimOptions { Seeds = 1, Joins = 1000 });
        SimResult r = sim.Run(StrategyList.Parse(StrategyList.Default));
        CapacityPlan plan = CapacityPlanner.Plan(sim, r, new CapacityInput(50_000));
        Assert.Equal(r.Strategies.Select(s => s.Strategy), plan.Strategies.Select(s => s.Strategy));
        Assert.True(plan.Strategies.Single(s => s.Strategy is LegacyStrategy).Fails);
    }
}
