using RerankExperiments.Torch.Tensors;
using static TorchSharp.torch;

namespace RerankExperiments.Mining;

/// <summary>
/// Exact top-k by chunked matrix products: for queries Q [q, d] and a corpus P [N, d] seen C rows at a time, each
/// chunk's scores S = Q_b · P_cᵀ (query blocks of B rows, so a score block is B × C floats) are folded into a
/// <see cref="RunningTopK"/> per query block and dropped. Memory is the queries, one chunk and one score block;
/// work is 2·q·N·d flops. Results equal a full sort of every score row (score descending, ties by corpus index),
/// for any chunk size and any k. Everything runs on the queries' device.
/// </summary>
public static class ExactTopK
{
    /// <summary>Top-k of <paramref name="queries"/> against an in-memory <paramref name="corpus"/> [N, d].</summary>
    public static (int Index, float Score)[][] Search(Tensor queries, Tensor corpus, int k, int corpusChunk = 16_384, int queryBlock = 1_024) =>
        Search(queries, (int)corpus.shape[0], (start, count) => corpus.narrow(0, start, count), k, corpusChunk, queryBlock);

    /// <summary>
    /// Top-k of <paramref name="queries"/> [q, d] against a corpus of <paramref name="corpusCount"/> rows produced
    /// chunk by chunk by <paramref name="chunk"/>(start, count) (e.g. embedded on demand; this method disposes each
    /// chunk after use). <paramref name="onChunk"/>(start, embeddings) runs after a chunk is searched, before it is
    /// freed, for work on the same embeddings (scoring known pairs, progress).
    /// </summary>
    public static (int Index, float Score)[][] Search(Tensor queries, int corpusCount, Func<int, int, Tensor> chunk, int k,
        int corpusChunk = 16_384, int queryBlock = 1_024, Action<int, Tensor>? onChunk = null)
    {
        if (queries.dim() != 2) throw new ArgumentException($"queries must be [count, dim]; got [{string.Join(", ", queries.shape)}].", nameof(queries));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(corpusChunk, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queryBlock, 1);
        int count = (int)queries.shape[0];
        var blocks = new List<(int Start, int Count, RunningTopK TopK)>();
        for (int start = 0; start < count; start += queryBlock)
        {
            int size = Math.Min(queryBlock, count - start);
            blocks.Add((start, size, new RunningTopK(size, k)));
        }
        try
        {
            using var noGrad = inference_mode();
            for (int start = 0; start < corpusCount; start += corpusChunk)
            {
                int size = Math.Min(corpusChunk, corpusCount - start);
                using var scope = NewDisposeScope();
                var embeddings = chunk(start, size);
                if (embeddings.shape[0] != size || embeddings.dim() != 2 || embeddings.shape[1] != queries.shape[1])
                    throw new InvalidOperationException($"chunk {start}…{start + size - 1} came back [{string.Join(", ", embeddings.shape)}], expected [{size}, {queries.shape[1]}].");
                var transposed = embeddings.t();
                foreach (var (blockStart, blockSize, topK) in blocks)
                {
                    using var blockScope = NewDisposeScope();
                    topK.Add(CheckedOps.MatMul(queries.narrow(0, blockStart, blockSize), transposed), start);
                }
                onChunk?.Invoke(start, embeddings);
            }
            return blocks.SelectMany(b => b.TopK.Results()).ToArray();
        }
        finally
        {
            foreach (var block in blocks) block.TopK.Dispose();
        }
    }
}
