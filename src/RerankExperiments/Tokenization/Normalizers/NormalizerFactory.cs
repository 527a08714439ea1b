using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>Builds a normalizer from its tokenizer.json object, by <c>type</c>.</summary>
public static class NormalizerFactory
{
    static readonly string[] Supported =
        ["BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Strip", "Replace", "Prepend", "Precompiled", "Sequence"];

    public static INormalizer Create(TokenizerJson json) => json.Type switch
    {
        "BertNormalizer" => BertNormalizer.FromJson(json),
        "Lowercase" => new LowercaseNormalizer(),
        "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
        "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
        "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
        "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
        "StripAccents" => new StripAccentsNormalizer(),
        "Strip" => StripNormalizer.FromJson(json),
        "Replace" => ReplaceNormalizer.FromJson(json),
        "Prepend" => PrependNormalizer.FromJson(json),
        "Precompiled" => PrecompiledNormalizer.FromJson(json),
        "Sequence" => new SequenceNormalizer(json.Required("normalizers").Items().Select(Create).ToList()),
        _ => throw json.Unsupported("normalizer", Supported),
    };
}
