namespace HashtagBench.Charts.Tests;

public sealed class StackedBarsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stacked").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Stacked_bars_write_png_and_svg_with_every_series_in_the_legend()
    {
        string png = ChartWriter.StackedBars(Path.Combine(_dir, "steps"), "Commands by step", "commands/s", ["event 0", "event 1", "event 2"],
            [new Series("Join", [10, 20, 30]), new Series("Status", [40, 50, 60]), new Series("Enter", [1, -5, 3])]);
        Assert.Equal(Path.Combine(_dir, "steps.png"), png);
        Assert.True(new FileInfo(png).Length > 1000);
        string svg = File.ReadAllText(Path.ChangeExtension(png, ".svg"));
        foreach (string name in new[] { "Commands by step", "Join", "Status", "Enter" }) Assert.Contains(name, svg);
    }
}
