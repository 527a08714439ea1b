namespace RerankExperiments.Tokenization.Decoders;

/// <summary>Turns vocabulary tokens back into text (WordPiece's ##, ByteLevel's byte alphabet, Metaspace's ▁).</summary>
public interface IDecoder
{
    string Decode(IReadOnlyList<string> tokens);
}
