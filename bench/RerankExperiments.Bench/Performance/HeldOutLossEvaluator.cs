using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Modeling;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Mean binary cross-entropy of the model's logits on held-out labelled pairs,
/// −mean(y·log σ(z) + (1 − y)·log(1 − σ(z))), computed stably as mean(max(z, 0) − z·y + log(1 + e^−|z|)),
/// and the accuracy of sign(z) against the labels.
/// </summary>
public sealed class HeldOutLossEvaluator(IReadOnlyList<RankingExample> examples) : IEvaluator
{
    public string Name => "heldout";

    public string PrimaryMetric => "heldout_bce";

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker)
    {
        var logits = reranker.Logits(examples.Select(e => (e.Query, e.Passages[0])).ToList());
        double loss = 0, correct = 0;
        for (int i = 0; i < examples.Count; i++)
        {
            double z = logits[i][0], y = examples[i].Labels[0] > 0 ? 1 : 0;
            loss += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            if ((z > 0) == (y > 0)) correct++;
        }
        return new Dictionary<string, double> { ["heldout_bce"] = loss / examples.Count, ["heldout_accuracy"] = correct / examples.Count };
    }
}
