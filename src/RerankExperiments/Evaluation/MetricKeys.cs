namespace RerankExperiments.Evaluation;

/// <summary>Metric key naming shared by the evaluators (sentence-transformers' prefix_name_to_metrics).</summary>
public static class MetricKeys
{
    /// <summary>"{name}_{metric}", or just the metric when the name is empty.</summary>
    public static string Prefixed(string name, string metric) => string.IsNullOrEmpty(name) ? metric : $"{name}_{metric}";

    /// <summary>
    /// Looks <paramref name="key"/> up in an evaluation's metrics the way transformers' metric_for_best_model is
    /// matched: the key itself, or for <c>eval_x</c> also <c>x</c> (evaluators here do not add the "eval_" prefix).
    /// </summary>
    public static bool TryFind(IReadOnlyDictionary<string, double> metrics, string key, out double value) =>
        metrics.TryGetValue(key, out value) || (key.StartsWith("eval_", StringComparison.Ordinal) && metrics.TryGetValue(key[5..], out value));

    /// <summary>
    /// The key under which a reranking evaluator (<see cref="RerankingEvaluator"/>, <see cref="BeirEvaluator"/>) rates
    /// the candidates' given order — the first stage's ranking, BM25's for BEIR — for the same measure as
    /// <paramref name="key"/>: <c>eval_ndcg@10</c> → <c>eval_base_ndcg@10</c>, <c>nano_R100_mrr@10</c> →
    /// <c>nano_R100_base_mrr@10</c>; null when <paramref name="key"/> is not one of those measures (map, mrr@k,
    /// ndcg@k) or is already a first-stage key. Those metrics exist only when the samples carry a retriever's ranking.
    /// </summary>
    public static string? FirstStage(string key)
    {
        int split = key.LastIndexOf('_');
        string measure = key[(split + 1)..];
        bool ranking = measure == "map" || measure.StartsWith("mrr@", StringComparison.Ordinal) || measure.StartsWith("ndcg@", StringComparison.Ordinal);
        return ranking && split > 0 && !key[..split].EndsWith("_base", StringComparison.Ordinal) ? $"{key[..split]}_base_{measure}" : null;
    }
}
