using System.Text;

namespace RerankExperiments.Experiments.Running;

/// <summary>Plain-text tables for the end-of-run summaries: columns two spaces apart, each as wide as its widest cell.</summary>
public static class TextTable
{
    /// <summary>
    /// The rows (the first is the header), one line each, trailing spaces trimmed; columns for which
    /// <paramref name="rightAligned"/> says so are padded on the left (numbers), the others on the right.
    /// </summary>
    public static string Render(IReadOnlyList<IReadOnlyList<string>> rows, Func<int, bool>? rightAligned = null)
    {
        int columns = rows.Max(r => r.Count);
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => c < r.Count ? r[c].Length : 0)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => rightAligned?.Invoke(c) == true ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        return text.ToString();
    }
}
