namespace HashtagBench.WaitingRoom.Tests;

public class LaunchFileTests
{
    // Every field set to a value that is not its default, so a field the loader drops fails a test.
    private const string Full = """
        {
          // comments and trailing commas are allowed
          "name": "full",
          "description": "every field",
          "seed": 42,
          "events": [ { "id": "evt_2025_1001", "share": 3 }, { "id": "evt_2025_1002", "share": 1 } ],
          "arrival": { "ramp": [ { "atSeconds": 0, "usersPerSecond": 0 }, { "atSeconds": 10, "usersPerSecond": 100 }, { "atSeconds": 20, "usersPerSecond": 0 } ] },
          "poll": { "minSeconds": 1.5, "maxSeconds": 3 },
          "admission": { "bucketCapacity": 20, "refillPerSecond": 2, "entryRule": [ { "upToRank": 5, "minWaitSeconds": 1, "bucket": true } ] },
          "leave": { "share": 0.1, "minSeconds": 3, "maxSeconds": 9 },
          "expiry": { "share": 0.2, "minSeconds": 4, "maxSeconds": 8 },
          "retry": { "joinAttempts": 4, "backoffSeconds": 0.5 },
          "anonymousShare": 0.3,
          "clientIps": 12,
          "replicaReads": true,
          "seatHoldShare": 0.4,
          "topology": { "slotMap": "0-8000:0, 8001-16383:1", "replicasPerShard": 2 },
          "client": { "mode": "multiplexed", "pods": 7, "poolSize": 50, "minIdleConns": 5 },
          "strategies": [ "event", "bucketed:4" ],
          "thresholds": { "all": { "p95Ms": 5000, "p99Ms": 7000, "maxFailurePercent": 10 }, "join": { "maxFailurePercent": 5 }, "holdSeat": { "p95Ms": 100 }, },
        }
        """;

    private const string Minimal = """
        { "name": "m", "generatedEvents": { "count": 3 }, "arrival": { "users": 50, "overSeconds": 5 }, "topology": { "shards": 3 } }
        """;

    [Fact]
    public void Every_field_is_read()
    {
        Launch l = LaunchFileLoader.Parse(Full, "full.json");
        LaunchFile f = l.File;
        Assert.Equal(("full", "every field", 42UL), (f.Name, f.Description, f.Seed));
        Assert.Equal(["evt_2025_1001", "evt_2025_1002"], l.EventIds);
        Assert.Equal(0.75, l.EventShares[0], 12);
        Assert.Equal(3, f.Arrival.Ramp!.Count);
        Assert.Equal(1000, l.Users); // the ramp's integral: 2 × ½ × 10 s × 100/s
        Assert.Equal((1.5, 3.0), (f.Poll.MinSeconds, f.Poll.MaxSeconds));
        Assert.Equal((20.0, 2.0), (f.Admission.BucketCapacity, f.Admission.RefillPerSecond));
        Assert.Equal(new EntryBand(5, 1, true), Assert.Single(f.Admission.EntryRule));
        Assert.Equal(new ShareAfter(0.1, 3, 9), f.Leave);
        Assert.Equal(new ShareAfter(0.2, 4, 8), f.Expiry);
        Assert.Equal(new RetryRules(4, 0.5), f.Retry);
        Assert.Equal((0.3, 12, true, 0.4), (f.AnonymousShare, f.ClientIps, f.ReplicaReads, f.SeatHoldShare));
        Assert.Equal(("0-8000:0, 8001-16383:1", 2, (int?)null), (f.Topology.SlotMap, f.Topology.ReplicasPerShard, f.Topology.Shards));
        Assert.Equal(new ClientShape { Mode = ClientMode.Multiplexed, Pods = 7, PoolSize = 50, MinIdleConns = 5 }, f.Client);
        Assert.Equal(["event", "bucketed:4"], l.Schemas.Select(s => s.Name));
        Assert.Equal(new StepThreshold(5000, 7000, 10), f.Thresholds.All);
        Assert.Equal(new StepThreshold(null, null, 5), f.Thresholds.Join);
        Assert.Equal(new StepThreshold(100), f.Thresholds.HoldSeat);
        Assert.Null(f.Thresholds.Status);
    }

    [Fact]
    public void Omitted_fields_take_the_reference_defaults()
    {
        Launch l = LaunchFileLoader.Parse(Minimal);
        LaunchFile f = l.File;
        Assert.Equal(["evt_1", "evt_2", "evt_3"], l.EventIds);
        Assert.All(l.EventShares, s => Assert.Equal(1 / 3.0, s, 12));
        Assert.Equal((2.0, 4.0), (f.Poll.MinSeconds, f.Poll.MaxSeconds));
        Assert.Equal((500.0, 50.0), (f.Admission.BucketCapacity, f.Admission.RefillPerSecond));
        // The entry rule defaults to EntryRule's own bands.
        foreach (EntryBand b in f.Admission.EntryRule)
            Assert.Equal((EntryRule.MinWaitSeconds(b.UpToRank), EntryRule.NeedsBucket(b.UpToRank)), (b.MinWaitSeconds, b.Bucket));
        Assert.Equal([10L, 50, 100], f.Admission.EntryRule.Select(b => b.UpToRank));
        Assert.Equal(["legacy", "event", "event-all", "user", "bucketed:8"], l.Schemas.Select(s => s.Name));
        Assert.Equal(50, l.Users);
        Assert.Equal(ClientShape.Reference, f.Client);
        Assert.Equal((ClientMode.Pooled, 108, 1000, 100), (f.Client.Mode, f.Client.Pods, f.Client.PoolSize, f.Client.MinIdleConns));
    }

    [Fact]
    public void Zipf_popularity_weights_events_by_rank()
    {
        Launch l = LaunchFileLoader.Parse(Minimal.Replace("\"count\": 3 }", "\"count\": 3, \"popularity\": \"zipf:1\", \"idFormat\": \"show-{n}-2026\" }"));
        Assert.Equal(["show-1-2026", "show-2-2026", "show-3-2026"], l.EventIds);
        Assert.Equal(1 / (1 + 0.5 + 1 / 3.0), l.EventShares[0], 12);
        Assert.Equal(2.0, l.EventShares[0] / l.EventShares[1], 12);
    }

    [Theory]
    [InlineData("\"share\": 3", "\"share\": 0", "events[0].share must be > 0")]
    [InlineData("\"id\": \"evt_2025_1002\"", "\"id\": \"evt_2025_1001\"", "events[1].id 'evt_2025_1001' is listed twice")]
    [InlineData("\"id\": \"evt_2025_1002\"", "\"id\": \"evt{1}\"", "events[1].id")]
    [InlineData("\"name\": \"full\"", "\"name\": \"\"", "name must be")]
    [InlineData("\"seed\": 42", "\"seed\": \"x\"", "seed is not valid")]
    [InlineData("\"seed\": 42", "\"sede\": 42", "sede")]
    [InlineData("\"atSeconds\": 10", "\"atSeconds\": 0", "arrival.ramp[1].atSeconds must be later")]
    [InlineData("\"usersPerSecond\": 100", "\"usersPerSecond\": -1", "arrival.ramp[1].usersPerSecond must be ≥ 0")]
    [InlineData("\"arrival\": {", "\"arrival\": { \"users\": 5,", "arrival needs exactly one of ramp")]
    [InlineData("\"maxSeconds\": 3 }", "\"maxSeconds\": 1 }", "poll.maxSeconds must be ≥ poll.minSeconds")]
    [InlineData("\"minSeconds\": 1.5", "\"minSeconds\": 0", "poll.minSeconds must be > 0")]
    [InlineData("\"bucketCapacity\": 20", "\"bucketCapacity\": 0", "admission.bucketCapacity must be ≥ 1")]
    [InlineData("\"refillPerSecond\": 2", "\"refillPerSecond\": 0", "admission.refillPerSecond must be > 0")]
    [InlineData("\"upToRank\": 5", "\"upToRank\": 0", "admission.entryRule[0].upToRank")]
    [InlineData("\"minWaitSeconds\": 1", "\"minWaitSeconds\": -1", "admission.entryRule[0].minWaitSeconds must be ≥ 0")]
    [InlineData("\"share\": 0.1", "\"share\": 1.5", "leave.share must be in [0, 1]")]
    [InlineData("\"share\": 0.2", "\"share\": 0.95", "expiry.share plus leave.share must be at most 1")]
    [InlineData("\"maxSeconds\": 8", "\"maxSeconds\": 1", "expiry.maxSeconds must be ≥ expiry.minSeconds")]
    [InlineData("\"joinAttempts\": 4", "\"joinAttempts\": 0", "retry.joinAttempts must be 1..100")]
    [InlineData("\"backoffSeconds\": 0.5", "\"backoffSeconds\": -1", "retry.backoffSeconds must be ≥ 0")]
    [InlineData("\"anonymousShare\": 0.3", "\"anonymousShare\": -0.1", "anonymousShare must be in [0, 1]")]
    [InlineData("\"seatHoldShare\": 0.4", "\"seatHoldShare\": 2", "seatHoldShare must be in [0, 1]")]
    [InlineData("\"clientIps\": 12", "\"clientIps\": 0", "clientIps must be ≥ 1")]
    [InlineData("\"replicasPerShard\": 2", "\"replicasPerShard\": 0", "replicaReads needs topology.replicasPerShard ≥ 1")]
    [InlineData("\"replicasPerShard\": 2", "\"replicasPerShard\": 2, \"shards\": 3", "topology needs exactly one of shards or slotMap")]
    [InlineData("\"bucketed:4\"", "\"buckets:4\"", "strategies[1] Unknown strategy 'buckets:4'")]
    [InlineData("\"bucketed:4\"", "\"EVENT\"", "strategies[1] 'event' is listed twice")]
    [InlineData("\"p99Ms\": 7000", "\"p99Ms\": 4000", "thresholds.all.p99Ms must be ≥ p95Ms")]
    [InlineData("\"maxFailurePercent\": 5", "\"maxFailurePercent\": 101", "thresholds.join.maxFailurePercent must be 0..100")]
    [InlineData("\"p95Ms\": 100", "\"p95Ms\": 0", "thresholds.holdSeat.p95Ms must be > 0")]
    [InlineData("\"mode\": \"multiplexed\"", "\"mode\": \"pipelined\"", "client.mode is not valid")]
    [InlineData("\"pods\": 7", "\"pods\": 0", "client.pods must be 1..")]
    [InlineData("\"poolSize\": 50", "\"poolSize\": 0", "client.poolSize must be 1..")]
    [InlineData("\"minIdleConns\": 5", "\"minIdleConns\": 51", "client.minIdleConns must be 0..client.poolSize")]
    public void A_bad_value_is_one_error_naming_its_field(string valid, string bad, string expected)
    {
        Assert.Contains(valid, Full);
        var ex = Assert.Throws<LaunchFileException>(() => LaunchFileLoader.Parse(ReplaceFirst(Full, valid, bad), "launches/x.json"));
        Assert.StartsWith("launch file launches/x.json: ", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("\"count\": 3 }", "\"count\": 0 }", "generatedEvents.count must be 1..")]
    [InlineData("\"count\": 3 }", "\"count\": 3, \"popularity\": \"zipf:0\" }", "generatedEvents.popularity zipf exponent must be > 0")]
    [InlineData("\"count\": 3 }", "\"count\": 3, \"popularity\": \"pareto\" }", "generatedEvents.popularity must be uniform or zipf:S")]
    [InlineData("\"count\": 3 }", "\"count\": 3, \"idFormat\": \"evt\" }", "generatedEvents.idFormat must contain {n}")]
    [InlineData("\"generatedEvents\"", "\"events\": [{\"id\": \"a\"}], \"generatedEvents\"", "events or generatedEvents: give exactly one")]
    [InlineData("\"users\": 50", "\"users\": 0", "arrival.users must be 1..")]
    [InlineData("\"overSeconds\": 5", "\"overSeconds\": -5", "arrival.overSeconds must be ≥ 0")]
    [InlineData("\"overSeconds\": 5", "\"overSeconds\": 5, \"iterationsPerUser\": 0", "arrival.iterationsPerUser must be 1..")]
    [InlineData("\"shards\": 3", "\"shards\": 0", "topology.shards must be 1..16384")]
    [InlineData("{ \"name\"", "[", "(document)")]
    public void Minimal_file_fields_are_checked_too(string valid, string bad, string expected)
    {
        Assert.Contains(valid, Minimal);
        var ex = Assert.Throws<LaunchFileException>(() => LaunchFileLoader.Parse(ReplaceFirst(Minimal, valid, bad), "m.json"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_missing_file_is_a_launch_file_error()
    {
        var ex = Assert.Throws<LaunchFileException>(() => LaunchFileLoader.Load(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.json")));
        Assert.Equal("(file)", ex.Field);
    }

    [Theory]
    [InlineData("gateway-30k.json", 3)]
    [InlineData("gateway-30k-8shards.json", 8)]
    public void The_committed_launch_files_load_as_the_reference_k6_plan(string file, int shards)
    {
        Launch l = LaunchFileLoader.Load(Path.Combine(RepoRoot(), "launches", file));
        Assert.Equal(30_000, l.Users);
        Assert.Equal(Enumerable.Range(1, 100).Select(n => $"evt_{n}"), l.EventIds);
        Assert.Equal((2.0, 4.0), (l.File.Poll.MinSeconds, l.File.Poll.MaxSeconds));
        Assert.Equal((shards, 1), (l.File.Topology.Shards, l.File.Topology.ReplicasPerShard));
        Assert.True(l.File.ReplicaReads);
        Assert.Equal(5, l.Schemas.Count);
        Assert.Equal(new StepThreshold(5000, 7000, 10), l.File.Thresholds.All);
        Assert.Equal((5.0, 20.0, 20.0), (l.File.Thresholds.Join!.MaxFailurePercent, l.File.Thresholds.Status!.MaxFailurePercent, l.File.Thresholds.Enter!.MaxFailurePercent));
        Assert.Equal(ClientShape.Reference, l.File.Client); // the reference gateway's pods and pool, written out
    }

    [Fact]
    public void A_file_written_back_reads_the_same()
    {
        Launch l = LaunchFileLoader.Parse(Full);
        string json = LaunchFileLoader.ToJson(l.File);
        Assert.Equal(json, LaunchFileLoader.ToJson(LaunchFileLoader.Parse(json).File));
        Assert.Equal(["event", "bucketed:8"], l.WithStrategies(["EVENT", "bucketed:8"]).Schemas.Select(s => s.Name));
    }

    private static string ReplaceFirst(string text, string find, string with)
    {
        int i = text.IndexOf(find, StringComparison.Ordinal);
        return text[..i] + with + text[(i + find.Length)..];
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Bench.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Bench.sln not found above the test's folder.");
    }
}
