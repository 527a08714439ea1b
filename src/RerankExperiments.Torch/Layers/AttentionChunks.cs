using static TorchSharp.torch;

namespace RerankExperiments.Torch.Layers;

/// <summary>
/// How composed attention walks a batch on the CPU: a few examples at a time, so each chunk's S × S scores (~8 MB)
/// stay in cache through the passes over them — twice as fast, forward and backward, as one pass over the batch's
/// 50 MB (MiniLM, 16 × 256, measured).
/// </summary>
internal static class AttentionChunks
{
    /// <summary>Score elements per chunk: 2²¹ floats, 8 MB.</summary>
    const long ChunkElements = 1L << 21;

    /// <summary>Consecutive examples (first, count) whose [A, S, S] scores together fill about 8 MB.</summary>
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
