using RerankExperiments.Modeling;

namespace RerankExperiments.Evaluation;

/// <summary>
/// sentence-transformers' CrossEncoderCorrelationEvaluator: scores the pairs and reports the Pearson and Spearman
/// correlations of the scores with the gold scores as <c>{name}_pearson</c> and <c>{name}_spearman</c> (see
/// <see cref="Correlation"/>; NaN when the scores are constant); primary metric Spearman.
/// </summary>
public sealed class CorrelationEvaluator : IEvaluator
{
    readonly IReadOnlyList<(string Query, string Passage)> _pairs;
    readonly IReadOnlyList<double> _gold;

    public CorrelationEvaluator(IReadOnlyList<(string Query, string Passage)> pairs, IReadOnlyList<double> goldScores, string name = "")
    {
        if (pairs.Count != goldScores.Count) throw new ArgumentException($"{pairs.Count} pairs but {goldScores.Count} gold scores.");
        if (pairs.Count < 2) throw new ArgumentException("A correlation evaluator needs at least two pairs.", nameof(pairs));
        _pairs = pairs;
        _gold = goldScores;
        Name = name;
    }

    public string Name { get; }

    public string PrimaryMetric => MetricKeys.Prefixed(Name, "spearman");

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) => Evaluate(reranker.Score);

    /// <summary>Evaluates with any pair scorer (one score per pair, input order).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Func<IReadOnlyList<(string Query, string Passage)>, float[]> score)
    {
        var raw = score(_pairs);
        if (raw.Length != _pairs.Count) throw new InvalidOperationException($"The scorer returned {raw.Length} scores for {_pairs.Count} pairs.");
        var predicted = raw.Select(s => (double)s).ToArray();
        return new Dictionary<string, double>
        {
            [MetricKeys.Prefixed(Name, "pearson")] = Correlation.Pearson(_gold, predicted),
            [MetricKeys.Prefixed(Name, "spearman")] = Correlation.Spearman(_gold, predicted),
        };
    }
}
