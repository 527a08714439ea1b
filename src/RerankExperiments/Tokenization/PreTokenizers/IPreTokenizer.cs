namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// A piece of text on its way to the model. <see cref="AtStart"/> is true when the piece begins at offset 0 of
/// the sequence being encoded (Metaspace's prepend_scheme "first" prepends only there; text after an added token
/// is not at the start).
/// </summary>
public readonly record struct Piece(string Text, bool AtStart);

/// <summary>
/// The second stage: splits normalized text into pieces the model tokenizes independently (words, punctuation,
/// byte-level chunks), possibly rewriting them (Metaspace's ▁, ByteLevel's byte alphabet). Chosen by the
/// pre-tokenizer's <c>type</c>. Implementations are immutable and thread-safe.
/// </summary>
public interface IPreTokenizer
{
    /// <summary>Appends the pieces <paramref name="piece"/> splits into to <paramref name="output"/>, in order.</summary>
    void Split(Piece piece, List<Piece> output);
}
