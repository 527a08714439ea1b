namespace RerankExperiments.Mining;

/// <summary>How two embeddings q and p score.</summary>
public enum Similarity
{
    /// <summary>cos(q, p) = q·p / (‖q‖‖p‖): rows are L2-normalised, then dotted (sentence-transformers' default).</summary>
    Cosine,

    /// <summary>q·p as the encoder returns them.</summary>
    Dot,
}
