using System.Globalization;
using System.Text.Json;

namespace HashtagBench.WaitingRoom;

/// <summary>A launch file that cannot be used. The message names the file and the field: one line, no stack trace.</summary>
public sealed class LaunchFileException(string source, string field, string problem)
    : Exception($"launch file {source}: {field} {problem}")
{
    /// <summary>The file (path) at fault.</summary>
    public string File { get; } = source;
    /// <summary>The JSON path of the field at fault, e.g. <c>events[2].share</c>.</summary>
    public string Field { get; } = field;
}

/// <summary>A checked launch: the file, its events resolved to IDs and normalised shares, and its strategies parsed.</summary>
public sealed class Launch
{
    internal Launch(LaunchFile file, string source, IReadOnlyList<string> eventIds, double[] eventShares, IReadOnlyList<WaitingRoomSchema> schemas)
    {
        File = file;
        Source = source;
        EventIds = eventIds;
        EventShares = eventShares;
        Schemas = schemas;
    }

    public LaunchFile File { get; }
    /// <summary>Where it came from, for messages and reports.</summary>
    public string Source { get; }
    public IReadOnlyList<string> EventIds { get; }
    /// <summary>Each event's share of users; sums to 1.</summary>
    public IReadOnlyList<double> EventShares { get; }
    public IReadOnlyList<WaitingRoomSchema> Schemas { get; }

    /// <summary>Visits in the launch: users × iterations, or the ramp's integral rounded to whole users.</summary>
    public int Users => File.Arrival.Users ?? (int)Math.Round(RampIntegral(File.Arrival.Ramp!));

    /// <summary>The same launch with other strategies (the command line's --strategies).</summary>
    public Launch WithStrategies(IReadOnlyList<string> names) =>
        LaunchFileLoader.Check(File with { Strategies = names }, Source);

    /// <summary>The same launch with the gateway's client in <paramref name="mode"/> (the command line's --client-mode).</summary>
    public Launch WithClientMode(ClientMode mode) =>
        mode == File.Client.Mode ? this : LaunchFileLoader.Check(File with { Client = File.Client with { Mode = mode } }, Source);

    internal static double RampIntegral(IReadOnlyList<RampPoint> ramp)
    {
        double sum = 0;
        for (int i = 1; i < ramp.Count; i++) sum += (ramp[i].AtSeconds - ramp[i - 1].AtSeconds) * (ramp[i].UsersPerSecond + ramp[i - 1].UsersPerSecond) / 2;
        return sum;
    }
}

/// <summary>Reads and checks launch files (source-generated JSON; comments and trailing commas allowed; unknown fields refused).</summary>
public static class LaunchFileLoader
{
    public const int MaxUsers = 10_000_000, MaxEvents = 1_000_000, MaxIterations = 1000, MaxPods = 10_000, MaxPoolSize = 100_000;

    public static Launch Load(string path)
    {
        string text;
        try { text = System.IO.File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LaunchFileException(path, "(file)", $"cannot be read: {ex.Message}");
        }
        return Parse(text, path);
    }

    public static Launch Parse(string json, string source = "(inline)")
    {
        LaunchFile? file;
        try { file = JsonSerializer.Deserialize(json, LaunchJsonContext.Default.LaunchFile); }
        catch (JsonException ex)
        {
            string field = ex.Path is { Length: > 2 } p ? p.TrimStart('$', '.') : "(document)";
            throw new LaunchFileException(source, field, $"is not valid: {FirstSentence(ex.Message)}");
        }
        if (file is null) throw new LaunchFileException(source, "(document)", "is empty (null)");
        return Check(file, source);
    }

    public static string ToJson(LaunchFile file) => JsonSerializer.Serialize(file, LaunchJsonContext.Default.LaunchFile);

    /// <summary>Checks every field; the first problem found is thrown, naming its field.</summary>
    internal static Launch Check(LaunchFile f, string source)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok) throw new LaunchFileException(source, field, problem);
        }
        static bool Finite(double d) => double.IsFinite(d);
        static string Inv(double d) => d.ToString(CultureInfo.InvariantCulture);

        Require(!string.IsNullOrWhiteSpace(f.Name), "name", "must be a non-empty name");

        // Events: real IDs, or a pattern with a popularity law.
        Require(f.Events is not null ^ f.GeneratedEvents is not null, "events", "or generatedEvents: give exactly one of them");
        List<string> ids;
        double[] weights;
        if (f.Events is { } events)
        {
            Require(events.Count > 0, "events", "must list at least one event");
            Require(events.Count <= MaxEvents, "events", $"must list at most {MaxEvents:N0} events");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < events.Count; i++)
            {
                Require(events[i] is not null, $"events[{i}]", "must be an object {\"id\": ..., \"share\": ...}");
                CheckEventId(events[i].Id, $"events[{i}].id", Require);
                Require(seen.Add(events[i].Id), $"events[{i}].id", $"'{events[i].Id}' is listed twice");
                Require(Finite(events[i].Share) && events[i].Share > 0, $"events[{i}].share", $"must be > 0 (got {Inv(events[i].Share)})");
            }
            ids = events.Select(e => e.Id).ToList();
            weights = events.Select(e => e.Share).ToArray();
        }
        else
        {
            GeneratedEvents g = f.GeneratedEvents!;
            Require(g.Count is >= 1 and <= MaxEvents, "generatedEvents.count", $"must be 1..{MaxEvents:N0} (got {g.Count})");
            Require(g.IdFormat is not null && g.IdFormat.Contains("{n}", StringComparison.Ordinal), "generatedEvents.idFormat", "must contain {n}, e.g. evt_{n}");
            ids = Enumerable.Range(1, g.Count).Select(n => g.IdFormat!.Replace("{n}", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList();
            CheckEventId(ids[0], "generatedEvents.idFormat", Require);
            weights = PopularityWeights(g.Popularity, g.Count, source);
        }
        double total = weights.Sum();
        double[] shares = weights.Select(w => w / total).ToArray();

        // Arrival.
        ArrivalProfile a = f.Arrival;
        Require(a is not null, "arrival", "must be given");
        Require(a!.Ramp is not null ^ a.Users is not null, "arrival", "needs exactly one of ramp (users per second over time) or users (k6 style)");
        Require(a.IterationsPerUser is >= 1 and <= MaxIterations, "arrival.iterationsPerUser", $"must be 1..{MaxIterations} (got {a.IterationsPerUser})");
        if (a.Ramp is { } ramp)
        {
            Require(ramp.Count >= 2, "arrival.ramp", "needs at least two points");
            for (int i = 0; i < ramp.Count; i++)
            {
                Require(ramp[i] is not null, $"arrival.ramp[{i}]", "must be {\"atSeconds\": ..., \"usersPerSecond\": ...}");
                Require(Finite(ramp[i].AtSeconds) && ramp[i].AtSeconds >= 0, $"arrival.ramp[{i}].atSeconds", $"must be ≥ 0 (got {Inv(ramp[i].AtSeconds)})");
                Require(i == 0 || ramp[i].AtSeconds > ramp[i - 1].AtSeconds, $"arrival.ramp[{i}].atSeconds", "must be later than the point before");
                Require(Finite(ramp[i].UsersPerSecond) && ramp[i].UsersPerSecond >= 0, $"arrival.ramp[{i}].usersPerSecond", $"must be ≥ 0 (got {Inv(ramp[i].UsersPerSecond)})");
            }
            double users = Launch.RampIntegral(ramp);
            Require(users >= 0.5, "arrival.ramp", "brings no user (its integral rounds to 0)");
            Require(users <= MaxUsers, "arrival.ramp", $"brings {users:N0} users, more than {MaxUsers:N0}");
            Require(a.IterationsPerUser == 1, "arrival.iterationsPerUser", "applies to users (k6 style) only; a ramp brings each visit as a new user");
        }
        else
        {
            Require(a.Users is >= 1 and <= MaxUsers, "arrival.users", $"must be 1..{MaxUsers:N0} (got {a.Users})");
            Require(Finite(a.OverSeconds) && a.OverSeconds >= 0, "arrival.overSeconds", $"must be ≥ 0 (got {Inv(a.OverSeconds)})");
            Require((long)a.Users!.Value * a.IterationsPerUser <= MaxUsers, "arrival.iterationsPerUser", $"users × iterations must be at most {MaxUsers:N0}");
        }

        Require(f.Poll is not null, "poll", "must be given");
        Require(Finite(f.Poll!.MinSeconds) && f.Poll.MinSeconds > 0, "poll.minSeconds", $"must be > 0 (got {Inv(f.Poll.MinSeconds)})");
        Require(Finite(f.Poll.MaxSeconds) && f.Poll.MaxSeconds >= f.Poll.MinSeconds, "poll.maxSeconds", $"must be ≥ poll.minSeconds (got {Inv(f.Poll.MaxSeconds)})");

        AdmissionSettings adm = f.Admission;
        Require(adm is not null, "admission", "must be given");
        Require(Finite(adm!.BucketCapacity) && adm.BucketCapacity >= 1, "admission.bucketCapacity", $"must be ≥ 1 (got {Inv(adm.BucketCapacity)})");
        Require(Finite(adm.RefillPerSecond) && adm.RefillPerSecond > 0, "admission.refillPerSecond", $"must be > 0 (got {Inv(adm.RefillPerSecond)})");
        Require(adm.EntryRule is { Count: > 0 }, "admission.entryRule", "needs at least one rank band");
        for (int i = 0; i < adm.EntryRule.Count; i++)
        {
            EntryBand b = adm.EntryRule[i];
            Require(b is not null, $"admission.entryRule[{i}]", "must be {\"upToRank\": ..., \"minWaitSeconds\": ..., \"bucket\": ...}");
            Require(b!.UpToRank >= 1 && (i == 0 || b.UpToRank > adm.EntryRule[i - 1].UpToRank), $"admission.entryRule[{i}].upToRank", $"must be ≥ 1 and above the band before (got {b.UpToRank})");
            Require(Finite(b.MinWaitSeconds) && b.MinWaitSeconds >= 0, $"admission.entryRule[{i}].minWaitSeconds", $"must be ≥ 0 (got {Inv(b.MinWaitSeconds)})");
        }

        CheckShareAfter(f.Leave, "leave", Require);
        CheckShareAfter(f.Expiry, "expiry", Require);
        Require(f.Leave.Share + f.Expiry.Share <= 1, "expiry.share", "plus leave.share must be at most 1");
        Require(f.Retry is not null, "retry", "must be given");
        Require(f.Retry!.JoinAttempts is >= 1 and <= 100, "retry.joinAttempts", $"must be 1..100 (got {f.Retry.JoinAttempts})");
        Require(Finite(f.Retry.BackoffSeconds) && f.Retry.BackoffSeconds >= 0, "retry.backoffSeconds", $"must be ≥ 0 (got {Inv(f.Retry.BackoffSeconds)})");
        Require(Finite(f.AnonymousShare) && f.AnonymousShare is >= 0 and <= 1, "anonymousShare", $"must be in [0, 1] (got {Inv(f.AnonymousShare)})");
        Require(Finite(f.SeatHoldShare) && f.SeatHoldShare is >= 0 and <= 1, "seatHoldShare", $"must be in [0, 1] (got {Inv(f.SeatHoldShare)})");
        Require(f.ClientIps is null or >= 1, "clientIps", $"must be ≥ 1 (got {f.ClientIps})");

        LaunchTopology t = f.Topology;
        Require(t is not null, "topology", "must be given");
        Require(t!.Shards is not null ^ t.SlotMap is not null, "topology", "needs exactly one of shards or slotMap");
        Require(t.Shards is null or (>= 1 and <= 16384), "topology.shards", $"must be 1..16384 (got {t.Shards})");
        Require(t.SlotMap is null || t.SlotMap.Trim().Length > 0, "topology.slotMap", "is empty");
        Require(t.ReplicasPerShard is >= 0 and <= 16, "topology.replicasPerShard", $"must be 0..16 (got {t.ReplicasPerShard})");
        Require(!f.ReplicaReads || t.ReplicasPerShard > 0, "replicaReads", "needs topology.replicasPerShard ≥ 1");

        ClientShape c = f.Client;
        Require(c is not null, "client", "must be an object {\"mode\": \"Pooled\"|\"Multiplexed\", \"pods\": ..., \"poolSize\": ..., \"minIdleConns\": ...}");
        Require(Enum.IsDefined(c!.Mode), "client.mode", "must be Pooled or Multiplexed");
        Require(c.Pods is >= 1 and <= MaxPods, "client.pods", $"must be 1..{MaxPods} (got {c.Pods})");
        Require(c.PoolSize is >= 1 and <= MaxPoolSize, "client.poolSize", $"must be 1..{MaxPoolSize} (got {c.PoolSize})");
        Require(c.MinIdleConns >= 0 && c.MinIdleConns <= c.PoolSize, "client.minIdleConns", $"must be 0..client.poolSize (got {c.MinIdleConns})");

        Require(f.Strategies is { Count: > 0 }, "strategies", "must name at least one strategy");
        var schemas = new List<WaitingRoomSchema>();
        for (int i = 0; i < f.Strategies.Count; i++)
        {
            WaitingRoomSchema s;
            try { s = WaitingRoomSchema.Parse(f.Strategies[i] ?? ""); }
            catch (FormatException ex) { throw new LaunchFileException(source, $"strategies[{i}]", ex.Message.TrimEnd('.')); }
            Require(schemas.All(x => x.Name != s.Name), $"strategies[{i}]", $"'{s.Name}' is listed twice");
            schemas.Add(s);
        }

        LaunchThresholds th = f.Thresholds;
        Require(th is not null, "thresholds", "must be given (an empty object checks nothing)");
        foreach (var (name, st) in new[] { ("all", th!.All), ("join", th.Join), ("status", th.Status), ("enter", th.Enter), ("leave", th.Leave), ("holdSeat", th.HoldSeat) })
        {
            if (st is null) continue;
            Require(st.P95Ms is null or > 0 && (st.P95Ms is null || Finite(st.P95Ms.Value)), $"thresholds.{name}.p95Ms", $"must be > 0 (got {st.P95Ms})");
            Require(st.P99Ms is null or > 0 && (st.P99Ms is null || Finite(st.P99Ms.Value)), $"thresholds.{name}.p99Ms", $"must be > 0 (got {st.P99Ms})");
            Require(st.P95Ms is null || st.P99Ms is null || st.P99Ms >= st.P95Ms, $"thresholds.{name}.p99Ms", "must be ≥ p95Ms");
            Require(st.MaxFailurePercent is null or (>= 0 and <= 100), $"thresholds.{name}.maxFailurePercent", $"must be 0..100 (got {st.MaxFailurePercent})");
        }
        return new Launch(f, source, ids, shares, schemas);
    }

    /// <summary>uniform | zipf:S (S &gt; 0): weight of the n-th event 1/n^S.</summary>
    private static double[] PopularityWeights(string? law, int count, string source)
    {
        const string field = "generatedEvents.popularity";
        string s = (law ?? "").Trim().ToLowerInvariant();
        if (s == "uniform") return Enumerable.Repeat(1.0, count).ToArray();
        if (s.StartsWith("zipf:", StringComparison.Ordinal)
            && double.TryParse(s[5..], NumberStyles.Float, CultureInfo.InvariantCulture, out double exponent) && double.IsFinite(exponent))
        {
            if (exponent <= 0) throw new LaunchFileException(source, field, $"zipf exponent must be > 0 (got {s[5..]})");
            return Enumerable.Range(1, count).Select(n => Math.Pow(n, -exponent)).ToArray();
        }
        throw new LaunchFileException(source, field, $"must be uniform or zipf:S (got '{law}')");
    }

    private static void CheckEventId(string? id, string field, Action<bool, string, string> require)
    {
        require(!string.IsNullOrEmpty(id), field, "must be a non-empty event ID");
        // A brace in an ID would become (or break) the key's hash tag.
        require(id!.IndexOfAny(['{', '}']) < 0 && !id.Any(char.IsWhiteSpace), field, $"'{id}' must not hold braces or spaces");
    }

    private static void CheckShareAfter(ShareAfter? s, string name, Action<bool, string, string> require)
    {
        require(s is not null, name, "must be an object {\"share\": ..., \"minSeconds\": ..., \"maxSeconds\": ...}");
        require(double.IsFinite(s!.Share) && s.Share is >= 0 and <= 1, $"{name}.share", $"must be in [0, 1] (got {s.Share.ToString(CultureInfo.InvariantCulture)})");
        require(double.IsFinite(s.MinSeconds) && s.MinSeconds >= 0, $"{name}.minSeconds", $"must be ≥ 0 (got {s.MinSeconds.ToString(CultureInfo.InvariantCulture)})");
        require(double.IsFinite(s.MaxSeconds) && s.MaxSeconds >= s.MinSeconds, $"{name}.maxSeconds", $"must be ≥ {name}.minSeconds (got {s.MaxSeconds.ToString(CultureInfo.InvariantCulture)})");
    }

    private static string FirstSentence(string message)
    {
        string line = message.Split('\n')[0];
        int cut = line.IndexOf(". Path:", StringComparison.Ordinal);
        return (cut > 0 ? line[..cut] : line).TrimEnd('.');
    }
}
