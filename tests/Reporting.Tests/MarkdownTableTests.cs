using System.Globalization;

namespace HashtagBench.Reporting.Tests;

public sealed class MarkdownTableTests
{
    private sealed record Row(string Name, double? Value, long Count);

    [Fact]
    public void Renders_a_pipe_table_with_formats_and_na_for_null()
    {
        string table = MarkdownTable.Render([new Row("a", 1.23456, 1200), new Row("b", null, 0)],
            new("name", r => r.Name),
            new("value", r => r.Value, "0.00"),
            new("count", r => r.Count, "N0"));
        Assert.Equal(
            "| name | value | count |\n" +
            "| --- | --- | --- |\n" +
            "| a | 1.23 | 1,200 |\n" +
            "| b | n/a | 0 |\n", table);
    }

    [Fact]
    public void Pipes_and_line_breaks_cannot_break_a_row()
    {
        string table = MarkdownTable.Render([new Row("x | y\r\nz", 1, 1)], new Column<Row>("na|me", r => r.Name));
        string[] lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(@"| na\|me |", lines[0]);
        Assert.Equal(@"| x \| y z |", lines[2]);
    }

    [Fact]
    public void Numbers_are_invariant_whatever_the_current_culture()
    {
        CultureInfo old = CultureInfo.CurrentCulture;
        try
        {
            // Invariant globalization is on in this repo, so a named culture may not exist: build one with a comma.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("| 1234.5 |", MarkdownTable.Render([1234.5], new Column<double>("v", v => v, "0.0")).Split('\n')[2]);
        }
        finally { CultureInfo.CurrentCulture = old; }
    }

    [Fact]
    public void Null_text_can_be_named_and_cells_stand_alone()
    {
        Assert.Equal("— (closed model)", MarkdownTable.Render([new Row("c", null, 0)], new Column<Row>("t", r => r.Value, "0", IfNull: "— (closed model)")).Split('\n')[2].Trim('|', ' '));
        Assert.Equal("n/a", MarkdownTable.Cell(null));
        Assert.Equal("yes", MarkdownTable.Cell(true));
        Assert.Equal("12.5%", MarkdownTable.Cell(0.125, "0.#%"));
        Assert.Throws<ArgumentException>(() => MarkdownTable.Render([1], Array.Empty<Column<int>>()));
    }
}
