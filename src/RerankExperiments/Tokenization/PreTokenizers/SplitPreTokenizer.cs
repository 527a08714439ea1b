using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class SplitPreTokenizer : IPreTokenizer
{
    public static SplitPreTokenizer FromJson(TokenizerJson json) => throw json.Error("SplitPreTokenizer is not implemented yet.");

    public void Split(Piece piece, List<Piece> output) => throw new NotImplementedException();
}
