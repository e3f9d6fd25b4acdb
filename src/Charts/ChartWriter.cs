using ScottPlot;

namespace HashtagBench.Charts;

/// <summary>A named series of y values for grouped bars, or of (x, y) points for lines.</summary>
public sealed record Series(string Name, IReadOnlyList<double> Y, IReadOnlyList<double>? X = null);

/// <summary>Where a chart's legend sits. The charts' own type, so no caller depends on the plotting library.</summary>
public enum LegendPosition { UpperRight, UpperLeft, LowerRight, LowerLeft }

/// <summary>
/// Headless ScottPlot charts written as PNG and SVG side by side (PNG for the Markdown report, SVG for
/// design-review slides). Returns the PNG path.
/// </summary>
public static class ChartWriter
{
    public const int Width = 900, Height = 500;

    /// <summary>Grouped bars: one group per category, one bar per series inside each group.</summary>
    /// <param name="topMargin">Headroom above the tallest bar as a fraction of the axis (e.g. 0.3 keeps a long legend off the bars); null keeps the usual 7%.</param>
    public static string GroupedBars(string path, string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<Series> series, double? topMargin = null)
    {
        var plot = new Plot();
        int n = series.Count;
        double width = 0.8 / Math.Max(1, n);
        for (int s = 0; s < n; s++)
        {
            var bars = new List<Bar>();
            for (int c = 0; c < categories.Count && c < series[s].Y.Count; c++)
                bars.Add(new Bar { Position = c + (s - (n - 1) / 2.0) * width, Value = series[s].Y[c], Size = width * 0.95, FillColor = Palette(s) });
            var bp = plot.Add.Bars(bars);
            bp.LegendText = series[s].Name;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        plot.Axes.Margins(bottom: 0, top: topMargin ?? 0.07); // 0.07: ScottPlot's own default
        return Save(plot, path, title, "", yLabel, legend: n > 1);
    }

    /// <summary>
    /// Stacked bars: one bar per category, each series a segment stacked on the ones before it (e.g. a shard's
    /// commands/s split by step). Negative values are drawn as 0: a stack only adds.
    /// </summary>
    public static string StackedBars(string path, string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<Series> series, double? topMargin = null)
    {
        var plot = new Plot();
        var bases = new double[categories.Count];
        for (int s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (int c = 0; c < categories.Count && c < series[s].Y.Count; c++)
            {
                double v = Math.Max(0, series[s].Y[c]);
                bars.Add(new Bar { Position = c, ValueBase = bases[c], Value = bases[c] + v, Size = 0.8, FillColor = Palette(s) });
                bases[c] += v;
            }
            var bp = plot.Add.Bars(bars);
            bp.LegendText = series[s].Name;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        if (categories.Count > 12) plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Margins(bottom: 0, top: topMargin ?? 0.07);
        return Save(plot, path, title, "", yLabel, legend: series.Count > 1);
    }

    /// <summary>Lines (with markers) of y against x; X defaults to 0..n-1.</summary>
    /// <param name="yFromZero">Start the y axis at 0 (rates), so small wobbles are not blown up to fill the chart.</param>
    public static string Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logX = false, bool logY = false,
        IReadOnlyList<(double Position, string Label)>? xTicks = null, LegendPosition legendAt = LegendPosition.UpperRight, bool yFromZero = false)
    {
        var plot = new Plot();
        for (int s = 0; s < series.Count; s++)
        {
            double[] ys = series[s].Y.Select(v => logY ? Math.Log10(Math.Max(v, 1e-9)) : v).ToArray();
            double[] xs = (series[s].X ?? Enumerable.Range(0, ys.Length).Select(i => (double)i).ToList())
                .Select(v => logX ? Math.Log10(Math.Max(v, 1e-9)) : v).ToArray();
            var sc = plot.Add.Scatter(xs, ys, Palette(s));
            sc.LegendText = series[s].Name;
            sc.MarkerSize = xs.Length > 60 ? 0 : 5;
        }
        if (logX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(), LabelFormatter = y => $"{Math.Pow(10, y):N0}" };
        if (xTicks is not null) plot.Axes.Bottom.SetTicks(xTicks.Select(t => t.Position).ToArray(), xTicks.Select(t => t.Label).ToArray());
        if (logY) plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(), LabelFormatter = y => $"{Math.Pow(10, y):G3}" };
        if (yFromZero && !logY)
        {
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsY(0, Math.Max(plot.Axes.GetLimits().Top, 1) * 1.1); // headroom for the legend
        }
        return Save(plot, path, title, xLabel, yLabel, legend: series.Count > 1, ToAlignment(legendAt));
    }

    /// <summary>Adds a dashed horizontal reference line (a target, a capacity) to a chart built by the caller.</summary>
    internal static void AddReferenceLine(Plot plot, double y, string label)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LinePattern = LinePattern.Dashed;
        line.LegendText = label;
    }

    internal static Color Palette(int i) => new ScottPlot.Palettes.Category10().GetColor(i);

    private static Alignment ToAlignment(LegendPosition p) => p switch
    {
        LegendPosition.UpperLeft => Alignment.UpperLeft,
        LegendPosition.LowerRight => Alignment.LowerRight,
        LegendPosition.LowerLeft => Alignment.LowerLeft,
        _ => Alignment.UpperRight,
    };

    private static string Save(Plot plot, string path, string title, string xLabel, string yLabel, bool legend, Alignment legendAt = Alignment.UpperRight)
    {
        plot.Title(title);
        if (xLabel.Length > 0) plot.XLabel(xLabel);
        if (yLabel.Length > 0) plot.YLabel(yLabel);
        // ScottPlot shows a legend on its own once a plottable has legend text; one series needs none.
        if (legend) plot.ShowLegend(legendAt);
        else plot.HideLegend();
        string png = Path.ChangeExtension(path, ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(Path.ChangeExtension(path, ".svg"), Width, Height);
        return png;
    }
}
