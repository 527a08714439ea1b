using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' RankNetLoss: <see cref="LambdaLoss"/> with no weighting (w_ij = 1). Over the pairs of
/// a query with y_i &gt; y_j (positions i, j ≤ k in the predicted order), loss = mean over all such pairs of the
/// batch of −log_b clamp(σ(sigma·(s_i − s_j)), eps); b = 2 by default. Defaults k null, sigma 1, eps 1e-10.
/// </summary>
public sealed class RankNetLoss(int? k = null, double sigma = 1.0, double eps = 1e-10, bool naturalLog = false, LossActivation activation = LossActivation.Identity) : IRankingLoss
{
    readonly LambdaLoss _inner = new(LambdaWeightingScheme.NoWeighting, 0.0, k, sigma, eps, naturalLog, activation, "ranknet");

    public string Name => _inner.Name;

    /// <summary>A mean over the pairs the predicted order selects, pooled over the batch: it cannot be split.</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => null;

    public int? K => _inner.K;

    public double Sigma => _inner.Sigma;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer) => _inner.Compute(batch, scorer);
}
