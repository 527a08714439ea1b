using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// FlagEmbedding's reranker loss: each example is a group of 1 positive + (group_size − 1) negatives, scored
/// together, and the loss is the softmax cross-entropy with the positive as the class:
/// loss = mean over groups of −log( exp(s₊) / Σⱼ exp(sⱼ) ). Groups must all have <see cref="GroupSize"/> passages
/// with the positive first (the trainer's data preparation samples them so).
/// </summary>
public sealed class ListwiseCrossEntropyLoss(int groupSize) : IRankingLoss
{
    public string Name => "listwise-ce";

    public int GroupSize { get; } = groupSize >= 2 ? groupSize : throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "must be ≥ 2");

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var pairs = new List<(string, string)>(batch.Count * GroupSize);
        foreach (var example in batch)
        {
            if (example.Passages.Count != GroupSize)
                throw new ArgumentException($"listwise-ce needs groups of {GroupSize} passages; the example for '{example.Query}' has {example.Passages.Count}.");
            pairs.AddRange(example.Passages.Select(p => (example.Query, p)));
        }
        using var scope = NewDisposeScope();
        var logits = scorer.Score(pairs).view(batch.Count, GroupSize);
        var positive = zeros(batch.Count, ScalarType.Int64, logits.device);
        return nn.functional.cross_entropy(logits, positive).MoveToOuterDisposeScope();
    }
}
