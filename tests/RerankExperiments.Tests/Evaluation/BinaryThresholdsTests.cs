using RerankExperiments.Evaluation;

namespace RerankExperiments.Tests.Evaluation;

public sealed class BinaryThresholdsTests
{
    // Sorted: (0.9, 1) (0.8, 0) (0.7, 1) (0.6, 1) (0.4, 0) (0.4, 0).
    static readonly double[] Scores = [0.4, 0.9, 0.6, 0.8, 0.7, 0.4];
    static readonly int[] Labels = [0, 1, 1, 0, 1, 0];

    [Fact]
    public void BestAccuracySweepsMidpoints()
    {
        // Top 1: (1 + 3)/6; top 2: (1 + 2)/6; top 3: (2 + 2)/6; top 4: (3 + 2)/6 ← best, threshold (0.6 + 0.4)/2; top 5: (3 + 1)/6.
        var best = BinaryThresholds.BestAccuracy(Scores, Labels);
        Assert.Equal(5.0 / 6, best.Accuracy, 12);
        Assert.Equal(0.5, best.Threshold, 12);
    }

    [Fact]
    public void BestF1SweepsMidpoints()
    {
        // Top 1: P 1, R ⅓, F1 ½; top 2: F1 0.4; top 3: P = R = ⅔; top 4: P ¾, R 1, F1 6/7 ← best; top 5: F1 0.75.
        var best = BinaryThresholds.BestF1(Scores, Labels);
        Assert.Equal(6.0 / 7, best.F1, 12);
        Assert.Equal(0.75, best.Precision, 12);
        Assert.Equal(1.0, best.Recall, 12);
        Assert.Equal(0.5, best.Threshold, 12);
    }

    [Fact]
    public void ACutMayFallInsideTiedScoresAsInSentenceTransformers()
    {
        // (0.5, 1) then (0.5, 0) in input order: the cut after the first is "perfect" at threshold 0.5.
        var best = BinaryThresholds.BestAccuracy([0.5, 0.5], [1, 0]);
        Assert.Equal(1.0, best.Accuracy);
        Assert.Equal(0.5, best.Threshold);
    }

    [Fact]
    public void NonBinaryLabelsAreRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryThresholds.BestF1([0.1, 0.2], [0, 2]));
}
