using System.Text.Json;

namespace RerankExperiments.Mining;

/// <summary>
/// Dense retrieval for mining: an embedding model folder already resolved (a local folder or a Hub snapshot, see
/// <see cref="Hub.ModelReference.ResolveEmbedding"/>) and the encoder's settings. Similarity is cosine, as
/// sentence-transformers' mine_hard_negatives uses (it normalises the embeddings).
/// </summary>
/// <param name="ModelDirectory">A sentence-transformers folder (transformer or StaticEmbedding) or a plain Hugging Face encoder.</param>
/// <param name="Encoder">Batch size, token limit, truncate_dim; <see cref="TextEncoderOptions.Normalize"/> stays on.</param>
public sealed record DenseMiningSettings(string ModelDirectory, TextEncoderOptions Encoder)
{
    /// <summary>
    /// What determines the mined result, without loading the model: the folder's fingerprint
    /// (<see cref="ModelIdentity"/>), the encoder settings and the similarity. Part of the mining cache key.
    /// </summary>
    public string Identity => $"dense:{ModelIdentity.Of(ModelDirectory)}|{JsonSerializer.Serialize(Encoder)}|{Similarity.Cosine}";
}
