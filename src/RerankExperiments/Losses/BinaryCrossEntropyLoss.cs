using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' BinaryCrossEntropyLoss: every (query, passage, label) pair of the batch scored alone,
/// loss = mean over pairs of −[w·y·log σ(s) + (1 − y)·log(1 − σ(s))], with s the logit, y ∈ [0, 1] the label and
/// w the positive weight (pos_weight; FlagEmbedding-style data often sets it to the negatives per positive).
/// </summary>
public sealed class BinaryCrossEntropyLoss(double? positiveWeight = null) : IRankingLoss
{
    public string Name => "bce";

    /// <summary>A mean over pairs: every passage of every example.</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => examples.Sum(e => e.Passages.Count);

    public double? PositiveWeight { get; } = positiveWeight;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var pairs = new List<(string, string)>();
        var labels = new List<float>();
        foreach (var example in batch)
            for (int i = 0; i < example.Passages.Count; i++)
            {
                pairs.Add((example.Query, example.Passages[i]));
                labels.Add(example.Labels[i]);
            }
        using var scope = NewDisposeScope();
        var logits = scorer.Score(pairs);
        var targets = tensor(labels.ToArray(), device: logits.device);
        var weight = PositiveWeight is { } w ? tensor(new[] { (float)w }, device: logits.device) : null;
        return nn.functional.binary_cross_entropy_with_logits(logits, targets, pos_weights: weight).MoveToOuterDisposeScope();
    }
}
