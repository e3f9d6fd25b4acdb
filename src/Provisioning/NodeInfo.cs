using StackExchange.Redis;
using System.Globalization;

namespace HashtagBench.Provisioning;

/// <summary>One command's INFO commandstats counters.</summary>
public readonly record struct CommandStat(long Calls, long Usec);

/// <summary>
/// One node's INFO reply, parsed once. A field the server did not send is null, never 0: older servers have no
/// errorstats, a replica has no master_repl_offset of its own primary, and so on.
/// </summary>
public sealed class NodeInfo
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What the sampler asks for each second: one INFO call, only the sections it charts.</summary>
    public static readonly string[] SamplerSections = ["cpu", "commandstats", "memory", "replication", "errorstats"];

    /// <summary>What inspect asks for (no commandstats: it lists every command, and inspect charts none).</summary>
    public static readonly string[] InspectSections = ["cpu", "memory", "replication", "errorstats", "stats", "clients"];

    public static NodeInfo Parse(string text)
    {
        var info = new NodeInfo();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("# ", StringComparison.Ordinal)) { info._sections.Add(line[2..].Trim()); continue; }
            int colon = line.IndexOf(':');
            if (colon > 0) info._fields[line[..colon]] = line[(colon + 1)..];
        }
        return info;
    }

    /// <summary>
    /// A text reply as text. Over RESP3, INFO, CLUSTER INFO and CLUSTER NODES are verbatim strings, which arrive with
    /// their "txt:" format prefix: left on, it would glue itself to the first line (and to the first node's ID).
    /// </summary>
    public static string Text(RedisResult reply)
    {
        string text = (string?)reply ?? "";
        return text.StartsWith("txt:", StringComparison.Ordinal) ? text[4..] : text;
    }

    /// <summary>
    /// Reads the sections in one INFO call (Redis 7 takes several); a server that refuses several sections (Redis 6)
    /// is asked for INFO all instead, which holds them too.
    /// </summary>
    public static async Task<NodeInfo> ReadAsync(IServer server, IReadOnlyList<string> sections)
    {
        try { return Parse(Text(await server.ExecuteAsync("INFO", [.. sections]).ConfigureAwait(false))); }
        catch (RedisServerException) when (sections.Count > 1)
        {
            return Parse(Text(await server.ExecuteAsync("INFO", "all").ConfigureAwait(false)));
        }
    }

    public bool HasSection(string name) => _sections.Contains(name);

    public string? Get(string field) => _fields.TryGetValue(field, out string? v) ? v : null;

    public long? Long(string field) => long.TryParse(Get(field), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : null;

    public double? Double(string field) => double.TryParse(Get(field), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    /// <summary>"master" or "replica" (INFO says "slave").</summary>
    public string? Role => Get("role") switch { "slave" => "replica", var r => r };

    /// <summary>CPU seconds the server used so far, system plus user (main thread and the rest).</summary>
    public double? CpuSeconds => Double("used_cpu_sys") + Double("used_cpu_user");

    public long? UsedMemory => Long("used_memory");
    public long? OpsPerSec => Long("instantaneous_ops_per_sec");
    public long? ConnectedClients => Long("connected_clients");

    /// <summary>A primary's replication offset, or a replica's (how far it has applied its primary's stream).</summary>
    public long? ReplicationOffset => Role == "replica" ? Long("slave_repl_offset") : Long("master_repl_offset");

    /// <summary>errorstat_CROSSSLOT's count; 0 when the server keeps errorstats but saw none; null when it keeps none.</summary>
    public long? CrossSlotErrors =>
        !HasSection("Errorstats") ? null : Get("errorstat_CROSSSLOT") is { } v ? StatField(v, "count") ?? 0 : 0;

    /// <summary>INFO commandstats: command name (lower case, "evalsha", "cluster|nodes") → calls and usec.</summary>
    public IReadOnlyDictionary<string, CommandStat> Commands()
    {
        var result = new Dictionary<string, CommandStat>(StringComparer.Ordinal);
        foreach (var (k, v) in _fields)
            if (k.StartsWith("cmdstat_", StringComparison.Ordinal))
                result[k["cmdstat_".Length..]] = new CommandStat(StatField(v, "calls") ?? 0, StatField(v, "usec") ?? 0);
        return result;
    }

    /// <summary>One counter of a commandstats value: "calls=3,usec=24,usec_per_call=8.00,rejected_calls=0" → the named value; null when absent.</summary>
    public static long? StatField(string value, string name)
    {
        foreach (string part in value.Split(','))
        {
            int eq = part.IndexOf('=');
            if (eq > 0 && part.AsSpan(0, eq).SequenceEqual(name) && long.TryParse(part.AsSpan(eq + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)) return v;
        }
        return null;
    }
}
