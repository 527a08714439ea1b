namespace RerankExperiments.Mining;

/// <summary>Settings of an <see cref="ITextEncoder"/>; null values take the model's own.</summary>
/// <param name="BatchSize">Texts per forward pass. Null: 32 for a transformer (as sentence-transformers' encode),
/// 4096 for a StaticEmbedding model, whose per-text tensor work is a few hundred flops, so small batches would be
/// all overhead.</param>
/// <param name="MaxLength">Token limit per text (special tokens included); null: sentence_bert_config.json's
/// max_seq_length, else the tokenizer's and position table's limit.</param>
/// <param name="Normalize">L2-normalise each embedding last (sentence-transformers' normalize_embeddings, which
/// mine_hard_negatives sets); false keeps what the model's modules give (normalised only with a Normalize module).</param>
/// <param name="TruncateDim">Keep only the first d dimensions (Matryoshka models such as
/// static-retrieval-mrl-en-v1), applied after the model's modules and before <paramref name="Normalize"/>, as
/// sentence-transformers' truncate_dim.</param>
/// <param name="Pooling">Override the pooling of a transformer model (default: 1_Pooling/config.json, else mean).</param>
public sealed record TextEncoderOptions(int? BatchSize = null, int? MaxLength = null, bool Normalize = true, int? TruncateDim = null, PoolingMode? Pooling = null)
{
    public TextEncoderOptions Validated()
    {
        if (BatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be ≥ 1");
        if (MaxLength is < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "must be ≥ 1");
        if (TruncateDim is < 1) throw new ArgumentOutOfRangeException(nameof(TruncateDim), TruncateDim, "must be ≥ 1");
        return this;
    }
}
