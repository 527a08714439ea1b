namespace RerankExperiments.Tokenization.Models;

/// <summary>
/// The third stage: turns one pre-tokenized piece into vocabulary ids (WordPiece, BPE, Unigram). Chosen by the
/// model's <c>type</c>. Implementations are thread-safe (any cache they keep is concurrent).
/// </summary>
public interface ITokenizerModel
{
    /// <summary>Appends the ids of <paramref name="piece"/> to <paramref name="ids"/>.</summary>
    void Tokenize(string piece, List<int> ids);

    /// <summary>The id of a vocabulary entry, or null.</summary>
    int? TokenToId(string token);

    /// <summary>The vocabulary entry of an id, or null.</summary>
    string? IdToToken(int id);

    /// <summary>Number of entries in the model's own vocabulary (added tokens not counted).</summary>
    int VocabularySize { get; }
}
