using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class PrecompiledNormalizer : INormalizer
{
    public static PrecompiledNormalizer FromJson(TokenizerJson json) => throw json.Error("PrecompiledNormalizer is not implemented yet.");

    public string Normalize(string text) => throw new NotImplementedException();
}
