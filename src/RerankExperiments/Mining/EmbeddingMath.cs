using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>The element-wise steps every encoder shares: pooling, truncation and L2 normalisation.</summary>
public static class EmbeddingMath
{
    /// <summary>Pools hidden states [B, S, H] with the attention mask [B, S] (see <see cref="PoolingMode"/>) into [B, H].</summary>
    public static Tensor Pool(Tensor hidden, Tensor attentionMask, PoolingMode mode)
    {
        if (mode == PoolingMode.Cls) return hidden.select(1, 0);
        using var scope = NewDisposeScope();
        var mask = attentionMask.to(hidden.dtype).unsqueeze(-1);
        // sentence-transformers clamps the token count at 1e-9 so an all-padding row gives 0, not NaN.
        return hidden.mul(mask).sum(1).div(mask.sum(1).clamp_min(1e-9)).MoveToOuterDisposeScope();
    }

    /// <summary>e / max(‖e‖₂, 1e-12) per row, torch.nn.functional.normalize's definition (a zero row stays zero).</summary>
    public static Tensor Normalize(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        return embeddings.div(embeddings.norm(1, keepdim: true, p: 2).clamp_min(1e-12)).MoveToOuterDisposeScope();
    }

    /// <summary>The first <paramref name="dimension"/> columns (all when null or not smaller).</summary>
    public static Tensor Truncate(Tensor embeddings, int? dimension) =>
        dimension is { } d && d < embeddings.shape[1] ? embeddings.narrow(1, 0, d) : embeddings.alias();
}
