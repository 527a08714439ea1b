using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace RerankExperiments.Reporting;

/// <summary>
/// A line/scatter chart written as PNG (ScottPlot on SkiaSharp) for reports: several named series, drawn as lines
/// with markers or as markers only; a linear or log x axis, or categories at x = 0, 1, 2, … labelled with their
/// names; named horizontal reference lines (a baseline's value, dashed); title, axis labels and a legend. Points
/// that cannot be drawn (non-finite, or x ≤ 0 on a log axis) are left out. A chart holds only its description;
/// each <see cref="RenderPng"/> draws it anew.
/// </summary>
/// <remarks>
/// Text needs a font: SkiaSharp's Linux build without dependencies reads the fonts under /usr/share/fonts itself (no
/// fontconfig). Debian's fonts-dejavu-core, which this project's machines have, is enough; where no font is found the
/// chart is still drawn, without text (<see cref="TextFont"/> is then null, and the runner warns).
/// </remarks>
public sealed class LineChart(string title, string xLabel, string yLabel)
{
    static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];
    static readonly Lazy<string?> SystemFont = new(FindFont);

    readonly List<(string Name, IReadOnlyList<(double X, double Y)> Points, bool Lines)> _series = [];
    readonly List<(string Name, double Y)> _references = [];

    /// <summary>Category names for x = 0, 1, 2, … (null: numeric x).</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>A log₁₀ x axis, for settings that span decades (learning rates).</summary>
    public bool LogX { get; init; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 500;

    /// <summary>
    /// The font family text is drawn with (a sans-serif one where the system has one), or null when SkiaSharp finds no
    /// font at all and charts come out without text.
    /// </summary>
    public static string? TextFont => SystemFont.Value;

    /// <summary>Adds a series: <paramref name="lines"/> joins its points in x order, else they are markers only.</summary>
    public LineChart Add(string name, IReadOnlyList<(double X, double Y)> points, bool lines)
    {
        _series.Add((name, points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogX || p.X > 0)).ToList(), lines));
        return this;
    }

    /// <summary>Adds a dashed horizontal line at <paramref name="y"/> with a legend entry (a baseline to beat); non-finite values are left out.</summary>
    public LineChart AddReferenceLine(string name, double y)
    {
        if (double.IsFinite(y)) _references.Add((name, y));
        return this;
    }

    /// <summary>The chart as PNG bytes.</summary>
    public byte[] RenderPng()
    {
        using var plot = new Plot();
        if (TextFont is { } font) plot.Font.Set(font);
        plot.Title(title);
        plot.XLabel(LogX ? $"{xLabel} (log)" : xLabel);
        plot.YLabel(yLabel);

        double Fx(double x) => LogX ? Math.Log10(x) : x;
        foreach (var (name, points, lines) in _series)
        {
            var ordered = lines ? points.OrderBy(p => p.X).ToList() : [.. points];
            var scatter = plot.Add.Scatter(ordered.Select(p => Fx(p.X)).ToArray(), ordered.Select(p => p.Y).ToArray());
            scatter.LegendText = Shorten(name);
            scatter.LineWidth = lines ? 1.5f : 0;
            scatter.MarkerSize = lines ? 4 : 8;
        }
        foreach (var (name, y) in _references)
        {
            var line = plot.Add.HorizontalLine(y);
            line.LegendText = Shorten(name);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
        }
        if (_series.All(s => s.Points.Count == 0) && _references.Count == 0) plot.Add.Annotation("no data", Alignment.MiddleCenter);

        if (Categories is { } categories)
        {
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, categories.Count).Select(i => (double)i)], [.. categories]);
            plot.Axes.SetLimitsX(-0.5, Math.Max(categories.Count, 1) - 0.5);
        }
        else if (LogX)
            plot.Axes.Bottom.TickGenerator = new NumericAutomatic
            {
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = x => Number(Math.Pow(10, x)),
            };
        if (_series.Any(s => s.Points.Count > 0) || _references.Count > 0) plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Writes the chart to <paramref name="path"/> as PNG.</summary>
    public void SavePng(string path) => File.WriteAllBytes(path, RenderPng());

    static string? FindFont()
    {
        var families = SKFontManager.Default.FontFamilies.Where(f => !string.IsNullOrEmpty(f)).ToList();
        return PreferredFonts.FirstOrDefault(families.Contains) ?? families.FirstOrDefault();
    }

    static string Shorten(string name) => name.Length > 40 ? name[..40] + "…" : name;

    static string Number(double value) => value.ToString(Math.Abs(value) is > 0 and < 1e-3 or >= 1e5 ? "0.##e0" : "0.####", CultureInfo.InvariantCulture);
}
