using System.Text.Json.Serialization;

namespace HashtagBench.WaitingRoom;

/// <summary>
/// One ticket launch, as a JSON file: which events, how users arrive and poll, how they are admitted, the cluster,
/// the strategies to compare and the thresholds a real run must meet. Read it with <see cref="LaunchFileLoader"/>,
/// which checks every field; `sim --launch` predicts it and `load run launch` drives it. Properties have setters,
/// not init: System.Text.Json's source generator sets every init property, so a missing field would lose its default.
/// </summary>
public sealed record LaunchFile
{
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>Fixes users, event choice, poll jitter and leave/expiry draws: same seed, same launch.</summary>
    public ulong Seed { get; set; } = 1;
    /// <summary>Real event IDs with relative shares (normalised). Give this or <see cref="GeneratedEvents"/>.</summary>
    public IReadOnlyList<LaunchEvent>? Events { get; set; }
    /// <summary>IDs generated from a pattern with a popularity law. Give this or <see cref="Events"/>.</summary>
    public GeneratedEvents? GeneratedEvents { get; set; }
    public ArrivalProfile Arrival { get; set; } = new();
    public PollLaw Poll { get; set; } = new();
    public AdmissionSettings Admission { get; set; } = new();
    /// <summary>Users who leave the queue (the Leave step) instead of entering.</summary>
    public ShareAfter Leave { get; set; } = new();
    /// <summary>Users who stop polling; they come back once after the heartbeat TTL and their status call cleans up.</summary>
    public ShareAfter Expiry { get; set; } = new();
    public RetryRules Retry { get; set; } = new();
    /// <summary>Share of users joining as <c>user_id = "anonymous"</c> (the browser): one shared, untrimmed stream per event.</summary>
    public double AnonymousShare { get; set; }
    /// <summary>Distinct client IPs (rate-limit hashes); null: one per user.</summary>
    public int? ClientIps { get; set; }
    /// <summary>Read commands go to replicas (the gateway's read-only routing).</summary>
    public bool ReplicaReads { get; set; }
    /// <summary>Share of admitted users who run the seat-hold script right after entering.</summary>
    public double SeatHoldShare { get; set; }
    public LaunchTopology Topology { get; set; } = new();
    /// <summary>The gateway's Redis client: pods, pool, and what one round trip holds (default: the reference gateway).</summary>
    public ClientShape Client { get; set; } = new();
    /// <summary>Strategy names (<see cref="WaitingRoomSchema.Parse"/>).</summary>
    public IReadOnlyList<string> Strategies { get; set; } = ["legacy", "event", "event-all", "user", "bucketed:8"];
    public LaunchThresholds Thresholds { get; set; } = new();
}

public sealed record LaunchEvent(string Id, double Share = 1);

/// <summary>IDs <c>IdFormat</c> with <c>{n}</c> = 1..Count (e.g. evt_{n}: evt_1..evt_100), popularity uniform or zipf:S.</summary>
public sealed record GeneratedEvents(int Count, string IdFormat = "evt_{n}", string Popularity = "uniform");

/// <summary>
/// When users arrive. Either <see cref="Ramp"/> (users per second, linear between points, zero after the last), or
/// k6 style: <see cref="Users"/> users spread evenly over <see cref="OverSeconds"/> (0: all at once), each running
/// <see cref="IterationsPerUser"/> visits back to back.
/// </summary>
public sealed record ArrivalProfile
{
    public IReadOnlyList<RampPoint>? Ramp { get; set; }
    public int? Users { get; set; }
    public double OverSeconds { get; set; }
    public int IterationsPerUser { get; set; } = 1;
}

public sealed record RampPoint(double AtSeconds, double UsersPerSecond);

/// <summary>Seconds between a user's requests while waiting, uniform in [min, max] (min = max: fixed). k6 plan: U(2, 4).</summary>
public sealed record PollLaw(double MinSeconds = 2, double MaxSeconds = 4);

/// <summary>The per-event admission bucket and the entry rule (defaults: the reference gateway's).</summary>
public sealed record AdmissionSettings
{
    public double BucketCapacity { get; set; } = 500;
    public double RefillPerSecond { get; set; } = 50;
    /// <summary>Rank bands in increasing order; a rank past the last band may not enter.</summary>
    public IReadOnlyList<EntryBand> EntryRule { get; set; } = DefaultEntryRule;

    /// <summary>The reference's rule, read from <see cref="WaitingRoom.EntryRule"/>: 1–10 no wait, 11–50 2 s, 51–100 5 s with a bucket token.</summary>
    public static IReadOnlyList<EntryBand> DefaultEntryRule { get; } =
        [.. new long[] { 10, 50, WaitingRoom.EntryRule.MaxRank }.Select(r => new EntryBand(r, WaitingRoom.EntryRule.MinWaitSeconds(r)!.Value, WaitingRoom.EntryRule.NeedsBucket(r)))];
}

public sealed record EntryBand(long UpToRank, double MinWaitSeconds, bool Bucket);

/// <summary>A share of users, and when (seconds after joining, uniform in [min, max]) they act.</summary>
public sealed record ShareAfter(double Share = 0, double MinSeconds = 5, double MaxSeconds = 30);

/// <summary>A failed join is tried again after <see cref="BackoffSeconds"/>, <see cref="JoinAttempts"/> attempts in all.</summary>
public sealed record RetryRules(int JoinAttempts = 3, double BackoffSeconds = 1);

/// <summary>Primaries (slots split as redis-cli --cluster create does) or an explicit slot map, and replicas per primary.</summary>
public sealed record LaunchTopology
{
    public int? Shards { get; set; }
    /// <summary>"from-to:shard, ..." as <c>sim --slot-map</c> reads it.</summary>
    public string? SlotMap { get; set; }
    public int ReplicasPerShard { get; set; } = 1;
}

/// <summary>Per-step thresholds of a real run (k6 plan: p95 &lt; 5 s, p99 &lt; 7 s; failures &lt; 10 % overall, &lt; 5 % join, &lt; 20 % status/enter).</summary>
public sealed record LaunchThresholds
{
    /// <summary>Every request together (k6's http_req_duration / http_req_failed).</summary>
    public StepThreshold? All { get; set; }
    public StepThreshold? Join { get; set; }
    public StepThreshold? Status { get; set; }
    public StepThreshold? Enter { get; set; }
    public StepThreshold? Leave { get; set; }
    public StepThreshold? HoldSeat { get; set; }
}

/// <summary>Null fields are not checked.</summary>
public sealed record StepThreshold(double? P95Ms = null, double? P99Ms = null, double? MaxFailurePercent = null);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LaunchFile))]
internal sealed partial class LaunchJsonContext : JsonSerializerContext;
