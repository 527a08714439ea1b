using RerankExperiments.Data;
using RerankExperiments.Losses;
using static RerankExperiments.Tests.Losses.LossCheck;

namespace RerankExperiments.Tests.Losses;

public sealed class DistillationLossTests
{
    static readonly RankingExample[] Batch =
    [
        RankingExample.Group("q1", "p1", ["n11", "n12"], teacherScores: [5f, 1f, 2f]),
        RankingExample.Group("q2", "p2", ["n21"], teacherScores: [3f, -1f]),
    ];

    static TableScorer Scorer() => new(
        ("q1", "p1", 1.0), ("q1", "n11", 0.5), ("q1", "n12", 1.4), ("q2", "p2", -0.3), ("q2", "n21", 0.8));

    [Fact]
    public void Margin_mse_matches_the_hand_computation()
    {
        using var scorer = Scorer();
        var (value, gradient) = Run(new MarginMseLoss(), Batch, scorer);

        // Three (positive, negative) margins: e = (s₊ − s₋) − (t₊ − t₋); loss = (1/3) Σ e²; ∂/∂s₊ += 2e/3, ∂/∂s₋ −= 2e/3.
        (string Q, string P, string N, double Margin)[] terms = [("q1", "p1", "n11", 5 - 1), ("q1", "p1", "n12", 5 - 2), ("q2", "p2", "n21", 3 - -1)];
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var (q, p, n, margin) in terms)
        {
            double e = scorer.S(q, p) - scorer.S(q, n) - margin;
            expected += e * e / 3;
            Add(expectedGradient, q, p, 2 * e / 3);
            Add(expectedGradient, q, n, -2 * e / 3);
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
        Close(((0.5 - 4) * (0.5 - 4) + (-0.4 - 3) * (-0.4 - 3) + (-1.1 - 4) * (-1.1 - 4)) / 3, value, "loss, literal");
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(3.0, 0.5)]
    public void Kl_distillation_matches_the_hand_computation(double temperature, double ceWeight)
    {
        using var scorer = Scorer();
        var (value, gradient) = Run(new KlDistillationLoss(temperature, ceWeight), Batch, scorer);

        // p = softmax(t/T), q = softmax(s/T): loss = T²/B Σ_groups Σ_j p_j (ln p_j − ln q_j) + c/B Σ_groups −ln softmax(s)₀
        // ∂/∂s_j = T·(q_j − p_j)/B + c·(softmax(s)_j − [j = 0])/B
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var e in Batch)
        {
            double[] s = e.Passages.Select(x => scorer.S(e.Query, x)).ToArray();
            double[] p = Softmax(e.TeacherScores!.Select(t => t / temperature).ToArray());
            double[] q = Softmax(s.Select(x => x / temperature).ToArray());
            double[] plain = Softmax(s);
            expected += ceWeight * -Math.Log(plain[0]) / 2;
            for (int j = 0; j < s.Length; j++)
            {
                expected += temperature * temperature * p[j] * (Math.Log(p[j]) - Math.Log(q[j])) / 2;
                expectedGradient[(e.Query, e.Passages[j])] = temperature * (q[j] - p[j]) / 2 + ceWeight * (plain[j] - (j == 0 ? 1 : 0)) / 2;
            }
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
    }

    [Fact]
    public void Teacher_scores_are_required()
    {
        using var scorer = Scorer();
        RankingExample[] batch = [RankingExample.Group("q1", "p1", ["n11"])];
        Assert.Throws<ArgumentException>(() => new MarginMseLoss().Compute(batch, scorer));
        Assert.Throws<ArgumentException>(() => new KlDistillationLoss().Compute(batch, scorer));
    }
}
