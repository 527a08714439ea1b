using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Evaluation;

/// <summary>Classification and correlation evaluators end to end, with a fake scorer and with bert-tiny.</summary>
public sealed class PairEvaluatorTests
{
    static readonly (string Query, string Passage)[] Pairs = [("q", "a"), ("q", "b"), ("q", "c"), ("q", "d"), ("q", "e"), ("q", "f")];

    // As in BinaryThresholdsTests: sorted (0.9, 1) (0.8, 0) (0.7, 1) (0.6, 1) (0.4, 0) (0.4, 0).
    static readonly FakeScorer Scorer = new(new Dictionary<string, float>
    {
        ["a"] = 0.4f, ["b"] = 0.9f, ["c"] = 0.6f, ["d"] = 0.8f, ["e"] = 0.7f, ["f"] = 0.4f,
    });

    [Fact]
    public void ClassificationReportsThresholdMetricsAndAveragePrecision()
    {
        var evaluator = new ClassificationEvaluator(Pairs, [0, 1, 1, 0, 1, 0], name: "cls");
        var metrics = evaluator.Evaluate(Scorer.Score);

        Assert.Equal("cls_average_precision", evaluator.PrimaryMetric);
        Assert.Equal(["cls_accuracy", "cls_accuracy_threshold", "cls_average_precision", "cls_f1", "cls_f1_threshold", "cls_precision", "cls_recall"],
            metrics.Keys.Order());
        Assert.Equal(5.0 / 6, metrics["cls_accuracy"], 12);
        Assert.Equal(0.5, metrics["cls_accuracy_threshold"], 6);
        Assert.Equal(6.0 / 7, metrics["cls_f1"], 12);
        Assert.Equal(0.5, metrics["cls_f1_threshold"], 6);
        Assert.Equal(0.75, metrics["cls_precision"], 12);
        Assert.Equal(1.0, metrics["cls_recall"], 12);
        // Relevant at ranks 1, 3, 4 of 6: AP = (1/1 + 2/3 + 3/4) / 3.
        Assert.Equal((1 + 2 / 3.0 + 3 / 4.0) / 3, metrics["cls_average_precision"], 12);
    }

    [Fact]
    public void CorrelationReportsPearsonAndSpearman()
    {
        var scorer = new FakeScorer(new Dictionary<string, float> { ["a"] = 1, ["b"] = 3, ["c"] = 2, ["d"] = 4 });
        var evaluator = new CorrelationEvaluator(Pairs[..4], [1, 2, 2, 10], name: "sts");
        var metrics = evaluator.Evaluate(scorer.Score);

        Assert.Equal("sts_spearman", evaluator.PrimaryMetric);
        Assert.Equal(["sts_pearson", "sts_spearman"], metrics.Keys.Order());
        Assert.Equal(13.5 / Math.Sqrt(263.75), metrics["sts_pearson"], 12);
        Assert.Equal(3 / Math.Sqrt(10), metrics["sts_spearman"], 12);
    }

    [Fact]
    public void RealModelMetricsEqualMetricsOfItsOwnScores()
    {
        var pairs = FixtureModels.Pairs().Take(12).ToList();
        int[] labels = [.. Enumerable.Range(0, pairs.Count).Select(i => i % 3 == 0 ? 1 : 0)];
        double[] gold = [.. Enumerable.Range(0, pairs.Count).Select(i => (double)(i * 7 % 5))];
        using var encoder = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        var reranker = new Reranker(encoder, new RerankerOptions(BatchSize: 5));
        var scores = reranker.Score(pairs).Select(s => (double)s).ToArray();

        var classification = new ClassificationEvaluator(pairs, labels).Evaluate(reranker);
        Assert.Equal(RankingMetrics.AveragePrecision(scores, labels.Select(l => l == 1).ToList()), classification["average_precision"], 9);
        Assert.Equal(BinaryThresholds.BestF1(scores, labels).F1, classification["f1"], 9);
        Assert.Equal(BinaryThresholds.BestAccuracy(scores, labels).Accuracy, classification["accuracy"], 9);

        var correlation = new CorrelationEvaluator(pairs, gold).Evaluate(reranker);
        Assert.Equal(Correlation.Pearson(gold, scores), correlation["pearson"], 9);
        Assert.Equal(Correlation.Spearman(gold, scores), correlation["spearman"], 9);
    }

    [Fact]
    public void MismatchedInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ClassificationEvaluator(Pairs, [1, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationEvaluator(Pairs[..2], [1, 2]));
        Assert.Throws<ArgumentException>(() => new CorrelationEvaluator(Pairs, [1.0]));
    }
}
