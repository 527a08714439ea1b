using RerankExperiments.Data;
using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>A training objective over a batch of examples, scored through an <see cref="IPairScorer"/>.</summary>
public interface IRankingLoss
{
    /// <summary>The name experiment files and logs use (e.g. "bce", "listwise-ce").</summary>
    string Name { get; }

    /// <summary>The batch's loss, a 0-d float32 tensor; the trainer scales it and calls backward.</summary>
    Tensor Compute(IReadOnlyList<RankingExample> batch, IPairScorer scorer);
}

/// <summary>
/// A loss that runs backward itself, chunk by chunk (gradient caching), so a batch too large for memory trains as
/// one: it accumulates the gradients and returns the loss value. The scaleLoss argument of
/// <see cref="ComputeWithBackward"/> is the trainer's scaling (loss scale, accumulation) to apply before each backward.
/// </summary>
public interface ISelfBackwardLoss : IRankingLoss
{
    double ComputeWithBackward(IReadOnlyList<RankingExample> batch, IPairScorer scorer, Func<Tensor, Tensor> scaleLoss);
}
