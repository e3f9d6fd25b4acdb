using System.Buffers.Binary;

namespace HashtagBench.Charts.Tests;

/// <summary>Charts are written as a PNG of the documented size plus an SVG twin, whatever the caller passes.</summary>
public sealed class ChartWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("charts").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Width, int Height) PngSize(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], b[..4]);
        // IHDR is the first chunk: width and height big-endian at bytes 16 and 20.
        return (BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(20)));
    }

    [Fact]
    public void Grouped_bars_write_a_png_of_the_chart_size_and_an_svg_naming_every_series()
    {
        string png = ChartWriter.GroupedBars(Path.Combine(_dir, "sub", "bars"), "Calls per shard", "calls", ["shard 0", "shard 1", "shard 2"],
            [new Series("event", [10, 20, 70]), new Series("bucketed:8", [33, 33, 34])]);
        Assert.Equal(Path.Combine(_dir, "sub", "bars.png"), png);
        Assert.Equal((ChartWriter.Width, ChartWriter.Height), PngSize(png));
        string svg = File.ReadAllText(Path.ChangeExtension(png, ".svg"));
        Assert.Contains("Calls per shard", svg);
        Assert.Contains("bucketed:8", svg); // two series: a legend
    }

    [Theory]
    [InlineData(LegendPosition.UpperLeft)]
    [InlineData(LegendPosition.LowerRight)]
    public void Lines_take_the_charts_own_legend_position_and_log_axes(LegendPosition legend)
    {
        string png = ChartWriter.Lines(Path.Combine(_dir, $"lines-{legend}"), "p99 over time", "seconds", "ms",
            [new Series("a", [1, 10, 100], [1, 2, 3]), new Series("b", [2, 20, 200], [1, 2, 3])], logY: true, legendAt: legend);
        Assert.Equal((ChartWriter.Width, ChartWriter.Height), PngSize(png));
        Assert.True(File.Exists(Path.ChangeExtension(png, ".svg")));
    }

    [Fact]
    public void A_single_series_has_no_legend_and_mismatched_lengths_draw_what_exists()
    {
        string png = ChartWriter.GroupedBars(Path.Combine(_dir, "one"), "One", "calls", ["x", "y", "z"], [new Series("only-series-name", [1, 2])]);
        Assert.DoesNotContain("only-series-name", File.ReadAllText(Path.ChangeExtension(png, ".svg")));
    }
}
