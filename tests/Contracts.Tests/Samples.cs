namespace HashtagBench.Contracts.Tests;

/// <summary>One of each contract record with every field set to something other than its default.</summary>
internal static class Samples
{
    public static readonly StreamAuditResult Audit = new(1200, 900, 880, 2, 1, 3, 4, 17);

    public static readonly Latency Latency = new(500, 0.5, 0.75, 1.5, 2.5, 4.25, 9.5, 0.8);

    public static LoadRun Run(string name, double? target = 2000) => new(
        name, new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc), 10.5, target, 19_000, 12, 1900.5, 0.0631,
        Latency, Latency with { Count = 12 }, new Dictionary<string, long> { ["CrossSlotServer"] = 12 },
        new Dictionary<string, string> { ["CrossSlotServer"] = "CROSSSLOT Keys | in request" },
        [new ThresholdCheck("p99 < 20ms", 2.5, 20, true)], "duration",
        [new LoadInterval(1, 1, 1900, 1, 1901, Latency, new Dictionary<string, long> { ["Timeout"] = 1 }), new LoadInterval(1.2, 0.2, 0, 0, 0, null, new Dictionary<string, long>())]);

    public static readonly CapacityResult Capacity = new(41250.5, 20000, 0.48, true, false, true, 5798, "0 (127.0.0.1:7000)",
        [new CapacityStep("1", 500, 499.5, 1.25, 0, 0.02, false), new CapacityStep("2", 750, 700, null, 12.5, 0.03, true)],
        new CapacityStep("closed, 50 in flight", null, 9000, 4.5, 0.01, 0.3, false), 55000);

    public static readonly FailoverRow Failover = new("1, always", 1, false, "Kill", 3.01, 4.2, 2.5, 321,
        new Dictionary<string, long> { ["Connection"] = 300, ["Timeout"] = 21 }, 250.5, 6.5, 5.25, true, 2, 40, 30, 3, true, Audit);

    public static LoadSummary Load() => new("strategies", [Run("event"), Run("capacity-closed50", null)], false, true, new LoadFindings
    {
        PerShard = [new ShardComparison("event", 0, "127.0.0.1:7000", 0.33, 0.35, 1000, 0), new ShardComparison("legacy", 1, "127.0.0.1:7001", null, null, 0, 12)],
        Incidents = [new Incident("legacy", 990, 990, 1, 1, true)],
        Duplicates = new DuplicatesFinding(0.31, 0.3, Audit),
        HotEvent = [new ShardUtilisation("event", 2, 0.93, 40_000)],
        Capacity = Capacity,
        Failover = [Failover],
    });

    private static readonly SimBand Band = new(0.4, 0.35, 0.5);

    public static SimSummary Sim() => new(
        new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero), 12.5,
        new SimWorkload(50, "zipf:1.1", 100_000, 20_000, [new SimRatePoint(0, 1000), new SimRatePoint(30, 20_000)], 20_000, 15_000, 120, 1.8e6, 0.1, 1.62e6),
        new SimTopology("3 even shards", [new SimShard(0, "A", 5461, ["0-5460"]), new SimShard(1, "B", 5462, ["5461-10922"])]),
        new SimSettings(1_000_000, 10, 42UL, 1, 2, 1, 1, new SimMemory(4441, 152, 4593)),
        [new SimStrategy("event", true, 0, [new SimShardLoad(0, "A", 5461, 0.4, 0.5, 8000, 10_000, 1e5, 4.5e8)],
            new SimSkew(Band, Band with { Mean = 0.2 }, Band with { Mean = 0.1 }, Band, Band with { Mean = 0.05 }),
            new SimAnalytic("events", 50, 0.41, 0.06, 0.21, [0.3, 0.3, 0.4])),
         new SimStrategy("legacy", false, 0.9999, [], new SimSkew(Band, Band, Band, Band, Band), null)],
        new SimCapacityPlan(40_000, 0.7, "capacity.json", 20_000,
            [new SimStrategyCapacity("event", false, [0.2, 0.3], Band, 100_000, 90_000, 4, "as many as a perfectly even spread needs"),
             new SimStrategyCapacity("legacy", true, [0.1], Band, 0, 0, null, "every join fails")],
            new SimBucketPlan(8, "bucketed:8 keeps it", [new SimBucketTrial(4, 0.5, 0.9), new SimBucketTrial(8, 0.4, 0.6)])),
        [new SimSweepSeries("event", [new SimSweepPoint(10, Band), new SimSweepPoint(100, Band with { Mean = 0.34 })])],
        ["shard-load.png"]);
}
