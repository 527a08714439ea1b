using RerankExperiments.Data;
using RerankExperiments.Losses;
using static RerankExperiments.Tests.Losses.LossCheck;

namespace RerankExperiments.Tests.Losses;

public sealed class ListNetLossTests
{
    [Fact]
    public void Value_and_gradient_match_the_hand_computation()
    {
        RankingExample[] batch =
        [
            new("q1", ["a", "b", "c"], [2f, 0f, 1f]),
            new("q2", ["d", "e"], [1f, 0f]),
        ];
        using var scorer = new TableScorer(("q1", "a", 0.4), ("q1", "b", 1.3), ("q1", "c", -0.6), ("q2", "d", 0.0), ("q2", "e", 2.0));
        var (value, gradient) = Run(new ListNetLoss(), batch, scorer);

        // loss = ½ Σ_q −Σ_j softmax(y)_j·log softmax(s)_j;  ∂/∂s_j = (softmax(s)_j − softmax(y)_j)/2
        double expected = 0;
        var expectedGradient = new Dictionary<(string, string), double>();
        foreach (var e in batch)
        {
            double[] p = Softmax(e.Labels.Select(l => (double)l).ToArray());
            double[] q = Softmax(e.Passages.Select(x => scorer.S(e.Query, x)).ToArray());
            for (int j = 0; j < p.Length; j++)
            {
                expected += -p[j] * Math.Log(q[j]) / 2;
                expectedGradient[(e.Query, e.Passages[j])] = (q[j] - p[j]) / 2;
            }
        }
        Close(expected, value, "loss");
        Gradient(scorer, gradient, expectedGradient);

        // q2 spelled out: softmax([1, 0]) = [e/(e+1), 1/(e+1)], softmax([0, 2]) = [1/(1+e²), e²/(1+e²)].
        double pd = Math.E / (Math.E + 1), qd = 1 / (1 + Math.Exp(2));
        Close((1 - pd) * -Math.Log(1 - qd) + pd * -Math.Log(qd), 2 * expected - 2 * ListNetPart(batch[0], scorer), "q2 term");
    }

    static double ListNetPart(RankingExample e, TableScorer scorer)
    {
        double[] p = Softmax(e.Labels.Select(l => (double)l).ToArray());
        double[] q = Softmax(e.Passages.Select(x => scorer.S(e.Query, x)).ToArray());
        return -p.Zip(q, (a, b) => a * Math.Log(b)).Sum() / 2;
    }
}
