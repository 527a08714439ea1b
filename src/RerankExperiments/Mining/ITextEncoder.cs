using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// Turns texts into fixed-size float vectors for dense retrieval: one row per text, in input order. Implementations
/// run without gradients and free every intermediate tensor per batch, so encoding a large corpus in chunks keeps
/// memory flat.
/// </summary>
public interface ITextEncoder : IDisposable
{
    /// <summary>The embedding size d (after any truncation).</summary>
    int Dimension { get; }

    /// <summary>Whether every row <see cref="Encode"/> returns has unit L2 norm (‖e‖₂ = 1), so dot product = cosine.</summary>
    bool Normalizes { get; }

    /// <summary>Where the weights live and the embeddings are returned.</summary>
    Device Device { get; }

    /// <summary>
    /// What determines the embeddings (kind, folder, weight file size and time, pooling, normalisation,
    /// truncation); part of the mining cache key, so a different model never reuses another's results.
    /// </summary>
    string Identity { get; }

    /// <summary>
    /// Embeddings [texts.Count, <see cref="Dimension"/>], float32 on <see cref="Device"/>; the caller disposes them.
    /// <paramref name="progress"/> receives the number of texts finished so far in this call, after each batch,
    /// synchronously on the encoding thread.
    /// </summary>
    Tensor Encode(IReadOnlyList<string> texts, IProgress<int>? progress = null);
}
