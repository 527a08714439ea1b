using static TorchSharp.torch;

namespace RerankExperiments.Losses;

/// <summary>
/// Runs the model being trained on (query, passage) pairs. The trainer implements it (tokenize, collate, forward);
/// tests implement it with a few parameters so gradients can be checked by hand.
/// </summary>
public interface IPairScorer
{
    /// <summary>
    /// The first logit of each pair, a float32 tensor [N] on the model's device, attached to the autograd graph
    /// unless grad mode is off.
    /// </summary>
    Tensor Score(IReadOnlyList<(string Query, string Passage)> pairs);
}
