namespace RerankExperiments.Mining;

/// <summary>How a transformer's token states h [B, S, H] become one vector per text (sentence-transformers' Pooling).</summary>
public enum PoolingMode
{
    /// <summary>e = Σ_s m_s·h_s / max(Σ_s m_s, 1e-9), m the attention mask: special tokens included, padding not.</summary>
    Mean,

    /// <summary>e = h_0, the first token's state ([CLS] / &lt;s&gt;).</summary>
    Cls,
}
