using System.Globalization;
using RerankExperiments.Evaluation;

namespace RerankExperiments.Experiments.Running;

/// <summary>
/// The end-of-trial comparison: one row per evaluator metric, and a column for each model that was measured — the
/// candidates' first-stage order (the evaluator's <c>…_base_…</c> metrics: BM25 for BEIR evaluators), the starting
/// model (<c>baseline/…</c>), the fine-tuned model and the LM-Cocktail merge (<c>merged/…</c>). Keys may be spelled
/// either way (<c>@</c> or MLflow's <c>_at_</c>: a resumed trial's metrics come back from the store); rows show <c>@</c>.
/// </summary>
public static class ResultsTable
{
    /// <summary>The table as aligned plain text, or null when <paramref name="metrics"/> has no evaluator metric.</summary>
    public static string? Render(IReadOnlyDictionary<string, double> metrics, string firstStageName)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in metrics) byName[key.Replace("_at_", "@", StringComparison.Ordinal)] = value;

        // Rows: the fine-tuned model's ranking metrics (no prefix, not a first-stage metric), in a stable order.
        var rows = byName.Keys.Where(k => !k.Contains('/') && MetricKeys.FirstStage(k) is not null).Order(StringComparer.Ordinal).ToList();
        if (rows.Count == 0) return null;
        var columns = new List<(string Header, Func<string, string?> Key)>
        {
            (firstStageName, MetricKeys.FirstStage),
            ("starting model", k => "baseline/" + k),
            ("fine-tuned", k => k),
            ("merged", k => "merged/" + k),
        };
        columns = columns.Where(c => rows.Any(r => c.Key(r) is { } key && byName.ContainsKey(key))).ToList();

        var table = new List<IReadOnlyList<string>> { (string[])["metric", .. columns.Select(c => c.Header)] };
        foreach (var row in rows)
        {
            var cells = new List<string> { row };
            cells.AddRange(columns.Select(c => c.Key(row) is { } key && byName.TryGetValue(key, out double v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—"));
            table.Add(cells);
        }
        return TextTable.Render(table, column => column > 0);
    }
}
