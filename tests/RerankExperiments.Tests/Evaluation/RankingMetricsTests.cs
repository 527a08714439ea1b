using RerankExperiments.Evaluation;

namespace RerankExperiments.Tests.Evaluation;

/// <summary>
/// Metrics against hand-computed values, ties included. Discounts d_r = 1 / log2(r + 2):
/// d0 = 1, d1 = 0.6309297535714575, d2 = 0.5, d3 = 0.43067655807339306.
/// </summary>
public sealed class RankingMetricsTests
{
    const double D0 = 1, D1 = 0.6309297535714575, D2 = 0.5, D3 = 0.43067655807339306;

    // Scores 0.9, 0.5, 0.5, 0.1 with relevance 0, 1, 0, 1: the relevant doc at index 1 ties with an irrelevant one.
    static readonly double[] TiedScores = [0.9, 0.5, 0.5, 0.1];
    static readonly bool[] TiedRelevant = [false, true, false, true];

    [Fact]
    public void NdcgAveragesGainsOverTiedScores()
    {
        // Groups by score: {0} at position 0 (gain 0), {1, 2} at positions 1–2 (mean gain 1/2), {3} at position 3 (gain 1).
        // DCG = 0·d0 + ½·(d1 + d2) + 1·d3 = 0.9961414348591218; IDCG = d0 + d1 = 1.6309297535714575.
        double expected = (0.5 * (D1 + D2) + D3) / (D0 + D1);
        Assert.Equal(0.6107813243812262, expected, 12);
        Assert.Equal(expected, RankingMetrics.Ndcg(TiedScores, TiedRelevant, k: null), 12);
    }

    [Fact]
    public void NdcgAtKCutsTheDiscountsInsideATieGroup()
    {
        // k = 2: d2 = d3 = 0, so the tie group {1, 2} keeps only d1: DCG = ½·d1; IDCG@2 = d0 + d1.
        double expected = 0.5 * D1 / (D0 + D1);
        Assert.Equal(0.19342640361727081, expected, 12);
        Assert.Equal(expected, RankingMetrics.Ndcg(TiedScores, TiedRelevant, k: 2), 12);
    }

    [Fact]
    public void NdcgWithoutTiesIsTheUsualFormula()
    {
        // Order 0, 1, 2, 3 with relevance 0, 1, 0, 1: DCG = d1 + d3.
        Assert.Equal((D1 + D3) / (D0 + D1), RankingMetrics.Ndcg([0.9, 0.6, 0.5, 0.1], TiedRelevant, k: null), 12);
    }

    [Fact]
    public void NdcgUsesLinearGradedGains()
    {
        // Gains 0, 3, 1 ranked as given: DCG = 3·d1 + 1·d2; ideal 3·d0 + 1·d1.
        Assert.Equal((3 * D1 + D2) / (3 * D0 + D1), RankingMetrics.Ndcg([3.0, 2.0, 1.0], [0.0, 3.0, 1.0], k: 10), 12);
    }

    [Fact]
    public void AllTiedScoresGiveTheExpectedDcgOfARandomOrder()
    {
        // One group over positions 0–2 with mean gain ⅓: DCG = ⅓·(d0 + d1 + d2); IDCG = d0.
        Assert.Equal((D0 + D1 + D2) / 3, RankingMetrics.Ndcg([0.2, 0.2, 0.2], [true, false, false], k: 10), 12);
    }

    [Fact]
    public void AveragePrecisionCountsTiedDocumentsTogether()
    {
        // Thresholds 0.9, 0.5, 0.1: recall 0 → ½ at precision ⅓ (3 docs ≥ 0.5, 1 relevant), ½ → 1 at precision 2/4.
        // AP = ½·⅓ + ½·½ = 0.41666…; untied (0.9, 0.6, 0.5, 0.1) it would be ½·½ + ½·½ = 0.5.
        Assert.Equal(0.5 * (1.0 / 3) + 0.5 * 0.5, RankingMetrics.AveragePrecision(TiedScores, TiedRelevant), 12);
        Assert.Equal(0.5, RankingMetrics.AveragePrecision([0.9, 0.6, 0.5, 0.1], TiedRelevant), 12);
    }

    [Fact]
    public void AveragePrecisionIsOverTheWholeList()
    {
        // Relevant at ranks 1 and 20: AP = (1/1 + 2/20) / 2 = 0.55, no cut-off.
        var scores = Enumerable.Range(0, 20).Select(i => 20.0 - i).ToArray();
        var relevant = Enumerable.Range(0, 20).Select(i => i is 0 or 19).ToArray();
        Assert.Equal(0.55, RankingMetrics.AveragePrecision(scores, relevant), 12);
    }

    [Fact]
    public void ReciprocalRankBreaksTiesWithTheLaterInputFirst()
    {
        // np.argsort([0.5, 0.5, 0.1])[::-1] = [1, 0, 2]: the relevant index 0 is second → ½.
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank([0.5, 0.5, 0.1], [true, false, false], k: 10), 12);
        Assert.Equal(1.0, RankingMetrics.ReciprocalRank([0.5, 0.5, 0.1], [false, true, false], k: 10), 12);
    }

    [Fact]
    public void ReciprocalRankIsZeroBeyondK()
    {
        Assert.Equal(1.0 / 3, RankingMetrics.ReciprocalRank([3.0, 2.0, 1.0], [false, false, true], k: 3), 12);
        Assert.Equal(0, RankingMetrics.ReciprocalRank([3.0, 2.0, 1.0], [false, false, true], k: 2));
    }

    [Fact]
    public void NoRelevantDocumentScoresZero()
    {
        double[] scores = [0.3, 0.2, 0.1];
        bool[] none = [false, false, false];
        Assert.Equal(0, RankingMetrics.Ndcg(scores, none, k: 10));
        Assert.Equal(0, RankingMetrics.AveragePrecision(scores, none));
        Assert.Equal(0, RankingMetrics.ReciprocalRank(scores, none, k: 10));
    }

    [Fact]
    public void MismatchedLengthsAndNaNsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => RankingMetrics.Ndcg([1.0, 2.0], [true], k: 10));
        Assert.Throws<ArgumentException>(() => RankingMetrics.AveragePrecision([double.NaN], [true]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.ReciprocalRank([1.0], [true], k: 0));
    }
}
