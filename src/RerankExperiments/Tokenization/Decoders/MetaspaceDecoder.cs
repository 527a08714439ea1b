using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class MetaspaceDecoder : IDecoder
{
    public static MetaspaceDecoder FromJson(TokenizerJson json) => throw json.Error("MetaspaceDecoder is not implemented yet.");

    public string Decode(IReadOnlyList<string> tokens) => throw new NotImplementedException();
}
