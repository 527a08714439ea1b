using RerankExperiments.Data;
using RerankExperiments.Torch.Randomness;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// sentence-transformers' cross-encoder MultipleNegativesRankingLoss (v5 and newer). Each example is an anchor with
/// its positive (passage 0) and optional hard negatives (passages 1…; labels are not read). For anchor i the
/// candidates are its positive, <see cref="NumNegatives"/> in-batch candidates drawn uniformly without replacement
/// from the other rows' passages (positives and hard negatives; all of them when null or when fewer are
/// available), and its own hard negatives. Every (anchor, candidate) pair is scored; with z = scale·a(s),
/// loss = mean_i −log( exp(z_i,pos) / Σ_c exp(z_i,c) ). Defaults: 4 negatives, scale 10, a = sigmoid.
/// Sampling draws from the given <see cref="DeterministicRandom"/>, so a seed fixes it.
/// </summary>
public sealed class MultipleNegativesRankingLoss(DeterministicRandom random, int? numNegatives = 4, double scale = 10.0, LossActivation activation = LossActivation.Sigmoid) : IRankingLoss
{
    public MultipleNegativesRankingLoss(long seed, int? numNegatives = 4, double scale = 10.0, LossActivation activation = LossActivation.Sigmoid)
        : this(new DeterministicRandom(seed), numNegatives, scale, activation) { }

    public string Name => "mnrl";

    /// <summary>In-batch negatives couple the examples: a batch cannot be split.</summary>
    public double? Units(IReadOnlyList<RankingExample> examples) => null;

    public int? NumNegatives { get; } = numNegatives is null or >= 0 ? numNegatives : throw new ArgumentOutOfRangeException(nameof(numNegatives), numNegatives, "must be ≥ 0 or null");

    public double Scale { get; } = scale;

    public LossActivation Activation { get; } = activation;

    public Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer)
    {
        var plan = InBatchCandidates.Plan(batch, NumNegatives, random, Name);
        using var logits = scorer.Score(plan.Pairs);
        return plan.Loss(logits, Scale, Activation);
    }
}
