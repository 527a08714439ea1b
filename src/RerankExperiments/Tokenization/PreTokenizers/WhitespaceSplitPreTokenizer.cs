using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public static WhitespaceSplitPreTokenizer FromJson(TokenizerJson json) => throw json.Error("WhitespaceSplitPreTokenizer is not implemented yet.");

    public void Split(Piece piece, List<Piece> output) => throw new NotImplementedException();
}
