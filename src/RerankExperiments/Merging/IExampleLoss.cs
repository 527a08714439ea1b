using RerankExperiments.Data;

namespace RerankExperiments.Merging;

/// <summary>
/// A model's mean loss on the merge examples, the Lᵢ of wᵢ = softmax(−Lᵢ / τ). <see cref="ListwiseExampleLoss"/>
/// is the reranker one; tests give hand-made losses.
/// </summary>
public interface IExampleLoss
{
    /// <summary>The mean loss of the model in <paramref name="modelDirectory"/> over <paramref name="groups"/> (positive first).</summary>
    double MeanLoss(string modelDirectory, IReadOnlyList<RankingExample> groups, AutoWeightOptions options);
}
