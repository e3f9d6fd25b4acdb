using HashtagBench.Contracts;

namespace HashtagBench.Reporting.Tests;

public class NodeTelemetryReportTests
{
    private static NodeSample Sample(double second, string role, double cpu, IReadOnlyDictionary<string, double>? ops = null) =>
        new(second, true, role, cpu, 100, ops, 2 * 1048576, null, 0);

    private static readonly NodeSample Gap = new(2, false, null, null, null, null, null, null, null);

    [Fact]
    public void Each_node_is_a_row_with_its_gaps_role_change_and_busiest_commands()
    {
        var primary = new NodeTimeline("127.0.0.1:7000", 0, "primary",
            [Sample(0, "primary", 10), Sample(1, "primary", 30, new Dictionary<string, double> { ["evalsha"] = 500, ["get"] = 20 }), Gap], null);
        var promoted = new NodeTimeline("127.0.0.1:7003", null, "replica", [Sample(0, "replica", 5), Sample(1, "primary", 7)], null);

        string md = NodeTelemetryReport.Render(new NodeTelemetry(DateTime.UnixEpoch, 1, [primary, promoted]), ["node-cpu.png"]);

        Assert.StartsWith("## Nodes during the run\n\nEvery node's INFO (cpu, commandstats, memory, replication, errorstats) every 1 s,", md);
        Assert.Contains("| 0 | 127.0.0.1:7000 | primary | 3 | 1 | 20.0 | 30.0 | 100 | evalsha 500, get 20 | 2.0 | - | 0 |", md);
        Assert.Contains("| - | 127.0.0.1:7003 | replica → **primary** | 2 | 0 | 6.0 | 7.0 | 100 | n/a | 2.0 | - | 0 |", md);
        Assert.DoesNotContain("Sampler cost", md); // no node measured it
        Assert.EndsWith("![node-cpu](node-cpu.png)\n\n", md);
    }

    [Fact]
    public void The_sampler_cost_names_its_worst_node()
    {
        var cost = new SamplerCost(10, 10, 40, 0.00004, 0.002, 12, 600);
        var node = new NodeTimeline("127.0.0.1:7000", 0, "primary", [Sample(0, "primary", 10)], cost);

        string md = NodeTelemetryReport.Render(new NodeTelemetry(DateTime.UnixEpoch, 1, [node]), []);

        Assert.Contains("at most 0.004 % of a core on any node, at most 0.20 % of the CPU a node used.", md);
        Assert.Contains("| 127.0.0.1:7000 | 10.0 | 10 | 40 | 0.0040 | 0.200 | 12 | 600 |", md);
    }
}

public class OverheadProbeReportTests
{
    [Fact]
    public void Rows_are_in_microseconds_and_say_whether_the_rate_is_retried()
    {
        IReadOnlyList<string> header = OverheadProbeReport.Header("timer");
        Assert.Equal("injector: timer", header[0]);
        Assert.Equal(header[1].Count(c => c == '|'), header[2].Count(c => c == '|')); // header and separator agree

        var missed = new Contracts.OverheadAttempt(10_000, 9_812.4, 0.012, 0.25, 0.004, 0.2, 0.4, 1.5, null, OnSchedule: false, Retrying: true);
        Assert.Equal("| 10000 | 9812 | 12 | 250 | 4 | 200 | 400 | 1500 | n/a | no, retrying |", OverheadProbeReport.Row(missed));
        Assert.EndsWith("| 12.5 % | no |", OverheadProbeReport.Row(missed with { InjectorCpu = 0.125, Retrying = false }));
        Assert.EndsWith("| yes |", OverheadProbeReport.Row(missed with { OnSchedule = true, Retrying = false }));
        Assert.Equal("engine sustains 50000 injections/s on schedule (p99 lateness ≤ 1.5 ms: 1 ms or twice the 1,000/s floor)", OverheadProbeReport.Verdict(50_000, 1.5, 1));
    }
}
