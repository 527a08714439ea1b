using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// How composed attention walks a batch on the CPU: a few examples at a time, so each chunk's S × S scores (~2 MB, a
/// core's L2 here) stay in cache through the passes over them. Chunks of 8 MB ran twice as fast, forward and backward,
/// as one pass over a 16 × 256 MiniLM batch's 50 MB; 2 MB chunks are faster again at the lengths length grouping
/// makes: the attention-dropout node's forward + backward at 16 × 12 heads × 97 tokens took 12.8–14.3 ms against
/// 14.2–18.2 ms with 8 MB (4 runs each, alternating; torch's fused attention without dropout 11.9–12.9 ms). At 256
/// tokens, where one example's scores are 3 MB, one-example chunks were level with two-example ones (64–84 ms against
/// 64–78 ms), and splitting an example's heads into 2 MB groups was no faster (71–73 ms).
/// </summary>
internal static class AttentionChunks
{
    /// <summary>Score elements per chunk: 2¹⁹ floats, 2 MB.</summary>
    const long ChunkElements = 1L << 19;

    /// <summary>Consecutive examples (first, count) whose [A, S, S] scores together fill about 2 MB (at least one example).</summary>
    public static List<(long First, long Size)> Of(Tensor query, Tensor key)
    {
        long batch = query.shape[0], perExample = query.numel() / batch / query.shape[^1] * key.shape[^2];
        long size = Math.Clamp(ChunkElements / Math.Max(1, perExample), 1, batch);
        var chunks = new List<(long, long)>();
        for (long first = 0; first < batch; first += size) chunks.Add((first, Math.Min(size, batch - first)));
        return chunks;
    }

    /// <summary>A mask with its own batch dimension is cut like the batch; one that broadcasts over it is shared.</summary>
    public static Tensor? Mask(Tensor? mask, long first, long size) =>
        mask is null || mask.dim() < 4 || mask.shape[0] == 1 ? mask : mask.narrow(0, first, size);

    /// <summary>The chunks' results as one batch (a chunk alone is returned as is); the parts are disposed.</summary>
    public static Tensor Joined(List<Tensor> parts)
    {
        if (parts.Count == 1) return parts[0];
        var joined = cat(parts, 0);
        foreach (var part in parts) part.Dispose();
        return joined;
    }
}
