using RerankExperiments.Evaluation;

namespace RerankExperiments.Tests.Evaluation;

public sealed class CorrelationTests
{
    [Fact]
    public void AverageRanksShareTiedPositions()
    {
        // 2 and 2 occupy ranks 2 and 3: both get 2.5.
        Assert.Equal([1, 2.5, 2.5, 4], Correlation.AverageRanks([1.0, 2.0, 2.0, 10.0]));
        Assert.Equal([3, 1, 2], Correlation.AverageRanks([5.0, -1.0, 0.0]));
    }

    [Fact]
    public void PearsonAndSpearmanMatchHandArithmetic()
    {
        double[] gold = [1, 2, 2, 10], predicted = [1, 3, 2, 4];
        // Pearson: x̄ = 3.75, ȳ = 2.5; Σdxdy = 13.5, Σdx² = 52.75, Σdy² = 5 → 13.5 / √263.75.
        Assert.Equal(13.5 / Math.Sqrt(263.75), Correlation.Pearson(gold, predicted), 12);
        // Spearman: ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → 4.5 / √22.5 = 3 / √10.
        Assert.Equal(3 / Math.Sqrt(10), Correlation.Spearman(gold, predicted), 12);
    }

    [Fact]
    public void ConstantInputGivesNaN()
    {
        Assert.True(double.IsNaN(Correlation.Pearson([1.0, 2.0, 3.0], [0.5, 0.5, 0.5])));
        Assert.True(double.IsNaN(Correlation.Spearman([1.0, 2.0, 3.0], [0.5, 0.5, 0.5])));
    }
}
