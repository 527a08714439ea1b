namespace RerankExperiments.Mining;

/// <summary>Settings of <see cref="DenseRetriever"/>.</summary>
/// <param name="Similarity">Cosine (default, as mine_hard_negatives) or dot product.</param>
/// <param name="CorpusChunk">Passages embedded and searched at a time: memory holds one chunk's embeddings
/// (chunk × d floats) and one score block, never the whole corpus.</param>
/// <param name="QueryBlock">Queries scored at a time against a chunk: a score block is QueryBlock × CorpusChunk floats
/// (64 MiB at the defaults).</param>
public sealed record DenseRetrieverOptions(Similarity Similarity = Similarity.Cosine, int CorpusChunk = 16_384, int QueryBlock = 1_024)
{
    public DenseRetrieverOptions Validated()
    {
        if (CorpusChunk < 1) throw new ArgumentOutOfRangeException(nameof(CorpusChunk), CorpusChunk, "must be ≥ 1");
        if (QueryBlock < 1) throw new ArgumentOutOfRangeException(nameof(QueryBlock), QueryBlock, "must be ≥ 1");
        return this;
    }
}
