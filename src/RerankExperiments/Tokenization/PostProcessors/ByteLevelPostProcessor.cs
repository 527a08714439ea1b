using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>PLACEHOLDER: to be implemented (issue 3). Loading a tokenizer.json that uses it fails clearly.</summary>
public sealed class ByteLevelPostProcessor : IPostProcessor
{
    public static ByteLevelPostProcessor FromJson(TokenizerJson json) => throw json.Error("ByteLevelPostProcessor is not implemented yet.");

    public int AddedTokens(bool isPair) => throw new NotImplementedException();

    public List<TokenSequence> Process(List<TokenSequence> sequences) => throw new NotImplementedException();
}
