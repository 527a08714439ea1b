using RerankExperiments.Modeling;

namespace RerankExperiments.Evaluation;

/// <summary>
/// sentence-transformers' CrossEncoderClassificationEvaluator for one-label models: scores the pairs (with the
/// reranker's activation, as predict does) and reports <c>{name}_accuracy</c>, <c>{name}_accuracy_threshold</c>,
/// <c>{name}_f1</c>, <c>{name}_f1_threshold</c>, <c>{name}_precision</c>, <c>{name}_recall</c> (the best-F1 cut;
/// see <see cref="BinaryThresholds"/>) and <c>{name}_average_precision</c> (scikit-learn's
/// average_precision_score over all pairs, see <see cref="RankingMetrics.AveragePrecision"/>); primary metric
/// average precision.
/// </summary>
public sealed class ClassificationEvaluator : IEvaluator
{
    readonly IReadOnlyList<(string Query, string Passage)> _pairs;
    readonly IReadOnlyList<int> _labels;

    /// <param name="pairs">The (query, passage) pairs.</param>
    /// <param name="labels">1 = relevant, 0 = not, one per pair.</param>
    /// <param name="name">Prefix of the metric keys.</param>
    public ClassificationEvaluator(IReadOnlyList<(string Query, string Passage)> pairs, IReadOnlyList<int> labels, string name = "")
    {
        if (pairs.Count != labels.Count) throw new ArgumentException($"{pairs.Count} pairs but {labels.Count} labels.");
        if (pairs.Count == 0) throw new ArgumentException("A classification evaluator needs at least one pair.", nameof(pairs));
        foreach (var label in labels)
            if (label is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(labels), label, "labels must be 0 or 1 (one-label models)");
        _pairs = pairs;
        _labels = labels;
        Name = name;
    }

    public string Name { get; }

    public string PrimaryMetric => MetricKeys.Prefixed(Name, "average_precision");

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) => Evaluate(reranker.Score);

    /// <summary>Evaluates with any pair scorer (one score per pair, input order, higher = more relevant).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Func<IReadOnlyList<(string Query, string Passage)>, float[]> score)
    {
        var raw = score(_pairs);
        if (raw.Length != _pairs.Count) throw new InvalidOperationException($"The scorer returned {raw.Length} scores for {_pairs.Count} pairs.");
        var scores = raw.Select(s => (double)s).ToArray();
        var accuracy = BinaryThresholds.BestAccuracy(scores, _labels);
        var f1 = BinaryThresholds.BestF1(scores, _labels);
        double ap = RankingMetrics.AveragePrecision(scores, _labels.Select(l => l == 1).ToList());
        return new Dictionary<string, double>
        {
            [MetricKeys.Prefixed(Name, "accuracy")] = accuracy.Accuracy,
            [MetricKeys.Prefixed(Name, "accuracy_threshold")] = accuracy.Threshold,
            [MetricKeys.Prefixed(Name, "f1")] = f1.F1,
            [MetricKeys.Prefixed(Name, "f1_threshold")] = f1.Threshold,
            [MetricKeys.Prefixed(Name, "precision")] = f1.Precision,
            [MetricKeys.Prefixed(Name, "recall")] = f1.Recall,
            [MetricKeys.Prefixed(Name, "average_precision")] = ap,
        };
    }
}
