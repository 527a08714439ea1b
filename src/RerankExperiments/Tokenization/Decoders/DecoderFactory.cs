using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>Builds a decoder from its tokenizer.json object, by <c>type</c>.</summary>
public static class DecoderFactory
{
    static readonly string[] Supported = ["WordPiece", "ByteLevel", "Metaspace"];

    public static IDecoder Create(TokenizerJson json) => json.Type switch
    {
        "WordPiece" => WordPieceDecoder.FromJson(json),
        "ByteLevel" => ByteLevelDecoder.FromJson(json),
        "Metaspace" => MetaspaceDecoder.FromJson(json),
        _ => throw json.Unsupported("decoder", Supported),
    };
}
