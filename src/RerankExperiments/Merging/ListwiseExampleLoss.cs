using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using static TorchSharp.torch;

namespace RerankExperiments.Merging;

/// <summary>
/// The reranker's training loss as the merge loss (LM-Cocktail PR #809): each group (positive first) is scored by
/// the model, no gradient, and L = mean over groups of −log( exp(s₊) / Σⱼ exp(sⱼ) ) — <see cref="ListwiseCrossEntropyLoss"/>.
/// The mean is over groups, not batches, so the batch size does not change it. Pairs are truncated (longest first)
/// to min(max_input_length, the model's own limit). The model is loaded in fp32 on the CPU and freed afterwards,
/// so only one candidate is in memory at a time.
/// </summary>
public sealed class ListwiseExampleLoss : IExampleLoss
{
    public double MeanLoss(string modelDirectory, IReadOnlyList<RankingExample> groups, AutoWeightOptions options)
    {
        if (groups.Count == 0) throw new ArgumentException("No groups to measure the loss on.");
        using var encoder = CrossEncoder.Load(modelDirectory);
        int groupSize = groups[0].Passages.Count;
        var loss = new ListwiseCrossEntropyLoss(groupSize);
        var reranker = new Reranker(encoder, new RerankerOptions(options.BatchSize * groupSize, Math.Min(options.MaxInputLength, encoder.MaxLength)));
        var scorer = new RerankerPairScorer(reranker);
        double total = 0;
        for (int start = 0; start < groups.Count; start += options.BatchSize)
        {
            var batch = groups.Skip(start).Take(options.BatchSize).ToList();
            using var scope = NewDisposeScope();
            total += loss.Compute(batch, scorer).item<float>() * (double)batch.Count;
        }
        return total / groups.Count;
    }
}
