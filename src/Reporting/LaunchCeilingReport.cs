using HashtagBench.Contracts;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>bench launch-ceiling's report: the hot shard's mix, each side's per-command rates, the ratio, and the join-script rows.</summary>
public static class LaunchCeilingReport
{
    /// <summary>One side's run of one command, as the progress log prints it.</summary>
    public static string CommandProgress(string side, string label, CeilingCommandRun run) => FormattableString.Invariant(
        $"// {side} {label}: {MarkdownTable.Cell(run.ServerRate, "N0")} calls/s (server), client CPU {run.ClientCpuSeconds / run.WindowSeconds:P0}, server CPU {MarkdownTable.Cell(run.ServerCpuSeconds / run.WindowSeconds, "P0")}{(run.Note is null ? "" : " - " + run.Note)}");

    /// <summary>One side's run of the join script in one shape, as the progress log prints it.</summary>
    public static string JoinProgress(string side, string shape, CeilingCommandRun run) => FormattableString.Invariant(
        $"// {side} join script, {shape}: {MarkdownTable.Cell(run.ServerRate, "N0")} calls/s (server), client CPU {run.ClientCpuSeconds / run.WindowSeconds:P0}, {MarkdownTable.Cell(run.ClientCpuMicrosPerCall, "0.0")} µs per call{(run.Note is null ? "" : " - " + run.Note)}");

    /// <summary>The join-script rows (empty when the run had none): calls/s and client CPU per call, both shapes.</summary>
    internal static string JoinRows(LaunchCeilingResult r)
    {
        if (r.JoinRows.Count == 0) return "";
        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine();
        md.AppendLine(F($"The join script (EVALSHA enqueue, fresh keys) through the harness's whole load path (engine closed model, {r.Clients} copies, JoinDriver, EnqueueClient) beside redis-benchmark -c {r.Clients} on the same script, back to back, {r.SecondsPerCommand:0.00} s each; not part of the mix's rate. Client CPU per call = the client process's CPU over the window ÷ the server's count. `multiplexed`: one StackExchange.Redis multiplexer (calls pipelined on one connection); `gateway`: one connection per copy, one command per round trip; `{CeilingJoinRow.HopFree}`: the engine's copies over one `HopFreeConnection` (no thread hop per call, pipelined; plain TCP without a password only), and `{CeilingJoinRow.HopFreeGateway}` over one per copy.\n"));
        md.Append(MarkdownTable.Render(r.JoinRows,
            new("shape", j => j.Shape),
            new("harness connections", j => j.Connections),
            new("harness calls/s (server)", j => j.Harness.ServerRate, "N0"),
            new("redis-benchmark calls/s (server)", j => j.RedisBenchmark.ServerRate, "N0"),
            new("harness / rb", j => j.Ratio, "0.00"),
            new("harness client CPU µs/call", j => j.Harness.ClientCpuMicrosPerCall, "0.0"),
            new("rb client CPU µs/call", j => j.RedisBenchmark.ClientCpuMicrosPerCall, "0.0"),
            new("calls per client CPU-s, harness / rb", j => j.CpuEfficiencyRatio, "0.00"),
            new("errors (harness / rb)", j => F($"{j.Harness.ServerFailed} / {j.RedisBenchmark.ServerFailed}"))));
        foreach (CeilingJoinRow j in r.JoinRows)
            foreach (CeilingCommandRun n in new[] { j.Harness, j.RedisBenchmark }.Where(x => x.Note is not null))
                md.AppendLine($"- {j.Shape}: {n.Note}");
        md.AppendLine();
        md.AppendLine("memtier_benchmark is not run here (no package of it); its ratios, measured by hand on the same script, are in docs/results.md (client cost per call).");
        return md.ToString();
    }

    /// <summary>The mix, each side's per-command rates, and the ratio with the limiter of each side.</summary>
    public static string Render(LaunchCeilingResult r)
    {
        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        var md = new StringBuilder(F($"# Launch ceiling: harness vs redis-benchmark -c {r.Clients}, {r.Launch}, event `{r.EventId}` on {r.Node}\n\n"));
        md.AppendLine(F($"The hot shard's mix under `{r.Schema}` (weights from the simulator's request counts; {r.DroppedShare:P1} of the shard's modelled calls left out as too rare or not reproduced):\n"));
        md.Append(MarkdownTable.Render(r.Mix,
            new("command", m => m.Command), new("steps", m => m.Steps), new("model calls", m => m.ModelCalls, "N0"), new("weight", m => m.Weight, "P1")));
        md.AppendLine();
        md.AppendLine(F($"Each command alone for {r.SecondsPerCommand:0.00} s per side after a warm-up, the sides alternating; calls/s counted by the server (INFO commandstats calls − failed), client counts beside.\n"));
        var rows = r.Harness.Runs.Zip(r.RedisBenchmark.Runs, (h, b) => (H: h, B: b)).ToList();
        md.Append(MarkdownTable.Render(rows,
            new("command", x => x.H.Command),
            new("harness calls/s (server)", x => x.H.ServerRate, "N0"),
            new("harness calls/s (client)", x => x.H.ClientRate, "N0"),
            new("redis-benchmark calls/s (server)", x => x.B.ServerRate, "N0"),
            new("redis-benchmark rps (its overall)", x => x.B.ClientRate, "N0"),
            new("ratio", x => x.H.ServerRate / x.B.ServerRate, "0.00"),
            new("harness CPU", x => x.H.ClientCpuSeconds / x.H.WindowSeconds, "P0"),
            new("redis-benchmark CPU", x => x.B.ClientCpuSeconds / x.B.WindowSeconds, "P0"),
            new("client CPU µs/call (harness / rb)", x => F($"{MarkdownTable.Cell(x.H.ClientCpuMicrosPerCall, "0.0")} / {MarkdownTable.Cell(x.B.ClientCpuMicrosPerCall, "0.0")}")),
            new("node CPU (harness / rb)", x => F($"{MarkdownTable.Cell(x.H.ServerCpuSeconds / x.H.WindowSeconds, "P0")} / {MarkdownTable.Cell(x.B.ServerCpuSeconds / x.B.WindowSeconds, "P0")}")),
            new("errors (harness / rb)", x => F($"{x.H.ServerFailed} / {x.B.ServerFailed}"))));
        md.AppendLine();
        foreach (CeilingCommandRun n in r.Harness.Runs.Concat(r.RedisBenchmark.Runs).Where(x => x.Note is not null))
            md.AppendLine($"- {n.Command}: {n.Note}");
        foreach (CeilingSide side in new[] { r.Harness, r.RedisBenchmark })
            md.AppendLine(F($"- **{side.Name}**: mix {MarkdownTable.Cell(side.MixRate, "N0")} calls/s (server), {MarkdownTable.Cell(side.ClientMixRate, "N0")} (client); client CPU {MarkdownTable.Cell(side.ClientCpu, "P0")}, {MarkdownTable.Cell(side.ClientCpuMicrosPerCall, "0.0")} µs per call; node CPU {MarkdownTable.Cell(side.ServerCpu, "P0")}; limiter: {side.Limiter}."));
        md.AppendLine();
        md.AppendLine(F($"**harness / redis-benchmark = {MarkdownTable.Cell(r.Ratio, "0.00")}** (mix rates, server counts): ") +
            (r.Ratio is double ratio ? ratio >= 1 ? "the harness drives at least as much as redis-benchmark." : "the harness drives less than redis-benchmark." : "n/a: a side measured nothing."));
        md.Append(JoinRows(r));
        md.AppendLine(F($"\nMachine: {r.LogicalCpus} logical CPUs, load average {r.LoadBefore} before, {r.LoadAfter} after. Keys of run `{r.RunPrefix}`: {r.KeysRemoved:N0} removed."));
        return md.ToString();
    }
}
