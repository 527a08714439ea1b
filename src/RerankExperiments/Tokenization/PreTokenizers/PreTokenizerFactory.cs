using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>Builds a pre-tokenizer from its tokenizer.json object, by <c>type</c>.</summary>
public static class PreTokenizerFactory
{
    static readonly string[] Supported =
        ["BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Metaspace", "ByteLevel", "Split", "Punctuation", "Digits", "Sequence"];

    public static IPreTokenizer Create(TokenizerJson json) => json.Type switch
    {
        "BertPreTokenizer" => new BertPreTokenizer(),
        "Whitespace" => WhitespacePreTokenizer.FromJson(json),
        "WhitespaceSplit" => WhitespaceSplitPreTokenizer.FromJson(json),
        "Metaspace" => MetaspacePreTokenizer.FromJson(json),
        "ByteLevel" => ByteLevelPreTokenizer.FromJson(json),
        "Split" => SplitPreTokenizer.FromJson(json),
        "Punctuation" => PunctuationPreTokenizer.FromJson(json),
        "Digits" => DigitsPreTokenizer.FromJson(json),
        "Sequence" => new SequencePreTokenizer(json.Required("pretokenizers").Items().Select(Create).ToList()),
        _ => throw json.Unsupported("pre-tokenizer", Supported),
    };
}
