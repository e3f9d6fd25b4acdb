namespace HashtagBench.Contracts.Tests;

/// <summary>The run record's outcome fields survive summary.json, and an older file without them reads with safe defaults.</summary>
public sealed class LoadRunOutcomeJsonTests
{
    private static readonly Dictionary<string, long> NoErrors = [];
    private static readonly Dictionary<string, string> NoSamples = [];

    [Fact]
    public void All_outcome_latency_lateness_injector_and_flags_round_trip()
    {
        var lat = new Latency(10, 1, 2, 3, 4, 5, 6, 2);
        var run = new LoadRun("r", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), 2, 100, 10, 5, 7.5, 33.3, lat, lat, NoErrors, NoSamples,
            [new ThresholdCheck("p99(all) < 2s", 0, 2000, false) { NoData = true, HarnessLimited = true }], "cancelled",
            [new LoadInterval(1, 1, 0, 5, 5, null, NoErrors) { AllLatency = lat }, new LoadInterval(2, 1, 0, 0, 0, null, NoErrors)])
        {
            All = lat, OkRps = 5, Interrupted = true, Lateness = lat, InjectorCpu = 0.02, Injector = "portable Thread.Sleep(1)", HarnessLimited = true,
        };
        var summary = new LoadSummary("s", [run], true, false, new LoadFindings());
        string json = ResultFiles.Serialize(summary, ResultFiles.LoadSummaryType);
        LoadSummary back = ResultFiles.Deserialize(json, ResultFiles.LoadSummaryType);
        Assert.Equal(json, ResultFiles.Serialize(back, ResultFiles.LoadSummaryType));
        LoadRun b = back.Runs[0];
        Assert.Equal(lat, b.All);
        Assert.Equal(lat, b.Lateness);
        Assert.Equal(5, b.OkRps);
        Assert.True(b.Interrupted);
        Assert.True(b.HarnessLimited);
        Assert.Equal(0.02, b.InjectorCpu);
        Assert.Equal("portable Thread.Sleep(1)", b.Injector);
        Assert.True(b.Thresholds[0].NoData);
        Assert.True(b.Thresholds[0].HarnessLimited);
        Assert.Equal(lat, b.Timeline[0].AllLatency);
        Assert.Null(b.Timeline[1].AllLatency); // no call that second: no latency, not 0
    }

    [Fact]
    public void Sent_and_dropped_arrivals_round_trip_with_their_totals_and_an_older_file_reads_them_as_unknown()
    {
        var arrivals = new ArrivalCounts(890, new Dictionary<string, long> { [ArrivalCounts.InFlightCap] = 7, [ArrivalCounts.LateInjector] = 2 });
        var run = new LoadRun("r", DateTime.UtcNow, 3, 300, 880, 10, 296.7, 1.1, null, null, NoErrors, NoSamples, [], "completed", []) { Arrivals = arrivals };
        string json = ResultFiles.Serialize(new LoadSummary("s", [run], true, false, new LoadFindings()), ResultFiles.LoadSummaryType);
        // The totals are written too, for readers of the file that do not add the reasons up.
        Assert.Contains("\"droppedTotal\": 9", json);
        Assert.Contains("\"scheduled\": 899", json);
        Assert.Contains("\"in-flight-cap\": 7", json);
        ArrivalCounts back = ResultFiles.Deserialize(json, ResultFiles.LoadSummaryType).Runs[0].Arrivals!;
        Assert.Equal((890L, 9L, 899L), (back.Sent, back.DroppedTotal, back.Scheduled));
        Assert.Equal(arrivals.Dropped, back.Dropped);
        Assert.Equal("9 (in-flight-cap 7, late-injector 2)", back.DroppedText());

        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node["runs"]![0]!.AsObject().Remove("arrivals");
        Assert.Null(ResultFiles.Deserialize(node.ToJsonString(), ResultFiles.LoadSummaryType).Runs[0].Arrivals);
    }

    [Fact]
    public void A_run_written_before_these_fields_reads_with_no_latency_and_no_flags()
    {
        var run = new LoadRun("r", DateTime.UtcNow, 2, 100, 10, 0, 5, 0, null, null, NoErrors, NoSamples, [], "completed", []);
        string json = ResultFiles.Serialize(new LoadSummary("s", [run], true, true, new LoadFindings()), ResultFiles.LoadSummaryType);
        foreach (string field in new[] { "\"all\"", "\"okRps\"", "\"interrupted\"", "\"lateness\"", "\"injectorCpu\"", "\"injector\"", "\"harnessLimited\"" })
            Assert.Contains(field, json); // the names written (camelCase), so an older file is just these missing
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var runNode = node["runs"]![0]!.AsObject();
        foreach (string field in new[] { "all", "okRps", "interrupted", "lateness", "injectorCpu", "injector", "harnessLimited" }) runNode.Remove(field);
        string older = node.ToJsonString();
        LoadRun b = ResultFiles.Deserialize(older, ResultFiles.LoadSummaryType).Runs[0];
        Assert.Null(b.All);
        Assert.Null(b.Lateness);
        Assert.False(b.Interrupted);
        Assert.False(b.HarnessLimited);
    }
}
