using HashtagBench.Charts;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.WaitingRoom;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>What `run --launch` learned about one strategy. Every part is optional: a step that could not run leaves its part null.</summary>
/// <param name="ExpectedCrossSlot">The model puts one of the strategy's multi-key scripts on two slots (legacy's join): its CROSSSLOT failures are the finding, not a failure of the run.</param>
public sealed record LaunchRunStrategy(string Strategy, bool ExpectedCrossSlot)
{
    /// <summary>The live run at the run's scale (part A's scenario).</summary>
    public LaunchRunResult? Measured { get; init; }
    /// <summary>Measured against the model's prediction for exactly this run, per node.</summary>
    public LaunchComparison? Comparison { get; init; }
    /// <summary>The model's client commands/s by step per shard for this run (scaled file, live slot map).</summary>
    public IReadOnlyList<ShardStepRates> PredictedSteps { get; init; } = [];
    /// <summary>The model's hottest primary at this run's scale, to set beside the measured CPU.</summary>
    public LaunchSizing? PredictedAtScale { get; init; }
    /// <summary>The sizing answer from the unscaled file on its own topology.</summary>
    public LaunchSizing? FullScale { get; init; }
    /// <summary>The prefix its keys carried (outside any hash tag).</summary>
    public string? KeyPrefix { get; init; }
    /// <summary>Why the strategy has no result (one line); null when it ran.</summary>
    public string? Error { get; init; }
    /// <summary>With --client-mode both: the same launch in the other client shape (its own keys), and its comparison.</summary>
    public LaunchRunResult? OtherShape { get; init; }
    public LaunchComparison? OtherShapeComparison { get; init; }

    /// <summary>Every run of this strategy: the result's, then the other shape's.</summary>
    public IEnumerable<LaunchRunResult> Runs => new[] { Measured, OtherShape }.OfType<LaunchRunResult>();
}

/// <summary>One shard's predicted client commands per second by step (in <see cref="Step"/> order), mean over the model's launch.</summary>
public sealed record ShardStepRates(int Shard, string Name, IReadOnlyList<double> PerSecByStep)
{
    public double Total => PerSecByStep.Sum();

    /// <summary>Per shard, each step's commands over the whole prediction divided by its length in seconds.</summary>
    public static IReadOnlyList<ShardStepRates> Of(LaunchStrategyResult r)
    {
        int shards = r.Topology.ShardCount, steps = LaunchStrategyResult.Steps;
        return Enumerable.Range(0, shards).Select(j => new ShardStepRates(j, r.Topology.Names[j], Enumerable.Range(0, steps).Select(st =>
        {
            long sum = 0;
            for (int s = 0; s < r.Seconds; s++) sum += r.ShardStepCounts[(s * shards + j) * steps + st];
            return r.Seconds == 0 ? 0 : sum / (double)r.Seconds;
        }).ToList())).ToList();
    }
}

/// <summary>Everything one `run --launch` report holds.</summary>
/// <param name="Cluster">The cluster as printed (no password: <c>RunningCluster.Description</c>).</param>
/// <param name="FileShards">Shards in the launch file's topology: what the full-scale sizing is for.</param>
/// <param name="Findings">Null: none computed (not "none found").</param>
public sealed record LaunchRunInput(
    string Launch, string Source, ulong Seed, double Scale, string ScaleNote, string RunId, string Cluster, double TargetCpu, int FileShards,
    BucketSuggestion? Buckets, IReadOnlyList<LaunchRunStrategy> Strategies, IReadOnlyList<LaunchFinding>? Findings, bool Interrupted)
{
    /// <summary>--find-ceiling's searches, one per strategy searched; empty without it.</summary>
    public IReadOnlyList<ScaleCeilingResult> Ceilings { get; init; } = [];
    /// <summary>The cost table the model priced the run with; null: no command-time comparison.</summary>
    public CommandCostTable? Costs { get; init; }
}

/// <summary>One command on a strategy's hottest primary: its time per call over the run (INFO commandstats) beside the cost table's.</summary>
/// <param name="CallsPerSec">Over the run's length; null when the run had none.</param>
public sealed record CommandTimeRow(string Strategy, string Node, string Command, long Calls, double? CallsPerSec, double TableUsecPerCall, double RunUsecPerCall)
{
    public double RunOverTable => RunUsecPerCall / TableUsecPerCall;
}

/// <summary>Pass or fail, and why. <paramref name="Expected"/> lists what failed as the design predicts (legacy's CROSSSLOT), which does not fail the run.</summary>
public sealed record LaunchRunVerdict(IReadOnlyList<string> Failures, IReadOnlyList<string> Expected)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// The `run --launch` report: report.md (+ charts) from typed records only. Latency, CPU, memory and rates are n/a
/// where nothing was measured, never 0.
/// </summary>
public static class LaunchRehearsalReport
{
    public const string MarkdownFile = "report.md";
    /// <summary>The hottest primary's CPU over time per strategy (the hot-shard chart), next to report.md.</summary>
    public const string CpuChartFile = "hottest-primary-cpu.png";
    /// <summary>Measured ÷ model CPU at the run's scale inside which the model is taken to describe the cluster; outside it the sizing sentence warns.</summary>
    public const double AgreeLow = 0.8, AgreeHigh = 1.25;
    private static readonly string[] StepNames = Enum.GetNames<Step>();

    /// <summary>
    /// The run fails when, for any strategy: it did not run, <see cref="LaunchVerdictPolicy.Judge"/> fails it (measured
    /// nothing, the audit, a threshold: legacy's CROSSSLOT excepted, as for `load run launch`), or the per-node
    /// comparison is missing or out of tolerance. An interrupted run never passes.
    /// </summary>
    public static LaunchRunVerdict Verdict(LaunchRunInput input)
    {
        var failures = new List<string>();
        var expected = new List<string>();
        if (input.Interrupted) failures.Add("interrupted: partial numbers");
        if (input.Strategies.Count == 0) failures.Add("no strategy ran");
        foreach (LaunchRunStrategy s in input.Strategies)
        {
            if (s.Error is not null) { failures.Add($"{s.Strategy}: {s.Error}"); continue; }
            if (s.Measured is not { } m) { failures.Add($"{s.Strategy}: not measured"); continue; }
            Check(s, s.Strategy, null, m, s.Comparison, failures, expected);
            // The other client shape is held to the same rules: the command counts do not depend on the shape.
            if (s.OtherShape is { } o) Check(s, $"{s.Strategy} ({o.Client?.Mode ?? "other shape"})", $" ({o.Client?.Mode ?? "other"} client)", o, s.OtherShapeComparison, failures, expected);
        }
        return new LaunchRunVerdict(failures, expected);
    }

    private static void Check(LaunchRunStrategy s, string n, string? shape, LaunchRunResult m, LaunchComparison? comparison, List<string> failures, List<string> expected)
    {
        LaunchVerdictPolicy.Judge(n, m, s.ExpectedCrossSlot, failures, expected);
        if (comparison is not { } c) failures.Add($"{n}: no measured-vs-predicted comparison");
        else if (!c.WithinTolerance)
            failures.Add(LaunchComparisonReport.WorstLine(c) + shape);
    }

    /// <summary>
    /// One line per run on the client shape: the hottest primary's calls/s, CPU and CPU per call over the drive, its
    /// calls per read and connections, and the harness's own CPU per call.
    /// </summary>
    public static string ClientSentence(LaunchRunResult r)
    {
        if (r.Client is not { } c) return "client: n/a (no client record)";
        NodeClientCost? hot = c.HottestPrimary;
        string node = hot is null ? "hottest primary n/a"
            : $"hottest primary {hot.Endpoint}: {Num(hot.CallsPerSec, "N0")} calls/s at {Num(hot.CpuPercent, "0.0")} % CPU = {Num(hot.CpuUsPerCall, "0.0")} µs/call, " +
              $"{Num(hot.CallsPerRead, "0.00")} calls/read, {Num(hot.End?.ConnectedClients, "N0")} clients";
        return $"client {c.Mode}: {c.Pods:N0} pod(s), {c.PlannedConnectionsPerNode:N0} connection(s)/node; {node}; harness {Num(c.ClientCpuUsPerCall, "0.0")} µs CPU/call" +
            (c.LeaseWaits > 0 ? Inv($"; {c.LeaseWaits:N0} lease(s) waited {c.LeaseWaitSeconds * 1000:0} ms in all") : "");
    }

    /// <summary>--find-ceiling's answer for one strategy in one sentence: the measured crossing beside the model's.</summary>
    public static string CeilingSentence(ScaleCeilingResult c)
    {
        string target = Percent(c.TargetCpu * 100);
        string measured = c.MeasuredScale is { } m ? Inv($"at {m:0.###}× scale ({c.MeasuredNote})") : $"n/a ({c.MeasuredNote})";
        string model = c.ModelScale is { } p ? Inv($"{p:0.###}× ({c.ModelNote})") : $"n/a ({c.ModelNote})";
        return $"ceiling `{c.Strategy}` ({c.ClientMode}): the hottest primary crosses {target} {measured}; the model puts it at {model}.";
    }

    private static string Num(double? v, string format) => v is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";
    private static string Num(long? v, string format) => v is long x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Every failed request of every step failed with a CROSSSLOT kind, and there was at least one.</summary>
    /// <summary>"1/20 scale" for a whole fraction, "full scale" for 1, else "0.3× scale".</summary>
    public static string ScaleText(double scale)
    {
        if (scale == 1) return "full scale";
        double inverse = 1 / scale;
        return Math.Abs(inverse - Math.Round(inverse)) < 1e-6 ? Inv($"1/{Math.Round(inverse):0} scale") : Inv($"{scale:0.###}× scale");
    }

    /// <summary>The hottest primary in the run's telemetry: its endpoint, shard, peak CPU (% of one core) and when; null with no CPU sample of a primary.</summary>
    public static (string Node, int? Shard, double CpuPercent, double Second)? HottestPrimary(LaunchRunResult? run) =>
        HottestPrimary(run?.Telemetry, run?.DriveFromSecond);

    /// <summary>
    /// The busiest primary's busiest sample from <paramref name="driveFromSecond"/> on (a sample counts when more than
    /// half its interval is in the drive: the harness's own connection setup before it is no launch traffic).
    /// </summary>
    public static (string Node, int? Shard, double CpuPercent, double Second)? HottestPrimary(NodeTelemetry? telemetry, double? driveFromSecond = null)
    {
        double from = driveFromSecond is double d && telemetry is not null ? d + telemetry.IntervalSeconds / 2 : double.NegativeInfinity;
        var samples = (telemetry?.Nodes ?? []).Where(n => IsPrimary(n.Role))
            .SelectMany(n => n.Samples.Where(x => x.Ok && x.CpuPercent is not null && x.Second > from).Select(x => (n.Node, n.Shard, CpuPercent: x.CpuPercent!.Value, x.Second)))
            .ToList();
        return samples.Count == 0 ? null : samples.MaxBy(x => x.CpuPercent);
    }

    /// <summary>The hottest primary's measured peak CPU over the model's for the same run; null when either is missing or the model's is 0.</summary>
    public static double? MeasuredOverModel(LaunchRunStrategy s) =>
        HottestPrimary(s.Measured) is { } h && s.PredictedAtScale is { HottestPrimaryCpu: > 0 } p ? h.CpuPercent / (p.HottestPrimaryCpu * 100) : null;

    private static bool IsPrimary(string role) => role is "master" or "primary";

    /// <summary>
    /// The sizing answer in one sentence: measured CPU at this scale (with the model's figure for the same run), the
    /// model's CPU at full scale, and the shard (or bucket) count that keeps it under target.
    /// </summary>
    public static string SizingSentence(LaunchRunStrategy s, LaunchRunInput input)
    {
        string scale = ScaleText(input.Scale);
        string target = Percent(input.TargetCpu * 100);
        var hot = HottestPrimary(s.Measured);
        string measured = hot is { } h ? Percent(h.CpuPercent) : "n/a";
        string model = s.PredictedAtScale is { } p ? $" (the model: {Percent(p.HottestPrimaryCpu * 100)})" : "";
        if (s.ExpectedCrossSlot)
        {
            LaunchStepResult? join = s.Measured?.Steps.FirstOrDefault(x => x.Step.Equals(nameof(Step.Join), StringComparison.OrdinalIgnoreCase));
            string joins = join is null ? "no join measured" : Inv($"{join.Failed:N0} of {join.Requests:N0} join requests failed at {scale}");
            return $"With `{s.Strategy}` tags the joins fail CROSSSLOT instead ({joins}): no shard or bucket count fixes that; the dedupe key needs the event's tag.";
        }
        string head = $"With `{s.Strategy}` tags the hottest primary reached {measured} CPU at {scale}{model}";
        if (s.FullScale is not { } f) return head + "; the model has no full-scale figure.";
        string full = Percent(f.HottestPrimaryCpu * 100);
        string band = f is { HottestPrimaryCpuLow: { } lo, HottestPrimaryCpuHigh: { } hi } ? $" ({Range(lo, hi)})" : "";
        string? bucket = input.Buckets?.Buckets is { } k && !s.Strategy.StartsWith("bucketed", StringComparison.Ordinal) ? $"`bucketed:{k}`" : null;
        int shardsNow = input.FileShards;
        string tail;
        if (f.ShardsNeeded is not { } m)
            tail = $"no shard count keeps it under {target} ({f.ShardsNote})" + (bucket is null ? "" : $"; {bucket} on the file's {shardsNow} does");
        else if (f.HottestPrimaryCpu <= input.TargetCpu)
            tail = $"the file's {shardsNow} shard{S(shardsNow)} {Keep(shardsNow)} it under {target}" + (m < shardsNow ? $" ({m} would)" : "");
        else
            tail = $"{m} shard{S(m)}{(bucket is null ? "" : $" (or {bucket} on the file's {shardsNow})")} {Keep(m)} it under {target}";
        if (f.ShardsNeeded is { } point && f.ShardsNeededHigh is { } top && top > point && f.HottestPrimaryCpu > input.TargetCpu)
            tail += Inv($" ({top} at the band's top)");
        // The model forecasts the whole request; a run whose measured CPU is far from it says the calibration does not
        // describe this cluster, unless the harness itself could not send the launch's traffic on time.
        string warning = MeasuredOverModel(s) is { } ratio && (ratio < AgreeLow || ratio > AgreeHigh)
            ? HarnessLimit(s.Measured) is { } limit
                ? Inv($" Measured CPU ran {ratio:0.0#}× the model's at this scale, but the harness could not drive it as the gateway would ({limit}): that is no check of the model; rehearse at a smaller scale or with more agents.")
                : Inv($" Measured CPU ran {ratio:0.0#}× the model's at this scale (outside {AgreeLow}–{AgreeHigh}): the cost table does not describe this cluster and client; run `hashtag-bench calibrate` on it before trusting {full}.")
            : "";
        return $"{head}; {(input.Scale == 1 ? "the full-scale model" : "at full scale the model")} puts it at {full}{band}, so {tail}.{warning}";
    }

    /// <summary>Share of leases that waited for a free connection, or user-timer lateness (p99, ms), past which the harness, not the cluster, set the pace.</summary>
    public const double LeaseWaitShareLimit = 0.01, LatenessP99LimitMs = 250;

    /// <summary>
    /// Why the harness could not send this run's traffic when the launch says (its leasable connections ran out: the
    /// gateway's pool is far larger; or its user timers fired late); null when it could.
    /// </summary>
    public static string? HarnessLimit(LaunchRunResult? run)
    {
        if (run?.Client is { Leases: > 0 } c && (double)c.LeaseWaits / c.Leases > LeaseWaitShareLimit)
            return Inv($"{c.LeaseWaits:N0} of {c.Leases:N0} requests waited for one of its {c.ActiveConnections:N0} leasable connections");
        if (run?.SchedulerLateness is { P99: > LatenessP99LimitMs } late)
            return Inv($"its user timers fired up to {late.P99:N0} ms late (p99)");
        return null;
    }

    /// <summary>Writes report.md and its charts into <paramref name="dir"/>; returns the Markdown path.</summary>
    public static string Write(string dir, LaunchRunInput input)
    {
        Directory.CreateDirectory(dir);
        var charts = new List<string>();
        if (CpuChart(dir, input) is { } cpu) charts.Add(cpu);
        foreach (LaunchRunStrategy s in input.Strategies)
            if (NodeChart(dir, input, s) is { } nodes) charts.Add(nodes);
        string path = Path.Combine(dir, MarkdownFile);
        File.WriteAllText(path, ToMarkdown(input, charts.Select(c => Path.GetRelativePath(dir, c).Replace('\\', '/')).ToList()));
        return path;
    }

    public static string ToMarkdown(LaunchRunInput input, IReadOnlyList<string>? charts = null)
    {
        var md = new StringBuilder();
        LaunchRunVerdict verdict = Verdict(input);
        md.AppendLine($"# Launch rehearsal: {input.Launch}").AppendLine();
        md.Append(MarkdownTable.Render(
            [("launch file", input.Source), ("seed", Inv($"{input.Seed}")), ("run ID", input.RunId),
             ("key prefix", string.Join(", ", input.Strategies.Select(s => s.Measured?.KeyPrefix ?? s.KeyPrefix).OfType<string>().Distinct().Select(p => $"`{p}`")) is { Length: > 0 } k ? k : "n/a"),
             ("cluster", input.Cluster), ("scale", $"{ScaleText(input.Scale)}: {input.ScaleNote}"),
             ("strategies", string.Join(", ", input.Strategies.Select(s => s.Strategy))), ("CPU target", Percent(input.TargetCpu * 100))],
            new Column<(string, string)>("", r => r.Item1), new Column<(string, string)>("", r => r.Item2))).AppendLine();

        md.AppendLine("## Verdict").AppendLine();
        md.AppendLine(verdict.Passed ? "**PASS**" : (input.Interrupted ? "**INTERRUPTED**" : "**FAIL**")).AppendLine();
        foreach (string f in verdict.Failures) md.AppendLine($"- {f}");
        foreach (string e in verdict.Expected) md.AppendLine($"- expected: {e}");
        if (verdict.Failures.Count + verdict.Expected.Count > 0) md.AppendLine();

        md.AppendLine("## Sizing").AppendLine();
        foreach (LaunchRunStrategy s in input.Strategies) md.AppendLine($"- {SizingSentence(s, input)}");
        md.AppendLine();
        if (input.Buckets is { } b)
            md.AppendLine(Inv($"Full-scale model on the file's {input.FileShards} shard(s): smallest bucketed:N keeping the hottest primary ≤ {Percent(input.TargetCpu * 100)}: ") +
                (b.Buckets is { } n ? $"**bucketed:{n}**" : "none tried") + " (" + string.Join(", ", b.Trials.Select(t => $"bucketed:{t.Buckets} → {Percent(t.HottestPrimaryCpu * 100)}")) + ").").AppendLine();

        md.AppendLine("## Lifecycle").AppendLine();
        md.Append(MarkdownTable.Render(input.Strategies,
            new("strategy", s => s.Strategy),
            new("users", s => s.Measured?.Users.Users, "N0"),
            new("entered", s => s.Measured?.Users.Entered, "N0"),
            new("left", s => s.Measured?.Users.Left, "N0"),
            new("expired", s => s.Measured?.Users.Expired, "N0"),
            new("failed", s => s.Measured?.Users.Failed, "N0"),
            new("failed by reason", s => s.Measured is { } m ? (m.Users.FailureReasons.Count == 0 ? "none" : string.Join("; ", m.Users.FailureReasons.OrderByDescending(r => r.Value).Select(r => Inv($"{r.Key}: {r.Value:N0}")))) : null),
            new("unfinished", s => s.Measured?.Users.Unfinished, "N0"),
            new("seconds", s => s.Measured?.Seconds, "0.0"))).AppendLine();

        md.AppendLine("## Hottest primary CPU").AppendLine();
        md.Append(MarkdownTable.Render(input.Strategies,
            new("strategy", s => s.Strategy),
            new("hottest primary", s => HottestPrimary(s.Measured)?.Node),
            new("shard", s => HottestPrimary(s.Measured)?.Shard),
            new("peak CPU (% of a core)", s => HottestPrimary(s.Measured)?.CpuPercent, "0.0"),
            new("at second", s => HottestPrimary(s.Measured)?.Second, "0"),
            new("model at this scale", s => s.PredictedAtScale is { } p ? p.HottestPrimaryCpu * 100 : null, "0.0"),
            new("measured ÷ model", s => MeasuredOverModel(s), "0.0"),
            new("model at full scale", s => s.FullScale is { } f ? f.HottestPrimaryCpu * 100 : null, "0.0"),
            new("band (full scale)", s => s.FullScale is { HottestPrimaryCpuLow: { } lo, HottestPrimaryCpuHigh: { } hi } ? Range(lo, hi) : null),
            new("shards for target (full scale)", s => s.FullScale is { } f ? (f.ShardsNeeded is { } n ? Inv($"{n}") : f.ShardsNote) : null))).AppendLine();

        md.AppendLine("The model's CPU is the whole request's on the engine thread (the cost table's fitted terms, from `hashtag-bench calibrate`): " +
            "command time (INFO commandstats usec per call), per command, per round trip and per event-loop wake-up (shared as load rises), per " +
            "open connection (the launch's client shape: its pods' pools), and the replication feed. The band is two RMS errors of the " +
            "calibration's fit. Measured ÷ model outside 0.8–1.25 means the table was not calibrated on a cluster like this one (or the live client " +
            "is not shaped like the file's `client`).").AppendLine();

        AppendCommandTime(md, input);
        AppendClientShapes(md, input);
        AppendCeilings(md, input);

        foreach (LaunchRunStrategy s in input.Strategies) AppendStrategy(md, s);

        md.AppendLine("## Findings").AppendLine();
        if (input.Findings is null) md.AppendLine("none computed").AppendLine();
        else if (input.Findings.Count == 0) md.AppendLine("none found").AppendLine();
        else md.Append(MarkdownTable.Render(input.Findings, new("finding", f => f.Title), new("number", f => f.Number), new("detail", f => f.Detail))).AppendLine();

        if (charts is { Count: > 0 })
        {
            md.AppendLine("## Charts").AppendLine();
            foreach (string c in charts) md.AppendLine($"![{Path.GetFileNameWithoutExtension(c)}]({c})").AppendLine();
        }
        return md.ToString();
    }

    /// <summary>
    /// The waiting room's commands on the strategy's hottest primary, each one's usec per call over the run beside the
    /// table's (the commands the table prices, with a usec reading), the most server time first.
    /// </summary>
    public static IReadOnlyList<CommandTimeRow> CommandTimeRows(LaunchRunStrategy s, CommandCostTable costs)
    {
        if (s.Measured is not { } run || HottestPrimary(run)?.Node is not { } node) return [];
        var priced = costs.Commands.ToDictionary(c => c.Command, c => c.UsecPerCall, StringComparer.OrdinalIgnoreCase);
        return [.. run.MeasuredCommands
            .Where(c => c.Endpoint == node && c.Calls > 0 && c.Usec is not null && priced.ContainsKey(c.Command))
            .OrderByDescending(c => c.Usec)
            .Select(c => new CommandTimeRow(s.Strategy, node, c.Command.ToUpperInvariant(), c.Calls, run.Seconds > 0 ? c.Calls / run.Seconds : null,
                priced[c.Command], (double)c.Usec!.Value / c.Calls))];
    }

    private static void AppendCommandTime(StringBuilder md, LaunchRunInput input)
    {
        if (input.Costs is not { } costs) return;
        var rows = input.Strategies.SelectMany(s => CommandTimeRows(s, costs)).ToList();
        md.AppendLine("## Command time on the hottest primary: the cost table beside this run").AppendLine();
        md.AppendLine(Inv($"INFO commandstats usec per call over the run on each strategy's hottest primary, beside the cost table's (measured {costs.Machine.MeasuredAt:yyyy-MM-dd} ") +
            "by `calibrate` on a busy engine, many visits in flight) that the model prices every call with. An engine that sleeps between requests runs each call " +
            "cold (its caches refilled), so at a scaled rehearsal's few thousand calls per second a node's calls cost more than the table says; " +
            "the model has no term for that yet, which pushes measured ÷ model above 1 at small scales. It fades as a node gets busier.").AppendLine();
        if (rows.Count == 0) { md.AppendLine("n/a: no run recorded command time on its hottest primary.").AppendLine(); return; }
        md.Append(MarkdownTable.Render(rows,
            new("strategy", r => r.Strategy),
            new("hottest primary", r => r.Node),
            new("command", r => r.Command),
            new("calls/s", r => r.CallsPerSec, "N0"),
            new("table usec/call", r => r.TableUsecPerCall, "0.00"),
            new("this run usec/call", r => r.RunUsecPerCall, "0.00"),
            new("run ÷ table", r => r.RunOverTable, "0.0"))).AppendLine();
    }

    private static void AppendClientShapes(StringBuilder md, LaunchRunInput input)
    {
        var rows = input.Strategies.SelectMany(s => s.Runs.Select(r => (s.Strategy, Run: r))).Where(x => x.Run.Client is not null).ToList();
        if (rows.Count == 0) return;
        md.AppendLine("## Client shape: server CPU per call").AppendLine();
        md.AppendLine("The hottest primary over the drive window (INFO before and after: CPU user + sys, total_commands_processed with script-nested calls, " +
            "total_reads_processed). Pooled: the gateway's go-redis pools, one command per round trip on a leased connection (a pipeline is one); " +
            "multiplexed: one pipelining connection per node and pod. Clients: connected_clients on that primary before the gateway connected → at the end of the drive; " +
            "client memory: mem_clients_normal then. Harness CPU is the whole harness process over the window per command it sent.").AppendLine();
        md.Append(MarkdownTable.Render(rows,
            new("strategy", x => x.Strategy),
            new("client", x => x.Run.Client!.Mode),
            new("pods", x => x.Run.Client!.Pods, "N0"),
            new("connections/node (shape)", x => x.Run.Client!.PlannedConnectionsPerNode, "N0"),
            new("hottest primary", x => x.Run.Client!.HottestPrimary?.Endpoint),
            new("calls/s", x => x.Run.Client!.HottestPrimary?.CallsPerSec, "N0"),
            new("CPU %", x => x.Run.Client!.HottestPrimary?.CpuPercent, "0.0"),
            new("CPU µs/call", x => x.Run.Client!.HottestPrimary?.CpuUsPerCall, "0.00"),
            new("calls/read", x => x.Run.Client!.HottestPrimary?.CallsPerRead, "0.00"),
            new("clients before → end", x => x.Run.Client!.HottestPrimary is { } h ? $"{Num(h.Before?.ConnectedClients, "N0")} → {Num(h.End?.ConnectedClients, "N0")}" : null),
            new("client memory before → end", x => x.Run.Client!.HottestPrimary is { } h ? $"{Bytes(h.Before?.ClientsMemoryBytes)} → {Bytes(h.End?.ClientsMemoryBytes)}" : null),
            new("harness µs CPU/call", x => x.Run.Client!.ClientCpuUsPerCall, "0.0"),
            new("lease waits", x => x.Run.Client!.Mode == "Pooled" ? x.Run.Client.LeaseWaits : null, "N0"))).AppendLine();
        var nodes = rows.SelectMany(x => x.Run.Client!.Nodes.Select(n => (x.Strategy, x.Run.Client!.Mode, Node: n))).ToList();
        md.AppendLine("### Connections and their memory per node").AppendLine();
        md.Append(MarkdownTable.Render(nodes,
            new("strategy", x => x.Strategy), new("client", x => x.Mode), new("node", x => x.Node.Endpoint), new("shard", x => x.Node.Shard), new("role", x => x.Node.Role),
            new("clients before", x => x.Node.Before?.ConnectedClients, "N0"),
            new("clients open", x => x.Node.Open?.ConnectedClients, "N0"),
            new("clients end", x => x.Node.End?.ConnectedClients, "N0"),
            new("client memory before", x => Bytes(x.Node.Before?.ClientsMemoryBytes)),
            new("client memory open", x => Bytes(x.Node.Open?.ClientsMemoryBytes)),
            new("used_memory open − before", x => x.Node.Open?.UsedMemoryBytes - x.Node.Before?.UsedMemoryBytes, "+#,0;-#,0;0"),
            new("CPU %", x => x.Node.CpuPercent, "0.0"),
            new("CPU µs/call", x => x.Node.CpuUsPerCall, "0.00"),
            new("calls/read", x => x.Node.CallsPerRead, "0.00"))).AppendLine();
    }

    private static void AppendCeilings(StringBuilder md, LaunchRunInput input)
    {
        if (input.Ceilings.Count == 0) return;
        md.AppendLine("## Measured ceiling").AppendLine();
        foreach (ScaleCeilingResult c in input.Ceilings)
        {
            md.AppendLine($"- {CeilingSentence(c)}").AppendLine();
            md.Append(MarkdownTable.Render(c.Steps,
                new("scale", x => x.Scale, "0.###"),
                new("pods", x => x.Pods, "N0"),
                new("connections/node", x => x.ConnectionsPerNode, "N0"),
                new("peak CPU %", x => x.PeakCpuPercent, "0.0"),
                new("mean CPU %", x => x.MeanCpuPercent, "0.0"),
                new("hottest primary calls/s", x => x.CallsPerSec, "N0"),
                new("model peak CPU %", x => x.ModelCpuPercent, "0.0"),
                new("note", x => x.Error ?? ""))).AppendLine();
        }
    }

    private static string Bytes(long? b) => b is long x ? SimReport.Bytes(x) : "n/a";

    private static void AppendStrategy(StringBuilder md, LaunchRunStrategy s)
    {
        md.AppendLine($"## {s.Strategy}").AppendLine();
        if (s.Error is not null) md.AppendLine($"> **did not run**: {s.Error}").AppendLine();
        if (s.ExpectedCrossSlot) md.AppendLine("The model puts this strategy's join keys on two slots: on a cluster its joins fail CROSSSLOT (the incident). That is reported, not a failure of the run.").AppendLine();
        if (s.Measured is { } m)
        {
            if (m.Interrupted) md.AppendLine("> **interrupted**: partial numbers.").AppendLine();
            md.AppendLine(Inv($"{m.ScaleNote}. {m.Seconds:0.0} s from the first arrival to the last answer; latency in ms from each call's intended time.")).AppendLine();
            md.AppendLine(m.SchedulerLateness is { } late
                ? Inv($"The harness's own delay: user timers fired {late.P50:0.0} ms (p50), {late.P99:0.0} ms (p99), {late.Max:0.0} ms (max) after they were due ({late.Count:N0} timers); latency above includes it.")
                : "The harness's own delay: n/a (no user timer fired).").AppendLine();
            md.AppendLine("### Step latency").AppendLine();
            md.Append(StepTable(m.Steps)).AppendLine();
            md.AppendLine("### Thresholds").AppendLine();
            md.Append(MarkdownTable.Render(m.Thresholds,
                new("threshold", t => t.Threshold),
                new("actual", t => t.NoData ? null : t.Actual, "0.##"),
                new("limit", t => t.Limit, "0.##"),
                new("verdict", t => t.Pass ? "pass" : t.NoData ? "**FAIL** (no data)" : "**FAIL**"))).AppendLine();
            md.AppendLine(m.ThresholdsPassed ? "All thresholds passed." : "Thresholds failed.").AppendLine();
        }
        if (s.Comparison is { } c)
        {
            md.AppendLine("### Measured vs predicted per node").AppendLine();
            md.AppendLine("Each node's share of every command the servers counted (INFO commandstats, after minus before) against the model's prediction for this run.").AppendLine();
            md.AppendLine(LaunchComparisonReport.ToMarkdown(c).TrimEnd()).AppendLine();
        }
        else if (s.Measured is not null) md.AppendLine("Measured vs predicted per node: n/a (no comparison).").AppendLine();
        if (s.PredictedSteps.Count > 0)
        {
            md.AppendLine("### Commands/s by step per shard").AppendLine();
            md.AppendLine("Predicted client commands/s by step (mean over the model's launch) beside the server-counted commands/s of the shard's nodes (nested script calls and replication included), predicted and measured.").AppendLine();
            var cols = new List<Column<ShardStepRates>> { new("shard", r => r.Name) };
            cols.AddRange(StepNames.Select((n, i) => new Column<ShardStepRates>(n, r => r.PerSecByStep[i], "N1")).Where((_, i) => s.PredictedSteps.Any(r => r.PerSecByStep[i] > 0)));
            cols.Add(new("client cmds/s (model)", r => r.Total, "N1"));
            cols.Add(new("server cmds/s predicted", r => ShardRate(s.Comparison, r.Shard, n => n.PredictedPerSec), "N1"));
            cols.Add(new("server cmds/s measured", r => ShardRate(s.Comparison, r.Shard, n => n.MeasuredPerSec), "N1"));
            md.Append(MarkdownTable.Render(s.PredictedSteps, cols)).AppendLine();
        }
        if (s.Measured is { } mm)
        {
            md.AppendLine("### Memory left behind").AppendLine();
            md.AppendLine(Inv($"used_memory and DBSIZE after the launch minus before it (before the run's keys were removed); keys removed afterwards: {mm.KeysRemoved:N0}.")).AppendLine();
            md.Append(MarkdownTable.Render(mm.MemoryLeft,
                new("node", r => r.Endpoint), new("shard", r => r.Shard), new("role", r => r.Role),
                new("bytes", r => r.BytesAfter - r.BytesBefore, "+#,0;-#,0;0"),
                new("keys", r => r.KeysAfter - r.KeysBefore, "+#,0;-#,0;0"))).AppendLine();
            if (mm.MemoryLeft.Count > 0)
            {
                long? bytes = Sum(mm.MemoryLeft.Select(r => r.BytesAfter - r.BytesBefore)), keys = Sum(mm.MemoryLeft.Select(r => r.KeysAfter - r.KeysBefore));
                string bytesText = bytes is { } b ? (b < 0 ? "-" : "+") + SimReport.Bytes(Math.Abs(b)) : "n/a";
                string keysText = keys is { } k ? k.ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture) : "n/a";
                md.AppendLine($"Total over every node: {bytesText}, {keysText} keys (replicas hold copies of their primary's keys).").AppendLine();
            }
        }
    }

    /// <summary>Every step's requests and latency (ms): Ok's alone and every outcome's, n/a for no call.</summary>
    public static string StepTable(IReadOnlyList<LaunchStepResult> steps) => MarkdownTable.Render(steps,
        new("step", x => x.Step),
        new("requests", x => x.Requests, "N0"),
        new("ok", x => x.Ok, "N0"),
        new("failed", x => x.Failed, "N0"),
        new("failed %", x => x.FailPercent, "0.00"),
        new("ok p50", x => x.OkLatency?.P50, "0.0"),
        new("ok p95", x => x.OkLatency?.P95, "0.0"),
        new("ok p99", x => x.OkLatency?.P99, "0.0"),
        new("all p50", x => x.AllLatency?.P50, "0.0"),
        new("all p95", x => x.AllLatency?.P95, "0.0"),
        new("all p99", x => x.AllLatency?.P99, "0.0"),
        new("failures by kind", x => x.FailuresByKind.Count == 0 ? "" : string.Join("; ", x.FailuresByKind.OrderByDescending(k => k.Value).Select(k => Inv($"{k.Key}: {k.Value:N0}")))));

    private static double? ShardRate(LaunchComparison? c, int shard, Func<NodeShareRow, double?> rate)
    {
        if (c is null) return null;
        var rows = c.Nodes.Where(n => n.Shard == shard).ToList();
        return rows.Count == 0 || rows.Any(r => rate(r) is null) ? null : rows.Sum(r => rate(r)!.Value);
    }

    private static long? Sum(IEnumerable<long?> values)
    {
        var list = values.ToList();
        return list.Count == 0 || list.Any(v => v is null) ? null : list.Sum(v => v!.Value);
    }

    /// <summary>Each strategy's hottest primary's CPU per sample; null when no strategy has one.</summary>
    private static string? CpuChart(string dir, LaunchRunInput input)
    {
        var series = new List<Series>();
        foreach (LaunchRunStrategy s in input.Strategies)
        {
            if (HottestPrimary(s.Measured) is not { } hot) continue;
            NodeTimeline t = s.Measured!.Telemetry!.Nodes.First(n => n.Node == hot.Node && IsPrimary(n.Role));
            var points = t.Samples.Where(x => x.Ok && x.CpuPercent is not null).ToList(); // gaps are left out, never drawn as 0
            series.Add(new Series($"{s.Strategy} ({hot.Node})", points.Select(x => x.CpuPercent!.Value).ToList(), points.Select(x => x.Second).ToList()));
        }
        if (series.Count == 0) return null;
        return ChartWriter.Lines(Path.Combine(dir, CpuChartFile), $"{input.Launch} at {ScaleText(input.Scale)}: hottest primary's CPU",
            "seconds since sampling started", "CPU (% of one core)", series, yFromZero: true);
    }

    /// <summary>Per node: predicted and measured server commands/s; null without a comparison with rates.</summary>
    private static string? NodeChart(string dir, LaunchRunInput input, LaunchRunStrategy s)
    {
        if (s.Comparison is not { Nodes.Count: > 0 } c || c.Nodes.Any(n => n.PredictedPerSec is null || n.MeasuredPerSec is null)) return null;
        var categories = c.Nodes.Select(n => $"{n.Shard} {n.Role}").ToList();
        var series = new List<Series>
        {
            new("predicted", c.Nodes.Select(n => n.PredictedPerSec!.Value).ToList()),
            new("measured", c.Nodes.Select(n => n.MeasuredPerSec!.Value).ToList()),
        };
        string file = "node-commands-" + string.Concat(s.Strategy.Select(ch => char.IsLetterOrDigit(ch) ? ch : '-')) + ".png";
        return ChartWriter.GroupedBars(Path.Combine(dir, file), $"{input.Launch}, {s.Strategy}: server commands/s per node (shard role)", "commands/s", categories, series, topMargin: 0.3);
    }

    /// <summary>A CPU or share in %, with a space as the report writes it ("64 %"); one decimal under 10.</summary>
    public static string Percent(double percent) => Inv($"{percent.ToString(percent < 10 ? "0.0" : "0", CultureInfo.InvariantCulture)} %");

    /// <summary>A band of CPU fractions as the report writes it ("104–136 %").</summary>
    private static string Range(double low, double high) => Percent(low * 100).Replace(" %", "", StringComparison.Ordinal) + "–" + Percent(high * 100);

    private static string S(int n) => n == 1 ? "" : "s";
    private static string Keep(int n) => n == 1 ? "keeps" : "keep";

    private static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
