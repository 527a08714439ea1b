using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// softmax(q·kᵀ/√d + mask)·v with dropout p on the probabilities, the way that is fastest where it runs. Without
/// dropout, or off the CPU, it is torch's fused scaled_dot_product_attention (flash kernels: the S × S scores are
/// never stored). On the CPU in training with p &gt; 0 libtorch has no fused kernel and falls back to the composed
/// math with its one-thread bernoulli_; here fp32 goes through <see cref="AttentionDropoutFunction"/> (one node that
/// keeps only the probabilities and redraws its mask in backward), other dtypes through the same math composed with
/// a mask from <see cref="DropoutMasks"/>, the 1/(1 − p) scale folded into v (S × d) instead of the probabilities;
/// both a few examples at a time (<see cref="AttentionChunks"/>).
/// </summary>
public static class Attention
{
    /// <param name="query">[B, A, S, d]</param>
    /// <param name="key">[B, A, S, d]</param>
    /// <param name="value">[B, A, S, d]</param>
    /// <param name="additiveMask">Broadcastable to [B, A, S, S]: 0 where attended, very negative where not.</param>
    /// <param name="dropout">Probability of dropping an attention weight in training.</param>
    /// <param name="training">Whether dropout applies.</param>
    public static Tensor ScaledDotProduct(Tensor query, Tensor key, Tensor value, Tensor? additiveMask, double dropout, bool training)
    {
        if (!training || dropout == 0 || query.device_type != DeviceType.CPU)
            return nn.functional.scaled_dot_product_attention(query, key, value, additiveMask, p: training ? dropout : 0.0);
        if (query.dtype == ScalarType.Float32 && key.dtype == ScalarType.Float32 && value.dtype == ScalarType.Float32 && query.numel() > 0)
            return AttentionDropoutFunction.Forward(query, key, value, additiveMask, dropout);
        using var scope = NewDisposeScope();
        var parts = AttentionChunks.Of(query, key).Select(chunk => Composed(query.narrow(0, chunk.First, chunk.Size),
            key.narrow(0, chunk.First, chunk.Size), value.narrow(0, chunk.First, chunk.Size),
            AttentionChunks.Mask(additiveMask, chunk.First, chunk.Size), dropout)).ToList();
        return AttentionChunks.Joined(parts).MoveToOuterDisposeScope();
    }

    static Tensor Composed(Tensor query, Tensor key, Tensor value, Tensor? additiveMask, double dropout)
    {
        var scores = CheckedOps.MatMul(query * (1 / Math.Sqrt(query.shape[^1])), key.transpose(-2, -1));
        if (additiveMask is not null) scores.add_(additiveMask);
        var probabilities = scores.softmax(-1);
        var kept = probabilities.masked_fill(DropoutMasks.Dropped(probabilities.shape, dropout), 0);
        return CheckedOps.MatMul(kept, value * (1 / (1 - dropout)));
    }
}
