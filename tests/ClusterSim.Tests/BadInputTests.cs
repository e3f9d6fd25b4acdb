using HashtagBench.Contracts;
namespace HashtagBench.ClusterSim.Tests;

public sealed class BadInputTests
{
    private static readonly RateProfile Rate = RateProfile.Constant(1000, 60);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Zero_or_negative_shards(int shards)
    {
        var ex = Assert.Throws<SimInputException>(() => Topology.EvenSplit(shards));
        Assert.Equal("shards", ex.Field);
        Assert.Contains("at least 1", ex.Message);
    }

    [Fact]
    public void Negative_rate()
    {
        Assert.Equal("rate", Assert.Throws<SimInputException>(() => RateProfile.Constant(-5, 60)).Field);
        var ex = Assert.Throws<SimInputException>(() => RateProfile.Parse("0:100,30:-1"));
        Assert.Equal("rate", ex.Field);
        Assert.Contains("negative", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void Zipf_exponent_of_zero_or_below(double s)
    {
        var ex = Assert.Throws<SimInputException>(() => Popularity.Zipf(s));
        Assert.Equal("zipf", ex.Field);
        Assert.Contains("above 0", ex.Message);
    }

    [Fact]
    public void Zipf_zero_from_the_command_line() =>
        Assert.Equal("zipf", Assert.Throws<SimInputException>(() => Popularity.Parse("zipf:0")).Field);

    [Fact]
    public void Overlapping_slot_map()
    {
        var ex = Assert.Throws<InvalidSlotMapException>(() => Topology.FromRanges([(0, 9000, 0), (8000, 16383, 1)]));
        Assert.Equal(SlotMapProblem.Overlap, ex.Problem);
        Assert.Contains("Slot 8000 is given twice", ex.Message);
    }

    [Fact]
    public void Incomplete_slot_map()
    {
        var ex = Assert.Throws<InvalidSlotMapException>(() => Topology.FromRanges([(0, 5000, 0), (5100, 16383, 1)]));
        Assert.Equal(SlotMapProblem.Unassigned, ex.Problem);
        Assert.Contains("5001-5099", ex.Message);
    }

    [Theory]
    [InlineData("0-16384:0", SlotMapProblem.SlotOutOfRange)]
    [InlineData("100-0:0,101-16383:0", SlotMapProblem.ReversedRange)]
    [InlineData("0-16383:1", SlotMapProblem.ShardWithoutSlots)]
    [InlineData("0-16383", SlotMapProblem.Syntax)]
    [InlineData("", SlotMapProblem.NoShards)]
    public void Other_broken_slot_maps(string spec, SlotMapProblem problem) =>
        Assert.Equal(problem, Assert.Throws<InvalidSlotMapException>(() => Topology.Parse(spec)).Problem);

    [Fact]
    public void Bad_workload_fields()
    {
        Assert.Equal("events", Assert.Throws<SimInputException>(() => new Simulator(new Workload(0, Popularity.Uniform, 10, Rate), Topology.EvenSplit(3))).Field);
        Assert.Equal("users", Assert.Throws<SimInputException>(() => new Simulator(new Workload(1, Popularity.Uniform, 0, Rate), Topology.EvenSplit(3))).Field);
        Assert.Equal("duplicates", Assert.Throws<SimInputException>(() => new Simulator(new Workload(1, Popularity.Uniform, 10, Rate, 1), Topology.EvenSplit(3))).Field);
        Assert.Equal("hot", Assert.Throws<SimInputException>(() => Popularity.SingleHot(1.5)).Field);
        Assert.Equal("profile", Assert.Throws<SimInputException>(() => RateProfile.Parse("10:5,5:5")).Field);
        Assert.Equal("strategies", Assert.Throws<SimInputException>(() => StrategyList.Parse("event,bucketed:0")).Field);
        Assert.Equal("strategies", Assert.Throws<SimInputException>(() => StrategyList.Parse("sharded")).Field);
    }

    [Fact]
    public void Bad_capacity()
    {
        Assert.Equal("capacity", Assert.Throws<SimInputException>(() => new CapacityInput(-1).Validate()).Field);
        Assert.Equal("target", Assert.Throws<SimInputException>(() => new CapacityInput(1000, 1.5).Validate()).Field);
        string path = Path.Combine(Path.GetTempPath(), $"cap-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """{"perShardOps": 5}""");
            Assert.Contains("perShardOpsPerSec", Assert.Throws<SimInputException>(() => CapacityInput.FromJsonFile(path)).Message);
            // A capacity run that measured nothing (null) is refused, not read as 0 ops/s.
            var step = new CapacityStep("closed", null, 0, null, 0, 0, false);
            ResultFiles.Write(path, new CapacityResult(null, null, null, false, false, false, 1, "s", [], step, null), ResultFiles.CapacityType);
            Assert.Contains("no measured perShardOpsPerSec", Assert.Throws<SimInputException>(() => CapacityInput.FromJsonFile(path)).Message);
            File.WriteAllText(path, "{not json");
            Assert.Equal("capacity-from", Assert.Throws<SimInputException>(() => CapacityInput.FromJsonFile(path)).Field);
        }
        finally { File.Delete(path); }
        Assert.Equal("capacity-from", Assert.Throws<SimInputException>(() => CapacityInput.FromJsonFile("/nonexistent/cap.json")).Field);
    }
}
