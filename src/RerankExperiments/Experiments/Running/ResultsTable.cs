using System.Globalization;
using System.Text;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// The end-of-trial comparison: one row per evaluator metric, and a column for each model that was measured — the
/// candidates' first-stage order (the evaluator's <c>…_base_…</c> metrics: BM25 for BEIR evaluators), the starting
/// model (<c>baseline/…</c>), the fine-tuned model and the LM-Cocktail merge (<c>merged/…</c>). Keys may be spelled
/// either way (<c>@</c> or MLflow's <c>_at_</c>: a resumed trial's metrics come back from the store); rows show <c>@</c>.
/// </summary>
public static class ResultsTable
{
    const string BaseInfix = "_base_";

    /// <summary>The table as aligned plain text, or null when <paramref name="metrics"/> has no evaluator metric.</summary>
    public static string? Render(IReadOnlyDictionary<string, double> metrics, string firstStageName)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in metrics) byName[MetricNames.ForTracking(key)] = value;

        // Rows: the fine-tuned model's evaluator metrics (no prefix, not a first-stage metric), in a stable order.
        var rows = byName.Keys.Where(k => !k.Contains('/') && !k.Contains(BaseInfix, StringComparison.Ordinal) && FirstStageKey(k) is not null)
            .Order(StringComparer.Ordinal).ToList();
        if (rows.Count == 0) return null;
        var columns = new List<(string Header, Func<string, string?> Key)>
        {
            (firstStageName, FirstStageKey),
            ("starting model", k => "baseline/" + k),
            ("fine-tuned", k => k),
            ("merged", k => "merged/" + k),
        };
        columns = columns.Where(c => rows.Any(r => c.Key(r) is { } key && byName.ContainsKey(key))).ToList();

        var table = new List<List<string>> { new() { "metric" } };
        table[0].AddRange(columns.Select(c => c.Header));
        foreach (var row in rows)
        {
            var cells = new List<string> { row.Replace("_at_", "@", StringComparison.Ordinal) };
            cells.AddRange(columns.Select(c => c.Key(row) is { } key && byName.TryGetValue(key, out double v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—"));
            table.Add(cells);
        }
        var widths = Enumerable.Range(0, table[0].Count).Select(c => table.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var cells in table)
            text.AppendLine(string.Join("  ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        return text.ToString();
    }

    /// <summary>
    /// "{evaluator}_{metric}" → "{evaluator}_base_{metric}" for the ranking metrics evaluators rate the first-stage
    /// order with (map, mrr@k, ndcg@k); null for any other metric.
    /// </summary>
    static string? FirstStageKey(string key)
    {
        int split = key.LastIndexOf('_');
        string metric = key[(split + 1)..];
        // '@' is tracked as "_at_": mrr_at_10's last part is "10".
        if (split > 3 && key[..split].EndsWith("_at", StringComparison.Ordinal))
        {
            split = key[..(split - 3)].LastIndexOf('_');
            metric = key[(split + 1)..];
        }
        bool ranking = metric == "map" || metric.StartsWith("mrr_at_", StringComparison.Ordinal) || metric.StartsWith("ndcg_at_", StringComparison.Ordinal);
        return ranking && split > 0 ? key[..split] + BaseInfix + metric : null;
    }
}
