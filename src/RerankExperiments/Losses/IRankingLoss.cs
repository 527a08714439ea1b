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

    /// <summary>
    /// How many units the loss averages over in <paramref name="examples"/>, so that a batch split into chunks c
    /// gives the same gradient: loss(batch) = Σ_c loss(c) · Units(c) / Units(batch). The default counts examples
    /// (a mean over queries or groups); a mean over pairs counts pairs. Null: the examples of a batch are coupled
    /// (in-batch negatives, or a mean over a pool of pairs the scores choose) and the batch cannot be split — the
    /// trainer's out-of-memory back-off then stops with advice instead.
    /// </summary>
    double? Units(IReadOnlyList<RankingExample> examples) => examples.Count;
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
