using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>Prepends a string to non-empty text.</summary>
public sealed record PrependNormalizer(string Prefix) : INormalizer
{
    public static PrependNormalizer FromJson(TokenizerJson json) => new(json.String("prepend"));

    public string Normalize(string text) => text.Length == 0 ? text : Prefix + text;
}
