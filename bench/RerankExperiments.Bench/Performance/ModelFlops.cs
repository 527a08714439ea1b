namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Floating-point operations of a BERT cross-encoder, counted the way MFU is counted: multiply-adds of the matrix
/// products only (2 FLOP each; embeddings, norms, activations and softmax are left out as negligible).
/// Per layer, a sequence of n tokens attending over S positions costs
///   2·n·(4H² + 2HI)   the four attention projections and the two feed-forward matrices,
/// + 4·n·S·H           q·kᵀ and probabilities·v over all heads (2·n·S·d per head, A·d = H),
/// and the pooler and classifier add 2·H² + 2·H per sequence. A training step costs three forward passes (the
/// backward pass multiplies by the weight and by the input once each). "Computed" counts the padded batch
/// (n = S = the batch's longest pair) — what the hardware did; "useful" counts each pair at its own length.
/// </summary>
public sealed record ModelFlops(int Layers, int Hidden, int Intermediate)
{
    public static ModelFlops Of(BenchModels.Size size) => new(size.Layers, size.Hidden, size.Intermediate);

    /// <summary>Forward FLOPs of one sequence of <paramref name="tokens"/> tokens attending over <paramref name="attended"/> positions.</summary>
    public double ForwardSequence(long tokens, long attended)
    {
        double h = Hidden, i = Intermediate;
        double perLayer = 2.0 * tokens * (4 * h * h + 2 * h * i) + 4.0 * tokens * attended * h;
        return Layers * perLayer + 2 * h * h + 2 * h;
    }

    /// <summary>Forward FLOPs of a batch padded to its longest pair, as computed.</summary>
    public double ForwardComputed(IReadOnlyList<int> lengths)
    {
        int longest = lengths.Max();
        return lengths.Count * ForwardSequence(longest, longest);
    }

    /// <summary>Forward FLOPs of the same pairs, each at its own length.</summary>
    public double ForwardUseful(IReadOnlyList<int> lengths) => lengths.Sum(n => ForwardSequence(n, n));

    public const double TrainingPasses = 3;
}
