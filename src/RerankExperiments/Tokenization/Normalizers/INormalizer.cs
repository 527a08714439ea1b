namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>
/// The first stage of a tokenizer.json pipeline: rewrites text before it is split (Unicode normalisation,
/// lowercasing, accent stripping, sentencepiece's compiled rules). Chosen by the normalizer's <c>type</c>.
/// Implementations are immutable and thread-safe.
/// </summary>
public interface INormalizer
{
    string Normalize(string text);
}
