using RerankExperiments.Reporting;
using RerankExperiments.Tests.Support;
using SkiaSharp;

namespace RerankExperiments.Tests.Reporting;

/// <summary>LineChart renders real PNGs (ScottPlot on SkiaSharp's native library) with text, headless.</summary>
public sealed class LineChartTests
{
    static LineChart Sample(string title, int width = 640, int height = 400) =>
        new LineChart(title, "step", "eval_ndcg@10") { Width = width, Height = height }
            .Add("eval_ndcg@10", [(10, 0.31), (20, 0.42), (30, 0.47), (40, 0.45)], lines: true)
            .Add("other", [(10, 0.2), (40, 0.5)], lines: false)
            .AddReferenceLine("BM25 baseline", 0.38);

    [Fact]
    public void Renders_a_png_of_the_configured_size_and_writes_it()
    {
        PngFile.AssertValid(Sample("a chart", 640, 400).RenderPng(), 640, 400);
        PngFile.AssertValid(Sample("a chart", 333, 222).RenderPng(), 333, 222);

        using var directory = new TemporaryDirectory();
        string path = directory.File("chart.png");
        Sample("a chart").SavePng(path);
        PngFile.AssertValid(File.ReadAllBytes(path), 640, 400);
    }

    [Fact]
    public void Draws_text_with_a_system_font()
    {
        // SkiaSharp's dependency-free Linux build reads /usr/share/fonts itself; with no font there it draws no text at all.
        Assert.True(LineChart.TextFont is not null, "SkiaSharp found no font under /usr/share/fonts (Debian: fonts-dejavu-core)");
        int shortTitle = InkInTitleBand(Sample("ab").RenderPng());
        int longTitle = InkInTitleBand(Sample("a much longer title, drawn in the band above the plot").RenderPng());
        Assert.True(shortTitle > 20, $"the title band holds {shortTitle} dark pixels: no text was drawn");
        Assert.True(longTitle > 5 * shortTitle, $"a long title drew {longTitle} dark pixels, a two-letter one {shortTitle}");
    }

    [Fact]
    public void Reference_lines_log_axes_categories_and_empty_charts_render()
    {
        byte[] without = new LineChart("t", "x", "y").Add("s", [(1, 1), (2, 2)], lines: true).RenderPng();
        byte[] with = new LineChart("t", "x", "y").Add("s", [(1, 1), (2, 2)], lines: true).AddReferenceLine("baseline", 1.5).RenderPng();
        Assert.NotEqual(without, with);

        // Points a log axis cannot place (x ≤ 0) and non-finite values are left out rather than breaking the chart.
        var log = new LineChart("lr", "learning_rate", "ndcg") { LogX = true }
            .Add("ndcg", [(1e-6, 0.3), (1e-5, 0.4), (1e-4, 0.2), (0, 0.9), (1e-3, double.NaN)], lines: false);
        PngFile.AssertValid(log.RenderPng(), 800, 500);
        var categories = new LineChart("loss", "loss.name", "ndcg") { Categories = ["bce", "listnet", "lambda"] }
            .Add("ndcg", [(0, 0.3), (1, 0.4), (2, 0.35)], lines: false);
        PngFile.AssertValid(categories.RenderPng(), 800, 500);
        PngFile.AssertValid(new LineChart("nothing yet", "step", "loss").RenderPng(), 800, 500);
    }

    /// <summary>Dark pixels in the top 24 rows, where the title is drawn above the data area.</summary>
    static int InkInTitleBand(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        int ink = 0;
        for (int y = 0; y < 24; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (pixel.Red < 128 && pixel.Green < 128 && pixel.Blue < 128) ink++;
            }
        return ink;
    }
}
