using System.Globalization;

namespace RerankExperiments.Tracking;

/// <summary>
/// One line of a FileStore metric file: <c>"&lt;timestamp_ms&gt; &lt;value&gt; &lt;step&gt;\n"</c>. Values use
/// InvariantCulture round-trip formatting; NaN and ±Infinity are spelled <c>NaN</c>, <c>Infinity</c> and
/// <c>-Infinity</c>, which Python's <c>float()</c> reads. Reading also accepts Python's own <c>nan</c>/<c>inf</c>.
/// </summary>
internal static class MetricLines
{
    public static string Format(MetricPoint point) =>
        string.Create(CultureInfo.InvariantCulture, $"{point.TimestampMs} {FormatValue(point.Value)} {point.Step}\n");

    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A metric line; MLflow reads a two-field line as step 0. Null for a blank line.</summary>
    public static MetricPoint? Parse(string key, string line, string file)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0) return null;
        if (fields.Length is not (2 or 3)
            || !long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var timestamp)
            || !TryParseValue(fields[1], out var value))
            throw new FormatException($"{file}: malformed metric line '{line}' (expected 'timestamp value step')");
        long step = 0;
        if (fields.Length == 3 && !long.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out step))
            throw new FormatException($"{file}: malformed step in metric line '{line}'");
        return new MetricPoint(key, value, timestamp, step);
    }

    public static bool TryParseValue(string text, out double value)
    {
        switch (text.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": value = double.NaN; return true;
            case "inf" or "+inf" or "infinity" or "+infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>MLflow's "latest" metric value: the point with the greatest (step, timestamp, value).</summary>
    public static MetricPoint Latest(IEnumerable<MetricPoint> points) =>
        points.OrderBy(p => p.Step).ThenBy(p => p.TimestampMs).ThenBy(p => p.Value).Last();
}
