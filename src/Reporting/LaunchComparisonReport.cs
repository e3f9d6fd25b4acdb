using HashtagBench.Contracts;
using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>
/// Measured against predicted for one strategy's live launch, as markdown: per node (share, rate, error, a mark
/// against the tolerance), the node × command rows that differ most, and one line with the worst error.
/// </summary>
internal static class LaunchComparisonReport
{
    public const int DefaultCommandRows = 15;

    public static string ToMarkdown(LaunchComparison c, int commandRows = DefaultCommandRows)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sb = new StringBuilder();
        sb.Append(WorstLine(c)).Append("\n\n");
        sb.Append(NodeTable(c)).Append('\n');
        if (c.Commands.Count > 0)
        {
            int shown = Math.Min(commandRows, c.Commands.Count);
            sb.Append(CultureInfo.InvariantCulture, $"Per node and command, the {shown} of {c.Commands.Count} rows furthest from the prediction:\n\n");
            sb.Append(CommandTable(c.Commands.Take(shown))).Append('\n');
        }
        if (c.Excluded.Count > 0)
            sb.Append("Left out of the shares (not the waiting room's commands): ")
              .AppendJoin(", ", c.Excluded.GroupBy(e => e.Command.ToLowerInvariant()).OrderByDescending(g => g.Sum(e => e.Calls))
                  .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(e => e.Calls):N0}")))
              .Append(".\n");
        return sb.ToString();
    }

    /// <summary>One sentence: the worst per-node share error and where, against the tolerance; n/a with no data.</summary>
    public static string WorstLine(LaunchComparison c)
    {
        string tol = c.TolerancePp.ToString("0.##", CultureInfo.InvariantCulture);
        if (c.WorstShareErrorPp is not double worst)
            return $"`{c.Strategy}`: worst per-node share error n/a: the servers counted none of the waiting room's commands (tolerance {tol} pp) ✗.";
        NodeShareRow at = c.Nodes.MaxBy(n => Math.Abs(n.ErrorPp))!;
        string unplaced = c.Unplaced > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {c.Unplaced:N0} predicted commands on a shard with no primary in the run's node list") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"`{c.Strategy}`: worst per-node share error {worst:0.00} pp on {at.Endpoint} (shard {ShardText(at.Shard)} {at.Role}: measured {at.MeasuredShare:P1}, predicted {at.PredictedShare:P1}), tolerance {tol} pp{unplaced} {(c.WithinTolerance ? "✓" : "✗")}.");
    }

    public static string NodeTable(LaunchComparison c) => MarkdownTable.Render(c.Nodes,
        new Column<NodeShareRow>("node", n => n.Endpoint),
        new("shard", n => ShardText(n.Shard)),
        new("role", n => n.Role),
        new("predicted", n => n.Predicted, "N0"),
        new("measured", n => n.Measured, "N0"),
        new("predicted share", n => n.PredictedShare, "P1"),
        new("measured share", n => n.MeasuredShare, "P1"),
        new("predicted cmds/s", n => n.PredictedPerSec, "N0"),
        new("measured cmds/s", n => n.MeasuredPerSec, "N0"),
        new("error (pp)", n => n.ErrorPp, "+0.00;-0.00;0.00"),
        new("within", n => Math.Abs(n.ErrorPp) <= c.TolerancePp ? "✓" : "✗"));

    public static string CommandTable(IEnumerable<NodeCommandRow> rows) => MarkdownTable.Render(rows,
        new Column<NodeCommandRow>("node", r => r.Endpoint),
        new("shard", r => ShardText(r.Shard)),
        new("role", r => r.Role),
        new("command", r => r.Command),
        new("predicted", r => r.Predicted, "N0"),
        new("measured", r => r.Measured, "N0"),
        new("predicted share", r => r.PredictedShare, "P2"),
        new("measured share", r => r.MeasuredShare, "P2"),
        new("error (pp)", r => r.ErrorPp, "+0.00;-0.00;0.00"));

    // A node outside the run's node list has no shard.
    private static string ShardText(int shard) => shard < 0 ? MarkdownTable.NotAvailable : shard.ToString(CultureInfo.InvariantCulture);
}
