using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Models;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class BpeModel : ITokenizerModel
{
    public static BpeModel FromJson(TokenizerJson json) => throw json.Error("BpeModel is not implemented yet.");

    public void Tokenize(string piece, List<int> ids) => throw new NotImplementedException();
    public int? TokenToId(string token) => throw new NotImplementedException();
    public string? IdToToken(int id) => throw new NotImplementedException();
    public int VocabularySize => throw new NotImplementedException();
}
