using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' ListNetLoss over groups of any length with graded labels: per query q,
/// L_q = −Σ_j softmax(y)_j · log softmax(a(s))_j, and loss = mean over queries. No epsilon: shorter groups are
/// padded with logit −1e16 and target probability 0 (exactly as if each group were scored alone). Default a = identity.
/// </summary>
public sealed class ListNetLoss(LossActivation activation = LossActivation.Identity) : IRankingLoss
{
    public string Name => "listnet";

    public LossActivation Activation { get; } = activation;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var grouped = GroupedPairs.From(batch, Name);
        int width = grouped.MaxCount;
        var targets = new float[batch.Count * width];
        for (int q = 0; q < batch.Count; q++)
        {
            var labels = batch[q].Labels;
            double max = labels.Max(l => (double)l);
            double sum = labels.Sum(l => Math.Exp(l - max));
            for (int j = 0; j < labels.Count; j++) targets[q * width + j] = (float)(Math.Exp(labels[j] - max) / sum);
        }
        using var scope = NewDisposeScope();
        var scores = Activation.Apply(scorer.Score(grouped.Pairs).to(ScalarType.Float32));
        var logProbabilities = grouped.Padded(scores, -1e16f).log_softmax(1);
        var target = tensor(targets, device: scores.device).view(batch.Count, width).to(scores.dtype);
        return logProbabilities.mul(target).sum(1).mean().neg().MoveToOuterDisposeScope();
    }
}
