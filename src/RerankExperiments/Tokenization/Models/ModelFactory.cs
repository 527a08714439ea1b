using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Models;

/// <summary>Builds the model from its tokenizer.json object, by <c>type</c>.</summary>
public static class ModelFactory
{
    static readonly string[] Supported = ["WordPiece", "BPE", "Unigram"];

    public static ITokenizerModel Create(TokenizerJson json)
    {
        // Old files may omit the model's type; tokenizers then guesses from the fields present.
        string type = json.OptionalString("type")
            ?? (json.Optional("merges") is not null ? "BPE" : json.Optional("unk_id") is not null ? "Unigram" : "WordPiece");
        return type switch
        {
            "WordPiece" => WordPieceModel.FromJson(json),
            "BPE" => BpeModel.FromJson(json),
            "Unigram" => UnigramModel.FromJson(json),
            _ => throw json.Unsupported("model", Supported),
        };
    }
}
