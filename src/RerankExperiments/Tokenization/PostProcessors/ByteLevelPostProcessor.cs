using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>
/// <c>{"type":"ByteLevel",...}</c> as a post-processor: adds no tokens and leaves the encodings as they are
/// (tokenizers' version only trims offsets, which this project does not produce). Type ids stay as they arrive,
/// A's 0 and B's 1, which is what tokenizers' default processing gives when this processor is used alone.
/// </summary>
public sealed class ByteLevelPostProcessor : IPostProcessor
{
    public static readonly ByteLevelPostProcessor Instance = new();

    ByteLevelPostProcessor() { }

    public static ByteLevelPostProcessor FromJson(TokenizerJson json) => Instance;

    public int AddedTokens(bool isPair) => 0;

    public List<TokenSequence> Process(List<TokenSequence> sequences) => sequences;
}
