using System.Reflection;
using System.Text.Json;

namespace HashtagBench.Contracts.Tests;

public sealed class ResultsJsonTests
{
    /// <summary>Serialise → read → serialise gives the same text: nothing is lost or renamed on the way back.</summary>
    private static T RoundTrip<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        string json = ResultFiles.Serialize(value, type);
        T back = ResultFiles.Deserialize(json, type);
        Assert.Equal(json, ResultFiles.Serialize(back, type));
        return back;
    }

    [Fact]
    public void Load_summary_round_trips_with_every_finding()
    {
        LoadSummary s = Samples.Load();
        LoadSummary back = RoundTrip(s, ResultFiles.LoadSummaryType);

        Assert.Equal("strategies", back.Scenario);
        Assert.Equal(s.Runs[0].StartedUtc, back.Runs[0].StartedUtc);
        Assert.Equal(Samples.Latency, back.Runs[0].Ok);
        Assert.Null(back.Runs[1].TargetRps); // closed model: no target, not 0
        Assert.Null(back.Runs[0].Timeline[1].OkLatency);
        Assert.Equal("CROSSSLOT Keys | in request", back.Runs[0].ErrorSamples["CrossSlotServer"]);
        Assert.Equal(s.Findings.PerShard!, back.Findings.PerShard!);
        Assert.Null(back.Findings.PerShard![1].Predicted);
        Assert.Equal(Samples.Audit, back.Findings.Duplicates!.Audit);
        Assert.Equal(41250.5, back.Findings.Capacity!.PerShardOpsPerSec);
        Assert.Equal(s.Findings.Capacity!.Closed, back.Findings.Capacity.Closed);
        FailoverRow f = Assert.Single(back.Findings.Failover!);
        Assert.Equal(Samples.Audit, f.Audit);
        Assert.Equal(21, f.FailedByKind["Timeout"]);
    }

    [Fact]
    public void Capacity_and_sim_round_trip()
    {
        CapacityResult c = RoundTrip(Samples.Capacity, ResultFiles.CapacityType);
        Assert.Equal(Samples.Capacity.Steps, c.Steps);
        Assert.Equal(9000 / 55000.0, c.HarnessToRedisBenchmark);

        SimSummary sim = RoundTrip(Samples.Sim(), ResultFiles.SimType);
        Assert.Equal(42UL, sim.Simulation.Seed);
        Assert.Equal(0.9999, sim.Strategies[1].CrossSlotFailureRate);
        Assert.Null(sim.Strategies[1].Analytic);
        Assert.Null(sim.Capacity!.Strategies[1].SmallestShardCount);
        Assert.Equal(0.34, sim.EventSweep[0].Points[1].HottestShardShare.Mean);
    }

    [Fact]
    public void Json_is_camel_case_and_indented()
    {
        string json = ResultFiles.Serialize(Samples.Capacity, ResultFiles.CapacityType);
        Assert.Contains("\n  \"perShardOpsPerSec\": 41250.5", json);
        Assert.Contains("\"redisBenchmarkRps\": 55000", json);
        Assert.DoesNotContain("PerShardOpsPerSec", json);
    }

    [Fact]
    public void Every_contract_record_is_known_to_the_context()
    {
        var types = typeof(ResultsJsonContext).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.Namespace == "HashtagBench.Contracts" && t.GetMethod("<Clone>$") is not null) // records
            .ToList();
        Assert.True(types.Count > 20, $"only {types.Count} records found");
        foreach (Type t in types)
            Assert.True(ResultsJsonContext.Default.GetTypeInfo(t) is not null, $"{t.Name} is not in ResultsJsonContext");
    }

    [Fact]
    public void A_missing_field_is_an_error_not_a_zero()
    {
        string json = ResultFiles.Serialize(Samples.Capacity, ResultFiles.CapacityType).Replace("\"perShardOpsPerSec\"", "\"perShardOps\"");
        Assert.Throws<JsonException>(() => ResultFiles.Deserialize(json, ResultFiles.CapacityType));
        // A null where the contract has no null is refused too.
        string nullShard = ResultFiles.Serialize(Samples.Capacity, ResultFiles.CapacityType).Replace("\"shard\": \"0 (127.0.0.1:7000)\"", "\"shard\": null");
        Assert.Throws<JsonException>(() => ResultFiles.Deserialize(nullShard, ResultFiles.CapacityType));
    }

    [Fact]
    public void Files_are_written_and_read_through_the_context()
    {
        string path = Path.Combine(Path.GetTempPath(), $"summary-{Guid.NewGuid():N}.json");
        try
        {
            ResultFiles.Write(path, Samples.Load(), ResultFiles.LoadSummaryType);
            Assert.Equal(2, ResultFiles.Read(path, ResultFiles.LoadSummaryType).Runs.Count);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Scenario_names_are_one_list_without_duplicates()
    {
        Assert.Equal(["multi-event", "strategies", "duplicates", "hot-event", "capacity", "failover"], ScenarioNames.All);
        var constants = typeof(ScenarioNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(constants.Order(), ScenarioNames.All.Order());
    }
}
