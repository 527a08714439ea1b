using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class ByteLevelDecoder : IDecoder
{
    public static ByteLevelDecoder FromJson(TokenizerJson json) => throw json.Error("ByteLevelDecoder is not implemented yet.");

    public string Decode(IReadOnlyList<string> tokens) => throw new NotImplementedException();
}
