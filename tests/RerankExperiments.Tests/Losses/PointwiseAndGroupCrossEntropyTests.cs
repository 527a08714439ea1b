using RerankExperiments.Data;
using RerankExperiments.Losses;
using static RerankExperiments.Tests.Losses.LossCheck;

namespace RerankExperiments.Tests.Losses;

public sealed class PointwiseAndGroupCrossEntropyTests
{
    static readonly RankingExample[] Batch =
    [
        new("q1", ["a", "b"], [1f, 0f]),
        new("q2", ["c"], [0.25f]),
    ];

    static TableScorer Scorer() => new(("q1", "a", 0.8), ("q1", "b", -0.3), ("q2", "c", 1.2));

    [Theory]
    [InlineData(null)]
    [InlineData(3.0)]
    public void Bce_value_and_gradient_match_the_hand_computation(double? posWeight)
    {
        using var scorer = Scorer();
        var (value, gradient) = Run(new BinaryCrossEntropyLoss(posWeight), Batch, scorer);

        // loss = (1/3) Σ −[w·y·log σ(s) + (1 − y)·log(1 − σ(s))];  ∂/∂s = (−w·y·(1 − σ(s)) + (1 − y)·σ(s)) / 3
        double w = posWeight ?? 1.0;
        (string Q, string P, double Y)[] rows = [("q1", "a", 1.0), ("q1", "b", 0.0), ("q2", "c", 0.25)];
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var (q, p, y) in rows)
        {
            double sig = Sigmoid(scorer.S(q, p));
            expected += -(w * y * Math.Log(sig) + (1 - y) * Math.Log(1 - sig)) / 3;
            expectedGradient[(q, p)] = (-w * y * (1 - sig) + (1 - y) * sig) / 3;
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);
    }

    [Fact]
    public void Listwise_ce_is_minus_log_softmax_at_the_positive()
    {
        RankingExample[] batch =
        [
            RankingExample.Group("q1", "p1", ["n11", "n12"]),
            RankingExample.Group("q2", "p2", ["n21", "n22"]),
        ];
        using var scorer = new TableScorer(
            ("q1", "p1", 1.5), ("q1", "n11", 0.5), ("q1", "n12", -1.0),
            ("q2", "p2", -0.2), ("q2", "n21", 0.7), ("q2", "n22", 0.1));
        var (value, gradient) = Run(new ListwiseCrossEntropyLoss(3), batch, scorer);

        // loss = ½ Σ_q −log(e^{s₊}/Σ e^{s_j});  ∂/∂s_j = (softmax_j − [j = positive]) / 2
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var example in batch)
        {
            double[] s = example.Passages.Select(p => scorer.S(example.Query, p)).ToArray();
            double[] softmax = Softmax(s);
            expected += -Math.Log(softmax[0]) / 2;
            for (int j = 0; j < 3; j++) expectedGradient[(example.Query, example.Passages[j])] = (softmax[j] - (j == 0 ? 1 : 0)) / 2;
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);

        // The first group spelled out: −log(e^1.5 / (e^1.5 + e^0.5 + e^−1))
        double first = -Math.Log(Math.Exp(1.5) / (Math.Exp(1.5) + Math.Exp(0.5) + Math.Exp(-1.0)));
        double second = -Math.Log(Math.Exp(-0.2) / (Math.Exp(-0.2) + Math.Exp(0.7) + Math.Exp(0.1)));
        Close((first + second) / 2, value, "loss, literal");
    }
}
