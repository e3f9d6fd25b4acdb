using System.Globalization;
using System.Text;

namespace HashtagBench.Reporting;

/// <summary>One column of a <see cref="MarkdownTable"/>: a header and how to get a row's value.</summary>
/// <param name="Value">The row's value: a number (formatted with <paramref name="Format"/>, invariant culture), text, or null for no data.</param>
/// <param name="Format">A .NET format string for numbers, e.g. "0.00" or "P1"; null for the default.</param>
/// <param name="IfNull">What a null value reads as; "n/a" unless given.</param>
public sealed record Column<T>(string Header, Func<T, object?> Value, string? Format = null, string? IfNull = null);

/// <summary>
/// GitHub pipe tables from typed rows. Cells are formatted in the invariant culture, a null is "n/a" (never 0),
/// and a '|' or a line break inside a cell cannot break the table.
/// </summary>
public static class MarkdownTable
{
    public const string NotAvailable = "n/a";

    /// <summary>The table, header and separator included, ending with a line break. No rows: the header alone.</summary>
    /// <remarks>A one-column table needs <c>new Column&lt;T&gt;(...)</c>: a lone <c>new(...)</c> would bind to the list itself.</remarks>
    public static string Render<T>(IEnumerable<T> rows, params IReadOnlyList<Column<T>> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("A table needs at least one column.", nameof(columns));
        var sb = new StringBuilder();
        Line(sb, columns.Select(c => Escape(c.Header)));
        Line(sb, columns.Select(_ => "---"));
        foreach (T row in rows)
            Line(sb, columns.Select(c => Cell(c.Value(row), c.Format, c.IfNull)));
        return sb.ToString();
    }

    /// <summary>One value as a cell: invariant culture, <paramref name="ifNull"/> (default "n/a") for null, '|' escaped.</summary>
    public static string Cell(object? value, string? format = null, string? ifNull = null) => Escape(value switch
    {
        null => ifNull ?? NotAvailable,
        string s => s,
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(format, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    });

    /// <summary>Makes text safe inside a cell: every '|' becomes "\|" (GitHub reads that even inside code spans), line breaks become spaces.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '|') sb.Append("\\|");
            else if (c == '\r') continue;
            else if (c == '\n') sb.Append(' ');
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, IEnumerable<string> cells) => sb.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
}
