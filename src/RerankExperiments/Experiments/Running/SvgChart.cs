using System.Globalization;
using System.Net;
using System.Text;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// A small self-contained SVG line/scatter chart for the sweep report (no plotting dependency in the library): linear
/// or log x axis, numeric or categorical x, several named series, axis ticks and a legend.
/// </summary>
public sealed class SvgChart(string title, string xLabel, string yLabel)
{
    const int Width = 640, Height = 400, Left = 70, Right = 160, Top = 40, Bottom = 50;
    static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    readonly List<(string Name, IReadOnlyList<(double X, double Y)> Points, bool Lines)> _series = [];

    /// <summary>Category names for x = 0, 1, 2, … (null: numeric x).</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    public bool LogX { get; init; }

    public SvgChart Add(string name, IReadOnlyList<(double X, double Y)> points, bool lines)
    {
        _series.Add((name, points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogX || p.X > 0)).ToList(), lines));
        return this;
    }

    public string Render()
    {
        var all = _series.SelectMany(s => s.Points).ToList();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n");
        if (all.Count == 0) return svg.Append("<text x=\"320\" y=\"200\" text-anchor=\"middle\">no data</text>\n</svg>\n").ToString();

        double Fx(double x) => LogX ? Math.Log10(x) : x;
        double xMin = all.Min(p => Fx(p.X)), xMax = all.Max(p => Fx(p.X));
        double yMin = all.Min(p => p.Y), yMax = all.Max(p => p.Y);
        if (Categories is not null) (xMin, xMax) = (-0.5, Categories.Count - 0.5);
        if (xMax - xMin < 1e-12) (xMin, xMax) = (xMin - 1, xMax + 1);
        if (yMax - yMin < 1e-12) (yMin, yMax) = (yMin - 0.5, yMax + 0.5);
        double pad = (yMax - yMin) * 0.05;
        (yMin, yMax) = (yMin - pad, yMax + pad);
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double x) => Left + (Fx(x) - xMin) / (xMax - xMin) * plotW;
        double PxRaw(double fx) => Left + (fx - xMin) / (xMax - xMin) * plotW;
        double Py(double y) => Top + plotH - (y - yMin) / (yMax - yMin) * plotH;

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#444\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double y = yMin + (yMax - yMin) * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 4}\" x2=\"{Left}\" y1=\"{Py(y):0.#}\" y2=\"{Py(y):0.#}\" stroke=\"#444\"/><text x=\"{Left - 6}\" y=\"{Py(y) + 4:0.#}\" text-anchor=\"end\">{Number(y)}</text>\n");
        }
        if (Categories is not null)
            for (int i = 0; i < Categories.Count; i++)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PxRaw(i):0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Escape(Categories[i])}</text>\n");
        else
            for (int i = 0; i <= 4; i++)
            {
                double fx = xMin + (xMax - xMin) * i / 4;
                string label = LogX ? Number(Math.Pow(10, fx)) : Number(fx);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{PxRaw(fx):0.#}\" x2=\"{PxRaw(fx):0.#}\" y1=\"{Top + plotH}\" y2=\"{Top + plotH + 4}\" stroke=\"#444\"/><text x=\"{PxRaw(fx):0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{label}</text>\n");
            }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(xLabel)}{(LogX ? " (log)" : "")}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{Top + plotH / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + plotH / 2})\">{Escape(yLabel)}</text>\n");

        for (int s = 0; s < _series.Count; s++)
        {
            var (name, points, lines) = _series[s];
            string color = Colors[s % Colors.Length];
            var ordered = lines ? points.OrderBy(p => p.X).ToList() : [.. points];
            if (lines && ordered.Count > 1)
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{string.Join(" ", ordered.Select(p => $"{Px(p.X):0.#},{Py(p.Y):0.#}"))}\"/>\n");
            foreach (var p in ordered)
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{Px(p.X):0.#}\" cy=\"{Py(p.Y):0.#}\" r=\"{(lines ? 2 : 4)}\" fill=\"{color}\"><title>{Escape(name)}: {Number(p.X)}, {Number(p.Y)}</title></circle>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 10}\" y=\"{Top + 16 * s}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{Width - Right + 24}\" y=\"{Top + 9 + 16 * s}\">{Escape(name.Length > 22 ? name[..22] + "…" : name)}</text>\n");
        }
        return svg.Append("</svg>\n").ToString();
    }

    static string Number(double value) => value.ToString(Math.Abs(value) is > 0 and < 1e-3 or >= 1e5 ? "0.##e0" : "0.####", CultureInfo.InvariantCulture);

    static string Escape(string text) => WebUtility.HtmlEncode(text);
}
